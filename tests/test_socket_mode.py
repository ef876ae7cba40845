"""`syncbot socket` end to end: a real process, connected to the Slack stand-in's local
Socket Mode server, answering a slash command, interactions and an event, stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from cryptography.fernet import Fernet

from bot.simulator import DEFAULT_PASSWORD
from bot.setup.credentials import CredentialsForm
from bot.slack_standin import SlackWebApiStandIn
from handlers.credentials_modal import submission_values
from tests.support.harness import ADMIN, MEMBER

SLACK_DEADLINE = 3.0
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


def _start_socket_process(slack: SlackWebApiStandIn, app_token: str, database: Path) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("SLACK_", "SYNCBOT_", "DATABASE_URL")) and k not in _PROXY_VARIABLES}
    env = {**clean, "SLACK_BOT_TOKEN": slack.token, "SLACK_APP_TOKEN": app_token, "SLACK_API_URL": slack.api_url,
           "DATABASE_URL": f"sqlite:///{database}", "SYNCBOT_SECRET_KEY": Fernet.generate_key().decode()}
    return subprocess.Popen([sys.executable, "-m", "bot", "socket", "--no-scheduler"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_syncbot_socket_answers_commands_interactions_and_events_and_stops_on_sigterm(tmp_path: Path) -> None:
    with SlackWebApiStandIn() as slack:
        slack.add_user(ADMIN, name="ada", is_admin=True)
        slack.add_user(MEMBER, name="max")
        socket_mode = slack.enable_socket_mode()
        process = _start_socket_process(slack, socket_mode.app_token, tmp_path / "s.db")
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, "")), daemon=True)
        reader.start()
        try:
            socket_mode.wait_for_connection(timeout=30)
            opened = slack.wait_for("apps.connections.open")
            assert opened.token == socket_mode.app_token

            # A slash command answered in its acknowledgement.
            help_ack = socket_mode.wait_for_ack(socket_mode.slash_command("help", user_id=MEMBER))
            assert help_ack.seconds < SLACK_DEADLINE
            assert "`/sync credentials`" in help_ack.text

            # A slash command acknowledged at once and answered through its response_url.
            slack.clear()
            pause = socket_mode.wait_for_ack(socket_mode.slash_command("pause", user_id=ADMIN))
            assert pause.payload is None and pause.seconds < SLACK_DEADLINE
            assert slack.wait_for_response().text == "Do `/sync credentials` first: it is the next setup step."

            # Interactions: the credentials modal opens, and a bad form is answered in the ack.
            slack.clear()
            socket_mode.wait_for_ack(socket_mode.slash_command("credentials", user_id=ADMIN))
            view = slack.wait_for("views.open").response["view"]
            values = submission_values(CredentialsForm(username="not an email", password=DEFAULT_PASSWORD,
                                                       security_token=""))
            submitted = socket_mode.wait_for_ack(
                socket_mode.view_submission("sync_credentials", values, opened_view=view, user_id=ADMIN)
            )
            assert submitted.seconds < SLACK_DEADLINE
            assert submitted.payload == {"response_action": "errors", "errors": {
                "username": "Enter the Salesforce username, which looks like an email address."}}
            slack.clear()
            cancel = socket_mode.wait_for_ack(socket_mode.block_action("cancel_step", "sync-fields", user_id=ADMIN))
            assert cancel.payload is None
            assert slack.wait_for_response().text == "Cancelled; nothing changed."

            # An event.
            home = socket_mode.wait_for_ack(socket_mode.app_home_opened(user_id=MEMBER))
            assert home.payload is None
            published = slack.wait_for("views.publish").args
            assert published["user_id"] == MEMBER
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
            reader.join(timeout=5)
        assert process.returncode == 0, "".join(lines)
        assert socket_mode.wait_for_disconnect(timeout=5) == "app"
    assert any("syncbot socket stopped" in line for line in lines), "".join(lines)
    assert not any("Traceback" in line for line in lines), "".join(lines)


def test_a_refused_app_token_is_one_line(tmp_path: Path) -> None:
    with SlackWebApiStandIn() as slack:
        socket_mode = slack.enable_socket_mode()
        process = _start_socket_process(slack, "xapp-1-wrong", tmp_path / "s.db")
        try:
            _out, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        assert socket_mode.acks.items() == []
    assert process.returncode == 2
    assert err.strip().splitlines()[-1] == "syncbot: SLACK_APP_TOKEN was refused by Slack (invalid_auth)."
    assert "Traceback" not in err

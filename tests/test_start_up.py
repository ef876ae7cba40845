"""What `syncbot serve`, `socket` and `worker` say when they start and stop, run as real
processes: a Slack that cannot be reached, a missing secret key, the log at its default level."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet

from bot.slack_standin import SlackRequestSender, SlackWebApiStandIn, ack_text
from tests.support.harness import MEMBER, SIGNING_SECRET
from tests.support.processes import free_port, wait_until_up

_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
# A log line without its time: "WARNING syncbot: Slack cannot be reached ...".
_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")
UNREACHABLE = (
    "WARNING syncbot: Slack cannot be reached at {url} ({reason}). syncbot starts anyway: sync cycles run "
    "and alerts wait in the outbox. Asking Slack again in 5 s."
)
NO_KEY = (
    "WARNING syncbot: SYNCBOT_SECRET_KEY is not set: no Salesforce login can be stored or read "
    "(`/sync credentials` refuses) until it is. Make a key with `syncbot keygen`, set it, and restart."
)


class Process:
    """A syncbot process whose stderr is read line by line as it comes."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith(("SLACK_", "SYNCBOT_", "DATABASE_URL")) and k not in _PROXY_VARIABLES}
        self.popen = subprocess.Popen([sys.executable, "-m", "bot", *args], env={**clean, **env},
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stderr is not None
        for line in iter(self.popen.stderr.readline, ""):
            self.lines.append(_STAMP.sub("", line.rstrip("\n")))

    def wait_for(self, wanted: Callable[[str], bool], timeout: float = 30) -> str:
        """The first line ``wanted`` accepts, waiting for it to be logged."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((line for line in list(self.lines) if wanted(line)), None)
            if found is not None:
                return found
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no such line in {timeout}s; the process said: {self.lines}")

    def stop(self) -> int:
        """SIGTERM, then the exit code once every line is read."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        code = self.popen.wait(timeout=60)
        self._reader.join(timeout=5)
        return code


@contextmanager
def syncbot(*args: str, env: dict[str, str]) -> Iterator[Process]:
    process = Process(list(args), env)
    try:
        yield process
    finally:
        if process.popen.poll() is None:
            process.popen.kill()
            process.popen.wait(timeout=15)


def _env(tmp_path: Path, api_url: str, **extra: str) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": SlackWebApiStandIn().token, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url, "DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}",
            "SYNCBOT_SECRET_KEY": Fernet.generate_key().decode(), **extra}


def test_serve_starts_without_slack_says_so_in_one_line_and_finds_slack_later(tmp_path: Path) -> None:
    slack_port, port = free_port(), free_port()
    api_url = f"http://127.0.0.1:{slack_port}/api/"
    with syncbot("serve", "--host", "127.0.0.1", "--port", str(port), env=_env(tmp_path, api_url)) as bot:
        warning = bot.wait_for(lambda line: "Slack cannot be reached" in line)
        assert warning == UNREACHABLE.format(url=api_url, reason="Connection refused")
        wait_until_up(f"http://127.0.0.1:{port}/healthz")  # it serves meanwhile
        with SlackWebApiStandIn(port=slack_port) as slack:
            slack.add_user(MEMBER, name="max")
            found = bot.wait_for(lambda line: "Slack answers" in line, timeout=40)
            assert found == f"INFO syncbot: Slack answers at {api_url}: the bot token is accepted."
            response = SlackRequestSender(f"http://127.0.0.1:{port}", SIGNING_SECRET, web_api=slack).slash_command(
                "help", user_id=MEMBER)
            assert "`/sync credentials`" in ack_text(response)
            assert bot.stop() == 0
    assert bot.lines[-1] == "INFO syncbot: syncbot serve stopped"
    assert not any("Traceback" in line or "URLError" in line for line in bot.lines), bot.lines


def test_a_token_refused_once_slack_is_reached_stops_serve_with_one_line(tmp_path: Path) -> None:
    slack_port = free_port()
    api_url = f"http://127.0.0.1:{slack_port}/api/"
    env = _env(tmp_path, api_url, SLACK_BOT_TOKEN="xoxb-wrong")
    with syncbot("serve", "--host", "127.0.0.1", "--port", str(free_port()), env=env) as bot:
        bot.wait_for(lambda line: "Slack cannot be reached" in line)
        with SlackWebApiStandIn(port=slack_port):
            assert bot.popen.wait(timeout=60) == 2
            bot.stop()
    assert bot.lines[-1] == "syncbot: SLACK_BOT_TOKEN was refused by Slack (invalid_auth)."
    assert not any("Traceback" in line for line in bot.lines), bot.lines


def test_a_slack_host_that_does_not_resolve_is_one_line_for_serve_and_socket(tmp_path: Path) -> None:
    api_url = "http://slack.syncbot-test.invalid/api/"
    for command in (["serve", "--host", "127.0.0.1", "--port", str(free_port())], ["socket"]):
        env = _env(tmp_path, api_url, SLACK_APP_TOKEN="xapp-1-test")
        with syncbot(*command, env=env) as bot:
            warning = bot.wait_for(lambda line: "Slack cannot be reached" in line)
            assert bot.popen.poll() is None  # still running
            assert bot.stop() == 0
        # The resolver's own words ("Name or service not known", "Temporary failure in name resolution").
        assert re.fullmatch(re.escape(UNREACHABLE.format(url=api_url, reason="@")).replace("@", r"[A-Za-z ]+"),
                            warning), warning
        assert bot.lines[-1] == f"INFO syncbot: syncbot {command[0]} stopped"
        assert not any("Traceback" in line or "URLError" in line for line in bot.lines), bot.lines


def test_serve_stopped_while_it_waits_for_slack_stops_cleanly(tmp_path: Path) -> None:
    # A Slack that takes the connection and never answers: the start-up question hangs.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(30)
        api_url = f"http://127.0.0.1:{silent.getsockname()[1]}/api/"
        with syncbot("serve", "--host", "127.0.0.1", "--port", str(free_port()), env=_env(tmp_path, api_url)) as bot:
            connection, _ = silent.accept()  # syncbot is asking now
            started = time.monotonic()
            assert bot.stop() == 0
            connection.close()
    assert time.monotonic() - started < 8  # it did not wait for the question's 10 s timeout
    assert bot.lines[-1] == "INFO syncbot: syncbot serve stopped"
    assert not any("Traceback" in line for line in bot.lines), bot.lines


def test_socket_waits_for_slack_then_connects(tmp_path: Path) -> None:
    slack_port = free_port()
    api_url = f"http://127.0.0.1:{slack_port}/api/"
    with syncbot("socket", "--no-scheduler", env=_env(tmp_path, api_url, SLACK_APP_TOKEN="xapp-1-test")) as bot:
        assert bot.wait_for(lambda line: "Slack cannot be reached" in line) == UNREACHABLE.format(
            url=api_url, reason="Connection refused")
        with SlackWebApiStandIn(port=slack_port) as slack:
            slack.add_user(MEMBER, name="max")
            socket_mode = slack.enable_socket_mode("xapp-1-test")
            socket_mode.wait_for_connection(timeout=40)
            bot.wait_for(lambda line: "connected to Slack over Socket Mode" in line)
            assert "`/sync credentials`" in socket_mode.wait_for_ack(
                socket_mode.slash_command("help", user_id=MEMBER)).text
            assert bot.stop() == 0
    assert bot.lines[-1] == "INFO syncbot: syncbot socket stopped"
    assert not any("Traceback" in line for line in bot.lines), bot.lines


def test_the_default_log_says_what_matters_and_names_a_missing_key(tmp_path: Path) -> None:
    port = free_port()
    with SlackWebApiStandIn() as slack:
        env = _env(tmp_path, slack.api_url)
        del env["SYNCBOT_SECRET_KEY"]
        with syncbot("serve", "--host", "127.0.0.1", "--port", str(port), env=env) as bot:
            bot.wait_for(lambda line: "serving on" in line)
            wait_until_up(f"http://127.0.0.1:{port}/healthz")
            # The scheduler's jobs run every 2 and 5 seconds: a few rounds of each.
            time.sleep(7)
            assert bot.stop() == 0
    assert [re.sub(r"revision \w+", "revision N", line) for line in bot.lines] == [
        "INFO storage.migrate: database schema at revision N",
        NO_KEY,
        f"INFO syncbot: syncbot serving on 127.0.0.1:{port}",
        "INFO syncbot: syncbot serve stopped",
    ]


def test_the_log_level_is_taken_after_the_subcommand(tmp_path: Path) -> None:
    port = free_port()
    with SlackWebApiStandIn() as slack:
        env = _env(tmp_path, slack.api_url)
        with syncbot("serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "WARNING", env=env) as bot:
            wait_until_up(f"http://127.0.0.1:{port}/healthz")
            assert bot.stop() == 0
    assert bot.lines == []
    # Before the subcommand it works as it did; after it, it wins.
    for args in (["--log-level", "WARNING", "db", "upgrade"], ["db", "upgrade", "--log-level", "WARNING"],
                 ["--log-level", "INFO", "db", "upgrade", "--log-level", "WARNING"]):
        result = subprocess.run([sys.executable, "-m", "bot", *args], env={**os.environ, **env},
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and result.stderr == "", (args, result.stderr)
        assert result.stdout.startswith("database schema at revision")

"""The `syncbot` command line, run as a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from cryptography.fernet import Fernet

from bot.slack_standin import SlackRequestSender, SlackWebApiStandIn, ack_text
from storage.migrate import head_revision
from tests.support.harness import SIGNING_SECRET
from tests.support.processes import free_port, wait_until_up


def syncbot(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SYNCBOT_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env={**clean, **(env or {})},
        capture_output=True, text=True, timeout=timeout,
    )


def test_help_lists_the_commands() -> None:
    result = syncbot("--help")
    assert result.returncode == 0
    for command in ("serve", "socket", "worker", "demo", "keygen", "db"):
        assert command in result.stdout


def test_keygen_prints_a_fernet_key() -> None:
    result = syncbot("keygen")
    assert result.returncode == 0
    Fernet(result.stdout.strip().encode())  # raises if malformed


def test_db_upgrade_twice(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    first = syncbot("db", "upgrade", env=env)
    second = syncbot("db", "upgrade", env=env)
    assert first.returncode == second.returncode == 0
    assert f"database schema at revision {head_revision()}" in second.stdout


def test_config_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = syncbot("db", "upgrade", env={"SYNCBOT_SYNC_INTERVAL": "soon"})
    assert result.returncode == 2
    assert result.stderr.strip() == "syncbot: SYNCBOT_SYNC_INTERVAL must be a whole number, got 'soon'."


def test_serve_requires_the_slack_settings() -> None:
    result = syncbot("serve")
    assert result.returncode == 2
    assert result.stderr.strip() == "syncbot: SLACK_BOT_TOKEN is not set; it is required for this command."


def test_serve_rejects_a_refused_token(tmp_path: Path) -> None:
    with SlackWebApiStandIn() as slack:
        env = {"SLACK_BOT_TOKEN": "xoxb-wrong", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": slack.api_url,
               "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
        result = syncbot("serve", "--port", str(free_port()), env=env)
    assert result.returncode == 2
    assert "`token` will be unused" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "syncbot: SLACK_BOT_TOKEN was refused by Slack (invalid_auth)."


def test_serve_answers_a_signed_help_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    with SlackWebApiStandIn() as slack:
        env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
               "SLACK_API_URL": slack.api_url, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SYNCBOT_", "DATABASE_URL"))}
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**clean, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/healthz")
            started = time.perf_counter()
            response = SlackRequestSender(base, SIGNING_SECRET, web_api=slack).slash_command("help")
            assert time.perf_counter() - started < 1.0
            assert response.status_code == 200
            assert "`/sync credentials`" in ack_text(response)
            # A keep-alive connection stays open across the stop: it must not hold it up.
            keep_alive = requests.Session()
            assert keep_alive.get(f"{base}/metrics", timeout=5).status_code == 200
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
    assert process.returncode == 0


def test_socket_mode_requires_the_app_token() -> None:
    result = syncbot("socket", env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "syncbot: SLACK_APP_TOKEN is not set; it is required for this command."
    )


def test_worker_migrates_runs_the_scheduler_and_stops_on_sigterm(tmp_path: Path) -> None:
    database = tmp_path / "w.db"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SYNCBOT_", "DATABASE_URL"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"],
        env={**clean, "SLACK_BOT_TOKEN": "xoxb-1", "DATABASE_URL": f"sqlite:///{database}"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any("worker running" in line for line in lines):
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        reader.join(timeout=5)
    assert process.returncode == 0
    assert any("syncbot worker running; each workspace syncs every 300s" in line for line in lines)
    assert database.exists()


def test_an_unreachable_database_is_one_clear_line() -> None:
    result = syncbot("db", "upgrade", env={"DATABASE_URL": "postgresql://postgres:pw@127.0.0.1:1/nowhere"})
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("syncbot: Cannot reach the database postgresql+psycopg://postgres:***@127.0.0.1:1/nowhere")
    assert "Traceback" not in result.stderr and "pw@" not in result.stderr


def _database_with_a_login(path: Path, key: str) -> str:
    from bot.config import Settings
    from bot.runtime import build_services
    from storage import workspaces
    from storage.crypto import LoginSecret
    from storage.models import SalesforceCredentials

    url = f"sqlite:///{path}"
    services = build_services(Settings.from_env({"DATABASE_URL": url, "SYNCBOT_SECRET_KEY": key}))
    with services.db.session() as session:
        workspaces.ensure(session, "T0001")
        workspaces.save_credentials(session, SalesforceCredentials(
            team_id="T0001", username="sync@acme.example", sandbox=False, org_id="00D000000000001AAA",
            org_name="Acme Corp", instance_url="https://acme.example", verified_by="U1",
            secret=services.secrets.seal(LoginSecret(password="pw-secret", security_token="TOKENSECRET")),
        ))
    services.db.dispose()
    return url


def _opens_with(url: str, key: str) -> str:
    from sqlalchemy import create_engine, text

    from storage.crypto import SecretBox

    engine = create_engine(url)
    with engine.connect() as conn:
        blob = conn.execute(text("SELECT secret FROM salesforce_credentials")).scalar_one()
    engine.dispose()
    return SecretBox(key).open(blob).password


def test_rotate_key_re_encrypts_with_the_first_key(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    url = _database_with_a_login(tmp_path / "r.db", old)
    result = syncbot("rotate-key", env={"DATABASE_URL": url, "SYNCBOT_SECRET_KEY": f"{new},{old}"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Re-encrypted 1 stored Salesforce login with the first key of SYNCBOT_SECRET_KEY; "
        "the other keys can now be removed."
    )
    assert _opens_with(url, new) == "pw-secret"
    # A key list that opens nothing changes nothing and says so in one line.
    other = Fernet.generate_key().decode()
    refused = syncbot("rotate-key", env={"DATABASE_URL": url, "SYNCBOT_SECRET_KEY": other})
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines()[-1] == (
        "syncbot: No key in SYNCBOT_SECRET_KEY opens the stored Salesforce login of workspace T0001; nothing "
        "was changed. Add the key it was encrypted with (after the new one, comma-separated)."
    )
    assert _opens_with(url, new) == "pw-secret"
    for secret in (old, new, other, "pw-secret"):
        assert secret not in result.stdout + result.stderr + refused.stdout + refused.stderr


def test_a_key_that_opens_nothing_is_one_line_at_start(tmp_path: Path) -> None:
    url = _database_with_a_login(tmp_path / "k.db", Fernet.generate_key().decode())
    wrong = Fernet.generate_key().decode()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SYNCBOT_", "DATABASE_URL"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"],
        env={**clean, "SLACK_BOT_TOKEN": "xoxb-1", "DATABASE_URL": url, "SYNCBOT_SECRET_KEY": wrong},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any("worker running" in line for line in lines):
            time.sleep(0.05)
        assert process.poll() is None  # it keeps running: no crash loop
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        reader.join(timeout=5)
    assert process.returncode == 0
    about_key = [line for line in lines if "SYNCBOT_SECRET_KEY" in line]
    assert len(about_key) == 1, lines
    assert about_key[0].rstrip().endswith(
        "SYNCBOT_SECRET_KEY opens none of the stored Salesforce logins (workspace T0001): they were encrypted "
        "with another key. Put that key after the new one in SYNCBOT_SECRET_KEY and run `syncbot rotate-key`, "
        "or enter the credentials again with `/sync credentials`."
    )
    assert not any("Traceback" in line for line in lines)
    assert wrong not in "".join(lines)

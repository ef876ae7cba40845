"""The HTTP face of `syncbot serve`: signatures, /healthz, /metrics, and the first answers."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from bot.slack_standin import Signing, ack_text
from tests.support.harness import MEMBER, RunningBot


def test_signed_help_answers_with_every_subcommand_fast(bot: RunningBot) -> None:
    started = time.perf_counter()
    response = bot.command("help", user_id=MEMBER)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed < 1.0
    text = ack_text(response)
    for usage in ("help", "status", "credentials", "fields [Object]", "hide Object.Field", "unhide Object.Field",
                  "sync-fields [yes]", "confirm-credentials [yes]", "mappings [Object]",
                  "map Object.Field column", "start [yes]", "pause", "resume", "now", "history", "errors [csv]",
                  "channel &lt;#channel&gt;", "duplicates"):  # "<#channel>" shown as written, not a link
        assert f"`/sync {usage}`" in text
    assert "Next setup step:* `/sync credentials`" in text


def test_empty_command_is_help(bot: RunningBot) -> None:
    assert "`/sync status`" in bot.ask("")


def test_status_before_setup_is_not_started(bot: RunningBot) -> None:
    text = bot.ask("status", user_id=MEMBER)
    assert text.splitlines()[0] == "Not started"
    assert "`/sync credentials`" in text


def test_unknown_subcommand_gets_help(bot: RunningBot) -> None:
    text = bot.ask("frobnicate now")
    assert text.startswith("`/sync frobnicate` is not a subcommand.")
    assert "`/sync status`" in text


def test_malformed_arguments_get_usage(bot: RunningBot) -> None:
    assert bot.ask("status extra", user_id=MEMBER) == "Usage: `/sync status`"


def test_bad_signature_is_401(bot: RunningBot) -> None:
    assert bot.sender.slash_command("help", signing=Signing.BAD_SIGNATURE).status_code == 401


def test_stale_signature_is_401(bot: RunningBot) -> None:
    assert bot.sender.slash_command("help", signing=Signing.STALE_TIMESTAMP).status_code == 401


def test_missing_signature_is_401(bot: RunningBot) -> None:
    assert bot.sender.slash_command("help", signing=Signing.UNSIGNED).status_code == 401


def test_url_verification_handshake(bot: RunningBot) -> None:
    response = bot.sender.url_verification("abc123")
    assert response.status_code == 200
    assert response.json()["challenge"] == "abc123"


def test_healthz_reports_the_database(bot: RunningBot) -> None:
    response = requests.get(f"{bot.url}/healthz", timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"] == "sqlite"
    assert body["schema"] == body["schema_head"]


def test_healthz_is_503_when_the_database_is_gone(bot: RunningBot) -> None:
    bot.services.db.engine.dispose()
    # Point the engine at a path that cannot exist: the ping fails like a dead server.
    from sqlalchemy import create_engine

    bot.services.db.engine = create_engine("sqlite:////nonexistent-dir/x.db")
    response = requests.get(f"{bot.url}/healthz", timeout=5)
    assert response.status_code == 503
    assert response.json()["ok"] is False


def test_metrics_in_prometheus_text_format(bot: RunningBot) -> None:
    bot.command("help")
    response = requests.get(f"{bot.url}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert 'syncbot_http_requests_total{path="/slack/events",status="200"}' in response.text
    assert "syncbot_subcommand_seconds_bucket" in response.text


def test_unknown_path_is_404_and_wrong_method_405(bot: RunningBot) -> None:
    assert requests.get(f"{bot.url}/nope", timeout=5).status_code == 404
    assert requests.get(f"{bot.url}/slack/events", timeout=5).status_code == 405


def test_the_word_payload_does_not_confuse_the_parser(bot: RunningBot) -> None:
    bot.slack.add_channel("CPAYLOAD01", name="payloads")
    response = bot.sender.slash_command("status", user_id=MEMBER, channel_id="CPAYLOAD01")
    assert response.status_code == 200
    assert ack_text(response).startswith("Not started")
    assert "`/sync status`" in bot.ask("help payload")


def test_slow_work_is_acknowledged_at_once_and_answered_later(sf_bot: RunningBot) -> None:
    sf_bot.submit_credentials()
    sf_bot.salesforce.latency = 0.4  # ten requests for a describe: four seconds, past Slack's three
    sf_bot.slack.clear()
    started = time.perf_counter()
    response = sf_bot.command("fields")
    assert time.perf_counter() - started < 1.0
    assert ack_text(response) == ":hourglass_flowing_sand: Asking Salesforce…"
    post = sf_bot.slack.wait_for_response(timeout=15)
    assert "*Lead* → `sf_lead`" in post.text
    assert time.perf_counter() - started > 3.0


def test_without_a_signing_secret_there_is_no_http_app(slack, sqlite_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.config import Settings
    from bot.errors import ConfigError
    from bot.runtime import build_services
    from handlers.app import create_app
    from tests.support.harness import settings_env

    # Bolt would read the variable itself; it must not be there to fall back on.
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    env = settings_env(slack=slack, database_url=sqlite_url, salesforce_url=None, secret_key=None)
    del env["SLACK_SIGNING_SECRET"]
    services = build_services(Settings.from_env(env))
    try:
        with pytest.raises(ConfigError) as caught:
            create_app(services)
        assert str(caught.value) == (
            "SLACK_SIGNING_SECRET is not set; without it anyone could send requests in Slack's name."
        )
        # Socket Mode needs no signing secret: Slack's requests come over the app token's connection.
        create_app(services, socket_mode=True)
    finally:
        services.db.dispose()


def test_oversized_bodies_are_refused_before_parsing(bot: RunningBot) -> None:
    from handlers.web import MAX_BODY_BYTES

    bot.command("help")  # the app answers normally around the refusals
    form = ("token=x&command=%2Fsync&text=" + "a" * (MAX_BODY_BYTES + 1)).encode()
    signed = bot.sender.post(form, "application/x-www-form-urlencoded")
    assert signed.status_code == 413

    def chunks():  # no Content-Length: the server counts as it reads
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"a" * 65536

    chunked = requests.post(f"{bot.url}/slack/events", data=chunks(), timeout=10,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert chunked.status_code == 413
    assert "`/sync status`" in bot.ask("help")


def test_the_app_itself_refuses_a_long_body_without_reading_it(bot: RunningBot) -> None:
    # Behind another server than waitress, the WSGI app still never reads an oversized body.
    from handlers.app import create_app
    from handlers.web import MAX_BODY_BYTES, create_wsgi_app

    class Unreadable:
        def read(self, *_: object) -> bytes:
            raise AssertionError("the body was read")

    app = create_wsgi_app(create_app(bot.services), bot.services)
    seen: list[str] = []
    environ = {"PATH_INFO": "/slack/events", "REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(MAX_BODY_BYTES + 1),
               "CONTENT_TYPE": "application/json", "wsgi.input": Unreadable()}
    body = b"".join(app(environ, lambda status, headers, *rest: seen.append(status)))
    assert seen == ["413 Content Too Large"]
    assert body == b'{"ok": false, "error": "body_too_large"}'


@pytest.mark.parametrize("signing", [Signing.UNSIGNED, Signing.BAD_SIGNATURE, Signing.STALE_TIMESTAMP])
def test_an_unsigned_body_is_refused_before_anything_parses_it(
    bot: RunningBot, signing: Signing, monkeypatch: pytest.MonkeyPatch
) -> None:
    import slack_bolt.request.request as bolt_request

    parsed: list[str] = []
    real_parse = bolt_request.parse_body

    def spying_parse(body: str, content_type: str | None) -> Any:
        parsed.append(body[:40])
        return real_parse(body, content_type)

    monkeypatch.setattr(bolt_request, "parse_body", spying_parse)
    # Deep enough to raise RecursionError in any JSON parser that sees it.
    deep = b"payload=" + b"%5B" * 200_000
    response = bot.sender.post(deep, "application/x-www-form-urlencoded", signing=signing)
    assert response.status_code == 401
    assert "Traceback" not in response.text
    assert parsed == []
    # Signed requests are still parsed and answered.
    assert bot.sender.slash_command("help").status_code == 200
    assert parsed


@pytest.mark.parametrize("headers", [
    {"X-Slack-Request-Timestamp": "not-a-number", "X-Slack-Signature": "v0=00"},
    {"X-Slack-Request-Timestamp": "-5", "X-Slack-Signature": "v0=\u00fc"},
    {"X-Slack-Signature": "v0=00"},
])
def test_malformed_signature_headers_are_401_not_500(bot: RunningBot, headers: dict[str, str]) -> None:
    response = requests.post(f"{bot.url}/slack/events", data=b"command=%2Fsync&text=help",
                             headers={"Content-Type": "application/x-www-form-urlencoded", **headers}, timeout=10)
    assert response.status_code == 401


def test_a_signed_body_that_is_not_utf8_is_400(bot: RunningBot) -> None:
    response = bot.sender.post(b"command=%2Fsync&text=\xff\xfe", "application/x-www-form-urlencoded")
    assert response.status_code == 400

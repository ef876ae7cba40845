"""A login that fails is either a verdict on the credentials (or the org) or Salesforce
being unavailable; real cycles against the simulator, and the credentials modal, tell
the two apart by the fault's code."""

from __future__ import annotations

import pytest

from bot.alerts.sender import send_pending
from bot.messages import MSG
from bot.salesforce.gateway import LOGIN_ATTEMPTS
from bot.simulator import DEFAULT_USERNAME, SalesforceSimulator
from tests.support.harness import MEMBER, RunningBot
from tests.support.sync import cycle, differences, latest_run, quick_retries, start_sync
from tests.test_sync_alerts import ALERTS, alert_bot  # noqa: F401 (a fixture)

BACKOFF = 0.02


def _failure_posts(bot: RunningBot) -> list[str]:
    send_pending(bot.services)
    return [message.get("text", "") for message in bot.slack.messages(ALERTS)
            if "The Salesforce sync is failing" in message.get("text", "")]


def _logins(salesforce: SalesforceSimulator) -> list[float]:
    """When each login of the log arrived (seconds since the epoch)."""
    return [entry.at.timestamp() for entry in salesforce.request_log.entries(lambda entry: entry.kind == "login")]


def test_a_salesforce_incident_at_login_is_an_outage_not_the_credentials(alert_bot: RunningBot,
                                                                         salesforce: SalesforceSimulator) -> None:
    start_sync(alert_bot)
    quick = quick_retries(alert_bot, backoff=BACKOFF)
    assert cycle(alert_bot, quick).status == "succeeded"
    salesforce.request_log.clear()
    salesforce.fail_next_logins(100)  # an incident: every login answers UNKNOWN_EXCEPTION
    assert cycle(alert_bot, quick).status == "failed"
    # Retried with backoff within the cycle, then left to the next cycle.
    assert len(_logins(salesforce)) == LOGIN_ATTEMPTS
    run, _ = latest_run(alert_bot)
    assert run.failure_kind == "unavailable"
    status = alert_bot.ask("status", user_id=MEMBER)
    first = status.splitlines()[0]
    assert first.startswith("Failed: Salesforce is unavailable: it answered the login with UNKNOWN_EXCEPTION (An "
                            "unexpected error occurred. Please include this ErrorId if you contact support: ")
    assert "*What to do:* Nothing: syncbot retries every cycle by itself." in status
    assert "credentials" not in status.lower()
    posts = _failure_posts(alert_bot)
    assert len(posts) == 1
    assert "Salesforce can't be reached" in posts[0] and "UNKNOWN_EXCEPTION" in posts[0]
    assert "credentials" not in posts[0].lower()
    # The incident ends: the next cycle logs in, catches up and says so.
    salesforce.clear_faults()
    assert cycle(alert_bot, quick).status == "succeeded"
    send_pending(alert_bot.services)
    assert any("recovered" in message.get("text", "") for message in alert_bot.slack.messages(ALERTS))
    assert differences(alert_bot, salesforce.org, "Lead") == []


def test_a_short_incident_at_login_is_retried_with_backoff_and_the_cycle_succeeds(
    sf_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    start_sync(sf_bot)
    quick = quick_retries(sf_bot, backoff=BACKOFF)
    salesforce.request_log.clear()
    salesforce.fail_next_logins(2)
    assert cycle(sf_bot, quick).status == "succeeded"
    logins = _logins(salesforce)
    assert len(logins) == 3
    # Exponential backoff: each wait at least twice the one before.
    assert logins[1] - logins[0] >= BACKOFF and logins[2] - logins[1] >= 2 * BACKOFF
    assert sf_bot.ask("status", user_id=MEMBER).startswith("Last Synced")


def test_an_outage_page_at_login_is_an_outage(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    quick = quick_retries(sf_bot, backoff=BACKOFF)
    salesforce.fail_next_logins(100, code=None, status=503)
    assert cycle(sf_bot, quick).status == "failed"
    assert latest_run(sf_bot)[0].failure_kind == "unavailable"
    status = sf_bot.ask("status", user_id=MEMBER)
    assert status.startswith("Failed: Salesforce is unavailable: it answered the login with HTTP 503")
    assert "credentials" not in status.lower()
    salesforce.clear_faults()
    assert cycle(sf_bot, quick).status == "succeeded"


STORED = "Failed: Salesforce refused the stored login: "


@pytest.mark.parametrize(("code", "kind", "words"), [
    # The credentials, or their user: each its own kind, with the advice that fixes it.
    ("INVALID_LOGIN", "login", STORED + "INVALID_LOGIN ("),
    ("LOGIN_MUST_USE_SECURITY_TOKEN", "login", STORED + "LOGIN_MUST_USE_SECURITY_TOKEN ("),
    ("INVALID_OPERATION_WITH_EXPIRED_PASSWORD", "password_expired", STORED + "INVALID_OPERATION_WITH_EXPIRED_PASSWORD ("),
    ("PASSWORD_LOCKOUT", "locked_out", STORED + "PASSWORD_LOCKOUT ("),
    ("INACTIVE_OWNER_OR_USER", "user_inactive", STORED + "INACTIVE_OWNER_OR_USER ("),
    # The org: not the password either.
    ("API_DISABLED_FOR_ORG", "no_api", STORED + "API_DISABLED_FOR_ORG ("),
    ("ORG_LOCKED", "org_locked", STORED + "ORG_LOCKED ("),
    ("INSUFFICIENT_ACCESS", "no_api", STORED + "INSUFFICIENT_ACCESS ("),
    # Limits.
    ("REQUEST_LIMIT_EXCEEDED", "request_limit", "Failed: Salesforce refuses the login for now (REQUEST_LIMIT_EXCEEDED"),
    ("LOGIN_RATE_EXCEEDED", "request_limit", "at most 3,600 logins an hour"),
])
def test_refusals_and_limits_are_not_retried_and_say_what_they_are(sf_bot: RunningBot, salesforce: SalesforceSimulator,
                                                                   code: str, kind: str, words: str) -> None:
    start_sync(sf_bot)
    quick = quick_retries(sf_bot, backoff=BACKOFF)
    salesforce.request_log.clear()
    salesforce.set_login_fault(DEFAULT_USERNAME, code)
    assert cycle(sf_bot, quick).status == "failed"
    # A verdict, not an outage: asking again would answer the same (and count toward a lockout).
    assert len(_logins(salesforce)) == 1
    assert latest_run(sf_bot)[0].failure_kind == kind
    assert words in sf_bot.ask("status", user_id=MEMBER).splitlines()[0]


# Advice that fits only a password or token the user can re-enter: wrong for an expired password or the org.
TOKEN_ADVICE = "Reset My Security Token"


@pytest.mark.parametrize("code", [
    "INVALID_LOGIN", "LOGIN_MUST_USE_SECURITY_TOKEN", "INVALID_OPERATION_WITH_EXPIRED_PASSWORD", "PASSWORD_LOCKOUT",
    "INACTIVE_OWNER_OR_USER", "API_DISABLED_FOR_ORG", "ORG_LOCKED", "INSUFFICIENT_ACCESS",
    "API_CURRENTLY_DISABLED", "REQUEST_LIMIT_EXCEEDED",
])
def test_a_refused_login_gets_one_advice_once_in_the_alert_and_the_status(
    alert_bot: RunningBot, salesforce: SalesforceSimulator, code: str
) -> None:
    start_sync(alert_bot)
    quick = quick_retries(alert_bot, backoff=BACKOFF)
    assert cycle(alert_bot, quick).status == "succeeded"
    salesforce.set_login_fault(DEFAULT_USERNAME, code)
    assert cycle(alert_bot, quick).status == "failed"
    kind = latest_run(alert_bot)[0].failure_kind
    advice = MSG.failure_advice[kind]
    status = alert_bot.ask("status", user_id=MEMBER)
    posts = _failure_posts(alert_bot)
    assert len(posts) == 1
    for said in (status, posts[0]):
        # Salesforce's code quoted once, one "What to do", and the advice for this kind only.
        assert said.count(code) == 1
        assert said.count("What to do") == 1 and said.count(advice) == 1
        others = [text for name, text in MSG.failure_advice.items() if name != kind]
        assert not any(text in said for text in others)
        assert said.count("/sync credentials") <= 1
    # The channel post speaks to a channel: no "here" written for the modal.
    assert " here" not in posts[0]
    if code == "INVALID_OPERATION_WITH_EXPIRED_PASSWORD" or kind in ("no_api", "org_locked"):
        assert TOKEN_ADVICE not in status and TOKEN_ADVICE not in posts[0]

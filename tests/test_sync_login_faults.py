"""A login that fails is either a verdict on the credentials (or the org) or Salesforce
being unavailable; real cycles against the simulator, and the credentials modal, tell
the two apart by the fault's code."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from bot.alerts.sender import send_pending
from bot.runtime import Services
from bot.salesforce.gateway import LOGIN_ATTEMPTS, SalesforceGateway
from bot.simulator import DEFAULT_USERNAME, SalesforceSimulator
from bot.slack_standin import SlackWebApiStandIn
from bot.sync.cycle import run_cycle
from tests.support.harness import MEMBER, RunningBot, running_bot, settings_env
from tests.support.sync import TEAM, differences, latest_run, start_sync

ALERTS = "C0LOGINALERTS"
BACKOFF = 0.02


@pytest.fixture
def alert_bot(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, database_url: str,
              secret_key: str) -> Iterator[RunningBot]:
    slack.add_channel(ALERTS, name="sync-alerts")
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=salesforce.url,
                       secret_key=secret_key, extra={"SYNCBOT_ALERT_CHANNEL": ALERTS})
    with running_bot(env, slack=slack, salesforce=salesforce) as running:
        yield running


def _quick(bot: RunningBot) -> Services:
    # The bot's services with a short backoff, so that retried logins take milliseconds.
    gateway = SalesforceGateway(salesforce_url=bot.services.settings.salesforce_url, retry_backoff=BACKOFF)
    return dataclasses.replace(bot.services, gateway=gateway)


def _cycle(bot: RunningBot) -> str:
    outcome = run_cycle(_quick(bot), TEAM, force=True)
    assert outcome is not None
    return outcome.status


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
    assert _cycle(alert_bot) == "succeeded"
    salesforce.request_log.clear()
    salesforce.fail_next_logins(100)  # an incident: every login answers UNKNOWN_EXCEPTION
    assert _cycle(alert_bot) == "failed"
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
    assert _cycle(alert_bot) == "succeeded"
    send_pending(alert_bot.services)
    assert any("recovered" in message.get("text", "") for message in alert_bot.slack.messages(ALERTS))
    assert differences(alert_bot, salesforce.org, "Lead") == []


def test_a_short_incident_at_login_is_retried_with_backoff_and_the_cycle_succeeds(
    sf_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    start_sync(sf_bot)
    salesforce.request_log.clear()
    salesforce.fail_next_logins(2)
    assert _cycle(sf_bot) == "succeeded"
    logins = _logins(salesforce)
    assert len(logins) == 3
    # Exponential backoff: each wait at least twice the one before.
    assert logins[1] - logins[0] >= BACKOFF and logins[2] - logins[1] >= 2 * BACKOFF
    assert sf_bot.ask("status", user_id=MEMBER).startswith("Last Synced")


def test_an_outage_page_at_login_is_an_outage(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    salesforce.fail_next_logins(100, code=None, status=503)
    assert _cycle(sf_bot) == "failed"
    assert latest_run(sf_bot)[0].failure_kind == "unavailable"
    status = sf_bot.ask("status", user_id=MEMBER)
    assert status.startswith("Failed: Salesforce is unavailable: it answered the login with HTTP 503")
    assert "credentials" not in status.lower()
    salesforce.clear_faults()
    assert _cycle(sf_bot) == "succeeded"


@pytest.mark.parametrize(("code", "words"), [
    ("INVALID_LOGIN", "did not accept this username, password and security token"),
    ("LOGIN_MUST_USE_SECURITY_TOKEN", "needs the security token"),
    ("INVALID_OPERATION_WITH_EXPIRED_PASSWORD", "password has expired"),
    ("PASSWORD_LOCKOUT", "locked this user out"),
    ("INACTIVE_OWNER_OR_USER", "inactive"),
])
def test_each_credentials_fault_still_says_credentials_and_is_not_retried(
    sf_bot: RunningBot, salesforce: SalesforceSimulator, code: str, words: str
) -> None:
    start_sync(sf_bot)
    salesforce.request_log.clear()
    salesforce.set_login_fault(DEFAULT_USERNAME, code)
    assert _cycle(sf_bot) == "failed"
    # A verdict on the credentials: asking again only counts toward the user's lockout.
    assert len(_logins(salesforce)) == 1
    assert latest_run(sf_bot)[0].failure_kind == "login"
    status = sf_bot.ask("status", user_id=MEMBER)
    assert status.startswith("Failed: The stored Salesforce credentials no longer work: ")
    assert words in status.splitlines()[0]
    assert "`/sync credentials`" in status


@pytest.mark.parametrize(("code", "kind", "words"), [
    ("REQUEST_LIMIT_EXCEEDED", "request_limit", "daily API requests"),
    ("LOGIN_RATE_EXCEEDED", "request_limit", "at most 3,600 logins an hour"),
    ("API_DISABLED_FOR_ORG", "login", "API access is disabled"),
    ("ORG_LOCKED", "login", "Salesforce has locked this org"),
    ("INSUFFICIENT_ACCESS", "login", "may not log in through the API"),
])
def test_limits_and_the_orgs_refusals_are_not_retried(sf_bot: RunningBot, salesforce: SalesforceSimulator,
                                                      code: str, kind: str, words: str) -> None:
    start_sync(sf_bot)
    salesforce.request_log.clear()
    salesforce.set_login_fault(DEFAULT_USERNAME, code)
    assert _cycle(sf_bot) == "failed"
    assert len(_logins(salesforce)) == 1
    assert latest_run(sf_bot)[0].failure_kind == kind
    assert words in sf_bot.ask("status", user_id=MEMBER).splitlines()[0]

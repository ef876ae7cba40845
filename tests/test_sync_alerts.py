"""The engine and the alerts together: real cycles against the simulator, and what the
alert channel shows once the sender has run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.alerts.sender import send_pending
from bot.simulator import DEFAULT_USERNAME, SalesforceSimulator
from bot.slack_standin import SlackWebApiStandIn
from tests.support.harness import RunningBot, running_bot, settings_env
from tests.support.sync import cycle, start_sync

ALERTS = "C0SYNCALERTS"


@pytest.fixture
def alert_bot(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, database_url: str,
              secret_key: str) -> Iterator[RunningBot]:
    slack.add_channel(ALERTS, name="sync-alerts")
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=salesforce.url,
                       secret_key=secret_key, extra={"SYNCBOT_ALERT_CHANNEL": ALERTS})
    with running_bot(env, slack=slack, salesforce=salesforce) as running:
        yield running


def _channel(bot: RunningBot) -> list[str]:
    send_pending(bot.services)
    return [message.get("text", "") for message in bot.slack.messages(ALERTS)]


def test_a_failure_is_told_once_and_the_recovery_after_it(alert_bot: RunningBot,
                                                          salesforce: SalesforceSimulator) -> None:
    start_sync(alert_bot)
    assert cycle(alert_bot).status == "succeeded"
    posted = _channel(alert_bot)
    assert any("started the Salesforce sync" in text for text in posted)
    assert any(text.startswith(":tada: *The first load is done*") for text in posted)
    salesforce.set_login_fault(DEFAULT_USERNAME, "INVALID_OPERATION_WITH_EXPIRED_PASSWORD")
    assert cycle(alert_bot).status == "failed"
    assert cycle(alert_bot).status == "failed"
    failures = [text for text in _channel(alert_bot) if "The Salesforce sync is failing" in text]
    assert len(failures) == 1, failures  # a sync that keeps failing does not post again
    assert "login" in failures[0] and "/sync credentials" in failures[0]
    salesforce.set_login_fault(DEFAULT_USERNAME, None)
    assert cycle(alert_bot).status == "succeeded"
    recovered = [text for text in _channel(alert_bot) if "recovered" in text]
    assert len(recovered) == 1

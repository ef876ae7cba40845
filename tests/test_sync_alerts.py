"""The engine and the alerts together: real cycles against the simulator, and what the
alert channel shows once the sender has run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.alerts.sender import send_pending
from bot.simulator import DEFAULT_USERNAME, SalesforceSimulator
from bot.slack_standin import SlackWebApiStandIn
from tests.support.harness import RunningBot, running_bot, settings_env
from storage.models import SyncRun
from tests.support.sync import cycle, latest_run, start_sync
from tests.test_sync_drift import _make_due

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


def _drift_posts(bot: RunningBot) -> list[str]:
    return [text for text in _channel(bot) if "Salesforce org changed" in text or "compared with Salesforce" in text]


def test_fields_added_and_removed_after_start_are_told_once(alert_bot: RunningBot,
                                                            salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    org.add_custom_field("Contact", "Shoe_Size", "double", precision=4, scale=1)
    start_sync(alert_bot)
    assert cycle(alert_bot).status == "succeeded"
    assert _drift_posts(alert_bot) == []  # the first load is no drift
    org.add_custom_field("Lead", "Region", "string", length=20)
    org.add_custom_field("Lead", "Tier", "string", length=10)
    for index, record_id in enumerate(org.ids("Lead")[:10]):
        org.update("Lead", record_id, {"Region__c": f"EMEA {index}"}, touch=False)
    org.remove_field("Contact", "Shoe_Size__c")
    _make_due(alert_bot, hours=2)
    assert cycle(alert_bot).status == "succeeded"
    posts = _drift_posts(alert_bot)
    assert len(posts) == 1, posts  # one message per run, listing the fields
    assert "Lead.Region__c, Lead.Tier__c added; their columns `region__c`, `tier__c` were filled for 10 rows." \
        in posts[0]
    assert "Contact.Shoe_Size__c removed" in posts[0] and "its column `shoe_size__c` keeps the last values" in posts[0]
    _make_due(alert_bot, hours=2)
    assert cycle(alert_bot).status == "succeeded"
    assert len(_drift_posts(alert_bot)) == 1  # a removed field is told once: nothing new


def test_a_reconciliation_that_repaired_rows_is_told(alert_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    start_sync(alert_bot)
    assert cycle(alert_bot).status == "succeeded"
    _make_due(alert_bot)
    assert cycle(alert_bot).status == "succeeded"
    assert _drift_posts(alert_bot) == []  # a clean reconciliation says nothing
    org.hard_delete("Lead", org.ids("Lead")[0])
    _make_due(alert_bot)
    assert cycle(alert_bot).status == "succeeded"
    posts = _drift_posts(alert_bot)
    assert len(posts) == 1, posts
    assert ("The reconciliation repaired the copy: 1 row gone from Salesforce marked deleted, "
            "0 missing or stale rows read again.") in posts[0]
    assert "stopped for" not in posts[0]


def test_a_reconciliation_after_a_long_pause_says_how_long(alert_bot: RunningBot,
                                                           salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    start_sync(alert_bot)
    assert cycle(alert_bot).status == "succeeded"
    alert_bot.reply("pause")
    org.delete("Contact", org.ids("Contact")[0])
    salesforce.clock.advance(timedelta(days=16))
    with alert_bot.services.db.session() as session:
        for run in session.query(SyncRun).all():
            run.started_at -= timedelta(days=16)
            run.finished_at = run.finished_at - timedelta(days=16) if run.finished_at else None
    alert_bot.reply("resume")
    assert cycle(alert_bot).status == "succeeded"
    assert latest_run(alert_bot)[0].pause_days == 16
    posts = _drift_posts(alert_bot)
    assert len(posts) == 1, posts
    assert "The sync was stopped for 16 days" in posts[0]
    assert "1 row gone from Salesforce marked deleted" in posts[0]

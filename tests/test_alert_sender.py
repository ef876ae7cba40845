"""The outbox sender: Slack outages, lost answers, restarts, 429s and replicas lose and double nothing."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from bot.alerts import rules
from bot.alerts.sender import CLAIM_HOLD, send_pending
from bot.runtime import Services
from bot.slack_standin import SlackWebApiStandIn
from storage import alerts
from storage.alert_models import AlertOutbox
from storage.types import utcnow
from tests.support.alerting import services, sqlite_services  # noqa: F401  (fixtures)
from tests.support.alerting import ALERTS, TEAM, alerting_services, start_workspace, texts
from tests.support.harness import ADMIN


def _pause_and_resume(services: Services, times: int, team_id: str = TEAM) -> None:
    for _ in range(times):
        with services.db.session() as session:
            rules.paused(session, team_id, ADMIN, True)
        with services.db.session() as session:
            rules.paused(session, team_id, ADMIN, False)


def _rows(services: Services) -> list[AlertOutbox]:
    with services.db.session() as session:
        return list(session.query(AlertOutbox).order_by(AlertOutbox.id))


PAUSED = ":double_vertical_bar: <@UADMIN0001> paused the scheduled sync cycles. `/sync resume` restarts them."
RESUMED = ":arrow_forward: <@UADMIN0001> resumed the scheduled sync cycles."


def test_a_slack_outage_delays_alerts_and_loses_none(services: Services, slack: SlackWebApiStandIn) -> None:
    _pause_and_resume(services, 2)
    slack.server_error("chat.postMessage", 503, times=None)
    now = utcnow()

    assert send_pending(services, now=now) == 0
    assert texts(slack) == []
    assert [row.status for row in _rows(services)] == ["pending"] * 4
    # The first alert waits for Slack; the others wait behind it, so the order holds.
    assert send_pending(services, now=now + timedelta(seconds=1)) == 0
    assert len(slack.calls("chat.postMessage")) == 1

    slack.clear_faults()
    assert send_pending(services, now=now + timedelta(minutes=1)) == 4
    assert texts(slack) == [PAUSED, RESUMED, PAUSED, RESUMED]
    assert send_pending(services, now=now + timedelta(minutes=2)) == 0
    assert texts(slack) == [PAUSED, RESUMED, PAUSED, RESUMED]
    assert {row.status for row in _rows(services)} == {"sent"}


@pytest.mark.parametrize("fault", ["server_error_after_posting", "answer_lost"])
def test_a_post_whose_answer_is_lost_is_found_not_posted_again(
    services: Services, slack: SlackWebApiStandIn, fault: str
) -> None:
    _pause_and_resume(services, 1)
    if fault == "answer_lost":
        slack.hang_up("chat.postMessage")
    else:
        slack.server_error("chat.postMessage", 500, processed=True)
    now = utcnow()

    send_pending(services, now=now)
    assert texts(slack) == [PAUSED]  # posted, though the sender could not know
    first = _rows(services)[0]
    assert first.status == "pending" and first.posting_since is not None

    assert send_pending(services, now=now + timedelta(minutes=1)) == 2
    assert texts(slack) == [PAUSED, RESUMED]
    assert len(slack.calls("conversations.history")) == 1
    assert [row.ts for row in _rows(services)] == [m["ts"] for m in slack.messages(ALERTS)]


def test_another_apps_message_with_the_alerts_key_does_not_suppress_it(
    services: Services, slack: SlackWebApiStandIn
) -> None:
    _pause_and_resume(services, 1)
    # The post fails with a 500 before Slack did anything: the alert is in doubt, not posted.
    slack.server_error("chat.postMessage", 500, processed=False)
    now = utcnow()
    send_pending(services, now=now)
    first = _rows(services)[0]
    assert first.status == "pending" and first.posting_since is not None and texts(slack) == []

    # Another app in the channel posts a message carrying the same metadata.
    slack.post_as_another_app(ALERTS, "nothing to see here", metadata={
        "event_type": "syncbot_alert", "event_payload": {"key": first.key}})

    assert send_pending(services, now=now + timedelta(minutes=1)) == 2
    assert texts(slack) == ["nothing to see here", PAUSED, RESUMED]
    assert {row.status for row in _rows(services)} == {"sent"}


def test_a_restart_between_posting_and_recording_doubles_nothing(
    services: Services, slack: SlackWebApiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pause_and_resume(services, 1)
    now = utcnow()

    def die(*_args: object, **_kwargs: object) -> bool:
        raise SystemExit("the process is killed right after Slack answered")

    monkeypatch.setattr(alerts, "mark_sent", die)
    with pytest.raises(SystemExit):
        send_pending(services, now=now)
    monkeypatch.undo()
    assert texts(slack) == [PAUSED]

    # A new process: the dead one's claim holds for a while, then lapses.
    assert send_pending(services, now=now + timedelta(seconds=10)) == 0
    assert send_pending(services, now=now + CLAIM_HOLD + timedelta(seconds=1)) == 2
    assert texts(slack) == [PAUSED, RESUMED]
    assert {row.status for row in _rows(services)} == {"sent"}


def test_429_is_waited_out_and_a_long_retry_after_is_honoured_later(
    sqlite_services: Services, slack: SlackWebApiStandIn
) -> None:
    services = sqlite_services
    _pause_and_resume(services, 1)
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    started = time.monotonic()
    assert send_pending(services) == 2
    assert time.monotonic() - started >= 1.0
    assert [call.status for call in slack.calls("chat.postMessage")] == [429, 200, 200]
    assert texts(slack) == [PAUSED, RESUMED]

    _pause_and_resume(services, 1)
    slack.rate_limit("chat.postMessage", times=1, retry_after=120)
    now = utcnow()
    assert send_pending(services, now=now) == 0  # not slept through: retried after Retry-After
    assert send_pending(services, now=now + timedelta(seconds=60)) == 0
    assert send_pending(services, now=now + timedelta(seconds=121)) == 2
    assert texts(slack) == [PAUSED, RESUMED, PAUSED, RESUMED]


def test_replicas_sending_at_once_post_each_alert_once_in_order(services: Services, slack: SlackWebApiStandIn) -> None:
    slack.add_channel("C0OTHER", name="other-alerts")
    start_workspace(services, team_id="T0002")
    with services.db.session() as session:
        from storage import workspaces

        workspaces.set_alert_channel(session, "T0002", "C0OTHER")
    _pause_and_resume(services, 5)
    _pause_and_resume(services, 5, team_id="T0002")
    errors: list[BaseException] = []

    def replica() -> None:
        try:
            send_pending(services)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    send_pending(services)

    assert errors == []
    assert texts(slack) == [PAUSED, RESUMED] * 5
    assert texts(slack, "C0OTHER") == [PAUSED, RESUMED] * 5
    assert {row.status for row in _rows(services)} == {"sent"}


def test_without_any_alert_channel_alerts_are_set_aside(slack: SlackWebApiStandIn, sqlite_url: str) -> None:
    with alerting_services(slack, sqlite_url, extra={"SYNCBOT_ALERT_CHANNEL": ""}) as services:
        start_workspace(services)
        _pause_and_resume(services, 1)
        assert send_pending(services) == 0
        assert [(row.status, row.last_error) for row in _rows(services)] == [
            ("undeliverable", "no alert channel is set")
        ] * 2
        assert slack.calls("chat.postMessage") == []


def test_without_the_history_scopes_a_post_in_doubt_is_posted_again_rather_than_lost(
    sqlite_services: Services, slack: SlackWebApiStandIn
) -> None:
    services = sqlite_services
    with services.db.session() as session:
        rules.paused(session, TEAM, ADMIN, True)
    slack.hang_up("chat.postMessage")
    now = utcnow()
    send_pending(services, now=now)
    slack.fail_method("conversations.history", "missing_scope")
    assert send_pending(services, now=now + timedelta(minutes=1)) == 1
    assert texts(slack) == [PAUSED, PAUSED]  # an old install may double; it never loses


def test_history_that_cannot_be_read_yet_keeps_the_alert_in_doubt(
    sqlite_services: Services, slack: SlackWebApiStandIn
) -> None:
    services = sqlite_services
    with services.db.session() as session:
        rules.paused(session, TEAM, ADMIN, True)
    slack.hang_up("chat.postMessage")
    now = utcnow()
    send_pending(services, now=now)
    slack.server_error("conversations.history", 503, times=3)  # past the reading client's own retries
    assert send_pending(services, now=now + timedelta(minutes=1)) == 0
    assert send_pending(services, now=now + timedelta(minutes=2)) == 1
    assert texts(slack) == [PAUSED]


def test_an_alert_that_cannot_be_written_does_not_hold_up_the_others(
    sqlite_services: Services, slack: SlackWebApiStandIn
) -> None:
    services = sqlite_services
    with services.db.session() as session:
        alerts.enqueue(session, TEAM, "from_a_newer_version", {})
        rules.paused(session, TEAM, ADMIN, True)
    assert send_pending(services) == 1
    assert texts(slack) == [PAUSED]
    assert [row.status for row in _rows(services)] == ["undeliverable", "sent"]

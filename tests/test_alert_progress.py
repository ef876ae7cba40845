"""The first load's live message: one message in the alert channel, edited in place as the
run records move, continued after a restart, tolerant of Slack's errors, one updater at a time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.alerts import rules
from bot.alerts.progress import PROGRESS_EVERY, update_progress
from bot.alerts.sender import send_pending
from bot.runtime import Services
from bot.simulator import SalesforceSimulator
from bot.slack_standin import SlackWebApiStandIn
from bot.sync.object_sync import ObjectSync
from storage import workspaces
from storage.alert_models import LoadProgressMessage
from storage.models import ObjectCursor, SyncedObject, SyncRun, SyncRunObject
from storage.types import utcnow
from tests.support.alerting import ALERTS, T0, TEAM, alerting_services, start_workspace
from tests.support.harness import running_bot, settings_env
from tests.support.sync import cycle, start_sync

OBJECTS = ("Account", "Contact", "Lead")
SEC = timedelta(seconds=1)


@pytest.fixture
def services(slack: SlackWebApiStandIn, database_url: str) -> Iterator[Services]:
    with alerting_services(slack, database_url) as running:
        _started_with_objects(running)
        yield running


@pytest.fixture
def sqlite_services(slack: SlackWebApiStandIn, sqlite_url: str) -> Iterator[Services]:
    with alerting_services(slack, sqlite_url) as running:
        _started_with_objects(running)
        yield running


def _started_with_objects(services: Services) -> None:
    start_workspace(services)
    with services.db.session() as session:
        session.add_all([SyncedObject(team_id=TEAM, object_name=name, label=name, table_name=f"sf_{name.lower()}")
                         for name in OBJECTS])


def _begin(services: Services, *, at: datetime = T0) -> int:
    with services.db.session() as session:
        run = SyncRun(team_id=TEAM, trigger="start", status="running", started_at=at)
        session.add(run)
        session.flush()
        return run.id


def _object(services: Services, run_id: int, name: str, *, rows: int, expected: int | None, method: str = "rest",
            status: str = "running", started: datetime = T0, finished: datetime | None = None) -> None:
    """One object's run record as the engine leaves it after a batch."""
    with services.db.session() as session:
        item = session.get(SyncRunObject, (run_id, name)) or SyncRunObject(
            run_id=run_id, object_name=name, inserted=0, updated=0, unchanged=0, deleted=0, errors=0, api_calls=0)
        item.method, item.status, item.rows_read, item.rows_expected = method, status, rows, expected
        item.inserted, item.started_at, item.finished_at = rows, started, finished
        session.add(item)


def _end(services: Services, run_id: int, *, status: str, at: datetime, error: str | None = None) -> None:
    """Close the run and run the alert rules in the same transaction, as the engine does."""
    with services.db.session() as session:
        run = session.get(SyncRun, run_id)
        assert run is not None
        run.status, run.finished_at, run.error = status, at, error
        run.failure_kind = "unavailable" if status == "failed" else None
        session.flush()
        rules.after_run(session, run)


def _bulk_job(services: Services, name: str, job_id: str | None) -> None:
    with services.db.session() as session:
        cursor = session.get(ObjectCursor, (TEAM, name)) or ObjectCursor(team_id=TEAM, object_name=name)
        cursor.bulk_job_id = job_id
        session.add(cursor)


def _shown(slack: SlackWebApiStandIn) -> list[list[str]]:
    """Each message of the alert channel as the texts of its blocks."""
    return [[_block_text(block) for block in message.get("blocks") or []] for message in slack.messages(ALERTS)]


def _block_text(block: dict[str, Any]) -> str:
    return block["text"]["text"] if block["type"] == "section" else block["elements"][0]["text"]


def _date(when: datetime) -> str:
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{when:%Y-%m-%d %H:%M} UTC>"


def _progress_row(services: Services) -> LoadProgressMessage:
    with services.db.session(write=False) as session:
        row = session.get(LoadProgressMessage, TEAM)
        assert row is not None
        return row


RUNNING_HEAD = ":hourglass_flowing_sand: *First load from Salesforce*: "
STARTED_NOTE = f"Started {_date(T0)}. This message updates itself as the load goes."


def test_one_message_follows_the_load_in_place_and_ends_with_it(
    services: Services, slack: SlackWebApiStandIn, database_url: str
) -> None:
    run_id = _begin(services)
    _object(services, run_id, "Account", rows=1_000, expected=2_000)
    assert update_progress(services, now=T0 + 10 * SEC) == 0  # written to the outbox, posted by the sender
    assert send_pending(services) == 1
    assert _shown(slack) == [[
        RUNNING_HEAD + "0 of 3 objects read, 1,000 rows so far.",
        "*Account* · REST\n`█████░░░░░  50%` 1,000 of about 2,000 rows, 100 rows/s, about 10 s left",
        "*Contact*\n`░░░░░░░░░░    –` waiting",
        "*Lead*\n`░░░░░░░░░░    –` waiting",
        STARTED_NOTE,
    ]]
    [first] = slack.messages(ALERTS)
    assert first["text"].startswith(RUNNING_HEAD + "0 of 3 objects read")

    # Nothing new, or too soon after the last edit: Slack is left alone.
    assert update_progress(services, now=T0 + 11 * SEC) == 0
    _object(services, run_id, "Account", rows=2_000, expected=2_000, status="done", finished=T0 + 20 * SEC)
    assert update_progress(services, now=T0 + 12 * SEC) == 0
    assert slack.calls("chat.update") == []

    _bulk_job(services, "Contact", "750R0000000001")
    assert update_progress(services, now=T0 + 20 * SEC) == 1
    assert _shown(slack) == [[
        RUNNING_HEAD + "1 of 3 objects read, 2,000 rows so far.",
        "*Account* · REST\n`██████████ 100%` 2,000 rows",
        "*Contact* · Bulk\n`░░░░░░░░░░    –` Salesforce is preparing the Bulk job",
        "*Lead*\n`░░░░░░░░░░    –` waiting",
        STARTED_NOTE,
    ]]

    # A restart: a fresh process, with nothing in memory, edits the same message.
    with alerting_services(slack, database_url) as restarted:
        _object(restarted, run_id, "Contact", rows=30_000, expected=120_000, method="bulk", started=T0 + 20 * SEC)
        assert update_progress(restarted, now=T0 + 30 * SEC) == 1
    [message] = slack.messages(ALERTS)
    assert message["ts"] == first["ts"]
    assert _shown(slack)[0][2] == (
        "*Contact* · Bulk\n`██░░░░░░░░  25%` 30,000 of about 120,000 rows, 3,000 rows/s, about 30 s left"
    )

    _bulk_job(services, "Contact", None)
    _object(services, run_id, "Contact", rows=120_000, expected=120_000, method="bulk", status="done",
            started=T0 + 20 * SEC, finished=T0 + 60 * SEC)
    _object(services, run_id, "Lead", rows=0, expected=0, status="done", started=T0 + 60 * SEC,
            finished=T0 + 61 * SEC)
    _end(services, run_id, status="succeeded", at=T0 + 61 * SEC)
    assert update_progress(services, now=T0 + 62 * SEC) == 1
    assert send_pending(services) == 1
    assert _shown(slack) == [
        [
            ":white_check_mark: *First load from Salesforce*: all 3 objects read.",
            "*Account* · REST\n`██████████ 100%` 2,000 rows",
            "*Contact* · Bulk\n`██████████ 100%` 120,000 rows",
            "*Lead* · REST\n`██████████ 100%` 0 rows",
            f"Started {_date(T0)}, finished {_date(T0 + 61 * SEC)}.",
        ],
        # The summary follows as its own alert, without repeating the rows per object.
        [":tada: *The first load is done*, in 1 min 1 s: 122,000 records."],
    ]
    assert update_progress(services, now=T0 + 2 * 62 * SEC) == 0
    assert len(slack.calls("chat.update")) == 3
    assert len(slack.calls("chat.postMessage")) == 2


def test_a_stopped_load_says_so_and_the_next_run_goes_on_in_the_same_message(
    sqlite_services: Services, slack: SlackWebApiStandIn
) -> None:
    services = sqlite_services
    first = _begin(services)
    _object(services, first, "Account", rows=2_000, expected=2_000, status="done", finished=T0 + 10 * SEC)
    _object(services, first, "Contact", rows=5_000, expected=10_000, started=T0 + 10 * SEC)
    update_progress(services, now=T0 + 20 * SEC)
    send_pending(services)

    _object(services, first, "Contact", rows=5_000, expected=10_000, status="failed", started=T0 + 10 * SEC,
            finished=T0 + 30 * SEC)
    _end(services, first, status="failed", at=T0 + 30 * SEC, error="Salesforce answered with a server error (HTTP 503).")
    assert update_progress(services, now=T0 + 31 * SEC) == 1
    progress = _shown(slack)[0]
    assert progress == [
        ":warning: *First load from Salesforce*: stopped after 7,000 rows; the next cycle goes on from there.",
        "> Salesforce answered with a server error (HTTP 503).",
        "*Account* · REST\n`██████████ 100%` 2,000 rows",
        "*Contact* · REST\n`█████░░░░░  50%` 5,000 rows, failed",
        "*Lead*\n`░░░░░░░░░░    –` waiting",
        f"Started {_date(T0)}. This message goes on with the next cycle.",
    ]
    send_pending(services)  # the failure alert
    assert update_progress(services, now=T0 + 60 * SEC) == 0  # a stopped load shows nothing new

    second = _begin(services, at=T0 + 300 * SEC)
    _object(services, second, "Account", rows=3, expected=3, status="done", started=T0 + 300 * SEC,
            finished=T0 + 301 * SEC)
    _object(services, second, "Contact", rows=2_500, expected=5_000, started=T0 + 301 * SEC)
    assert update_progress(services, now=T0 + 311 * SEC) == 1
    progress = _shown(slack)[0]
    assert progress[:4] == [
        RUNNING_HEAD + "1 of 3 objects read, 9,503 rows so far.",
        "*Account* · REST\n`██████████ 100%` 2,003 rows",
        # The rows of the failed run count: the load goes on where it stopped.
        "*Contact* · REST\n`███████░░░  75%` 7,500 of about 10,000 rows, 250 rows/s, about 10 s left",
        "*Lead*\n`░░░░░░░░░░    –` waiting",
    ]
    assert len(slack.messages(ALERTS)) == 2  # the progress message and the failure alert


def test_slack_errors_on_an_edit_are_retried_and_a_deleted_message_is_posted_again(
    sqlite_services: Services, slack: SlackWebApiStandIn
) -> None:
    services = sqlite_services
    run_id = _begin(services)
    _object(services, run_id, "Account", rows=100, expected=2_000)
    update_progress(services, now=T0 + 10 * SEC)
    send_pending(services)

    _object(services, run_id, "Account", rows=500, expected=2_000)
    slack.server_error("chat.update", 503, times=2)  # past the client's own retry
    assert update_progress(services, now=T0 + 20 * SEC) == 0
    assert _progress_row(services).last_error == "HTTP 503 internal_error"
    assert update_progress(services, now=T0 + 22 * SEC) == 0  # waits before trying again
    assert update_progress(services, now=T0 + 26 * SEC) == 1
    assert "500 of about 2,000 rows" in _shown(slack)[0][1]

    _object(services, run_id, "Account", rows=1_000, expected=2_000)
    slack.rate_limit("chat.update", retry_after=30)
    assert update_progress(services, now=T0 + 40 * SEC) == 0
    assert update_progress(services, now=T0 + 60 * SEC) == 0
    assert len(slack.calls("chat.update")) == 4  # two refused, one edit, one rate-limited
    assert update_progress(services, now=T0 + 71 * SEC) == 1
    assert "1,000 of about 2,000 rows" in _shown(slack)[0][1]

    # Someone deletes the message: the next edit finds it gone and posts it again.
    [gone] = slack.messages(ALERTS)
    slack.delete_message(ALERTS, gone["ts"])
    _object(services, run_id, "Account", rows=1_500, expected=2_000)
    assert update_progress(services, now=T0 + 80 * SEC) == 0
    assert send_pending(services) == 1
    [again] = slack.messages(ALERTS)
    assert again["ts"] != gone["ts"] and "1,500 of about 2,000 rows" in _shown(slack)[0][1]
    _object(services, run_id, "Account", rows=1_900, expected=2_000)
    assert update_progress(services, now=T0 + 90 * SEC) == 1
    assert [m["ts"] for m in slack.messages(ALERTS)] == [again["ts"]]
    assert "1,900 of about 2,000 rows" in _shown(slack)[0][1]


def test_a_channel_that_refuses_edits_ends_the_live_message_and_the_summary_says_it_all(
    sqlite_services: Services, slack: SlackWebApiStandIn
) -> None:
    services = sqlite_services
    run_id = _begin(services)
    _object(services, run_id, "Account", rows=100, expected=2_000)
    update_progress(services, now=T0 + 10 * SEC)
    send_pending(services)
    _object(services, run_id, "Account", rows=500, expected=2_000)
    slack.fail_method("chat.update", "cant_update_message")
    assert update_progress(services, now=T0 + 20 * SEC) == 0
    _object(services, run_id, "Account", rows=2_000, expected=2_000, status="done", finished=T0 + 30 * SEC)
    _end(services, run_id, status="succeeded", at=T0 + 40 * SEC)
    assert update_progress(services, now=T0 + 50 * SEC) == 0
    assert len(slack.calls("chat.update")) == 1
    send_pending(services)
    assert _shown(slack)[1] == [":tada: *The first load is done*, in 40 s: 2,000 records.", "• Account: 2,000 records"]


def test_a_channel_chosen_during_the_load_gets_the_whole_summary(
    sqlite_services: Services, slack: SlackWebApiStandIn
) -> None:
    services = sqlite_services
    run_id = _begin(services)
    _object(services, run_id, "Account", rows=100, expected=2_000)
    update_progress(services, now=T0 + 10 * SEC)
    send_pending(services)
    with services.db.session() as session:
        workspaces.set_alert_channel(session, TEAM, "C0001")
    _object(services, run_id, "Account", rows=2_000, expected=2_000, status="done", finished=T0 + 30 * SEC)
    _end(services, run_id, status="succeeded", at=T0 + 40 * SEC)
    update_progress(services, now=T0 + 50 * SEC)
    send_pending(services)
    assert _shown(slack)[0][0] == ":white_check_mark: *First load from Salesforce*: all 3 objects read."
    assert [m["text"] for m in slack.messages("C0001")] == [
        ":tada: *The first load is done*, in 40 s: 2,000 records.\n• Account: 2,000 records"
    ]


def test_a_load_done_before_the_updater_looks_gets_only_the_summary(
    sqlite_services: Services, slack: SlackWebApiStandIn
) -> None:
    services = sqlite_services
    run_id = _begin(services)
    _object(services, run_id, "Lead", rows=120, expected=120, status="done", finished=T0 + 5 * SEC)
    _end(services, run_id, status="succeeded", at=T0 + 6 * SEC)
    assert update_progress(services, now=T0 + 10 * SEC) == 0
    # Later cycles are not a first load.
    later = _begin(services, at=T0 + 300 * SEC)
    _object(services, later, "Lead", rows=1, expected=1, started=T0 + 300 * SEC)
    assert update_progress(services, now=T0 + 310 * SEC) == 0
    send_pending(services)
    assert _shown(slack) == [[":tada: *The first load is done*, in 6 s: 120 records.", "• Lead: 120 records"]]


def test_replicas_updating_at_once_post_one_message_and_make_each_edit_once(
    services: Services, slack: SlackWebApiStandIn
) -> None:
    run_id = _begin(services)
    _object(services, run_id, "Account", rows=100, expected=2_000)
    errors: list[BaseException] = []

    def replicas(now: datetime) -> list[int]:
        edited: list[int] = []

        def replica() -> None:
            try:
                edited.append(update_progress(services, now=now))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=replica) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return edited

    replicas(T0 + 10 * SEC)
    assert send_pending(services) == 1
    _object(services, run_id, "Account", rows=900, expected=2_000)
    assert sorted(replicas(T0 + 20 * SEC)) == [0, 0, 0, 1]
    assert errors == []
    assert len(slack.messages(ALERTS)) == 1 and len(slack.calls("chat.update")) == 1
    assert "900 of about 2,000 rows" in _shown(slack)[0][1]


def test_a_broken_updater_never_raises(sqlite_services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    run_id = _begin(sqlite_services)
    _object(sqlite_services, run_id, "Account", rows=100, expected=2_000)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug in the progress message")

    monkeypatch.setattr("bot.alerts.progress.load_facts", broken)
    assert update_progress(sqlite_services, now=T0 + 10 * SEC) == 0


def test_a_real_load_shows_its_batches_and_ends_done(
    slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, sqlite_url: str, secret_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    salesforce.org.generate("Lead", 6_000)  # three REST pages, each its own batch
    env = settings_env(slack=slack, database_url=sqlite_url, salesforce_url=salesforce.url, secret_key=secret_key,
                       extra={"SYNCBOT_ALERT_CHANNEL": "C0001"})
    clock = [utcnow()]
    commit = ObjectSync._commit

    def commit_then_look(self: ObjectSync, *args: Any, **kwargs: Any) -> None:
        # The updater runs between two batches, as the scheduler's job would, a few seconds apart.
        commit(self, *args, **kwargs)
        clock[0] += PROGRESS_EVERY * SEC
        update_progress(self.ctx.services, now=clock[0])
        send_pending(self.ctx.services)

    monkeypatch.setattr(ObjectSync, "_commit", commit_then_look)
    with running_bot(env, slack=slack, salesforce=salesforce) as bot:
        start_sync(bot)
        assert cycle(bot).status == "succeeded"
        update_progress(bot.services, now=clock[0] + PROGRESS_EVERY * SEC)
        send_pending(bot.services)
        texts = [message["text"] for message in slack.messages("C0001")]
    edits = [call.args["text"] for call in slack.calls("chat.update")]
    progress = [text for text in texts if "*First load from Salesforce*" in text]
    assert len(progress) == 1  # one message, edited in place
    leads = salesforce.org.count("Lead", include_deleted=True)
    assert any(f"*Lead* · REST\n`███░░░░░░░  32%` 2,000 of about {leads:,} rows, " in edit for edit in edits)
    final = progress[0].splitlines()
    assert final[0] == ":white_check_mark: *First load from Salesforce*: all 8 objects read."
    assert "*Lead* · REST" in final and f"`██████████ 100%` {leads:,} rows" in final
    assert texts[-1].startswith(":tada: *The first load is done*") and "•" not in texts[-1]

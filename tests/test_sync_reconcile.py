"""The reconciliation of Ids under real-world conditions, through real cycles against the
simulator, on SQLite and on PostgreSQL (whose databases here sort text as people read
it, ``a`` before ``B``, as many hosted servers do): archived activities are not deleted,
Ids are compared in Salesforce's order, and memory stays flat in the row count."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import timedelta

import pytest

from bot.errors import IdsOutOfOrder
from bot.simulator import SalesforceSimulator, archive_activities
from bot.simulator.ids import make_id
from bot.slack_standin import SlackWebApiStandIn
from bot.sync.reconcile import differences
from storage.models import SyncedObject
from tests.support import postgres
from tests.support.harness import MEMBER, RunningBot, running_bot, settings_env
from tests.support.simulator_process import simulator_process
from tests.support.sync import cycle, differences as copy_differences, latest_run, local_rows, start_sync

# SYNCBOT_BULK_THRESHOLD per way of reading Salesforce's Ids: REST pages, or a Bulk job.
THRESHOLDS = {"rest": "100000", "bulk": "10"}


@pytest.fixture
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database; on PostgreSQL one whose default collation is ICU's en-US."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'syncbot.db'}"
        return
    url = postgres.create_database(icu_locale="en-US")
    try:
        yield url
    finally:
        postgres.drop_database(url)


def _bot(slack: SlackWebApiStandIn, salesforce_url: str, database_url: str, secret_key: str, *, objects: str,
         path: str, salesforce: SalesforceSimulator | None = None,
         **settings: str) -> AbstractContextManager[RunningBot]:
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=salesforce_url, secret_key=secret_key,
                       extra={"SYNCBOT_OBJECTS": objects, "SYNCBOT_BULK_THRESHOLD": THRESHOLDS[path], **settings})
    return running_bot(env, slack=slack, salesforce=salesforce)


def _reconcile_due(bot: RunningBot) -> None:
    """Move the last reconciliation back a day, so the next cycle runs it."""
    with bot.services.db.session() as session:
        for obj in session.query(SyncedObject).all():
            obj.reconciled_at = (obj.reconciled_at or obj.described_at) - timedelta(hours=25)


@pytest.mark.parametrize("path", THRESHOLDS)
def test_archived_activities_are_not_marked_deleted(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator,
                                                    database_url: str, secret_key: str, path: str) -> None:
    org = salesforce.org
    org.generate("Task", 60, seed=5)
    org.generate("Event", 30, seed=5)
    with _bot(slack, salesforce.url, database_url, secret_key, objects="Task,Event", path=path,
              salesforce=salesforce) as bot:
        start_sync(bot)
        assert cycle(bot).status == "succeeded"
        archived = archive_activities(org)  # a year after they were done, as Salesforce does
        assert len(archived) > 10
        assert cycle(bot).status == "succeeded"  # the archival moved SystemModstamp: read as a change
        _reconcile_due(bot)
        assert cycle(bot).status == "succeeded"
        run, _ = latest_run(bot)
        assert (run.reconciled, run.rows_purged, run.rows_repaired) == ("schedule", 0, 0)
        for name in ("Task", "Event"):
            assert copy_differences(bot, org, name) == [], name
        rows = {**local_rows(bot, "Task"), **local_rows(bot, "Event")}
        assert {(rows[record_id]["isdeleted"], rows[record_id]["isarchived"]) for record_id in archived} == \
            {(False, True)}
        # `/sync verify` counts archived activities as the live rows they are.
        assert "Every object agrees." in bot.reply("verify", user_id=MEMBER)


@pytest.mark.parametrize("path", THRESHOLDS)
def test_ids_are_compared_in_salesforces_order(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator,
                                               database_url: str, secret_key: str, path: str) -> None:
    org = salesforce.org
    # Ids whose last characters run through digits, upper and lower case (``…0B`` sorts
    # before ``…0a`` in Salesforce, after it in en-US), created a day ago in the reverse of
    # their order: a Bulk job gives them in no order of Id at all.
    day_ago = salesforce.clock.now() - timedelta(days=1)
    ids = [org.create("Task", Id=make_id("00T", 9, number), Subject="Call",
                      SystemModstamp=day_ago + timedelta(seconds=10 * number)) for number in range(140, 0, -1)]
    with _bot(slack, salesforce.url, database_url, secret_key, objects="Task", path=path,
              salesforce=salesforce) as bot:
        start_sync(bot)
        assert cycle(bot).status == "succeeded"
        gone, deleted, missed = ids[7], ids[70], ids[100]
        org.hard_delete("Task", gone)
        org.delete("Task", deleted)
        org.purge_recycle_bin("Task")  # deleted for good, as after 15 days
        org.update("Task", missed, {"Subject": "Missed", "SystemModstamp": org.get("Task", missed)["SystemModstamp"]
                                    + timedelta(milliseconds=1)})  # stamped in the past: a late commit
        assert cycle(bot).status == "succeeded"
        _reconcile_due(bot)
        assert cycle(bot).status == "succeeded"
        run, _ = latest_run(bot)
        assert (run.rows_purged, run.rows_repaired) == (2, 1)
        rows = local_rows(bot, "Task")
        assert (rows[gone]["isdeleted"], rows[deleted]["isdeleted"], rows[missed]["subject"]) == (True, True, "Missed")
        assert [line for line in copy_differences(bot, org, "Task") if "not in the org" not in line] == []


def _reconcile_peak(bot: RunningBot) -> int:
    """Bytes the reconciliation's cycle allocated at its peak, above what it started with."""
    _reconcile_due(bot)
    tracemalloc.start()
    try:
        assert cycle(bot).status == "succeeded"
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("path", THRESHOLDS)
def test_the_reconciliation_holds_neither_side_in_memory(slack: SlackWebApiStandIn, database_url: str,
                                                         secret_key: str, path: str) -> None:
    # Salesforce in its own process, so that only the bot's memory is measured.
    with simulator_process() as simulator:
        simulator.send("generate Task 5000")
        # No lookback: the cycles around the reconciliation read nothing again. Bulk pages
        # of 2,000 rows, as REST's: the small table fills whole pages already.
        with _bot(slack, simulator.url, database_url, secret_key, objects="Task", path=path,
                  SYNCBOT_LOOKBACK="0", SYNCBOT_BULK_PAGE_ROWS="2000") as bot:
            start_sync(bot)
            assert cycle(bot).status == "succeeded"
            _reconcile_peak(bot)  # once first: what is set up once is not counted below
            small = _reconcile_peak(bot)
            added = 25_000
            simulator.send(f"generate Task {added}")
            assert cycle(bot).status == "succeeded"
            assert len(local_rows(bot, "Task")) == 30_000
            large = _reconcile_peak(bot)
            run, _ = latest_run(bot)
            assert (run.reconciled, run.rows_purged, run.rows_repaired) == ("schedule", 0, 0)
    # Holding both sides' Ids took about 450 bytes a row; walking them in order takes none
    # (the peak moves by a few hundred KB with how pages and batches happen to line up).
    assert large - small < 100 * added, (small, large)


def test_the_walk_finds_each_kind_of_difference_and_stops_on_ids_out_of_order() -> None:
    rows = [("00T0900000000BAAA", "2024-01-01 00:00:00.000", False),
            ("00T0900000000aAAA", "2024-01-01 00:00:00.000", False)]

    def walk(remote: list[tuple[str, str, bool]], local: list[tuple[str, str, bool]], *,
             can_vanish: bool = True) -> list[tuple[str, str]]:
        return list(differences(remote, local, object_name="Task", can_vanish=can_vanish))

    assert walk(rows, rows) == []
    assert walk(rows[:1], rows) == [("gone", rows[1][0])]
    assert walk(rows[:1], rows, can_vanish=False) == []  # User: records are never deleted
    assert walk(rows, rows[1:]) == [("stale", rows[0][0])]
    newer = [(rows[0][0], "2024-01-01 00:00:00.001", False), (rows[1][0], rows[1][1], True)]
    assert walk(newer, rows) == [("stale", rows[0][0]), ("stale", rows[1][0])]
    with pytest.raises(IdsOutOfOrder, match="Task: .* Salesforce's Ids came out of order"):
        walk(rows[::-1], rows)
    with pytest.raises(IdsOutOfOrder, match="the local table's Ids came out of order"):
        walk(rows, rows[::-1])

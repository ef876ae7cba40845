"""The sync engine when the local database itself fails: a mirror table locked by another
session past ``lock_timeout``, a full disk, and a cycle whose lock connection died while
another replica took the workspace over. Nothing may be lost, and no row may go back
to an older version."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bot.simulator import SalesforceSimulator
from bot.simulator.server import Request
from bot.slack_standin import SlackWebApiStandIn
from bot.sync.convert import RowConverter, is_text
from bot.sync.cycle import CycleOutcome, run_cycle
from bot.sync.plan import Column
from storage import drift
from storage.db import Database
from storage.mirror_writer import MirrorWriter, WriteResult
from tests.support.harness import MEMBER, RunningBot, running_bot, settings_env
from tests.support.mirror_rows import PEOPLE_FIELDS, build_people_tables
from tests.support.sync import TEAM, cycle, differences, latest_run, local_rows, start_sync
from tests.test_sync_alerts import _channel, alert_bot  # noqa: F401 (a fixture)


def _conninfo(bot: RunningBot) -> str:
    return make_url(bot.services.db.url).set(drivername="postgresql").render_as_string(hide_password=False)


def _set_for_the_database(bot: RunningBot, setting: str, value: str) -> None:
    # As a managed database is configured: for every new session of the database.
    name = make_url(bot.services.db.url).database
    with psycopg.connect(_conninfo(bot), autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE \"{name}\" SET {setting} = '{value}'")
    bot.services.db.dispose()  # the pool's sessions were opened before; new ones take it


@contextmanager
def _another_session_holding(bot: RunningBot, statement: str) -> Iterator[None]:
    """An analyst's session that ran ``statement`` and keeps its transaction open."""
    analyst = psycopg.connect(_conninfo(bot))
    try:
        analyst.execute("SET lock_timeout = 0")
        analyst.execute(statement)
        yield
    finally:
        analyst.rollback()
        analyst.close()


def _changes_spread_past_the_lookback(salesforce: SalesforceSimulator) -> tuple[str, str, str]:
    """Two updated Leads and a new one, the first older than the lookback before the last:
    a cursor moved past them all never reads the first one again."""
    org = salesforce.org
    first, second = org.ids("Lead")[:2]
    salesforce.clock.advance(timedelta(minutes=10))
    org.update("Lead", first, Title="Changed first")
    new_lead = org.create("Lead", LastName="Lockwood", Company="Held Inc")
    salesforce.clock.advance(timedelta(minutes=10))
    org.update("Lead", second, Title="Changed second")
    return first, second, new_lead


# An analyst's CREATE INDEX takes a SHARE lock: reads go on, writes wait. ALTER TABLE
# takes ACCESS EXCLUSIVE: reads wait too.
_INDEX, _ALTER = "CREATE INDEX analyst_title ON sf_lead (title)", "LOCK TABLE sf_lead IN ACCESS EXCLUSIVE MODE"
_LOCKED_WORDS = "The table sf_lead was locked by another session for more than 1 s (the database's `lock_timeout`)."
_TIMEOUT_WORDS = ("Writing the table sf_lead took longer than the database's `statement_timeout` (1 s); "
                  "another session may have held a lock on it.")


@pytest.mark.parametrize("backend", ["postgresql"])
@pytest.mark.parametrize(("held", "setting", "words"), [
    (_INDEX, "lock_timeout", _LOCKED_WORDS),
    (_ALTER, "lock_timeout", _LOCKED_WORDS),
    (_INDEX, "statement_timeout", _TIMEOUT_WORDS),
])
def test_a_table_locked_past_lock_timeout_loses_nothing(alert_bot: RunningBot, salesforce: SalesforceSimulator,
                                                        held: str, setting: str, words: str) -> None:
    org = salesforce.org
    start_sync(alert_bot)
    assert cycle(alert_bot).status == "succeeded"
    _set_for_the_database(alert_bot, setting, "1s")
    _changes_spread_past_the_lookback(salesforce)
    with _another_session_holding(alert_bot, held):
        outcome = cycle(alert_bot)
    assert outcome.status == "failed"
    assert outcome.error == f"{words} Nothing was lost: the cursor stayed, and the next cycle reads the same " \
                            "changes again."
    run, items = latest_run(alert_bot)
    assert run.failure_kind == "locked" and run.record_errors == 0
    assert items["Lead"].status == "failed" and items["Contact"].status == "done"
    errors = alert_bot.reply("errors", user_id=MEMBER)
    assert "*Record*" not in errors and words in errors
    assert words in alert_bot.ask("status", user_id=MEMBER)
    failing = [post for post in _channel(alert_bot) if "The Salesforce sync is failing" in post]
    assert len(failing) == 1 and words in failing[0], failing
    # The lock is gone: the next cycle reads the same changes again, and every one arrives.
    assert cycle(alert_bot).status == "succeeded"
    assert differences(alert_bot, org, "Lead") == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_full_database_fails_the_cycle_and_loses_nothing(sf_bot: RunningBot,
                                                           salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    org.generate("Lead", 400)
    _changes_spread_past_the_lookback(salesforce)
    with _database_full(sf_bot):
        outcome = cycle(sf_bot)
    assert outcome.status == "failed"
    assert outcome.error == ("The database's disk is full (database or disk is full). Nothing was lost: the cursor "
                             "stayed, and the next cycle reads the same changes again.")
    run, items = latest_run(sf_bot)
    assert run.failure_kind == "storage" and run.record_errors == 0
    assert items["Lead"].status == "failed"
    # Room again: every change arrives, the 400 Leads older than the lookback too.
    assert cycle(sf_bot).status == "succeeded"
    assert differences(sf_bot, org, "Lead") == []


@contextmanager
def _database_full(bot: RunningBot) -> Iterator[None]:
    """A SQLite database with room for two more pages only, as on a full disk: enough for
    the run's own records, not for 400 new Leads."""
    engine = bot.services.db.engine

    def full(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages + 2}")
        cursor.close()

    event.listen(engine, "connect", full)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", full)
        engine.dispose()


# ----- two replicas: a lost lock connection, and rows that must never go back in time -----


def _advisory_lock_holders(bot: RunningBot) -> list[int]:
    with psycopg.connect(_conninfo(bot), autocommit=True) as admin:
        return [pid for (pid,) in admin.execute(
            "SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")]


def _terminate(bot: RunningBot, pids: list[int]) -> None:
    """End the sessions ``pids`` as a failover or ``idle_session_timeout`` would, and wait
    until their locks are released."""
    with psycopg.connect(_conninfo(bot), autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    deadline = time.monotonic() + 10
    while set(_advisory_lock_holders(bot)) & set(pids):
        assert time.monotonic() < deadline, "the terminated sessions kept their locks"
        time.sleep(0.05)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_cycle_that_lost_its_lock_connection_stops_and_the_replica_keeps_the_newer_rows(
    sf_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    org = salesforce.org
    org.generate("Lead", 2_500)  # two REST pages of 2,000
    start_sync(sf_bot)
    by_stamp = sorted(org.snapshot("Lead"), key=lambda record: (record["SystemModstamp"], record["Id"]))
    changed = by_stamp[2_100]["Id"]  # on the second page
    replica = dataclasses.replace(sf_bot.services, db=Database(sf_bot.services.db.url))
    taken_over: list[CycleOutcome | None] = []
    started = threading.Event()

    def take_over_before_the_second_page(request: Request) -> None:
        # The first page is written; the second is asked for. Now the lock connection dies,
        # the record changes, and another replica takes the workspace and syncs it all.
        if started.is_set() or not ("/query/" in request.path and request.path.endswith("-2000")):
            return
        started.set()  # once: the replica's own second page passes
        _terminate(sf_bot, _advisory_lock_holders(sf_bot))
        org.update("Lead", changed, Title="Written by the replica that took over")
        taken_over.append(run_cycle(replica, TEAM, force=True))

    hook = salesforce.add_request_hook(take_over_before_the_second_page)
    try:
        first = cycle(sf_bot)
    finally:
        salesforce.remove_request_hook(hook)
        replica.db.dispose()
    assert taken_over and taken_over[0] is not None and taken_over[0].status == "succeeded"
    # The first cycle stopped before committing its older copy of the second page.
    assert first.status == "interrupted", first
    assert first.error is not None and "lost its hold on the workspace" in first.error
    assert local_rows(sf_bot, "Lead")[changed]["title"] == "Written by the replica that took over"
    assert differences(sf_bot, org, "Lead") == []
    assert cycle(sf_bot).status == "succeeded"
    assert differences(sf_bot, org, "Lead") == []


LEAD = "00Q000000000001AAA"


@pytest.fixture
def any_bot(slack: SlackWebApiStandIn, database_url: str, secret_key: str) -> Iterator[RunningBot]:
    """A running bot without Salesforce, once per database backend."""
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=None, secret_key=secret_key)
    with running_bot(env, slack=slack) as running:
        yield running


def _lead(stamp: str, last_name: str, *, deleted: bool = False) -> dict[str, Any]:
    return {"Id": LEAD, "IsDeleted": deleted, "SystemModstamp": stamp, "FirstName": "Ada",
            "LastName": last_name, "Name": f"Ada {last_name}", "Email": "ada@example.com"}


def _write(bot: RunningBot, record: dict[str, Any], *, all_new: bool = False) -> WriteResult:
    """Write one Lead as a cycle does: converted from REST's JSON, through the mirror writer."""
    columns = [Column(name, name.lower(), sf_type) for name, sf_type, _length in PEOPLE_FIELDS]
    converter = RowConverter(columns, source="json", dialect="sqlite" if bot.services.db.dialect == "sqlite"
                             else "postgresql")
    writer = MirrorWriter("sf_lead", [column.column for column in converter.columns],
                          dialect=bot.services.db.dialect,
                          empty_is_null=[column.column for column in converter.columns if is_text(column)])
    with bot.services.db.session() as session:
        return writer.write(session, [converter.convert(record)], all_new=all_new)


def test_a_row_is_never_replaced_by_an_older_version(any_bot: RunningBot) -> None:
    bot = any_bot
    build_people_tables(bot.services, objects=("Lead",))
    assert _write(bot, _lead("2026-11-02T10:00:00.250+0000", "Newer")).inserted == 1
    # A batch read before that change and committed after it (a replica that lost its lock):
    # older by a millisecond, across a second's boundary.
    older = _lead("2026-11-02T10:00:00.249+0000", "Older")
    assert dataclasses.astuple(_write(bot, older)) == (0, 0, 1, 0, [])
    # Even where the stored stamps are not read first (a fresh Bulk job into a table it
    # found empty), the statement itself keeps the newer row.
    assert dataclasses.astuple(_write(bot, older, all_new=True)) == (0, 0, 1, 0, [])
    assert dataclasses.astuple(_write(bot, _lead("2026-11-02T09:59:59.999Z", "Oldest"), all_new=True)) \
        == (0, 0, 1, 0, [])
    assert local_rows(bot, "Lead")[LEAD]["lastname"] == "Newer"
    # The same stamp again is the same version: unchanged, unless it brings back a row the
    # reconciliation marked deleted (gone from the sync user's sight, then back).
    assert dataclasses.astuple(_write(bot, _lead("2026-11-02T10:00:00.250+0000", "Newer"))) == (0, 0, 1, 0, [])
    with bot.services.db.session() as session:
        assert drift.mark_deleted(session, "sf_lead", [LEAD]) == 1
    assert dataclasses.astuple(_write(bot, _lead("2026-11-02T10:00:00.250+0000", "Newer"))) == (0, 1, 0, 0, [])
    assert local_rows(bot, "Lead")[LEAD]["isdeleted"] is False
    # A newer version replaces it, by a millisecond too.
    assert dataclasses.astuple(_write(bot, _lead("2026-11-02T10:00:00.251+0000", "Newest"))) == (0, 1, 0, 0, [])
    assert local_rows(bot, "Lead")[LEAD]["lastname"] == "Newest"

"""Bulk API 2.0 jobs under real-world conditions, through real cycles against the
simulator, on SQLite and PostgreSQL: a job read in chunks over time is no snapshot, a
job whose columns no longer match the plan, a job whose status check fails, a crash
between a job's last page and its end, and an error that concerns one object only."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from bot.runtime import Services
from bot.salesforce.gateway import SalesforceGateway
from bot.simulator import Request, SalesforceSimulator
from bot.slack_standin import SlackWebApiStandIn
from bot.sync.cycle import run_cycle
from storage import cursors
from storage.models import ObjectCursor, SyncedObject
from tests.support.harness import MEMBER, RunningBot, running_bot, settings_env
from tests.support.sync import TEAM, cycle, differences, latest_run, local_rows, start_sync

LEADS = 700  # with the demo's, about 850 Leads: three results pages of 300, three chunks of 300
_POLL = re.compile(r"/jobs/query/750\w+$")


@pytest.fixture
def lead_bot(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, database_url: str,
        secret_key: str) -> Iterator[RunningBot]:
    """A bot that reads Lead (and only Lead) with Bulk API 2.0, in pages of 300 rows."""
    salesforce.org.generate("Lead", LEADS)
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=salesforce.url, secret_key=secret_key,
                       extra={"SYNCBOT_BULK_THRESHOLD": "500", "SYNCBOT_BULK_PAGE_ROWS": "300"})
    with running_bot(env, slack=slack, salesforce=salesforce) as running:
        start_sync(running)
        yield running


def _lead_cursor(bot: RunningBot) -> ObjectCursor | None:
    with bot.services.db.session(write=False) as session:
        return cursors.get(session, TEAM, "Lead")


def _jobs_created(salesforce: SalesforceSimulator) -> int:
    return len(salesforce.request_log.entries(lambda e: e.method == "POST" and e.path.endswith("/jobs/query")))


def _result_pages(salesforce: SalesforceSimulator) -> int:
    return len(salesforce.request_log.entries(lambda e: e.path.endswith("/results")))


def _interrupt_after_the_first_page(bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    """Run a cycle that is stopped (as by SIGTERM) once the Lead job's first page is written."""
    stop = threading.Event()
    pages: list[str] = []

    def stop_after_the_first_page(request: Request) -> None:
        if request.path.endswith("/results"):
            pages.append(request.query_string)
            # The third page is asked for once the first is written (the second was read ahead).
            if len(pages) == 3:
                stop.set()

    hook = salesforce.add_request_hook(stop_after_the_first_page)
    outcome = run_cycle(bot.services, TEAM, stop=stop, force=True)
    salesforce.remove_request_hook(hook)
    assert outcome is not None and outcome.status == "interrupted"
    cursor = _lead_cursor(bot)
    assert cursor is not None and cursor.bulk_job_id and cursor.bulk_locator


def _make_describe_due(bot: RunningBot) -> None:
    with bot.services.db.session() as session:
        for obj in session.query(SyncedObject).all():
            for name in ("described_at", "checked_at"):
                if getattr(obj, name) is not None:
                    setattr(obj, name, getattr(obj, name) - timedelta(hours=2))


# ----- 1. a Bulk job is not a snapshot ------------------------------------------------------

@pytest.mark.parametrize("interrupted", [False, True], ids=["one-cycle", "resumed"])
def test_a_change_made_after_its_chunk_was_read_arrives_in_the_next_cycle(
    lead_bot: RunningBot, salesforce: SalesforceSimulator, interrupted: bool
) -> None:
    org = salesforce.org
    salesforce.bulk_jobs.chunk_rows = 300
    ids = sorted(org.ids("Lead", include_deleted=True))
    early, late = ids[0], ids[-1]

    def between_chunks(job_id: str, chunk: int, chunks: int) -> None:
        if chunk == 1:
            org.update("Lead", early, Title="Changed after its chunk was read")
            # Later than the lookback, a record of a chunk not read yet changes too.
            salesforce.clock.advance(timedelta(minutes=10))
            org.update("Lead", late, Title="Changed before its chunk was read")

    hook = salesforce.bulk_jobs.add_chunk_hook(between_chunks)
    if interrupted:
        # A restart in the middle of the load: the next cycle resumes the same job.
        _interrupt_after_the_first_page(lead_bot, salesforce)
    assert cycle(lead_bot).status == "succeeded"
    salesforce.bulk_jobs.remove_chunk_hook(hook)
    assert _jobs_created(salesforce) == 1
    leads = local_rows(lead_bot, "Lead")
    assert leads[early]["title"] != "Changed after its chunk was read"  # what its chunk held
    assert leads[late]["title"] == "Changed before its chunk was read"
    assert cycle(lead_bot).status == "succeeded"
    assert local_rows(lead_bot, "Lead")[early]["title"] == "Changed after its chunk was read"
    assert differences(lead_bot, org, "Lead") == []


# ----- 7. a resumed job whose columns no longer match the plan --------------------------

def test_a_resumed_job_without_a_field_added_meanwhile_is_read_by_its_own_header(
    lead_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    org = salesforce.org
    _interrupt_after_the_first_page(lead_bot, salesforce)
    job = _lead_cursor(lead_bot).bulk_job_id  # type: ignore[union-attr]
    org.add_custom_field("Lead", "Region", "string", length=20)
    ids = org.ids("Lead")
    for index, record_id in enumerate(ids[::40]):
        org.update("Lead", record_id, {"Region__c": f"Region {index}"}, touch=False)
    _make_describe_due(lead_bot)
    pages = _result_pages(salesforce)
    assert cycle(lead_bot).status == "succeeded"
    _, items = latest_run(lead_bot)
    assert {item.status for item in items.values()} == {"done"} and items["Lead"].method == "bulk"
    # Resumed, not started again: the same job, from its locator.
    resumed = [entry for entry in salesforce.request_log.entries(lambda e: e.path.endswith("/results"))[pages:]
               if job and job in entry.path]
    assert resumed and all("locator=" in entry.query_string for entry in resumed)
    # The job's rows could not hold the new field: it is back-filled next, for every row.
    assert cycle(lead_bot).status == "succeeded"
    assert differences(lead_bot, org, "Lead") == []
    assert sum(1 for lead in local_rows(lead_bot, "Lead").values() if lead["region__c"]) == len(ids[::40])


def test_a_results_header_with_a_byte_order_mark_is_read(lead_bot: RunningBot,
                                                         salesforce: SalesforceSimulator) -> None:
    salesforce.faults.bulk_results_with_bom = True
    assert cycle(lead_bot).status == "succeeded"
    assert differences(lead_bot, salesforce.org, "Lead") == []


def test_an_unexpected_error_in_one_object_fails_that_object_only(lead_bot: RunningBot,
                                                                  salesforce: SalesforceSimulator) -> None:
    assert cycle(lead_bot).status == "succeeded"

    def broken_campaign_table(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # Stands for a bug in syncbot met while writing one object.
        if re.search(r"\bsf_campaign\b", statement):
            raise RuntimeError("a bug met while writing Campaign")

    engine = lead_bot.services.db.engine
    event.listen(engine, "before_cursor_execute", broken_campaign_table)
    # The daily reconciliation is due: it runs for every object that was read.
    with lead_bot.services.db.session() as session:
        for obj in session.query(SyncedObject).all():
            obj.reconciled_at = obj.reconciled_at - timedelta(hours=25) if obj.reconciled_at else None
    try:
        outcome = cycle(lead_bot)
    finally:
        event.remove(engine, "before_cursor_execute", broken_campaign_table)
    assert outcome.status == "failed"
    run, items = latest_run(lead_bot)
    assert items["Campaign"].status == "failed"
    assert "RuntimeError: a bug met while writing Campaign" in (items["Campaign"].error or "")
    assert {name for name, item in items.items() if item.status == "done"} == set(items) - {"Campaign"}
    assert "User" in items and "CampaignMember" in items  # the objects after it were read
    assert run.failure_kind == "internal" and run.reconciled == "schedule"
    assert "RuntimeError: a bug met while writing Campaign" in lead_bot.reply("errors", user_id=MEMBER)
    assert cycle(lead_bot).status == "succeeded"
    assert differences(lead_bot, salesforce.org, "Campaign") == []


# ----- 8. one failed status check does not drop the job ---------------------------------

def _quick_retries(bot: RunningBot) -> Services:
    gateway = SalesforceGateway(salesforce_url=bot.services.settings.salesforce_url, retry_backoff=0.01)
    return dataclasses.replace(bot.services, gateway=gateway)


@pytest.mark.parametrize("fault", ["outage", "shutdown", "quota"])
def test_a_failed_status_check_keeps_the_job_until_salesforce_says_it_is_gone(
    lead_bot: RunningBot, salesforce: SalesforceSimulator, fault: str
) -> None:
    org = salesforce.org
    stop = threading.Event()

    def during_the_poll(request: Request) -> None:
        if request.method == "GET" and _POLL.search(request.path):
            if fault == "shutdown":
                stop.set()
            elif fault == "quota":
                org.reset_api_usage(int(org.api_daily_max * 0.85))

    if fault == "outage":
        salesforce.fail_next_requests(5, status=503, scope="bulk_poll")  # the first try and every retry
    hook = salesforce.add_request_hook(during_the_poll)
    outcome = run_cycle(_quick_retries(lead_bot), TEAM, stop=stop, force=True)
    salesforce.remove_request_hook(hook)
    assert outcome is not None
    assert (outcome.status, latest_run(lead_bot)[0].failure_kind) == {
        "outage": ("failed", "unavailable"), "shutdown": ("interrupted", None), "quota": ("failed", "quota")}[fault]
    cursor = _lead_cursor(lead_bot)
    assert cursor is not None and cursor.bulk_job_id
    salesforce.clear_faults()
    org.reset_api_usage(100)
    assert cycle(lead_bot).status == "succeeded"
    assert _jobs_created(salesforce) == 1
    assert differences(lead_bot, org, "Lead") == []


def test_a_resumed_job_whose_status_check_fails_is_kept(lead_bot: RunningBot,
                                                        salesforce: SalesforceSimulator) -> None:
    _interrupt_after_the_first_page(lead_bot, salesforce)
    salesforce.fail_next_requests(5, status=503, scope="bulk_poll")
    outcome = run_cycle(_quick_retries(lead_bot), TEAM, force=True)
    assert outcome is not None and outcome.status == "failed"
    cursor = _lead_cursor(lead_bot)
    assert cursor is not None and cursor.bulk_job_id and cursor.bulk_locator
    pages = _result_pages(salesforce)
    assert cycle(lead_bot).status == "succeeded"
    assert _jobs_created(salesforce) == 1
    assert _result_pages(salesforce) - pages <= 2  # the rest of the job, not all of it again
    assert differences(lead_bot, salesforce.org, "Lead") == []


# ----- 9. the last page and the end of the job ------------------------------------------

_CRASH_TRIGGER = {
    "sqlite": ["""CREATE TRIGGER crash_at_bulk_end BEFORE UPDATE ON object_cursors
                  WHEN OLD.bulk_job_id IS NOT NULL AND NEW.bulk_job_id IS NULL
                  BEGIN SELECT RAISE(ABORT, 'the process died here'); END"""],
    "postgresql": ["""CREATE FUNCTION crash_at_bulk_end() RETURNS trigger LANGUAGE plpgsql AS
                      $$ BEGIN RAISE EXCEPTION 'the process died here'; END $$""",
                   """CREATE TRIGGER crash_at_bulk_end BEFORE UPDATE ON object_cursors FOR EACH ROW
                      WHEN (OLD.bulk_job_id IS NOT NULL AND NEW.bulk_job_id IS NULL)
                      EXECUTE FUNCTION crash_at_bulk_end()"""],
}


def test_a_crash_as_the_job_ends_never_reads_the_job_again(lead_bot: RunningBot, salesforce: SalesforceSimulator,
                                                            backend: str) -> None:
    # The database gives out at the instant the job is marked finished, as a crash there would.
    with lead_bot.services.db.engine.begin() as conn:
        for statement in _CRASH_TRIGGER[backend]:
            conn.execute(text(statement))
    assert cycle(lead_bot).status == "failed"
    with lead_bot.services.db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER crash_at_bulk_end" + (" ON object_cursors" if backend == "postgresql" else "")))
    pages = _result_pages(salesforce)
    assert cycle(lead_bot).status == "succeeded"
    # At most the last page is read again, never the whole job.
    assert _result_pages(salesforce) - pages <= 1
    assert _jobs_created(salesforce) == 1
    assert differences(lead_bot, salesforce.org, "Lead") == []

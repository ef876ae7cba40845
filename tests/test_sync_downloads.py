"""Downloads under real-world conditions, through whole cycles against the simulator on
both databases: NUL characters in text, connections dropped mid-download, pages cut
short, and query locators that expire while other objects are read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.simulator import Request, SalesforceSimulator
from bot.slack_standin import SlackWebApiStandIn
from storage import cursors
from tests.support.harness import MEMBER, RunningBot, running_bot, settings_env
from tests.support.sync import TEAM, cycle, differences, latest_run, local_rows, start_sync

# Longer than the 8 KiB chunks a download is read in: a chunk of nothing but NULs.
NULS = "\x00" * 20_000


@pytest.fixture
def bulk_threshold() -> int:
    """Rows above which an object is read with Bulk API 2.0 (a test may override it)."""
    return 50


@pytest.fixture
def bulk_bot(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, database_url: str,
             secret_key: str, bulk_threshold: int) -> Iterator[RunningBot]:
    """A running bot that reads every object of more than ``bulk_threshold`` rows with Bulk API 2.0."""
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=salesforce.url,
                       secret_key=secret_key, extra={"SYNCBOT_BULK_THRESHOLD": str(bulk_threshold)})
    with running_bot(env, slack=slack, salesforce=salesforce) as running:
        yield running


def _others_equal(bot: RunningBot, salesforce: SalesforceSimulator, object_name: str, *skipped: str) -> None:
    # Every difference but the text of the records that held NULs (compared exactly by the test).
    problems = differences(bot, salesforce.org, object_name)
    assert [problem for problem in problems
            if not any(problem.startswith(f"{object_name} {record_id} description:") for record_id in skipped)] == []


# ----- NUL characters ---------------------------------------------------------------------


def _nuls_are_removed(bot: RunningBot, salesforce: SalesforceSimulator, method: str) -> None:
    # One text with NULs inside it, one of nothing but NULs; a first cycle reads them.
    org = salesforce.org
    inside, only = org.ids("Lead")[5], org.ids("Lead")[6]
    org.update("Lead", inside, Description="before" + NULS + "after\x00")
    org.update("Lead", only, Description=NULS)
    start_sync(bot)
    assert cycle(bot).status == "succeeded"
    _, items = latest_run(bot)
    assert items["Lead"].method == method and items["Lead"].errors == 0
    local = local_rows(bot, "Lead")
    assert len(local) == org.count("Lead", include_deleted=True)
    assert local[inside]["description"] == "beforeafter"
    assert local[only]["description"] is None
    _others_equal(bot, salesforce, "Lead", inside, only)
    assert bot.ask("status", user_id=MEMBER).startswith("Last Synced")


def test_nul_characters_read_by_bulk_are_removed_and_cost_no_other_record(
    bulk_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    salesforce.org.generate("Lead", 2_000)  # one page, read in 8 KiB chunks
    _nuls_are_removed(bulk_bot, salesforce, "bulk")


def test_nul_characters_read_by_rest_are_removed_and_the_record_syncs(
    sf_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    _nuls_are_removed(sf_bot, salesforce, "rest")


# ----- connections dropped and pages cut short ----------------------------------------------


def _bulk_state(bot: RunningBot) -> tuple[str | None, str | None, int]:
    with bot.services.db.session(write=False) as session:
        cursor = cursors.get(session, TEAM, "Lead")
        assert cursor is not None
        return cursor.bulk_job_id, cursor.bulk_locator, cursor.bulk_rows_done


def _dropped(salesforce: SalesforceSimulator) -> int:
    return len(salesforce.request_log.entries(lambda entry: entry.dropped))


def test_a_connection_dropped_mid_download_is_read_again(bulk_bot: RunningBot,
                                                         salesforce: SalesforceSimulator) -> None:
    salesforce.org.generate("Lead", 12_000)  # a first page of 10,000 rows, two batches of 5,000
    start_sync(bulk_bot)
    # Dropped well past the first batch, which is written before the drop is noticed.
    salesforce.drop_next_downloads(after_bytes=3_000_000, path_contains="/results")
    assert cycle(bulk_bot).status == "succeeded"
    assert salesforce.request_log.count(path_contains="/results", status=200) and _dropped(salesforce) == 1
    run, items = latest_run(bulk_bot)
    assert items["Lead"].method == "bulk" and items["Lead"].errors == 0
    total = salesforce.org.count("Lead", include_deleted=True)
    # Rows handed on before the drop are not read (or counted) twice.
    assert items["Lead"].rows_read == items["Lead"].inserted == total
    assert differences(bulk_bot, salesforce.org, "Lead") == []
    assert bulk_bot.ask("status", user_id=MEMBER).startswith("Last Synced")


def _fails_before_the_page_and_recovers(bot: RunningBot, salesforce: SalesforceSimulator, said: str) -> None:
    # The cycle fails as Salesforce unavailable, in plain words; the page is not counted
    # as read, so once the fault is gone the next cycle asks for it again.
    assert cycle(bot).status == "failed"
    run, items = latest_run(bot)
    assert run.failure_kind == "unavailable" and items["Lead"].status == "failed"
    status = bot.ask("status", user_id=MEMBER).splitlines()
    assert status[0] == f"Failed: {said}"
    assert status[2].startswith("*What to do:* Nothing: syncbot retries every cycle by itself.")
    job_id, locator, done = _bulk_state(bot)
    assert job_id is not None and locator is None and done == 0
    salesforce.clear_faults()
    assert cycle(bot).status == "succeeded"
    assert differences(bot, salesforce.org, "Lead") == []
    assert bot.ask("status", user_id=MEMBER).startswith("Last Synced")


def test_a_connection_that_keeps_dropping_fails_the_cycle_as_salesforce_unavailable(
    bulk_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    salesforce.org.generate("Lead", 2_000)
    start_sync(bulk_bot)
    salesforce.drop_next_downloads(10, after_bytes=100_000, path_contains="/results")  # Lead's page only
    _fails_before_the_page_and_recovers(
        bulk_bot, salesforce, "The connection to Salesforce broke off in the middle of a download. Try again later.")


def test_a_page_cut_short_is_not_progress(bulk_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    salesforce.org.generate("Lead", 2_000)
    start_sync(bulk_bot)
    total = salesforce.org.count("Lead", include_deleted=True)
    salesforce.truncate_next_results_pages(10, rows=1_000)  # Lead's page only
    _fails_before_the_page_and_recovers(
        bulk_bot, salesforce, f"Salesforce sent 1,000 of the {total:,} rows it announced for a page of results "
                              "(the download was cut short). Try again later.")


def test_a_page_cut_short_once_is_read_again_in_the_same_cycle(bulk_bot: RunningBot,
                                                                salesforce: SalesforceSimulator) -> None:
    salesforce.org.generate("Lead", 2_000)
    start_sync(bulk_bot)
    salesforce.truncate_next_results_pages(rows=1_000)
    assert cycle(bulk_bot).status == "succeeded"
    _, items = latest_run(bulk_bot)
    # Every object read by Bulk fits one page; the Lead's was asked for twice.
    pages = sum(1 for item in items.values() if item.method == "bulk")
    assert salesforce.request_log.count(path_contains="/results") == pages + 1
    assert items["Lead"].rows_read == salesforce.org.count("Lead", include_deleted=True)
    assert differences(bulk_bot, salesforce.org, "Lead") == []


def test_a_connection_dropped_mid_rest_page_is_read_again(sf_bot: RunningBot,
                                                          salesforce: SalesforceSimulator) -> None:
    salesforce.org.generate("Lead", 4_500)  # three REST pages
    start_sync(sf_bot)
    salesforce.drop_next_downloads(after_bytes=1_000, path_contains="/query/")
    assert cycle(sf_bot).status == "succeeded"
    assert _dropped(salesforce) == 1
    assert differences(sf_bot, salesforce.org, "Lead") == []


# ----- query locators that expire -------------------------------------------------------------


@pytest.mark.parametrize("bulk_threshold", [5_000])
def test_query_locators_that_expired_during_a_long_bulk_load_are_read_again_from_the_cursor(
    bulk_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    org = salesforce.org
    org.generate("Lead", 6_000)     # read first, with Bulk
    org.generate("Opportunity", 2_500)  # read after it (by name), by REST in two pages
    start_sync(bulk_bot)
    moved: list[bool] = []

    def long_bulk_load(request: Request) -> None:
        # The Lead's Bulk job takes longer than a query locator lives unused.
        if not moved and request.method == "POST" and request.path.endswith("/jobs/query"):
            moved.append(True)
            salesforce.clock.advance(timedelta(minutes=16))

    salesforce.add_request_hook(long_bulk_load)
    assert cycle(bulk_bot).status == "succeeded"
    _, items = latest_run(bulk_bot)
    assert moved and items["Lead"].method == "bulk" and items["Opportunity"].method == "rest"
    refused = salesforce.request_log.entries(lambda entry: entry.status == 400)
    assert len(refused) == 1 and "/query/" in refused[0].path
    assert differences(bulk_bot, org, "Opportunity") == [] and differences(bulk_bot, org, "Lead") == []
    assert bulk_bot.ask("status", user_id=MEMBER).startswith("Last Synced")

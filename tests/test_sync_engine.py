"""The sync engine through the running app: the real simple-salesforce client against the
simulator, on SQLite and PostgreSQL. Each test sets the workspace up through Slack, runs
cycles, and compares the mirror tables with the org field by field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.simulator import SalesforceSimulator
from bot.slack_standin import SlackWebApiStandIn
from storage import cursors
from tests.support.harness import MEMBER, RunningBot, running_bot, settings_env
from tests.support.sync import TEAM, cycle, differences, latest_run, local_rows, start_sync

OBJECTS = ("Lead", "Contact", "Account", "Opportunity", "OpportunityContactRole", "Campaign", "CampaignMember", "User")


def _composite_posts(salesforce: SalesforceSimulator) -> int:
    return len(salesforce.request_log.entries(lambda entry: entry.path.endswith("/composite")))


def test_the_initial_load_by_rest_equals_the_org(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    outcome = cycle(sf_bot)
    assert outcome.status == "succeeded", outcome
    for name in OBJECTS:
        assert differences(sf_bot, salesforce.org, name) == [], name
    run, items = latest_run(sf_bot)
    assert run.trigger == "now" and run.status == "succeeded"
    assert {item.method for item in items.values()} == {"rest"}
    org = salesforce.org
    assert items["Lead"].inserted + items["Lead"].deleted == org.count("Lead", include_deleted=True)
    assert run.records_inserted + run.records_deleted == sum(org.count(name, include_deleted=True) for name in OBJECTS)
    assert run.api_calls > 0 and run.api_used is not None and run.api_max == salesforce.org.api_daily_max


def test_the_initial_load_by_bulk_equals_the_org(bulk_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    salesforce.org.generate("Lead", 700)
    start_sync(bulk_bot)
    # Salesforce's clock stands still, so the moment the job is created is known: its
    # clock, or the newest stamp it handed out if that ran ahead (700 Leads at once).
    salesforce.clock.set(salesforce.clock.now())
    created = salesforce.org.now()
    assert cycle(bulk_bot).status == "succeeded"
    run, items = latest_run(bulk_bot)
    assert items["Lead"].method == "bulk" and items["User"].method == "rest"
    for name in OBJECTS:
        assert differences(bulk_bot, salesforce.org, name) == [], name
    with bulk_bot.services.db.session(write=False) as session:
        lead = cursors.get(session, TEAM, "Lead")
    # The job is done and forgotten; the next read starts from its creation on Salesforce's clock.
    assert lead is not None and lead.bulk_job_id is None
    assert lead.last_modstamp == created


def test_changes_deletes_and_inserts_arrive_in_the_next_cycle(sf_bot: RunningBot,
                                                              salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    salesforce.clock.advance(timedelta(minutes=10))
    lead, contact = org.ids("Lead")[0], org.ids("Contact")[0]
    org.update("Lead", lead, Title="Chief \"Quoted\" Officer, Sales\nEMEA 🚀")
    org.update("Contact", contact, Email=None, Title="数据工程师")
    org.delete("Lead", org.ids("Lead")[1])
    new_lead = org.create("Lead", LastName="Ünïcødé", Company="O'Reilly \"Media\", Inc.", Email="new@example.com")
    assert cycle(sf_bot).status == "succeeded"
    for name in OBJECTS:
        assert differences(sf_bot, org, name) == [], name
    run, items = latest_run(sf_bot)
    assert (items["Lead"].inserted, items["Lead"].updated, items["Lead"].deleted) == (1, 1, 1)
    assert items["Contact"].updated == 1
    assert run.records_inserted == 1 and run.records_deleted == 1
    status = sf_bot.ask("status", user_id=MEMBER)
    assert status.splitlines()[0].startswith("Last Synced ")
    assert "Lead 1 new, 1 updated, 1 deleted" in status and "Contact 0 new, 1 updated, 0 deleted" in status
    assert new_lead in org.ids("Lead")


def test_an_idle_cycle_rereads_only_the_overlap_and_rewrites_nothing(sf_bot: RunningBot,
                                                                     salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    salesforce.clock.advance(timedelta(hours=1))
    assert cycle(sf_bot).status == "succeeded"
    run, _ = latest_run(sf_bot)
    assert (run.records_inserted, run.records_updated, run.records_deleted) == (0, 0, 0)
    assert "Last cycle: no changes." in sf_bot.ask("status", user_id=MEMBER)


def test_history_says_how_each_cycle_read_and_what_it_cost(bulk_bot: RunningBot,
                                                           salesforce: SalesforceSimulator) -> None:
    salesforce.org.generate("Lead", 100)
    start_sync(bulk_bot)
    cycle(bulk_bot)
    history = bulk_bot.reply("history", user_id=MEMBER)
    run, _ = latest_run(bulk_bot)
    assert ":white_check_mark: *Succeeded* " in history and " · `/sync now`\n" in history
    assert f"`{run.records_inserted:,} new 0 updated 0 deleted` REST + Bulk · {run.api_calls:,} API calls" in history


def test_the_first_cycle_runs_within_seconds_of_start(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator,
                                                      sqlite_url: str, secret_key: str) -> None:
    env = settings_env(slack=slack, database_url=sqlite_url, salesforce_url=salesforce.url, secret_key=secret_key)
    with running_bot(env, slack=slack, salesforce=salesforce, scheduler=True) as bot:
        start_sync(bot)
        first = _wait_for_status(bot, "Last Synced")
        assert "Last cycle:" in first
        run, _ = latest_run(bot)
        assert run.trigger == "start"
        # `/sync now` is a request in the database; the scheduler picks it up.
        assert bot.reply("now") == "A sync cycle starts within seconds; `/sync status` shows how it goes."
        _wait_for(lambda: latest_run(bot)[0].trigger == "now" and latest_run(bot)[0].status == "succeeded")
        # Paused, scheduled cycles stop; `now` still runs one.
        bot.reply("pause")
        bot.reply("now")
        _wait_for(lambda: latest_run(bot)[0].id == run.id + 2 and latest_run(bot)[0].status == "succeeded")


def _wait_for_status(bot: RunningBot, first_word: str, timeout: float = 20) -> str:
    seen: list[str] = []

    def check() -> bool:
        seen.append(bot.ask("status", user_id=MEMBER))
        return seen[-1].startswith(first_word)

    _wait_for(check, timeout)
    return seen[-1]


def _wait_for(condition: object, timeout: float = 20) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def test_an_idle_cycle_of_eight_objects_costs_two_api_calls(sf_bot: RunningBot,
                                                            salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    salesforce.clock.advance(timedelta(hours=1))
    before = salesforce.org.api_requests_used
    assert cycle(sf_bot).status == "succeeded"
    # Five first pages per Composite request, which counts as one call.
    assert salesforce.org.api_requests_used - before == 2 == latest_run(sf_bot)[0].api_calls
    assert _composite_posts(salesforce) == 4


def test_without_composite_an_idle_cycle_reads_one_query_per_object(sf_bot: RunningBot,
                                                                   salesforce: SalesforceSimulator) -> None:
    salesforce.composite_enabled = False
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    for name in OBJECTS:
        assert differences(sf_bot, salesforce.org, name) == [], name
    before = salesforce.org.api_requests_used
    assert cycle(sf_bot).status == "succeeded"
    # The refusal is remembered per cycle's connection: one refused Composite, then a query each.
    assert salesforce.org.api_requests_used - before == 1 + len(OBJECTS)


@pytest.mark.parametrize("method", ["rest", "bulk"])
def test_messy_values_arrive_exactly(method: str, backend: str, request: pytest.FixtureRequest,
                                     salesforce: SalesforceSimulator) -> None:
    bot: RunningBot = request.getfixturevalue("sf_bot" if method == "rest" else "bulk_bot")
    org = salesforce.org
    messy = {"LastName": "O'Brien \"the Quoted\", Jr.", "Company": "Zoë & 王芳, Ltd.\r\nSecond line 🚀",
             "Description": "line one\nline two, with \"quotes\"\n\n" + "long text " * 800, "Email": None}
    record_id = org.create("Lead", messy)
    org.generate("Lead", 100)
    start_sync(bot)
    assert cycle(bot).status == "succeeded"
    assert latest_run(bot)[1]["Lead"].method == method
    assert differences(bot, org, "Lead") == []
    row = local_rows(bot, "Lead")[record_id]
    assert row["company"] == messy["Company"] and row["email"] is None
    assert row["description"] == messy["Description"]
    # The generated rows are messy too, so the comparison above was not of clean text only.
    texts = [value for row in local_rows(bot, "Lead").values() for value in row.values() if isinstance(value, str)]
    assert any("\n" in text for text in texts) and any('"' in text for text in texts)
    assert any(not text.isascii() for text in texts) and any("," in text for text in texts)


def test_changes_made_while_a_load_runs_arrive_in_the_next_cycle(bulk_bot: RunningBot,
                                                                 salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    org.generate("Lead", 300)
    start_sync(bulk_bot)
    touched: list[str] = []

    def edit_during_the_load(request: object) -> None:
        if not touched and str(getattr(request, "path", "")).endswith("/results"):
            touched.append(org.ids("Lead")[5])
            org.update("Lead", touched[0], Title="Changed while loading")
            touched.append(org.create("Lead", LastName="Arrived while loading", Company="Late Inc."))

    hook = salesforce.add_request_hook(edit_during_the_load)
    assert cycle(bulk_bot).status == "succeeded"
    salesforce.remove_request_hook(hook)
    assert touched
    assert cycle(bulk_bot).status == "succeeded"
    assert differences(bulk_bot, org, "Lead") == []


def test_status_answers_with_progress_while_a_load_runs(bulk_bot: RunningBot,
                                                        salesforce: SalesforceSimulator) -> None:
    salesforce.org.generate("Lead", 600)
    start_sync(bulk_bot)
    seen: list[str] = []

    def ask_status_during_the_load(request: object) -> None:
        # Asked from the simulator's side, while the engine waits for a results page.
        if not seen and str(getattr(request, "path", "")).endswith("/results"):
            seen.append(bulk_bot.ask("status", user_id=MEMBER))

    hook = salesforce.add_request_hook(ask_status_during_the_load)
    assert cycle(bulk_bot).status == "succeeded"
    salesforce.remove_request_hook(hook)
    lines = seen[0].splitlines()
    assert lines[0] == "Sync in Progress"
    assert any("(Bulk): 0 of about " in line for line in lines), lines
    assert any(line.endswith("rows, done") for line in lines)  # the objects read before Lead
    assert "The first sync cycle has not finished yet." in lines


def test_a_bulk_job_gone_from_salesforce_is_started_again_from_the_cursor(
    slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, database_url: str, secret_key: str
) -> None:
    import threading

    from bot.sync.cycle import run_cycle

    org = salesforce.org
    org.generate("Lead", 700)
    # Only Lead is read by Bulk, in three pages of 300.
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=salesforce.url, secret_key=secret_key,
                       extra={"SYNCBOT_BULK_THRESHOLD": "500", "SYNCBOT_BULK_PAGE_ROWS": "300"})
    with running_bot(env, slack=slack, salesforce=salesforce) as bot:
        start_sync(bot)
        stop = threading.Event()
        pages: list[str] = []

        def stop_after_the_first_page(request: object) -> None:
            if str(getattr(request, "path", "")).endswith("/results"):
                pages.append("page")
                # The third page is asked for once the first is written (the second was read ahead).
                if len(pages) == 3:
                    stop.set()  # as a SIGTERM would: the cycle ends after the batch it writes

        hook = salesforce.add_request_hook(stop_after_the_first_page)
        outcome = run_cycle(bot.services, TEAM, stop=stop, force=True)
        salesforce.remove_request_hook(hook)
        assert outcome is not None and outcome.status == "interrupted"
        with bot.services.db.session(write=False) as session:
            cursor = cursors.get(session, TEAM, "Lead")
            assert cursor is not None and cursor.bulk_job_id and cursor.bulk_locator
        # Salesforce keeps a job's results for seven days.
        salesforce.clock.advance(timedelta(days=8))
        assert cycle(bot).status == "succeeded"
        with bot.services.db.session(write=False) as session:
            cursor = cursors.get(session, TEAM, "Lead")
            assert cursor is not None and cursor.bulk_job_id is None
        created = salesforce.request_log.entries(lambda e: e.method == "POST" and e.path.endswith("/jobs/query"))
        assert len(created) == 2  # the first job, gone, and the one that replaced it
        assert differences(bot, org, "Lead") == []

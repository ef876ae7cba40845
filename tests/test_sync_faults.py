"""The sync engine when Salesforce or the database misbehave: 5xx bursts, the request
limit, the quota guard, expired logins, fields that do not fit, very wide objects, and
two processes wanting the same workspace."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.runtime import Services
from bot.salesforce.gateway import SalesforceGateway
from bot.simulator import DEFAULT_USERNAME, SalesforceSimulator
from bot.sync.cycle import run_cycle
from storage.db import Database
from storage.locks import AdvisoryLocks, object_lock
from tests.support.harness import MEMBER, RunningBot
from tests.support.sync import TEAM, cycle, differences, latest_run, start_sync


def _quick_retries(bot: RunningBot) -> Services:
    # The same services with a short retry backoff, so a burst of 5xx takes milliseconds.
    gateway = SalesforceGateway(salesforce_url=bot.services.settings.salesforce_url, retry_backoff=0.01)
    return dataclasses.replace(bot.services, gateway=gateway)


def test_a_short_burst_of_5xx_is_retried_and_the_cycle_succeeds(sf_bot: RunningBot,
                                                                 salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    salesforce.fail_next_requests(3, status=503)
    outcome = run_cycle(_quick_retries(sf_bot), TEAM, force=True)
    assert outcome is not None and outcome.status == "succeeded"
    assert salesforce.request_log.count(path_contains="/services/data") >= 3
    assert len(salesforce.request_log.entries(lambda entry: entry.status == 503)) == 3
    assert differences(sf_bot, salesforce.org, "Lead") == []


def test_a_long_outage_fails_the_cycle_cleanly_and_the_next_one_recovers(sf_bot: RunningBot,
                                                                         salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    salesforce.fail_next_requests(50, status=500, error_code="UNKNOWN_EXCEPTION", message="An unexpected error")
    outcome = run_cycle(_quick_retries(sf_bot), TEAM, force=True)
    assert outcome is not None and outcome.status == "failed"
    status = sf_bot.ask("status", user_id=MEMBER).splitlines()
    assert status[0] == "Failed: Salesforce answered with a server error (HTTP 500). Try again later."
    assert status[1].startswith("Failing since <!date^") and "no cycle has succeeded yet" in status[1]
    assert status[2].startswith("*What to do:* Nothing: syncbot retries every cycle by itself.")
    run, _ = latest_run(sf_bot)
    assert run.failure_kind == "unavailable"
    salesforce.clear_faults()
    assert cycle(sf_bot).status == "succeeded"
    assert sf_bot.ask("status", user_id=MEMBER).startswith("Last Synced ")
    assert differences(sf_bot, salesforce.org, "Contact") == []


def test_the_daily_request_limit_stops_the_cycle(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    salesforce.set_request_limit_exceeded()
    assert cycle(sf_bot).status == "failed"
    status = sf_bot.ask("status", user_id=MEMBER)
    assert status.startswith("Failed: The Salesforce org has used up its daily API requests.")
    assert "rolling 24 hours" in status
    assert latest_run(sf_bot)[0].failure_kind == "request_limit"


def test_the_quota_guard_leaves_room_for_the_org(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    start_sync(sf_bot)
    org.reset_api_usage(int(org.api_daily_max * 0.85))
    assert cycle(sf_bot).status == "failed"
    status = sf_bot.ask("status", user_id=MEMBER)
    assert status.startswith("Failed: syncbot stopped reading at 80% of the org's daily API requests (12,7")
    assert "of 15,000 used), to leave room for the org's other integrations." in status
    run, _ = latest_run(sf_bot)
    assert run.failure_kind == "quota"
    # The first answer told it the quota was passed; it read nothing more.
    assert run.api_calls == 1
    before = org.api_requests_used
    assert cycle(sf_bot).status == "failed"
    # While over the quota, a cycle costs one look at the limits and nothing else.
    assert org.api_requests_used - before == 1
    org.reset_api_usage(100)
    assert cycle(sf_bot).status == "succeeded"
    assert differences(sf_bot, org, "Account") == []


def test_an_expired_password_names_the_fix(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    salesforce.set_login_fault(DEFAULT_USERNAME, "INVALID_OPERATION_WITH_EXPIRED_PASSWORD")
    assert cycle(sf_bot).status == "failed"
    status = sf_bot.ask("status", user_id=MEMBER)
    assert status.startswith("Failed: Salesforce refused the stored login: INVALID_OPERATION_WITH_EXPIRED_PASSWORD (")
    assert "*What to do:* Log in to Salesforce as the sync user and set a new password" in status
    assert latest_run(sf_bot)[0].failure_kind == "password_expired"


def test_a_field_taken_away_by_field_level_security_leaves_the_cycle_green(sf_bot: RunningBot,
                                                                            salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    # Field-level security takes a synced field away from the sync user: Salesforce
    # refuses the query (INVALID_FIELD), the engine describes Contact at once and reads on without it.
    salesforce.org.hide_field("Contact", "Title")
    outcome = cycle(sf_bot)
    assert outcome.status == "succeeded", outcome
    run, items = latest_run(sf_bot)
    assert items["Contact"].status == "done" and items["Lead"].status == "done"
    assert run.fields_removed == 1
    assert differences(sf_bot, salesforce.org, "Lead") == []
    assert sf_bot.ask("status", user_id=MEMBER).startswith("Last Synced")
    errors = sf_bot.reply("errors", user_id=MEMBER)
    assert "Contact.Title is gone from Salesforce (deleted, or hidden from the sync user)" in errors


def test_four_hundred_long_named_fields_are_read_in_parts(sf_bot: RunningBot,
                                                          salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    names = [org.add_custom_field("Lead", f"Extraordinarily_Long_Custom_Attribute_Number_{index:03d}", "string",
                                  length=40).name for index in range(400)]
    for position, record_id in enumerate(org.ids("Lead")[:25]):
        org.update("Lead", record_id, {names[position * 13 % 400]: f"value {position}", names[399]: "last"})
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    assert differences(sf_bot, org, "Lead") == []
    longest = max(len(entry.path) + len(entry.query_string) for entry in salesforce.request_log.entries())
    assert longest < 16_000
    # A change between two cycles arrives whole, every part stitched by Id.
    salesforce.clock.advance(timedelta(minutes=10))
    org.update("Lead", org.ids("Lead")[3], {names[0]: "changed", names[399]: "changed too"})
    assert cycle(sf_bot).status == "succeeded"
    assert differences(sf_bot, org, "Lead") == []


def test_two_processes_never_sync_one_workspace_at_once(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    salesforce.latency = 0.03
    # A second "process": its own engine and connections, so its locks are its own.
    other = dataclasses.replace(sf_bot.services, db=Database(sf_bot.services.db.url))
    results: list[object] = []
    threads = [threading.Thread(target=lambda services=services: results.append(
        run_cycle(services, TEAM, force=True))) for services in (sf_bot.services, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    other.db.dispose()
    assert len(results) == 2 and results.count(None) == 1
    assert sum(1 for result in results if result is not None and result.status == "succeeded") == 1


def test_an_object_another_process_is_reading_is_left_to_it(sf_bot: RunningBot,
                                                           salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    other_db = Database(sf_bot.services.db.url)
    with AdvisoryLocks(other_db) as elsewhere:
        assert elsewhere.try_lock(object_lock(TEAM, "Lead"))
        assert cycle(sf_bot).status == "succeeded"
        _, items = latest_run(sf_bot)
        assert "Lead" not in items and "Contact" in items
    other_db.dispose()
    assert cycle(sf_bot).status == "succeeded"
    assert differences(sf_bot, salesforce.org, "Lead") == []


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_record_the_database_refuses_is_reported_and_the_others_are_written(
    sf_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    org = salesforce.org
    start_sync(sf_bot)
    # The column is narrower than what Salesforce now holds (a field made longer there).
    width = max(len(record.get("Title") or "") for record in org.snapshot("Contact"))
    with sf_bot.services.db.engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE sf_contact ALTER COLUMN title TYPE varchar({width})"))
    long_title = org.ids("Contact")[0]
    org.update("Contact", long_title, Title="V" * (width + 1))
    assert cycle(sf_bot).status == "succeeded"
    run, items = latest_run(sf_bot)
    assert items["Contact"].errors == 1 and run.record_errors == 1
    assert items["Contact"].inserted == org.count("Contact", include_deleted=True) - 1
    errors = sf_bot.reply("errors", user_id=MEMBER)
    assert f"*Record* · Contact `{long_title}` · field `Title` · " in errors
    assert f"\n> Contact.Title: value too long for type character varying({width})" in errors


def test_a_session_expiring_while_rest_pages_are_read_is_renewed(sf_bot: RunningBot,
                                                                 salesforce: SalesforceSimulator) -> None:
    salesforce.org.generate("Lead", 4_500)  # three REST pages of 2,000
    start_sync(sf_bot)
    # The second continuation page meets an expired session.
    salesforce.expire_sessions_after(2, path_contains="/query/")
    assert cycle(sf_bot).status == "succeeded"
    assert len(salesforce.request_log.entries(lambda entry: entry.status == 401)) == 1
    assert differences(sf_bot, salesforce.org, "Lead") == []


@pytest.fixture
def bulk_env(slack: object, salesforce: SalesforceSimulator, database_url: str, secret_key: str) -> dict[str, str]:
    from tests.support.harness import settings_env

    return settings_env(slack=slack, database_url=database_url, salesforce_url=salesforce.url,  # type: ignore[arg-type]
                        secret_key=secret_key, extra={"SYNCBOT_BULK_THRESHOLD": "50"})


def test_a_session_expiring_during_a_bulk_job_logs_in_again_and_keeps_the_job(
    slack: object, salesforce: SalesforceSimulator, bulk_env: dict[str, str]
) -> None:
    from tests.support.harness import running_bot

    salesforce.org.generate("Lead", 500)
    with running_bot(bulk_env, slack=slack, salesforce=salesforce) as bot:  # type: ignore[arg-type]
        start_sync(bot)
        salesforce.expire_sessions_after(1, path_contains="/results")
        assert cycle(bot).status == "succeeded"
        assert len(salesforce.request_log.entries(lambda entry: entry.status == 401)) == 1
        created = salesforce.request_log.entries(lambda e: e.method == "POST" and e.path.endswith("/jobs/query"))
        # One job per object read by Bulk: the expiry did not start the Lead's over.
        _, items = latest_run(bot)
        assert len(created) == sum(1 for item in items.values() if item.method == "bulk")
        assert differences(bot, salesforce.org, "Lead") == []


def test_a_failed_bulk_job_fails_its_object_and_the_next_cycle_starts_a_new_one(
    slack: object, salesforce: SalesforceSimulator, bulk_env: dict[str, str]
) -> None:
    from tests.support.harness import running_bot

    salesforce.org.generate("Lead", 500)
    with running_bot(bulk_env, slack=slack, salesforce=salesforce) as bot:  # type: ignore[arg-type]
        bot.services.settings  # noqa: B018 - the bot is up
        start_sync(bot)
        salesforce.fail_next_bulk_job("InternalServerError : the job failed on the Salesforce side")
        assert cycle(bot).status == "failed"
        run, items = latest_run(bot)
        failed = [name for name, item in items.items() if item.status == "failed"]
        assert len(failed) == 1 and "the job failed on the Salesforce side" in (items[failed[0]].error or "")
        assert cycle(bot).status == "succeeded"
        assert differences(bot, salesforce.org, failed[0]) == []


def test_a_refused_login_is_not_retried_but_a_gateway_error_is(sf_bot: RunningBot,
                                                               salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    services = _quick_retries(sf_bot)
    salesforce.request_log.clear()
    salesforce.set_login_fault(DEFAULT_USERNAME, "INVALID_OPERATION_WITH_EXPIRED_PASSWORD")
    assert run_cycle(services, TEAM, force=True).status == "failed"  # type: ignore[union-attr]
    # A SOAP fault is an answer, not an outage: one login, not five.
    assert salesforce.request_log.count(path_contains="/services/Soap/") == 1
    salesforce.set_login_fault(DEFAULT_USERNAME, None)
    salesforce.fail_next_requests(2, status=503, scope="login")
    assert run_cycle(services, TEAM, force=True).status == "succeeded"  # type: ignore[union-attr]

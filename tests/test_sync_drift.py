"""What the cursor cannot see, through the running app, the real client and the simulator,
on SQLite and PostgreSQL: fields added and removed after start, records deleted for good,
formula values, a long pause, and `/sync verify`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from typing import Any

import pytest
from sqlalchemy import text

from bot.simulator import SalesforceSimulator
from storage import catalog
from storage.models import SyncedObject, SyncRun
from bot.slack_standin import SlackWebApiStandIn
from tests.support.harness import MEMBER, RunningBot, running_bot, settings_env
from tests.support.sync import TEAM, cycle, differences, latest_run, local_rows, start_sync


def _make_due(bot: RunningBot, *, hours: float = 25) -> None:
    """Move every check's last run back, as if ``hours`` had passed on the bot's clock."""
    back = timedelta(hours=hours)
    with bot.services.db.session() as session:
        for obj in session.query(SyncedObject).all():
            for name in ("described_at", "checked_at", "reconciled_at", "formulas_refreshed_at"):
                if getattr(obj, name) is not None:
                    setattr(obj, name, getattr(obj, name) - back)


def _column(bot: RunningBot, table: str, column: str, record_id: str) -> Any:
    """One stored value, read straight from the table (columns the catalog no longer reads too)."""
    with bot.services.db.session(write=False) as session:
        return session.execute(text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": record_id}).scalar()


def _describes(salesforce: SalesforceSimulator, status: int | None = None) -> int:
    return len(salesforce.request_log.entries(
        lambda entry: entry.path.endswith("/describe") and (status is None or entry.status == status)))


def test_a_field_added_after_start_becomes_a_column_with_every_value(sf_bot: RunningBot,
                                                                     salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    org.add_custom_field("Lead", "Region", "string", length=20)
    # Present before the column existed: only a back-fill can bring these values.
    for index, record_id in enumerate(org.ids("Lead")[:10]):
        org.update("Lead", record_id, {"Region__c": f"EMEA {index}"}, touch=False)
    _make_due(sf_bot, hours=2)
    assert cycle(sf_bot).status == "succeeded"
    with sf_bot.services.db.session(write=False) as session:
        row = next(field for field in catalog.fields(session, TEAM, "Lead") if field.field_name == "Region__c")
    assert row.column_name == "region__c" and row.synced
    assert differences(sf_bot, org, "Lead") == []
    assert sum(1 for lead in local_rows(sf_bot, "Lead").values() if lead["region__c"]) == 10
    run, _ = latest_run(sf_bot)
    assert run.fields_added == 1 and run.rows_backfilled == 10
    assert "Lead.Region__c is new in Salesforce" in sf_bot.reply("errors", user_id=MEMBER)
    history = sf_bot.reply("history", user_id=MEMBER)
    assert history.count("Drift checks:") == 1  # the first load repaired nothing
    assert "Drift checks: 1 field added, 10 rows back-filled" in history
    # Later changes arrive through the incremental read as for any field.
    salesforce.clock.advance(timedelta(minutes=10))
    org.update("Lead", org.ids("Lead")[20], {"Region__c": "APAC"})
    assert cycle(sf_bot).status == "succeeded"
    assert differences(sf_bot, org, "Lead") == []


def test_an_unchanged_describe_is_answered_304_and_reads_nothing_again(sf_bot: RunningBot,
                                                                       salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    _make_due(sf_bot, hours=2)
    assert cycle(sf_bot).status == "succeeded"  # the first re-describe learns Last-Modified
    _make_due(sf_bot, hours=2)
    before_304 = _describes(salesforce, 304)
    assert cycle(sf_bot).status == "succeeded"
    assert _describes(salesforce, 304) - before_304 == 8
    run, _ = latest_run(sf_bot)
    assert (run.records_inserted, run.records_updated, run.rows_backfilled) == (0, 0, 0)
    # Not due again within the hour: no describe at all.
    before = _describes(salesforce)
    assert cycle(sf_bot).status == "succeeded"
    assert _describes(salesforce) == before


def test_a_removed_field_stops_being_read_and_its_column_stays(sf_bot: RunningBot,
                                                               salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    org.add_custom_field("Contact", "Shoe_Size", "double", precision=4, scale=1)
    contact = org.ids("Contact")[0]
    org.update("Contact", contact, {"Shoe_Size__c": 44.5})
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    assert float(local_rows(sf_bot, "Contact")[contact]["shoe_size__c"]) == 44.5
    org.remove_field("Contact", "Shoe_Size__c")
    salesforce.clock.advance(timedelta(minutes=10))
    org.update("Contact", contact, Title="Moved on")
    # Not due for a describe: the refusal itself makes the engine look.
    outcome = cycle(sf_bot)
    assert outcome.status == "succeeded", outcome
    row = local_rows(sf_bot, "Contact")[contact]
    assert row["title"] == "Moved on" and float(_column(sf_bot, "sf_contact", "shoe_size__c", contact)) == 44.5
    assert latest_run(sf_bot)[0].fields_removed == 1
    assert "Contact.Shoe_Size__c is gone from Salesforce" in sf_bot.reply("errors", user_id=MEMBER)
    assert cycle(sf_bot).status == "succeeded"


def test_a_longer_text_field_widens_its_column_and_no_value_is_cut(sf_bot: RunningBot,
                                                                   salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    title = org.object("Lead").field("Title")
    assert title is not None and title.length < 300
    org.change_field("Lead", "Title", length=300)
    _make_due(sf_bot, hours=2)
    salesforce.clock.advance(timedelta(minutes=10))
    record_id = org.ids("Lead")[4]
    long_title = "Head of " + "Revenue Operations, " * 12
    org.update("Lead", record_id, Title=long_title[:300])
    assert cycle(sf_bot).status == "succeeded"
    assert _column(sf_bot, "sf_lead", "title", record_id) == long_title[:300]
    with sf_bot.services.db.session(write=False) as session:
        row = next(field for field in catalog.fields(session, TEAM, "Lead") if field.field_name == "Title")
    assert row.length == 300
    if sf_bot.services.db.dialect == "postgresql":
        with sf_bot.services.db.engine.connect() as conn:
            width = conn.execute(text("SELECT character_maximum_length FROM information_schema.columns "
                                      "WHERE table_name = 'sf_lead' AND column_name = 'title'")).scalar()
        assert width == 300
    assert "Lead.Title changed in Salesforce" in sf_bot.reply("errors", user_id=MEMBER)
    assert differences(sf_bot, org, "Lead") == []


def test_a_record_deleted_for_good_is_found_by_the_reconciliation(sf_bot: RunningBot,
                                                                  salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    gone, missed = org.ids("Lead")[0], org.ids("Lead")[1]
    org.hard_delete("Lead", gone)
    # A change the cursor passed by (stamped in the past), as a late commit would be.
    org.update("Lead", missed, {"Title": "Missed", "SystemModstamp": org.get("Lead", missed)["SystemModstamp"]
                                + timedelta(milliseconds=1)})
    assert cycle(sf_bot).status == "succeeded"
    assert local_rows(sf_bot, "Lead")[gone]["isdeleted"] is False  # the incremental read cannot see it
    _make_due(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    rows = local_rows(sf_bot, "Lead")
    assert rows[gone]["isdeleted"] is True and rows[missed]["title"] == "Missed"
    run, _ = latest_run(sf_bot)
    assert (run.rows_purged, run.rows_repaired, run.reconciled) == (1, 1, "schedule")
    assert "Drift checks: 1 row marked deleted, 1 row read again" in sf_bot.reply("history", user_id=MEMBER)


def test_after_a_pause_past_the_recycle_bin_the_reconciliation_runs_first(sf_bot: RunningBot,
                                                                         salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    sf_bot.reply("pause")
    deleted = org.ids("Contact")[0]
    org.delete("Contact", deleted)
    salesforce.clock.advance(timedelta(days=16))  # the recycle bin has emptied itself
    with sf_bot.services.db.session() as session:
        # The bot's clock moved as far: its last cycle ended 16 days ago.
        for run in session.query(SyncRun).all():
            run.started_at -= timedelta(days=16)
            run.finished_at = run.finished_at - timedelta(days=16) if run.finished_at else None
    sf_bot.reply("resume")
    assert cycle(sf_bot).status == "succeeded"
    assert local_rows(sf_bot, "Contact")[deleted]["isdeleted"] is True
    run, _ = latest_run(sf_bot)
    assert run.reconciled == "pause" and run.rows_purged == 1
    for name in ("Lead", "Contact", "Account"):
        assert [line for line in differences(sf_bot, org, name) if "not in the org" not in line] == [], name


def test_formula_values_that_change_without_a_stamp_are_refreshed(sf_bot: RunningBot,
                                                                  salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    with sf_bot.services.db.session(write=False) as session:
        formula = next(field for field in catalog.fields(session, TEAM, "Lead") if field.field_name == "Revenue_EUR__c")
    assert formula.calculated is True
    org.formula_inputs["EUR_Rate__c"] = 0.5
    assert cycle(sf_bot).status == "succeeded"
    assert differences(sf_bot, org, "Lead") != []  # no stamp moved: the incremental read saw nothing
    _make_due(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    assert differences(sf_bot, org, "Lead") == []
    with_revenue = sum(1 for record in org.snapshot("Lead") if record.get("AnnualRevenue"))
    assert latest_run(sf_bot)[0].formulas_changed == with_revenue > 0


def test_verify_says_a_correct_copy_agrees_and_fix_repairs_a_drifted_one(sf_bot: RunningBot,
                                                                         salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    answer = sf_bot.reply("verify", user_id=MEMBER)
    assert "Every object agrees." in answer and ":x:" not in answer
    assert "Last reconciliation with Salesforce: <!date^" in answer
    org.hard_delete("Lead", org.ids("Lead")[0])
    org.add_custom_field("Account", "Loyalty_Level", "picklist", picklist_values=("Gold", "Silver"))
    org.update("Account", org.ids("Account")[0], {"Loyalty_Level__c": "Gold"}, touch=False)
    # A member, minutes later, is shown that same check; an admin's check asks Salesforce again.
    kept = sf_bot.reply("verify", user_id=MEMBER)
    assert "Every object agrees." in kept and "Checked just now; here is that result." in kept
    drifted = sf_bot.reply("verify")
    assert ":x: *Lead*" in drifted and "1 object disagree" in drifted and "Checked" not in drifted
    assert ":x: *Lead*" in sf_bot.reply("verify", user_id=MEMBER)
    refused = sf_bot.reply("verify fix", user_id=MEMBER)
    assert "admin" in refused.lower() and "Repaired" not in refused
    fixed = sf_bot.reply("verify fix")
    assert "Repaired: 1 new column (1 value filled)" in fixed
    assert "1 row gone from Salesforce marked deleted" in fixed and "Every object agrees." in fixed
    assert differences(sf_bot, org, "Account") == []
    assert latest_run(sf_bot)[0].reconciled == "verify"


def test_the_check_schedules_follow_the_settings(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator,
                                                 database_url: str, secret_key: str) -> None:
    org = salesforce.org
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=salesforce.url, secret_key=secret_key,
                       extra={"SYNCBOT_FORMULA_HOURS": "Lead=1", "SYNCBOT_RECONCILE_HOURS": "48"})
    with running_bot(env, slack=slack, salesforce=salesforce) as bot:
        start_sync(bot)
        assert cycle(bot).status == "succeeded"
        org.formula_inputs["EUR_Rate__c"] = 0.5
        org.hard_delete("Lead", org.ids("Lead")[0])
        _make_due(bot, hours=2)  # past Lead's hour, far from the other schedules
        assert cycle(bot).status == "succeeded"
        # Formula values are right again; the record deleted for good is still here, not yet reconciled.
        assert all("not in the org" in line for line in differences(bot, org, "Lead"))
        run, _ = latest_run(bot)
        assert run.formulas_changed > 0 and run.reconciled is None
        _make_due(bot, hours=25)  # a day: the reconciliation waits for its 48 hours
        assert cycle(bot).status == "succeeded"
        assert latest_run(bot)[0].reconciled is None
        _make_due(bot, hours=48)
        assert cycle(bot).status == "succeeded"
        assert latest_run(bot)[0].reconciled == "schedule"


def test_a_back_fill_cut_short_goes_on_in_the_next_cycle(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    import dataclasses

    from bot.salesforce.gateway import SalesforceGateway
    from bot.sync.cycle import run_cycle

    org = salesforce.org
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    org.add_custom_field("Lead", "Segment", "string", length=20)
    for record_id in org.ids("Lead")[:7]:
        org.update("Lead", record_id, {"Segment__c": "Enterprise"}, touch=False)
    _make_due(sf_bot, hours=2)
    refused: list[str] = []

    def outage_during_the_back_fill(request: object) -> None:
        if "Segment__c" in str(getattr(request, "query_string", "")) and len(refused) < 10:
            refused.append("x")
            raise RuntimeError("Salesforce went away in the middle of the back-fill")

    hook = salesforce.add_request_hook(outage_during_the_back_fill)
    services = dataclasses.replace(sf_bot.services, gateway=SalesforceGateway(
        salesforce_url=sf_bot.services.settings.salesforce_url, retry_backoff=0.01))
    assert run_cycle(services, TEAM, force=True).status == "failed"  # type: ignore[union-attr]
    salesforce.remove_request_hook(hook)
    # The column exists, its values do not yet: the next cycle (no describe due) fills them.
    assert sum(1 for lead in local_rows(sf_bot, "Lead").values() if lead["segment__c"]) == 0
    assert cycle(sf_bot).status == "succeeded"
    assert sum(1 for lead in local_rows(sf_bot, "Lead").values() if lead["segment__c"]) == 7
    assert differences(sf_bot, org, "Lead") == []


def test_a_field_hidden_before_sync_fields_stays_out_after_a_describe(sf_bot: RunningBot,
                                                                      salesforce: SalesforceSimulator) -> None:
    sf_bot.submit_credentials()
    assert sf_bot.reply("hide Lead.Description").startswith("`Lead.Description` is now hidden")
    assert sf_bot.reply("sync-fields yes").startswith("Created ")
    assert sf_bot.reply("confirm-credentials yes").startswith("This workspace is now bound")
    assert sf_bot.reply("start yes").startswith("The sync is started.")
    assert cycle(sf_bot).status == "succeeded"
    salesforce.org.add_custom_field("Lead", "Channel", "string", length=20)
    _make_due(sf_bot, hours=2)
    assert cycle(sf_bot).status == "succeeded"
    columns = set(next(iter(local_rows(sf_bot, "Lead").values())))
    # The admin's choice holds: the new field came in, the hidden one did not.
    assert "channel__c" in columns and "description" not in columns


@pytest.fixture
def large_bot(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, database_url: str,
              secret_key: str) -> Iterator[RunningBot]:
    """A started bot whose 200-odd Leads are past the Bulk threshold, after its first load."""
    salesforce.org.generate("Lead", 200)
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=salesforce.url, secret_key=secret_key,
                       extra={"SYNCBOT_BULK_THRESHOLD": "100"})
    with running_bot(env, slack=slack, salesforce=salesforce) as bot:
        start_sync(bot)
        assert cycle(bot).status == "succeeded"
        yield bot


def test_a_large_table_is_back_filled_with_bulk(large_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    org, bot = salesforce.org, large_bot
    org.add_custom_field("Lead", "Wave", "string", length=20)
    for record_id in org.ids("Lead")[:150]:
        org.update("Lead", record_id, {"Wave__c": "Spring"}, touch=False)
    _make_due(bot, hours=2)
    salesforce.request_log.clear()
    assert cycle(bot).status == "succeeded"
    jobs = salesforce.request_log.entries(lambda e: e.method == "POST" and e.path.endswith("/jobs/query"))
    assert jobs, "the back-fill of a table past the threshold reads with Bulk"
    assert sum(1 for lead in local_rows(bot, "Lead").values() if lead["wave__c"] == "Spring") == 150
    assert differences(bot, org, "Lead") == []


def test_a_large_table_is_reconciled_with_bulk(large_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    org, bot = salesforce.org, large_bot
    gone = org.ids("Lead")[3]
    org.hard_delete("Lead", gone)
    _make_due(bot, hours=25)
    salesforce.request_log.clear()
    assert cycle(bot).status == "succeeded"
    jobs = salesforce.request_log.entries(lambda e: e.method == "POST" and e.path.endswith("/jobs/query"))
    assert jobs, "the Id read of a table past the threshold uses Bulk"
    assert local_rows(bot, "Lead")[gone]["isdeleted"] is True
    run, _ = latest_run(bot)
    assert run.rows_purged >= 1 and run.reconciled == "schedule"

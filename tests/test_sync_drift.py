"""What the cursor cannot see, through the running app, the real client and the simulator,
on SQLite and PostgreSQL: fields added and removed after start, records deleted for good,
formula values, a long pause, and `/sync verify`."""

from __future__ import annotations

from datetime import timedelta

from typing import Any

from sqlalchemy import text

from bot.simulator import SalesforceSimulator
from storage import catalog
from storage.models import SyncedObject, SyncRun
from tests.support.harness import MEMBER, RunningBot
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

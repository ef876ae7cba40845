"""Decimal columns refuse nothing: the migration widens the narrow ones of older versions
(values untouched), and number fields that change in Salesforce keep being read."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import inspect, text

from bot.simulator import SalesforceSimulator
from storage import catalog
from storage.db import Database
from storage.migrate import head_revision, upgrade
from storage.models import SyncedObject
from tests.support.harness import MEMBER, RunningBot
from tests.support.sync import TEAM, cycle, differences, local_rows, start_sync


def _make_describe_due(bot: RunningBot) -> None:
    with bot.services.db.session() as session:
        for obj in session.query(SyncedObject).all():
            obj.described_at = obj.described_at - timedelta(hours=2)
            if obj.checked_at is not None:
                obj.checked_at = obj.checked_at - timedelta(hours=2)


def _column_type(bot: RunningBot, table: str, column: str) -> str:
    with bot.services.db.engine.connect() as conn:
        return str(next(col["type"] for col in inspect(conn).get_columns(table) if col["name"] == column))


def test_decimal_columns_are_unconstrained(sf_bot: RunningBot) -> None:
    start_sync(sf_bot)
    assert _column_type(sf_bot, "sf_opportunity", "amount") == "NUMERIC"
    assert _column_type(sf_bot, "sf_lead", "latitude") == "NUMERIC"
    assert _column_type(sf_bot, "sf_lead", "numberofemployees") == "INTEGER"


def test_the_migration_widens_narrow_decimal_columns_and_keeps_their_values(
        backend: str, database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    db = Database(database_url)
    upgrade(db, "0008")
    with db.engine.begin() as conn:  # tables as the previous version made them
        conn.execute(text("CREATE TABLE sf_opportunity (id VARCHAR(18) PRIMARY KEY, amount NUMERIC(18, 2), "
                          "probability NUMERIC(3, 0), title VARCHAR(40))"))
        conn.execute(text("CREATE TABLE sf_lead (id VARCHAR(18) PRIMARY KEY, annualrevenue NUMERIC(18, 0))"))
        conn.execute(text("INSERT INTO sf_opportunity VALUES ('006A', 12.5, 10, 'x'), ('006B', NULL, NULL, NULL)"))
        conn.execute(text("INSERT INTO sf_lead VALUES ('00QA', 999999999999999999)"))
        # A view people made over the mirror: its column cannot change type.
        conn.execute(text("CREATE VIEW lead_revenue AS SELECT id, annualrevenue FROM sf_lead"))
    with caplog.at_level(logging.WARNING):
        assert upgrade(db) == head_revision()
    with db.engine.begin() as conn:
        types = {(table, col["name"]): str(col["type"]) for table in ("sf_opportunity", "sf_lead")
                 for col in inspect(conn).get_columns(table)}
        amount, probability = conn.execute(text("SELECT amount, probability FROM sf_opportunity "
                                                "WHERE id = '006A'")).one()
        revenue = conn.execute(text("SELECT annualrevenue FROM sf_lead")).scalar()
        if backend == "postgresql":
            assert types[("sf_opportunity", "amount")] == types[("sf_opportunity", "probability")] == "NUMERIC"
            assert (amount, probability) == (Decimal("12.50"), Decimal("10"))
            assert str(amount) == "12.50" and revenue == Decimal("999999999999999999")
            conn.execute(text("INSERT INTO sf_opportunity (id, amount) VALUES ('006C', 1.0E16)"))
            assert types[("sf_lead", "annualrevenue")] == "NUMERIC(18, 0)"
            assert "sf_lead.annualrevenue keeps its precision and scale" in caplog.text
        else:  # SQLite's NUMERIC affinity never refused a value: nothing to do
            assert types[("sf_opportunity", "amount")] == "NUMERIC(18, 2)"
            conn.execute(text("INSERT INTO sf_opportunity (id, amount) VALUES ('006C', 1.0E16)"))
        assert types[("sf_opportunity", "title")] == "VARCHAR(40)"
    db.dispose()


def test_a_decimal_field_given_another_scale_keeps_being_read(sf_bot: RunningBot,
                                                              salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    org.change_field("Lead", "Custom_Score__c", scale=6)
    lead = org.ids("Lead")[0]
    org.update("Lead", lead, Custom_Score__c=Decimal("1.234567"))
    _make_describe_due(sf_bot)
    salesforce.clock.advance(timedelta(minutes=10))
    assert cycle(sf_bot).status == "succeeded"
    assert Decimal(local_rows(sf_bot, "Lead")[lead]["custom_score__c"]) in (Decimal("1.234567"),
                                                                             Decimal(1.234567))
    with sf_bot.services.db.session(write=False) as session:
        row = next(field for field in catalog.fields(session, TEAM, "Lead") if field.field_name == "Custom_Score__c")
    assert row.synced and (row.precision, row.scale) == (18, 6)
    assert ("Lead.Custom_Score__c changed in Salesforce from double(18, 2) to double(18, 6); column "
            "`custom_score__c` holds the new values as they are.") in sf_bot.reply("errors", user_id=MEMBER)
    assert differences(sf_bot, org, "Lead") == []


def test_a_whole_number_field_that_takes_decimals_widens_its_column(sf_bot: RunningBot,
                                                                    salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    org.change_field("Lead", "NumberOfEmployees", type="double", precision=18, scale=1, digits=0)
    lead = org.ids("Lead")[0]
    org.update("Lead", lead, NumberOfEmployees=Decimal("2.5"))
    _make_describe_due(sf_bot)
    salesforce.clock.advance(timedelta(minutes=10))
    assert cycle(sf_bot).status == "succeeded"
    assert Decimal(local_rows(sf_bot, "Lead")[lead]["numberofemployees"]) == Decimal("2.5")
    if sf_bot.services.db.dialect == "postgresql":
        assert _column_type(sf_bot, "sf_lead", "numberofemployees") == "NUMERIC"
    assert "Lead.NumberOfEmployees changed in Salesforce from int to double(18, 1); column `numberofemployees` " \
           "was widened." in sf_bot.reply("errors", user_id=MEMBER)
    assert differences(sf_bot, org, "Lead") == []

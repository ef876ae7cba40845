"""Decimal columns refuse nothing, and the migration widens the narrow ones of older
versions (values untouched)."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from sqlalchemy import inspect, text

from storage.db import Database
from storage.migrate import head_revision, upgrade
from tests.support.harness import RunningBot
from tests.support.sync import start_sync


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
    upgrade(db)
    with db.engine.begin() as conn:  # tables as the previous version made them
        conn.execute(text("CREATE TABLE sf_opportunity (id VARCHAR(18) PRIMARY KEY, amount NUMERIC(18, 2), "
                          "probability NUMERIC(3, 0), title VARCHAR(40))"))
        conn.execute(text("CREATE TABLE sf_lead (id VARCHAR(18) PRIMARY KEY, annualrevenue NUMERIC(18, 0))"))
        conn.execute(text("INSERT INTO sf_opportunity VALUES ('006A', 12.5, 10, 'x'), ('006B', NULL, NULL, NULL)"))
        conn.execute(text("INSERT INTO sf_lead VALUES ('00QA', 999999999999999999)"))
        # A view people made over the mirror: its column cannot change type.
        conn.execute(text("CREATE VIEW lead_revenue AS SELECT id, annualrevenue FROM sf_lead"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0007'"))
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

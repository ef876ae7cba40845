"""Numbers at the corners of their fields' range reach the local copy exactly, through real
cycles against the simulator on SQLite and PostgreSQL, read by REST and by Bulk.

What "exactly" means depends on the wire and the database, never on a tolerance: REST
sends a double, in Java's form (``1.0E18``), Bulk the stored decimal in plain digits
(``999999999999999999.0``); PostgreSQL keeps the text that came, SQLite a 64-bit integer
when the value is whole and the nearest double otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.simulator import SalesforceSimulator
from bot.simulator.numbers import DECIMAL_TYPES, csv_text, json_text
from storage import catalog
from storage.models import SyncError
from tests.support.harness import RunningBot
from tests.support.sync import TEAM, cycle, differences, latest_run, local_rows, org_rows, start_sync

EDGE_OBJECTS = ("Lead", "Account", "Opportunity", "Campaign")
WIRE: dict[str, Callable[[Decimal], str]] = {"rest": json_text, "bulk": csv_text}


def _kept(text: str, backend: str) -> Decimal:
    """What the database keeps of a number that arrived as ``text``."""
    exact = Decimal(text)
    if backend == "postgresql" or (exact == exact.to_integral_value() and -(2 ** 63) <= exact < 2 ** 63):
        return exact
    return Decimal(float(text))


def _check_numbers(bot: RunningBot, salesforce: SalesforceSimulator, backend: str, object_name: str,
                   method: str) -> int:
    """Compare every decimal column of an object with the text its values had on the wire;
    returns how many values were compared."""
    with bot.services.db.session(write=False) as session:
        columns = [field.column_name for field in catalog.fields(session, TEAM, object_name)
                   if field.synced and field.sf_type in DECIMAL_TYPES]
    remote, local = org_rows(bot, salesforce.org, object_name), local_rows(bot, object_name)
    compared = 0
    for record_id, values in remote.items():
        for column in columns:
            kept, actual = values[column], local[record_id][column]
            where = f"{object_name} {record_id} {column}: org {kept!r}, local {actual!r}"
            if kept is None:
                assert actual is None, where
                continue
            text = WIRE[method](kept)
            assert actual is not None and Decimal(actual) == _kept(text, backend), f"{where}, wire {text}"
            if backend == "postgresql" and method == "bulk":  # the very digits that came
                assert actual.as_tuple() == Decimal(text).as_tuple(), f"{where}, wire {text}"
            compared += 1
    return compared


def _record_errors(bot: RunningBot) -> list[SyncError]:
    run, _ = latest_run(bot)
    with bot.services.db.session(write=False) as session:
        return list(session.scalars(select(SyncError).where(SyncError.run_id == run.id, SyncError.kind == "record")))


def _count_refused_batches(bot: RunningBot) -> Callable[[], int]:
    """Count rollbacks to a savepoint from now on: the writer rolls a batch back to its
    savepoint when the database refused it, then writes it row by row."""
    seen = [0]

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("ROLLBACK TO SAVEPOINT"):
            seen[0] += 1

    event.listen(bot.services.db.engine, "before_cursor_execute", before)
    return lambda: seen[0]


def _bot(method: str, request: pytest.FixtureRequest) -> RunningBot:
    # sf_bot reads these objects with REST; bulk_bot reads any object past 50 rows with Bulk.
    return request.getfixturevalue("sf_bot" if method == "rest" else "bulk_bot")  # type: ignore[no-any-return]


@pytest.mark.parametrize("method", ["rest", "bulk"])
def test_edge_numbers_arrive_exactly(method: str, backend: str, request: pytest.FixtureRequest,
                                     salesforce: SalesforceSimulator) -> None:
    for name in EDGE_OBJECTS:
        salesforce.org.generate(name, 60, edge_numbers=True)
    bot = _bot(method, request)
    start_sync(bot)
    refused = _count_refused_batches(bot)
    assert cycle(bot).status == "succeeded"
    _, items = latest_run(bot)
    assert _record_errors(bot) == []
    for name in EDGE_OBJECTS:
        assert items[name].method == method, name
        assert _check_numbers(bot, salesforce, backend, name, method) > 60, name
        assert differences(bot, salesforce.org, name) == [], name
    # No batch was refused and written row by row.
    assert refused() == 0


@pytest.mark.parametrize("method", ["rest", "bulk"])
def test_an_edit_to_the_largest_values_reaches_the_row(method: str, backend: str, request: pytest.FixtureRequest,
                                                       salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    bot = _bot(method, request)
    start_sync(bot)
    assert cycle(bot).status == "succeeded"
    salesforce.clock.advance(timedelta(minutes=10))
    deal, account = org.ids("Opportunity")[0], org.ids("Account")[0]
    org.update("Opportunity", deal, Amount=Decimal("9999999999999999.99"), NextStep="Sign")
    org.update("Account", account, AnnualRevenue=Decimal("999999999999999999"), Rating="Hot")
    if method == "bulk":  # enough changes to read them with Bulk
        org.generate("Opportunity", 60, edge_numbers=True)
    assert cycle(bot).status == "succeeded"
    _, items = latest_run(bot)
    assert items["Opportunity"].method == method and _record_errors(bot) == []
    # The whole row is current, not only its numbers.
    assert local_rows(bot, "Opportunity")[deal]["nextstep"] == "Sign"
    assert local_rows(bot, "Account")[account]["rating"] == "Hot"
    for name in ("Opportunity", "Account"):
        _check_numbers(bot, salesforce, backend, name, items[name].method)


def test_a_number_that_cannot_be_stored_is_one_record_error(backend: str, bulk_bot: RunningBot,
                                                            salesforce: SalesforceSimulator) -> None:
    """A field that became text in Salesforce, read as a number until the next describe:
    a cell that is no number is one record error on both databases, and ``1e400`` is one on
    SQLite only (past a double's range; PostgreSQL's numeric keeps it). The batch around
    them is written at once."""
    org = salesforce.org
    start_sync(bulk_bot)
    assert cycle(bulk_bot).status == "succeeded"
    salesforce.clock.advance(timedelta(minutes=10))
    org.change_field("Lead", "Custom_Score__c", type="string", length=255, precision=0, scale=0)
    fresh = org.generate("Lead", 200, Custom_Score__c="12.5")
    bad, huge = fresh[10], fresh[20]
    org.update("Lead", bad, Custom_Score__c="n/a")
    org.update("Lead", huge, Custom_Score__c="1e400")
    refused = _count_refused_batches(bulk_bot)
    assert cycle(bulk_bot).status == "succeeded"
    _, items = latest_run(bulk_bot)
    assert items["Lead"].method == "bulk"
    errors = {(error.record_id, error.field_name) for error in _record_errors(bulk_bot)}
    expected = {(bad, "Custom_Score__c")} | ({(huge, "Custom_Score__c")} if backend == "sqlite" else set())
    assert errors == expected
    local = local_rows(bulk_bot, "Lead")
    assert bad not in local and (huge in local) == (backend == "postgresql")
    if backend == "postgresql":
        assert local[huge]["custom_score__c"] == Decimal("1e400")
    assert all(Decimal(local[record_id]["custom_score__c"]) == Decimal("12.5")
               for record_id in fresh if record_id not in (bad, huge))
    assert refused() == 0  # the odd values cost no other row of their batch

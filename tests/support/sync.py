"""Helpers for sync engine tests: set a workspace up through Slack, run cycles, and
compare a mirror table with the simulated org field by field."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import MetaData, Numeric, select, type_coerce
from sqlalchemy.types import NullType

from bot.runtime import Services
from bot.salesforce.gateway import SalesforceGateway

from bot.simulator import SimulatedOrg
from bot.simulator.query_engine import accessor
from bot.sync.cycle import CycleOutcome, run_cycle
from storage import catalog
from storage.mirror import SYSTEM_COLUMNS, build_table
from storage.models import SyncRun, SyncRunObject
from tests.support.harness import RunningBot

TEAM = "T0001"


def start_sync(bot: RunningBot) -> None:
    """Credentials, sync-fields, confirm-credentials and start, as an admin types them."""
    answer = bot.submit_credentials()
    assert answer.get("response_action") == "update", answer
    assert bot.reply("sync-fields yes").startswith("Created ")
    assert bot.reply("confirm-credentials yes").startswith("This workspace is now bound")
    assert bot.reply("start yes").startswith("The sync is started.")


def quick_retries(bot: RunningBot, *, backoff: float = 0.01) -> Services:
    """The bot's services with a short retry backoff, so that retried requests and logins
    take milliseconds."""
    gateway = SalesforceGateway(salesforce_url=bot.services.settings.salesforce_url, retry_backoff=backoff)
    return dataclasses.replace(bot.services, gateway=gateway)


def cycle(bot: RunningBot, services: Services | None = None) -> CycleOutcome:
    """Run one cycle now, in this process (with ``services``, by default the bot's), and
    return how it ended."""
    outcome = run_cycle(services or bot.services, TEAM, force=True)
    assert outcome is not None, "another holder had the workspace's lock"
    return outcome


def local_rows(bot: RunningBot, object_name: str) -> dict[str, dict[str, Any]]:
    """The mirror table's rows by id, values typed as SQLAlchemy reads them, but decimal
    numbers as the driver gives them (int or float from SQLite, Decimal from PostgreSQL):
    SQLAlchemy would make a Decimal of ten places from SQLite's value."""
    with bot.services.db.session(write=False) as session:
        fields = catalog.fields(session, TEAM, object_name)
        table = build_table(MetaData(), object_name, fields)
        columns = [type_coerce(column, NullType()).label(column.name) if isinstance(column.type, Numeric) else column
                   for column in table.c]
        rows = session.execute(select(*columns)).mappings().all()
    return {row["id"]: dict(row) for row in rows}


def org_rows(bot: RunningBot, org: SimulatedOrg, object_name: str) -> dict[str, dict[str, Any]]:
    """The org's records (deleted ones included) by id, keyed by local column name."""
    with bot.services.db.session(write=False) as session:
        fields = [field for field in catalog.fields(session, TEAM, object_name) if field.synced]
    definition = org.object(object_name)
    readers = {field.column_name: accessor(org, definition.field(field.field_name)) for field in fields
               if definition.field(field.field_name) is not None}
    has_deleted = definition.field("IsDeleted") is not None
    result = {}
    for record in org.snapshot(object_name, include_deleted=True):
        row = {column: read(record) for column, read in readers.items()}
        row[SYSTEM_COLUMNS["IsDeleted"]] = bool(record.get("IsDeleted")) if has_deleted else False
        result[record["Id"]] = row
    return result


def differences(bot: RunningBot, org: SimulatedOrg, object_name: str) -> list[str]:
    """Every way the mirror table differs from the org (empty when equal field by field)."""
    local, remote = local_rows(bot, object_name), org_rows(bot, org, object_name)
    problems = [f"{object_name} {record_id} missing locally" for record_id in remote.keys() - local.keys()]
    problems += [f"{object_name} {record_id} not in the org" for record_id in local.keys() - remote.keys()]
    for record_id in remote.keys() & local.keys():
        for column, expected in remote[record_id].items():
            actual = local[record_id].get(column)
            if not _same(expected, actual):
                problems.append(f"{object_name} {record_id} {column}: org {expected!r}, local {actual!r}")
    return problems


def latest_run(bot: RunningBot) -> tuple[SyncRun, dict[str, SyncRunObject]]:
    """The newest run and its per-object records."""
    with bot.services.db.session(write=False) as session:
        run = session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(1)).one()
        items = session.scalars(select(SyncRunObject).where(SyncRunObject.run_id == run.id)).all()
    return run, {item.object_name: item for item in items}


def same_number(expected: int | float | Decimal, actual: int | float | Decimal) -> bool:
    """Whether a stored number is exactly one of the forms the org's value takes on its way:
    the decimal Salesforce keeps (Bulk text, on PostgreSQL and, whole, on SQLite), or the
    double REST sends (its shortest text on PostgreSQL, the double itself on SQLite)."""
    kept = Decimal(repr(expected)) if isinstance(expected, float) else Decimal(expected)
    double = float(kept)
    return Decimal(actual) in (kept, Decimal(repr(double)), Decimal(double))


def _same(expected: Any, actual: Any) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return bool(expected) == bool(actual)
    if isinstance(expected, (int, float, Decimal)) and isinstance(actual, (int, float, Decimal)):
        return same_number(expected, actual)
    if isinstance(expected, datetime) and isinstance(actual, datetime):
        return expected == actual
    if isinstance(expected, date) and isinstance(actual, date):
        return expected == actual
    return bool(expected == actual)

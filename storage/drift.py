"""SQL of the drift checks: when each check last ran per object, the local side of a
reconciliation, partial-column updates (back-fills, formula refreshes), and the counts
the checks leave on the run record.

Mirror tables are named by the catalog; values arrive converted by ``bot.sync.convert``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage.mirror import TEXT_TYPES, sql_type
from storage.mirror_writer import stamp_key_sql
from storage.models import ObjectField, SyncedObject, SyncRun

# Parameters per statement stay far under both databases' limits.
_ID_CHUNK = 900
CHECKS = ("checked_at", "reconciled_at", "formulas_refreshed_at")


def mark(session: Session, team_id: str, object_name: str, check: str, at: datetime, *,
         metadata_modified: str | None = None) -> None:
    """Remember that ``check`` (one of :data:`CHECKS`) ran for an object at ``at``."""
    if check not in CHECKS:
        raise ValueError(f"no such check: {check}")
    values: dict[str, Any] = {check: at}
    if metadata_modified is not None:
        values["metadata_modified"] = metadata_modified
    session.execute(update(SyncedObject)
                    .where(SyncedObject.team_id == team_id, SyncedObject.object_name == object_name)
                    .values(**values))


def stamps_in_id_order(session: Session, table: str, *, batch: int = 5_000) -> Iterator[tuple[str, str, bool]]:
    """Every local row as ``(id, stamp as YYYY-MM-DD HH:MM:SS.mmm, deleted)``, streamed by
    ascending Id in Salesforce's order: the binary order of the Ids' characters (0-9, A-Z,
    a-z). SQLite compares text that way by default; PostgreSQL is told ``COLLATE "C"``,
    since a database's default collation (en_US, ICU) may put ``a`` before ``B``.

    Rows come from a server-side cursor ``batch`` at a time: memory stays flat whatever
    the table's size. The session stays open while the caller iterates."""
    connection = session.connection()
    dialect = connection.dialect.name
    key = stamp_key_sql(dialect)
    order = "id" if dialect == "sqlite" else 'id COLLATE "C"'
    rows = connection.execution_options(yield_per=batch).exec_driver_sql(
        f"SELECT id, {key}, isdeleted FROM {_quote(session, table)} ORDER BY {order}")
    for record_id, stamp, deleted in rows:
        yield record_id, stamp, bool(deleted)


def mark_deleted(session: Session, table: str, ids: Sequence[str]) -> int:
    """Mark rows deleted (they are gone from Salesforce for good); returns how many changed."""
    connection = session.connection()
    mark_ = "?" if connection.dialect.name == "sqlite" else "%s"
    changed = 0
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = tuple(ids[start:start + _ID_CHUNK])
        marks = ", ".join(mark_ for _ in chunk)
        result = connection.exec_driver_sql(
            f"UPDATE {_quote(session, table)} SET isdeleted = {_true(session)} "
            f"WHERE isdeleted = {_false(session)} AND id IN ({marks})", chunk)
        changed += max(result.rowcount, 0)
    return changed


def update_columns(session: Session, table: str, fields: Sequence[ObjectField],
                   rows: Sequence[tuple[Any, ...]]) -> int:
    """Set the columns of ``fields`` for rows ``(id, value, ...)``, leaving every other column
    alone; rows whose values are already those are not touched. Returns how many changed."""
    if not rows or not fields:
        return 0
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    dialect = connection.dialect
    mark_ = "?" if sqlite else "%s"
    assignments, differs = [], []
    for field in fields:
        column = _quote(session, field.column_name)
        value = f"NULLIF({mark_}, '')" if field.sf_type in TEXT_TYPES else mark_
        if not sqlite:
            # Compared as the column's type: a Bulk value is text, the column may be numeric.
            kind = sql_type(field.sf_type, length=field.length, precision=field.precision, scale=field.scale)
            value = f"CAST({value} AS {kind.compile(dialect=dialect)})"
        assignments.append(f"{column} = {value}")
        differs.append(f"{column} IS NOT {value}" if sqlite else f"{column} IS DISTINCT FROM {value}")
    statement = (f"UPDATE {_quote(session, table)} SET {', '.join(assignments)} WHERE id = {mark_} "
                 f"AND ({' OR '.join(differs)})")
    # Each value appears twice: once set, once compared.
    params = [(*row[1:], row[0], *row[1:]) for row in rows]
    result = connection.exec_driver_sql(statement, params)
    return result.rowcount if result.rowcount >= 0 else len(rows)


def row_count(session: Session, table: str) -> int:
    """How many rows a mirror table holds, deleted ones included."""
    return int(session.connection().exec_driver_sql(f"SELECT COUNT(*) FROM {_quote(session, table)}").scalar() or 0)


def live_summary(session: Session, table: str) -> tuple[int, datetime | None]:
    """How many rows are not deleted, and the newest ``systemmodstamp`` among them."""
    from sqlalchemy import MetaData, Table, func, select

    mirror = Table(table, MetaData(), autoload_with=session.connection())
    count, newest = session.execute(
        select(func.count(), func.max(mirror.c.systemmodstamp)).where(mirror.c.isdeleted.is_(False))
    ).one()
    return int(count or 0), _aware(newest)


def add_counts(session: Session, run_id: int, **counts: int) -> None:
    """Add what a check did to the run record (``fields_added``, ``rows_purged``, ...)."""
    run = session.get(SyncRun, run_id)
    if run is None:
        raise LookupError(f"no sync run {run_id}")
    for name, value in counts.items():
        setattr(run, name, (getattr(run, name) or 0) + value)


def set_reconciled(session: Session, run_id: int, reason: str) -> None:
    """Say on the run record why it ran the reconciliation."""
    run = session.get(SyncRun, run_id)
    if run is not None:
        run.reconciled = reason


def _quote(session: Session, name: str) -> str:
    return str(session.get_bind().dialect.identifier_preparer.quote(name))


def _true(session: Session) -> str:
    return "1" if session.get_bind().dialect.name == "sqlite" else "true"


def _false(session: Session) -> str:
    return "0" if session.get_bind().dialect.name == "sqlite" else "false"


def _aware(value: Any) -> datetime | None:
    from datetime import timezone

    if value is None:
        return None
    if isinstance(value, str):  # SQLite without the column's type
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

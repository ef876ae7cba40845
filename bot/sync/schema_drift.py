"""Fields that change after the tables were made: re-describe, add, stop, widen.

Each object is described again now and then (hourly, or at once when Salesforce refuses
a field, or on ``/sync verify fix``) with ``If-Modified-Since``, so an unchanged object
costs one empty 304. Against the catalog:

- a new field gets a column (its default mapping, existing columns counting as taken)
  and a catalog row, and is listed for a back-fill of every existing row;
- a field gone from the describe (deleted, or hidden by field-level security) stops
  being read; its column keeps its last values; it comes back if the field does;
- a changed type or length is reported in ``/sync errors``: a longer text or a wider
  number (int to long to decimal) widens the column, a new precision or scale needs
  nothing (decimal columns are unconstrained), a type whose values would not fit the
  column stops being read, so that no value is ever truncated or coerced.

Fields an admin hid before ``sync-fields`` stay hidden whatever the describe says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot.messages import MSG
from bot.salesforce.describe import FieldInfo, ObjectInfo
from bot.salesforce.gateway import SalesforceConnection
from storage import catalog, drift, mirror, runs
from storage.models import ObjectField, SyncedObject, SyncError
from storage.types import utcnow

log = logging.getLogger(__name__)
SessionFactory = Callable[[], AbstractContextManager[Session]]


@dataclass
class SchemaChanges:
    """What one re-describe of one object changed."""

    object_name: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    # Fields (new or back) whose values must be read for every existing row.
    backfill: list[str] = field(default_factory=list)


def redescribe(session_factory: SessionFactory, connection: SalesforceConnection, team_id: str, run_id: int,
               obj: SyncedObject) -> SchemaChanges | None:
    """Describe ``obj`` again if Salesforce says it changed, and bring its table and
    catalog up to date in one transaction. None when the describe answered 304."""
    info, modified = connection.describe_if_modified(obj.object_name, obj.metadata_modified)
    now = utcnow()
    with session_factory() as session:
        if info is None:
            drift.mark(session, team_id, obj.object_name, "checked_at", now)
            return None
        changes = apply(session, team_id, run_id, obj, info)
        drift.mark(session, team_id, obj.object_name, "checked_at", now, metadata_modified=modified or "")
        drift.add_counts(session, run_id, fields_added=len(changes.added), fields_removed=len(changes.removed))
    if changes.added or changes.removed or changes.changed:
        log.info("%s: fields added %s, no longer read %s, changed %s", obj.object_name, changes.added,
                 changes.removed, changes.changed)
    return changes


def apply(session: Session, team_id: str, run_id: int, obj: SyncedObject, info: ObjectInfo) -> SchemaChanges:
    """Compare a describe with the catalog and change the table, the catalog and the errors to match."""
    changes = SchemaChanges(obj.object_name)
    rows = {row.field_name: row for row in catalog.fields(session, team_id, obj.object_name)}
    fresh = {item.name: item for item in info.fields}
    errors: list[SyncError] = []

    def report(field_name: str, message: str) -> None:
        errors.append(SyncError(team_id=team_id, run_id=run_id, object_name=obj.object_name, kind="job",
                                field_name=field_name, message=message, occurred_at=utcnow()))

    taken = set(mirror.table_columns(session, obj.table_name)) | {row.column_name for row in rows.values()}
    new_names = [name for name in fresh if name not in rows]
    columns = mirror.default_columns(new_names, taken=taken)
    position = max((row.position for row in rows.values()), default=-1) + 1
    for name in new_names:
        item = fresh[name]
        row = _catalog_row(team_id, obj.object_name, item, position, columns[name])
        position += 1
        session.add(row)
        if row.synced:
            mirror.add_column(session, obj.table_name, row)
            row.backfill_pending = True
            changes.added.append(name)
            changes.backfill.append(name)
            report(name, MSG.drift_field_added.format(field=f"{obj.object_name}.{name}", column=row.column_name))
    for name, row in rows.items():
        now_seen = fresh.get(name)
        where = f"{obj.object_name}.{name}"
        if now_seen is None:
            if row.synced:
                row.unsyncable_reason = MSG.drift_field_gone
                changes.removed.append(name)
                report(name, MSG.drift_field_removed.format(field=where, column=row.column_name))
            continue
        row.calculated = now_seen.calculated
        if row.unsyncable_reason == MSG.drift_field_gone:
            if now_seen.type == row.sf_type and now_seen.unsyncable_reason is None:
                row.unsyncable_reason = None
                row.backfill_pending = True
                changes.backfill.append(name)
                report(name, MSG.drift_field_back.format(field=where, column=row.column_name))
            continue
        if not row.synced or _same_shape(row, now_seen):
            continue
        old = _shape(row.sf_type, row.length, row.precision, row.scale)  # before _change updates the row
        message = _change(session, obj.table_name, row, now_seen)
        changes.changed.append(name)
        report(name, message.format(field=where, old=old, column=row.column_name,
                                    new=_shape(now_seen.type, now_seen.length, now_seen.precision, now_seen.scale)))
    runs.add_errors(session, errors)
    session.flush()
    return changes


def _change(session: Session, table: str, row: ObjectField, item: FieldInfo) -> str:
    """Apply a changed type or length to the column where that loses nothing; return what to report."""
    old = mirror.sql_type(row.sf_type, length=row.length, precision=row.precision, scale=row.scale)
    new = mirror.sql_type(item.type, length=item.length, precision=item.precision, scale=item.scale)
    dialect = session.get_bind().dialect
    old_text, new_text = row.sf_type in mirror.TEXT_TYPES, item.type in mirror.TEXT_TYPES
    if old.compile(dialect=dialect) == new.compile(dialect=dialect) or (
            old_text and new_text and (item.length or 0) <= (row.length or 0)) or \
            mirror.number_column_holds(row.sf_type, item.type):
        # The column holds the new values as they are (a shorter text fits the longer column,
        # whole numbers fit a decimal one).
        message = MSG.drift_field_changed
    elif (old_text and new_text) or mirror.number_column_holds(item.type, row.sf_type):
        row.sf_type, row.length = item.type, item.length
        row.precision, row.scale = item.precision, item.scale
        mirror.widen_column(session, table, row)
        return MSG.drift_field_widened
    else:
        # Writing these values would convert them into a column of another kind.
        row.unsyncable_reason = MSG.drift_field_stopped_reason.format(old=row.sf_type, new=item.type)
        return MSG.drift_field_stopped
    row.sf_type = item.type
    row.precision, row.scale = item.precision, item.scale
    row.length = max(row.length or 0, item.length or 0) or None
    return message


def _same_shape(row: ObjectField, item: FieldInfo) -> bool:
    return (row.sf_type, row.length or None, row.precision or None, row.scale or None) == (
        item.type, item.length or None, item.precision or None, item.scale or None)


def _shape(sf_type: str, length: int | None, precision: int | None, scale: int | None) -> str:
    if length and sf_type in mirror.TEXT_TYPES:
        return f"{sf_type}({length})"
    return f"{sf_type}({precision}, {scale or 0})" if precision and sf_type in mirror.DECIMAL_TYPES else sf_type


def _catalog_row(team_id: str, object_name: str, item: FieldInfo, position: int, column: str) -> ObjectField:
    return ObjectField(team_id=team_id, object_name=object_name, field_name=item.name, position=position,
                       label=item.label, sf_type=item.type, length=item.length, precision=item.precision,
                       scale=item.scale, unsyncable_reason=item.unsyncable_reason, hidden=False,
                       column_name=column, calculated=item.calculated)


"""Reads and writes of the field catalog: ``synced_objects`` and ``object_fields``.

The catalog holds what the sync user can see of each object, which fields are
hidden, and the local column each field maps to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.mirror import existing_tables
from storage.models import ObjectField, SyncedObject


def replace_object(session: Session, obj: SyncedObject, fields: Sequence[ObjectField]) -> None:
    """Store a fresh description of one object, keeping earlier hide choices.

    Fields are matched by name: known ones are updated in place, new ones added,
    vanished ones removed. Callers lock the workspace first, so that two describes
    running at once store one after the other.
    """
    existing = {
        row.field_name: row
        for row in session.scalars(
            select(ObjectField).where(
                ObjectField.team_id == obj.team_id, ObjectField.object_name == obj.object_name
            )
        )
    }
    session.merge(obj)
    for fresh in fields:
        row = existing.pop(fresh.field_name, None)
        if row is None:
            session.add(fresh)
            continue
        for attribute in ("position", "label", "sf_type", "length", "precision", "scale",
                          "unsyncable_reason", "column_name", "calculated"):
            setattr(row, attribute, getattr(fresh, attribute))
    for vanished in existing.values():
        session.delete(vanished)
    session.flush()


def clear(session: Session, team_id: str) -> None:
    """Forget every described object and field of a workspace (hide choices and mappings too)."""
    session.execute(delete(ObjectField).where(ObjectField.team_id == team_id))
    session.execute(delete(SyncedObject).where(SyncedObject.team_id == team_id))


def remove_object(session: Session, team_id: str, object_name: str) -> None:
    """Forget one described object and its fields."""
    session.execute(
        delete(ObjectField).where(ObjectField.team_id == team_id, ObjectField.object_name == object_name)
    )
    session.execute(
        delete(SyncedObject).where(SyncedObject.team_id == team_id, SyncedObject.object_name == object_name)
    )


def objects(session: Session, team_id: str) -> list[SyncedObject]:
    """Every described object of a workspace, in name order."""
    return list(
        session.scalars(
            select(SyncedObject).where(SyncedObject.team_id == team_id).order_by(SyncedObject.object_name)
        )
    )


def synced_objects(session: Session, team_id: str, configured: Iterable[str]) -> list[SyncedObject]:
    """The objects a cycle reads: visible to the sync user, still named in ``configured``
    (``SYNCBOT_OBJECTS``), and with a mirror table. Objects dropped from the setting keep
    their tables as they are (`/sync fields` says so)."""
    names = {name.lower() for name in configured}
    tables = set(existing_tables(session.connection()))
    return [obj for obj in objects(session, team_id)
            if obj.available and obj.object_name.lower() in names and obj.table_name in tables]


def fields(session: Session, team_id: str, object_name: str | None = None) -> list[ObjectField]:
    """The described fields of a workspace (or of one object), in describe order."""
    query = select(ObjectField).where(ObjectField.team_id == team_id)
    if object_name is not None:
        query = query.where(ObjectField.object_name == object_name)
    return list(session.scalars(query.order_by(ObjectField.object_name, ObjectField.position)))


def set_hidden(session: Session, team_id: str, object_name: str, field_name: str, hidden: bool) -> None:
    """Hide a field from the sync, or bring it back."""
    _update_field(session, team_id, object_name, field_name, hidden=hidden)


def set_column_name(session: Session, team_id: str, object_name: str, field_name: str, column: str) -> None:
    """Record a new local column name for a field."""
    _update_field(session, team_id, object_name, field_name, column_name=column)


def _update_field(session: Session, team_id: str, object_name: str, field_name: str, **values: object) -> None:
    session.execute(
        update(ObjectField)
        .where(
            ObjectField.team_id == team_id,
            ObjectField.object_name == object_name,
            ObjectField.field_name == field_name,
        )
        .values(**values)
    )


def count(session: Session, team_id: str) -> int:
    """How many fields are described for a workspace."""
    return session.scalar(select(func.count()).select_from(ObjectField).where(ObjectField.team_id == team_id)) or 0


def backfilled(session: Session, team_id: str, object_name: str, field_names: Sequence[str]) -> None:
    """The back-fill of these fields' columns has committed: nothing waits any more."""
    _set_backfill(session, team_id, object_name, field_names, pending=False)


def backfill_needed(session: Session, team_id: str, object_name: str, field_names: Sequence[str]) -> None:
    """Rows were written without these fields' values (a Bulk job that began before the
    fields were read): their columns wait for a back-fill again."""
    _set_backfill(session, team_id, object_name, field_names, pending=True)


def _set_backfill(session: Session, team_id: str, object_name: str, field_names: Sequence[str], *,
                  pending: bool) -> None:
    session.execute(
        update(ObjectField)
        .where(ObjectField.team_id == team_id, ObjectField.object_name == object_name,
               ObjectField.field_name.in_(list(field_names)))
        .values(backfill_pending=pending)
    )

"""Step 2: what the sync user can see, which fields to leave out, and the tables made from it."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot import read_guard
from bot.errors import AlreadyDone, UserInputError
from bot.messages import MSG, quoted
from bot.read_guard import FreshRead, Permit, ReadKind
from bot.runtime import Services
from bot.salesforce.describe import REQUIRED_FIELDS, ObjectInfo
from bot.setup import progress
from bot.setup.credentials import connect
from bot.setup.progress import Step
from storage import catalog, mirror, workspaces
from storage.models import ObjectField, SyncedObject
from storage.types import utcnow


@dataclass(frozen=True)
class FieldView:
    """One field as ``/sync fields Object`` and ``/sync mappings`` show it."""

    name: str
    label: str
    type: str
    hidden: bool
    unsyncable_reason: str | None
    column: str
    # True when the field has (or will have) a column.
    synced: bool

    @property
    def required(self) -> bool:
        """True for Id, IsDeleted and SystemModstamp."""
        return self.name in REQUIRED_FIELDS


@dataclass(frozen=True)
class ObjectSummary:
    """One object with its field counts."""

    name: str
    label: str
    table: str
    available: bool
    visible: int
    hidden: int
    unsyncable: int
    # False once SYNCBOT_OBJECTS no longer names the object.
    configured: bool = True
    # The fields behind ``unsyncable``: (field name, why it can't be synced).
    unsyncable_fields: tuple[tuple[str, str], ...] = ()

    @property
    def gets_table(self) -> bool:
        """True when sync-fields creates (or created) a table for this object."""
        return self.available and self.configured


@dataclass(frozen=True)
class Overview:
    """The described objects, and how the catalog differs from ``SYNCBOT_OBJECTS``."""

    objects: list[ObjectSummary]
    # Dropped from the catalog by the last describe: the setting no longer names them.
    dropped: tuple[str, ...] = ()
    # Named by the setting, but added after sync-fields: they have no table.
    missing: tuple[str, ...] = ()


def field_views(rows: Sequence[ObjectField]) -> list[FieldView]:
    """Catalog rows as the answers show them."""
    return [
        FieldView(
            name=row.field_name,
            label=row.label,
            type=row.sf_type,
            hidden=row.hidden,
            unsyncable_reason=row.unsyncable_reason,
            column=row.column_name,
            synced=row.synced,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Described:
    """What ``/sync fields`` shows the catalog after: the objects a fresh describe dropped, or
    why Salesforce was not asked (``permit``; None once the tables exist: nothing is asked)."""

    dropped: tuple[str, ...] = ()
    permit: Permit | None = None
    # When the oldest object of the catalog was described (None: nothing described yet).
    described_at: datetime | None = None


def describe_for_reading(services: Services, team_id: str, *, admin: Callable[[], bool],
                         overview: bool = True) -> Described:
    """Before ``sync-fields``, describe the objects again when the guard allows it
    (``bot.read_guard``: members at most every ten minutes per workspace, and not at or
    past the API quota; ``admin`` says whether the person is one); else keep the catalog.
    For one object's fields (not ``overview``) the catalog is described only while empty."""
    state = progress.current(services, team_id)
    state.require(Step.CREDENTIALS)
    if state.done(Step.SYNC_FIELDS):
        return Described()
    with services.db.session(write=False) as session:
        times = [obj.described_at for obj in catalog.objects(session, team_id)]
    if times and not overview:
        return Described(described_at=min(times))
    permit = read_guard.ask(services, team_id, ReadKind.DESCRIBE, privileged=admin())
    if not permit.granted:
        return Described(permit=permit, described_at=min(times) if times else None)
    with read_guard.fresh_read(services, team_id, ReadKind.DESCRIBE) as read:
        dropped = refresh(services, team_id, read=read)
    return Described(dropped=dropped, permit=permit)


def refresh(services: Services, team_id: str, *, read: FreshRead | None = None) -> tuple[str, ...]:
    """Describe the configured objects with the sync user's session and store the result
    (through ``read``, a guarded read, when given).

    Objects the catalog holds but ``SYNCBOT_OBJECTS`` no longer names are removed from it;
    their names are returned so the answer can say so. Once the tables exist the catalog
    is what they were built from, so it is kept (and nothing is returned).
    """
    state = progress.current(services, team_id)
    state.require(Step.CREDENTIALS)
    if state.done(Step.SYNC_FIELDS):
        return ()
    if read is not None:
        described = read.connection.describe(services.settings.objects, between=read.between)
    else:
        described = connect(services, team_id).describe(services.settings.objects)
    with services.db.session() as session:
        now = progress.load(session, team_id, lock=True)
        if now.done(Step.SYNC_FIELDS):
            return ()  # another admin ran sync-fields meanwhile; its catalog stands
        if now.org_id != state.org_id:
            # New credentials of another org arrived during the describe: this one is stale.
            raise UserInputError(MSG.credentials_changed_during_describe)
        for info in described:
            _store_object(session, team_id, info)
        configured = _configured(services)
        dropped = tuple(
            obj.object_name for obj in catalog.objects(session, team_id) if obj.object_name.lower() not in configured
        )
        for name in dropped:
            catalog.remove_object(session, team_id, name)
        return dropped


def _configured(services: Services) -> set[str]:
    """The objects ``SYNCBOT_OBJECTS`` names, in lower case (API names ignore case)."""
    return {name.lower() for name in services.settings.objects}


def _store_object(session: Session, team_id: str, info: ObjectInfo) -> None:
    obj = SyncedObject(
        team_id=team_id,
        object_name=info.name,
        label=info.label,
        table_name=mirror.table_name(info.name),
        available=info.available,
        described_at=utcnow(),
    )
    columns = mirror.default_columns([field.name for field in info.fields])
    rows = [
        ObjectField(
            team_id=team_id,
            object_name=info.name,
            field_name=field.name,
            position=position,
            label=field.label,
            sf_type=field.type,
            length=field.length,
            precision=field.precision,
            scale=field.scale,
            unsyncable_reason=field.unsyncable_reason,
            hidden=False,
            column_name=columns[field.name],
            calculated=field.calculated,
        )
        for position, field in enumerate(info.fields)
    ]
    catalog.replace_object(session, obj, rows)


def overview(services: Services, team_id: str, dropped: tuple[str, ...] = ()) -> Overview:
    """Every described object with its counts, and how the catalog differs from the setting."""
    objects = summaries(services, team_id)
    known = {obj.name.lower() for obj in objects}
    missing = tuple(name for name in services.settings.objects if name.lower() not in known) if objects else ()
    return Overview(objects=objects, dropped=dropped, missing=missing)


def summaries(services: Services, team_id: str) -> list[ObjectSummary]:
    """Every described object with its visible, hidden and unsyncable field counts."""
    configured = _configured(services)
    with services.db.session() as session:
        objects = catalog.objects(session, team_id)
        rows = catalog.fields(session, team_id)
    by_object: dict[str, list[ObjectField]] = {}
    for row in rows:
        by_object.setdefault(row.object_name, []).append(row)
    result = []
    for obj in objects:
        fields = by_object.get(obj.object_name, [])
        result.append(
            ObjectSummary(
                name=obj.object_name,
                label=obj.label,
                table=obj.table_name,
                available=obj.available,
                visible=sum(1 for f in fields if f.synced),
                hidden=sum(1 for f in fields if f.hidden),
                unsyncable=sum(1 for f in fields if f.unsyncable_reason and not f.hidden),
                configured=obj.object_name.lower() in configured,
                unsyncable_fields=tuple((f.field_name, f.unsyncable_reason or "") for f in fields
                                        if f.unsyncable_reason and not f.hidden),
            )
        )
    return result


def object_fields(services: Services, team_id: str, object_name: str) -> tuple[str, list[FieldView]]:
    """The fields of one object (its API name as Salesforce spells it, and the fields)."""
    with services.db.session() as session:
        name = resolve_object(session, team_id, object_name)
        return name, field_views(catalog.fields(session, team_id, name))


def tables_created(services: Services, team_id: str) -> bool:
    """True once ``sync-fields`` has created the tables."""
    return progress.current(services, team_id).done(Step.SYNC_FIELDS)


def ensure_described(services: Services, team_id: str) -> None:
    """Describe the objects unless the catalog already holds them."""
    with services.db.session() as session:
        empty = catalog.count(session, team_id) == 0
    if empty:
        refresh(services, team_id)


def set_hidden(services: Services, team_id: str, target: str, hidden: bool) -> tuple[str, FieldView]:
    """Hide (or unhide) ``Object.Field``; only before the tables are created.

    Returns the object's API name and the field as it is now.
    """
    object_name, field_name = parse_target(target)
    ensure_described(services, team_id)
    with services.db.session() as session:
        # Locked: a sync-fields claimed meanwhile waits for this change, or this waits for it.
        state = progress.load(session, team_id, lock=True)
        state.require(Step.CREDENTIALS)
        if state.done(Step.SYNC_FIELDS):
            raise UserInputError(MSG.hide_after_sync_fields)
        obj = resolve_object(session, team_id, object_name)
        row = resolve_field(session, team_id, obj, field_name)
        if row.field_name in REQUIRED_FIELDS:
            raise UserInputError(MSG.hide_required.format(field=f"{obj}.{row.field_name}"))
        if row.unsyncable_reason and hidden:
            raise UserInputError(
                MSG.hide_unsyncable.format(field=f"{obj}.{row.field_name}", reason=row.unsyncable_reason)
            )
        if row.hidden == hidden:
            raise UserInputError(
                (MSG.already_hidden if hidden else MSG.already_visible).format(field=f"{obj}.{row.field_name}")
            )
        catalog.set_hidden(session, team_id, obj, row.field_name, hidden)
        row.hidden = hidden
        return obj, field_views([row])[0]


def plan(services: Services, team_id: str) -> Overview:
    """What ``sync-fields`` would create, from a fresh describe."""
    return overview(services, team_id, _ready_for_sync_fields(services, team_id))


def _ready_for_sync_fields(services: Services, team_id: str) -> tuple[str, ...]:
    """Refuse when out of order; else describe afresh, so that the tables follow what the
    sync user sees now and what the setting names (returns the objects dropped)."""
    state = progress.current(services, team_id)
    state.require(Step.CREDENTIALS)
    if state.done(Step.SYNC_FIELDS):
        raise AlreadyDone(MSG.sync_fields_done)
    return refresh(services, team_id)


def sync_fields(services: Services, team_id: str) -> Overview:
    """Create the mirror tables for every visible field, once and for good.

    The step is claimed and the tables created in one transaction: a second click
    or a racing admin finds the step taken and changes nothing, and a failure
    leaves neither a claim nor half the tables behind.
    """
    dropped = _ready_for_sync_fields(services, team_id)
    configured = _configured(services)
    with services.db.session() as session:
        if workspaces.claim_step(session, team_id, "fields_synced_at") is None:
            raise AlreadyDone(MSG.sync_fields_done)
        described = catalog.objects(session, team_id)
        if not described:
            # Credentials of another org cleared the catalog after it was read above.
            raise UserInputError(MSG.credentials_changed_during_describe)
        objects = [obj for obj in described if obj.available and obj.object_name.lower() in configured]
        existing = set(mirror.existing_tables(session.connection()))
        clash = sorted(existing & {obj.table_name for obj in objects})
        if clash:
            raise UserInputError(MSG.tables_exist.format(tables=", ".join(clash)))
        mirror.create_tables(
            session, {obj.object_name: catalog.fields(session, team_id, obj.object_name) for obj in objects}
        )
    return overview(services, team_id, dropped)


def parse_target(target: str) -> tuple[str, str]:
    """Split ``Object.Field``; anything else is a clear error."""
    parts = target.strip().split(".")
    if len(parts) != 2 or not all(parts):
        raise UserInputError(MSG.bad_target.format(target=quoted(target)))
    return parts[0], parts[1]


def resolve_object(session: Session, team_id: str, name: str) -> str:
    """An object's API name from any spelling of it; a clear error with suggestions otherwise."""
    objects = {obj.object_name.lower(): obj.object_name for obj in catalog.objects(session, team_id)}
    if not objects:
        raise UserInputError(MSG.no_catalog)
    found = objects.get(name.lower())
    if found is None:
        raise UserInputError(MSG.unknown_object.format(name=quoted(name), hint=_hint(name, objects.values())))
    return found


def resolve_field(session: Session, team_id: str, object_name: str, name: str) -> ObjectField:
    """A field's catalog row from any spelling of its name; a clear error with suggestions otherwise."""
    rows = {row.field_name.lower(): row for row in catalog.fields(session, team_id, object_name)}
    found = rows.get(name.lower())
    if found is None:
        names = [row.field_name for row in rows.values()]
        raise UserInputError(
            MSG.unknown_field.format(
                name=f"{object_name}.{quoted(name)}", hint=_hint(name, names, prefix=f"{object_name}.")
            )
        )
    return found


def _hint(name: str, choices: Iterable[str], *, prefix: str = "") -> str:
    """'Did you mean …?' with the closest names, or nothing when none is close."""
    lowered = {option.lower(): option for option in choices}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    if not close:
        return ""
    return MSG.did_you_mean.format(names=", ".join(f"`{quoted(prefix + lowered[c])}`" for c in close))

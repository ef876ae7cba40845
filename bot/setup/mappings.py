"""Step 4: review and rename the local columns, the last chance before the sync starts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import UserInputError
from bot.messages import MSG, quoted
from bot.runtime import Services
from bot.salesforce.describe import REQUIRED_FIELDS
from bot.setup import progress
from bot.setup.fields import FieldView, resolve_field, resolve_object, field_views, parse_target
from bot.setup.progress import Step
from storage import catalog, mirror

# Lower case only, so that nobody ever has to quote a column in their own SQL.
_COLUMN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class ObjectMapping:
    """The synced fields of one object and the table they land in."""

    object_name: str
    table: str
    fields: list[FieldView]


def mappings(services: Services, team_id: str, object_name: str | None) -> list[ObjectMapping]:
    """Salesforce field -> local column, per object (or for one object)."""
    with services.db.session() as session:
        progress.load(session, team_id).require_owner()
        names = (
            [resolve_object(session, team_id, object_name)]
            if object_name
            else [obj.object_name for obj in catalog.objects(session, team_id) if obj.available]
        )
        if not names:
            raise UserInputError(MSG.no_catalog)
        return [
            ObjectMapping(
                object_name=name,
                table=mirror.table_name(name),
                fields=[view for view in field_views(catalog.fields(session, team_id, name)) if view.synced],
            )
            for name in names
        ]


def rename(services: Services, team_id: str, target: str, column: str) -> tuple[str, FieldView, str]:
    """Give ``Object.Field`` the local column ``column``; renames the real column too.

    Returns the object name, the field as it is now, and the old column name.
    """
    object_name, field_name = parse_target(target)
    column = column.strip()
    if not _COLUMN.match(column):
        raise UserInputError(MSG.map_bad_column.format(column=quoted(column)))
    if column in mirror.SYSTEM_COLUMNS.values():
        raise UserInputError(MSG.map_system_column.format(column=column))
    if column in mirror.RESERVED_WORDS:
        raise UserInputError(MSG.map_reserved_word.format(column=column))
    with services.db.session() as session:
        # Locked, so that a start claimed meanwhile waits for the rename (or this for it).
        state = progress.load(session, team_id, lock=True)
        state.require(Step.CONFIRM)
        if state.done(Step.START):
            raise UserInputError(MSG.map_after_start)
        obj = resolve_object(session, team_id, object_name)
        row = resolve_field(session, team_id, obj, field_name)
        label = f"{obj}.{row.field_name}"
        if row.field_name in REQUIRED_FIELDS:
            raise UserInputError(MSG.map_required_field.format(field=label))
        if row.hidden or row.unsyncable_reason:
            raise UserInputError(MSG.map_not_synced.format(field=label))
        if row.column_name == column:
            raise UserInputError(MSG.map_same.format(field=label, column=column))
        # Only fields that have a column can clash; hidden and unsyncable ones have none.
        taken = {
            r.column_name: r.field_name for r in catalog.fields(session, team_id, obj) if r.synced and r is not row
        }
        if column in taken:
            raise UserInputError(MSG.map_taken.format(column=column, other=f"{obj}.{taken[column]}"))
        old = row.column_name
        mirror.rename_column(session, obj, old, column)
        catalog.set_column_name(session, team_id, obj, row.field_name, column)
        row.column_name = column
        return obj, field_views([row])[0], old

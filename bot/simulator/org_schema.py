"""Schema and field-level-security changes of an org at run time (mixed into ``SimulatedOrg``).

Every change here also moves the object's metadata date (the ``Last-Modified`` of its
describe), as an admin's change in Setup does. Stored records are rewritten
copy-on-write, so a query cursor or Bulk job opened before the change keeps its rows.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from .metadata import MetadataDates
from .schema import FieldDef, ObjectDef, Schema, custom_field
from .values import convert

if TYPE_CHECKING:
    from .org import SimulatedUser

Record = dict[str, Any]
# Setup refuses longer labels (of objects and of fields alike); any characters are kept.
LABEL_LIMIT = 40


class SchemaEditing:
    """Field additions, removals and changes, and field-level security, for one org."""

    name: str
    schema: Schema
    users: dict[str, SimulatedUser]
    metadata: MetadataDates
    _lock: threading.RLock
    _tables: dict[str, dict[str, Record]]

    def object(self, object_name: str) -> ObjectDef:
        """An object's definition; ``KeyError`` when the org has no such object."""
        obj = self.schema.get(object_name)
        if obj is None:
            raise KeyError(f"{self.name} has no object {object_name!r}")
        return obj

    def metadata_modified(self, object_name: str) -> datetime:
        """When the object's fields or their visibility last changed (org creation at first)."""
        return self.metadata.last_modified(self.object(object_name).name)

    def add_custom_field(self, object_name: str, name: str, type_: str, **attributes: Any) -> FieldDef:
        """Add a custom field (``__c`` appended when missing); see :func:`schema.custom_field`.
        Adding one that exists replaces its definition, as :meth:`change_field` does."""
        _check_labels(attributes.get("label"))
        definition = custom_field(name, type_, **attributes)
        with self._lock:
            obj = self.object(object_name)
            obj.add_field(definition)
            self._convert_values(obj.name, definition)
            self.metadata.touch(obj.name)
        return definition

    def remove_field(self, object_name: str, field_name: str) -> FieldDef:
        """Delete a custom field and its values (a compound one with its components).

        Salesforce lets admins delete custom fields only: a standard field raises
        ``ValueError`` (hide it from the sync user with :meth:`hide_field` instead).
        """
        with self._lock:
            obj = self.object(object_name)
            fld = self._field(obj, field_name)
            if not fld.custom:
                raise ValueError(f"{obj.name}.{fld.name} is a standard field: only custom fields can be deleted "
                                 "(hide_field takes it away from a user)")
            owner = obj.field(fld.compound_field_name) if fld.compound_field_name else None
            if owner is not None and owner.is_compound:
                raise ValueError(f"{obj.name}.{fld.name} is part of {owner.name}: remove that field instead")
            doomed = [fld] + [part for part in obj.fields.values() if fld.is_compound
                              and part.compound_field_name == fld.name]
            names = {part.name for part in doomed}
            for part in doomed:
                obj.remove_field(part.name)
            self._rewrite(obj.name, lambda record: {key: value for key, value in record.items()
                                                    if key not in names} if names & record.keys() else record)
            keys = {f"{obj.name.lower()}.{name.lower()}" for name in names}
            for user in self.users.values():
                user.hidden_fields -= keys
            self.metadata.touch(obj.name)
        return fld

    def change_field(self, object_name: str, field_name: str, **attributes: Any) -> FieldDef:
        """Change a field's describe attributes (``length=``, ``type=``, ``picklist_values=``, ...).

        Stored values are carried over to the new type or length where they can be
        (see :func:`values.convert`) and dropped where they cannot, as Salesforce warns.
        Returns the new definition. The API name cannot change.
        """
        if "name" in attributes:
            raise ValueError("a field's API name cannot be changed here: remove it and add another")
        _check_labels(attributes.get("label"))
        with self._lock:
            obj = self.object(object_name)
            definition = replace(self._field(obj, field_name), **attributes)
            obj.add_field(definition)
            self._convert_values(obj.name, definition)
            self.metadata.touch(obj.name)
        return definition

    def relabel_object(self, object_name: str, label: str, label_plural: str | None = None) -> ObjectDef:
        """Change an object's label (and plural label), as an admin does in the Object Manager.
        Labels are free text: Salesforce keeps whatever characters the admin typed."""
        _check_labels(label, label_plural)
        with self._lock:
            obj = self.object(object_name)
            obj.label, obj.label_plural = label, label_plural if label_plural is not None else label
            self.metadata.touch(obj.name)
        return obj

    def hide_field(self, object_name: str, field_name: str, username: str | None = None) -> None:
        """Hide a field from one user (or all users): field-level security."""
        key = self._field_key(object_name, field_name)
        with self._lock:
            for user in self._users_named(username):
                user.hidden_fields.add(key)
            self.metadata.touch(self.object(object_name).name)

    def unhide_field(self, object_name: str, field_name: str, username: str | None = None) -> None:
        """Undo :meth:`hide_field`."""
        key = self._field_key(object_name, field_name)
        with self._lock:
            for user in self._users_named(username):
                user.hidden_fields.discard(key)
            self.metadata.touch(self.object(object_name).name)

    def hidden_fields(self, user: SimulatedUser, object_name: str) -> frozenset[str]:
        """Lower-case names of the fields of ``object_name`` that ``user`` cannot see."""
        prefix = object_name.lower() + "."
        with self._lock:
            return frozenset(key[len(prefix):] for key in user.hidden_fields if key.startswith(prefix))

    # ----- internals -----------------------------------------------------------------

    def _convert_values(self, object_name: str, definition: FieldDef) -> None:
        name = definition.name

        def carried_over(record: Record) -> Record:
            if name not in record:
                return record
            old = record[name]
            new = convert(definition, old)
            if new == old and type(new) is type(old):
                return record
            copy = dict(record)
            if new is None:
                del copy[name]
            else:
                copy[name] = new
            return copy

        self._rewrite(object_name, carried_over)

    def _rewrite(self, object_name: str, change: Callable[[Record], Record]) -> None:
        # Copy-on-write: changed records are new dicts; unchanged ones stay the same objects.
        table = self._tables[object_name]
        for record_id, record in list(table.items()):
            changed = change(record)
            if changed is not record:
                table[record_id] = changed

    @staticmethod
    def _field(obj: ObjectDef, field_name: str) -> FieldDef:
        fld = obj.field(field_name)
        if fld is None:
            raise KeyError(f"{obj.name} has no field {field_name!r}")
        return fld

    def _field_key(self, object_name: str, field_name: str) -> str:
        obj = self.object(object_name)
        return f"{obj.name.lower()}.{self._field(obj, field_name).name.lower()}"

    def _users_named(self, username: str | None) -> list[SimulatedUser]:
        return list(self.users.values()) if username is None else [self.users[username.lower()]]


def _check_labels(*labels: str | None) -> None:
    for label in labels:
        if label is not None and len(label) > LABEL_LIMIT:
            raise ValueError(f"a label has at most {LABEL_LIMIT} characters: {label!r}")

"""Custom objects for the simulator's org, built from its public schema types."""

from __future__ import annotations

from collections.abc import Sequence

from bot.simulator.org import SimulatedOrg
from bot.simulator.schema import FieldDef, ObjectDef


def add_custom_object(org: SimulatedOrg, name: str, fields: Sequence[FieldDef], *, key_prefix: str = "a0X") -> ObjectDef:
    """Add a queryable custom object with Id, IsDeleted, SystemModstamp and ``fields``."""
    system = [
        FieldDef("Id", "id", label="Record ID", length=18, nillable=False, createable=False, updateable=False),
        FieldDef("IsDeleted", "boolean", label="Deleted", nillable=False, createable=False, updateable=False),
        FieldDef("SystemModstamp", "datetime", label="System Modstamp", nillable=False, createable=False,
                 updateable=False),
    ]
    obj = ObjectDef(name=name, label=name, label_plural=name, key_prefix=key_prefix,
                    fields={field.name: field for field in [*system, *fields]}, custom=True)
    org.schema.add_object(obj)
    return obj

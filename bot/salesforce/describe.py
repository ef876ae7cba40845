"""What a describe call says about an object and its fields, reduced to what syncbot uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.messages import MSG

# Fields every mirror table carries whatever the choices; they can be neither hidden nor remapped.
REQUIRED_FIELDS = ("Id", "IsDeleted", "SystemModstamp")


@dataclass(frozen=True)
class FieldInfo:
    """One field of an object as the sync user sees it."""

    name: str
    label: str
    type: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    # A formula field: its value changes without a new SystemModstamp.
    calculated: bool = False

    @property
    def unsyncable_reason(self) -> str | None:
        """Why this field cannot become a column, or None when it can."""
        if self.type == "base64":
            return MSG.field_unsyncable_base64
        if self.type in ("address", "location"):
            return MSG.field_unsyncable_compound
        return None

    @property
    def required(self) -> bool:
        """True for the system fields every mirror table needs."""
        return self.name in REQUIRED_FIELDS

    @classmethod
    def from_describe(cls, body: dict[str, Any]) -> "FieldInfo":
        """Build from one entry of a describe's ``fields``."""
        return cls(
            name=body["name"],
            label=body.get("label") or body["name"],
            type=body.get("type") or "string",
            length=body.get("length") or None,
            precision=body.get("precision") or None,
            scale=body.get("scale") if body.get("precision") else None,
            calculated=bool(body.get("calculated")),
        )


@dataclass(frozen=True)
class ObjectInfo:
    """One object with the fields the sync user can see."""

    name: str
    label: str
    available: bool
    fields: tuple[FieldInfo, ...]

    @classmethod
    def from_describe(cls, body: dict[str, Any]) -> "ObjectInfo":
        """Build from an object's describe answer."""
        return cls(
            name=body["name"],
            label=body.get("label") or body["name"],
            available=True,
            fields=tuple(FieldInfo.from_describe(item) for item in body.get("fields", [])),
        )

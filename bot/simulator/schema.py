"""Describe metadata: field and object definitions, and their JSON describe form.

A :class:`Schema` belongs to one org (so a test can add a custom field to one org
only); field-level security is applied when describing or querying for a user, by
passing the set of fields hidden from that user.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator, Mapping

# The field types of the describe call, grouped by how their values behave.
STRING_TYPES = frozenset(
    {"id", "string", "textarea", "email", "phone", "url", "picklist", "multipicklist",
     "combobox", "reference", "encryptedstring"}
)
NUMBER_TYPES = frozenset({"int", "long", "double", "currency", "percent"})
COMPOUND_TYPES = frozenset({"address", "location"})
FIELD_TYPES = STRING_TYPES | NUMBER_TYPES | COMPOUND_TYPES | {"boolean", "date", "datetime", "time", "base64"}

_SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "int": "xsd:int",
    "long": "xsd:long", "double": "xsd:double", "currency": "xsd:double", "percent": "xsd:double",
    "date": "xsd:date", "datetime": "xsd:dateTime", "time": "xsd:time", "base64": "xsd:base64Binary",
    "address": "urn:address", "location": "urn:location",
}

# A formula: computes a calculated field's value from the org and the stored record.
Formula = Callable[[Any, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class FieldDef:
    """One field of an object, with the attributes the describe call reports."""

    name: str
    type: str
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    digits: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    calculated: bool = False
    custom: bool = False
    unique: bool = False
    external_id: bool = False
    defaulted_on_create: bool = False
    name_field: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    compound_field_name: str | None = None
    picklist_values: tuple[str, ...] = ()
    # Read-time value of a calculated field; stored values are ignored for it.
    formula: Formula | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {self.type!r} for {self.name}")
        if not self.label:
            object.__setattr__(self, "label", _label_from_name(self.name))

    @property
    def is_compound(self) -> bool:
        """Address and location fields: read-only views over their component fields."""
        return self.type in COMPOUND_TYPES

    @property
    def filterable(self) -> bool:
        """Whether SOQL may filter on the field (not long text, compound or binary)."""
        if self.is_compound or self.type == "base64":
            return False
        return not (self.type in ("textarea", "multipicklist") and self.length > 255)

    @property
    def sortable(self) -> bool:
        """Whether SOQL may order by the field."""
        return self.filterable and self.type != "multipicklist"

    def describe(self) -> dict[str, Any]:
        """The field's entry in ``sobjects/<Obj>/describe``."""
        byte_length = self.length * 3 if self.type in STRING_TYPES or self.type == "base64" else 0
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "soapType": _SOAP_TYPES.get(self.type, "xsd:string"),
            "length": self.length,
            "byteLength": byte_length,
            "precision": self.precision,
            "scale": self.scale,
            "digits": self.digits,
            "nillable": self.nillable,
            "createable": self.createable,
            "updateable": self.updateable,
            "calculated": self.calculated,
            "custom": self.custom,
            "unique": self.unique,
            "externalId": self.external_id,
            "idLookup": self.type == "id" or self.external_id,
            "nameField": self.name_field,
            "defaultedOnCreate": self.defaulted_on_create,
            "filterable": self.filterable,
            "sortable": self.sortable,
            "groupable": self.sortable and self.type not in ("double", "currency", "percent", "datetime"),
            "htmlFormatted": False,
            "deprecatedAndHidden": False,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "compoundFieldName": self.compound_field_name,
            "picklistValues": [
                {"active": True, "defaultValue": False, "label": value, "validFor": None, "value": value}
                for value in self.picklist_values
            ],
            "restrictedPicklist": False,
            "dependentPicklist": False,
            "inlineHelpText": None,
        }


@dataclass
class ObjectDef:
    """One object (sObject type): its flags for the global describe and its fields."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: dict[str, FieldDef]
    custom: bool = False
    queryable: bool = True
    replicateable: bool = True
    retrieveable: bool = True
    createable: bool = True
    updateable: bool = True
    deletable: bool = True

    def __post_init__(self) -> None:
        self._by_lower = {name.lower(): fld for name, fld in self.fields.items()}

    def field(self, name: str) -> FieldDef | None:
        """A field by case-insensitive API name."""
        return self._by_lower.get(name.lower())

    def add_field(self, definition: FieldDef) -> None:
        """Add a field, or replace the one of that name where it stands in describe order."""
        existing = self.field(definition.name)
        if existing is not None and existing.name != definition.name:
            del self.fields[existing.name]
        self.fields[definition.name] = definition
        self._by_lower[definition.name.lower()] = definition

    def remove_field(self, name: str) -> FieldDef:
        """Remove a field; ``KeyError`` when there is none of that name."""
        existing = self.field(name)
        if existing is None:
            raise KeyError(f"{self.name} has no field {name!r}")
        del self.fields[existing.name]
        del self._by_lower[existing.name.lower()]
        return existing

    def visible_fields(self, hidden: frozenset[str] = frozenset()) -> Iterator[FieldDef]:
        """The fields in describe order, without those hidden (lower-case names)."""
        return (fld for fld in self.fields.values() if fld.name.lower() not in hidden)

    def urls(self, version: str) -> dict[str, str]:
        """The ``urls`` block of the describe answers."""
        base = f"/services/data/v{version}/sobjects/{self.name}"
        return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}

    def describe_global_entry(self, version: str) -> dict[str, Any]:
        """The object's entry in ``sobjects`` (the global describe)."""
        return {
            "name": self.name,
            "label": self.label,
            "labelPlural": self.label_plural,
            "keyPrefix": self.key_prefix,
            "custom": self.custom,
            "customSetting": False,
            "queryable": self.queryable,
            "replicateable": self.replicateable,
            "retrieveable": self.retrieveable,
            "searchable": self.queryable,
            "createable": self.createable,
            "updateable": self.updateable,
            "deletable": self.deletable,
            "undeletable": self.deletable,
            "layoutable": True,
            "mergeable": self.name in ("Lead", "Contact", "Account"),
            "triggerable": True,
            "deprecatedAndHidden": False,
            "urls": self.urls(version),
        }

    def describe(self, version: str, hidden: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The answer of ``sobjects/<Obj>/describe`` for a user who cannot see ``hidden``."""
        answer = self.describe_global_entry(version)
        answer["fields"] = [fld.describe() for fld in self.visible_fields(hidden)]
        answer["childRelationships"] = []
        answer["recordTypeInfos"] = []
        return answer


class Schema:
    """The objects of one org, looked up by case-insensitive name."""

    def __init__(self, objects: Iterable[ObjectDef]) -> None:
        self._objects: dict[str, ObjectDef] = {obj.name.lower(): obj for obj in objects}

    def copy(self) -> Schema:
        """An independent copy (each org owns its schema)."""
        return Schema(_copy_object(obj) for obj in self._objects.values())

    def get(self, name: str) -> ObjectDef | None:
        """An object by case-insensitive name."""
        return self._objects.get(name.lower())

    def __iter__(self) -> Iterator[ObjectDef]:
        return iter(self._objects.values())

    def add_object(self, obj: ObjectDef) -> None:
        """Add (or replace) an object."""
        self._objects[obj.name.lower()] = obj

    def describe_global(self, version: str) -> dict[str, Any]:
        """The answer of ``sobjects``."""
        return {
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [obj.describe_global_entry(version) for obj in self],
        }


def custom_field(name: str, type_: str, **attributes: Any) -> FieldDef:
    """A custom field definition; ``name`` gets its ``__c`` suffix if missing.

    Sensible describe attributes are filled in per type (length 255 for strings,
    precision 18 / scale 2 for numbers), and any :class:`FieldDef` attribute can be given.
    """
    if not name.endswith("__c"):
        name += "__c"
    defaults: dict[str, Any] = {"custom": True}
    if type_ in ("string", "email", "phone", "url", "picklist", "encryptedstring"):
        defaults["length"] = 255 if type_ != "email" else 80
    elif type_ == "textarea":
        defaults["length"] = 32768
    elif type_ in ("double", "currency", "percent"):
        defaults.update(precision=18, scale=2)
    elif type_ == "int":
        defaults["digits"] = 9
    elif type_ == "reference":
        defaults["length"] = 18
        defaults["relationship_name"] = name[:-3] + "__r"
    elif type_ == "boolean":
        defaults.update(nillable=False, defaulted_on_create=True)
    defaults.update(attributes)
    return FieldDef(name=name, type=type_, **defaults)


def _copy_object(obj: ObjectDef) -> ObjectDef:
    copied = copy.copy(obj)
    copied.fields = {name: replace(fld) for name, fld in obj.fields.items()}
    copied.__post_init__()
    return copied


def _label_from_name(name: str) -> str:
    base = name[:-3] if name.endswith("__c") else name
    words: list[str] = []
    for part in base.replace("_", " ").split():
        current = ""
        for char in part:
            if char.isupper() and current and not current[-1].isupper():
                words.append(current)
                current = char
            else:
                current += char
        words.append(current)
    return " ".join(words)

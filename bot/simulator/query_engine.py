"""Running parsed SOQL against an org: name and type checks, filtering, ordering, output.

Names are checked against what the querying user may see (hidden fields are
"No such column", as with real field-level security). Literal types are checked
against field types the way Salesforce does it; most notably a quoted date-time is
an INVALID_FIELD error. String comparisons ignore case, ids compare on their first
15 characters, ``!=`` and ``NOT IN`` match nulls, and nulls sort first ascending and
last descending unless NULLS FIRST/LAST says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Mapping, Sequence

from .ids import is_valid_id
from .org import SimulatedOrg
from .schema import NUMBER_TYPES, STRING_TYPES, FieldDef, ObjectDef
from .soql import (BoolOp, Comparison, Condition, FieldRef, Literal, Not, SelectQuery, SoqlError,
                   UnsupportedSoql, parse)
from .values import compound_value

Record = Mapping[str, Any]
Accessor = Callable[[Record], Any]
Predicate = Callable[[Record], bool]

_TYPE_WORDS = {"datetime": "dateTime", "date": "date", "boolean": "boolean", "int": "integer", "long": "long"}
_LITERAL_FOR = {"datetime": "datetime", "date": "date", "boolean": "boolean"}


@dataclass(frozen=True)
class BoundQuery:
    """A query checked against one org and user, ready to run."""

    parsed: SelectQuery
    obj: ObjectDef
    fields: tuple[FieldDef, ...]
    accessors: tuple[Accessor, ...]
    predicate: Predicate | None
    order: tuple[tuple[Accessor, bool, bool], ...]  # (value of, descending, nulls last)

    @property
    def count_only(self) -> bool:
        return self.parsed.count_only

    @property
    def selects_binary(self) -> bool:
        return any(fld.type == "base64" for fld in self.fields)

    @property
    def selects_compound(self) -> bool:
        return any(fld.is_compound for fld in self.fields)


def bind(org: SimulatedOrg, soql: str, hidden: Callable[[str], frozenset[str]]) -> BoundQuery:
    """Parse ``soql`` and check it against ``org``; ``hidden(object)`` gives the user's hidden fields.

    Raises :class:`SoqlError` with Salesforce's error code and message.
    """
    parsed = parse(soql)
    obj = org.schema.get(parsed.object_name)
    if obj is None or not obj.queryable:
        raise SoqlError(
            "INVALID_TYPE",
            f"sObject type '{parsed.object_name}' is not supported. If you are attempting to use a custom "
            "object, be sure to append the '__c' after the entity name. Please reference your WSDL or the "
            "describe call for the appropriate names.",
            soql, parsed.object_position,
        )
    binder = _Binder(org, obj, hidden(obj.name), soql)
    fields = tuple(binder.field(ref) for ref in parsed.fields)
    seen: set[str] = set()
    for ref, fld in zip(parsed.fields, fields):
        if fld.name in seen:
            raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {fld.name}", soql, ref.position)
        seen.add(fld.name)
    predicate = binder.condition(parsed.where) if parsed.where is not None else None
    order = tuple((binder.sort_accessor(item.field), item.descending, item.nulls_last)
                  for item in parsed.order_by)
    return BoundQuery(parsed, obj, fields, tuple(accessor(org, fld) for fld in fields), predicate, order)


def execute(org: SimulatedOrg, query: BoundQuery, *, include_deleted: bool) -> list[Record]:
    """The matching stored records, ordered, after OFFSET and LIMIT.

    ``include_deleted`` is ``queryAll``: deleted rows and archived activities too. A plain
    ``query`` leaves both out, whatever the WHERE clause says (``IsArchived = true`` finds nothing).
    """
    rows: Sequence[Record] = org.snapshot(query.obj.name, include_deleted=include_deleted)
    if not include_deleted and query.obj.field("IsArchived") is not None:
        rows = [row for row in rows if not row.get("IsArchived")]
    if query.predicate is not None:
        rows = [row for row in rows if query.predicate(row)]
    if query.order:
        rows = _sorted(list(rows), query.order)
    start = query.parsed.offset or 0
    stop = None if query.parsed.limit is None else start + query.parsed.limit
    return list(rows[start:stop])


def accessor(org: SimulatedOrg, fld: FieldDef) -> Accessor:
    """How to read a field's value from a stored record (formulas and compounds computed)."""
    if fld.formula is not None:
        formula = fld.formula
        return lambda record: formula(org, record)
    if fld.is_compound:
        return lambda record: compound_value(fld, record)
    name = fld.name
    return lambda record: record.get(name)


class _Binder:
    def __init__(self, org: SimulatedOrg, obj: ObjectDef, hidden: frozenset[str], soql: str) -> None:
        self.org, self.obj, self.hidden, self.soql = org, obj, hidden, soql

    def error(self, code: str, detail: str, position: int) -> SoqlError:
        return SoqlError(code, detail, self.soql, position)

    def field(self, ref: FieldRef) -> FieldDef:
        if "." in ref.name:
            raise UnsupportedSoql(f"The relationship path {ref.name}", self.soql, ref.position)
        fld = self.obj.field(ref.name)
        if fld is None or fld.name.lower() in self.hidden:
            raise self.error(
                "INVALID_FIELD",
                f"No such column '{ref.name}' on entity '{self.obj.name}'. If you are attempting to use "
                "a custom field, be sure to append the '__c' after the custom field name. Please reference "
                "your WSDL or the describe call for the appropriate names.",
                ref.position,
            )
        return fld

    def sort_accessor(self, ref: FieldRef) -> Accessor:
        fld = self.field(ref)
        if not fld.sortable:
            raise self.error("INVALID_FIELD", f"field '{fld.name}' can not be sorted in a query call",
                             ref.position)
        read = accessor(self.org, fld)
        normal = _normaliser(fld)
        return lambda record: normal(value) if (value := read(record)) is not None else None

    def condition(self, node: Condition) -> Predicate:
        if isinstance(node, BoolOp):
            parts = [self.condition(operand) for operand in node.operands]
            if node.operator == "AND":
                return lambda record: all(part(record) for part in parts)
            return lambda record: any(part(record) for part in parts)
        if isinstance(node, Not):
            inner = self.condition(node.operand)
            return lambda record: not inner(record)
        return self.comparison(node)

    def comparison(self, node: Comparison) -> Predicate:
        fld = self.field(node.field)
        if not fld.filterable:
            raise self.error("INVALID_FIELD", f"field '{fld.name}' can not be filtered in a query call",
                             node.field.position)
        literals = node.value if isinstance(node.value, tuple) else (node.value,)
        for literal in literals:
            self.check_literal(fld, literal, node.operator)
        read = accessor(self.org, fld)
        normal = _normaliser(fld)
        operator = node.operator
        if operator == "LIKE":
            literal = literals[0]
            if fld.type not in STRING_TYPES or fld.type in ("id", "reference"):
                raise self.error("INVALID_QUERY_FILTER_OPERATOR", f"invalid operator on {fld.type} field",
                                 node.field.position)
            regex = re.compile(literal.pattern or "", re.IGNORECASE | re.DOTALL)
            return lambda record: (value := read(record)) is not None and regex.fullmatch(value) is not None
        if operator in ("IN", "NOT IN"):
            wanted = {normal(lit.value) for lit in literals if lit.kind != "null"}
            with_null = any(lit.kind == "null" for lit in literals)
            if operator == "IN":
                return lambda record: with_null if (v := read(record)) is None else normal(v) in wanted
            return lambda record: not with_null if (v := read(record)) is None else normal(v) not in wanted
        literal = literals[0]
        if literal.kind == "null":
            if operator not in ("=", "!="):
                return lambda record: False
            is_null = operator == "="
            return lambda record: (read(record) is None) == is_null
        if fld.type == "boolean" and operator not in ("=", "!="):
            raise self.error("INVALID_QUERY_FILTER_OPERATOR", "invalid operator on boolean field",
                             node.field.position)
        target = normal(literal.value)
        if operator == "=":
            return lambda record: (v := read(record)) is not None and normal(v) == target
        if operator == "!=":
            return lambda record: (v := read(record)) is None or normal(v) != target
        compare = _ORDERING[operator]
        return lambda record: (v := read(record)) is not None and compare(normal(v), target)

    def check_literal(self, fld: FieldDef, literal: Literal, operator: str) -> None:
        if literal.kind == "null":
            return
        kind = fld.type
        if kind in STRING_TYPES:
            if literal.kind != "string":
                raise self.type_error(fld, literal, "string", quoted=True)
            if kind in ("id", "reference") and operator != "LIKE" and not is_valid_id(literal.value):
                raise self.error("INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {literal.value}",
                                 literal.position)
        elif kind in NUMBER_TYPES:
            if literal.kind != "number":
                raise self.type_error(fld, literal, _TYPE_WORDS.get(kind, "double"), quoted=False)
        elif literal.kind != _LITERAL_FOR.get(kind, kind):
            raise self.type_error(fld, literal, _TYPE_WORDS.get(kind, kind), quoted=False)

    def type_error(self, fld: FieldDef, literal: Literal, type_word: str, *, quoted: bool) -> SoqlError:
        quotes = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
        detail = f"value of filter criterion for field '{fld.name}' must be of type {type_word} and {quotes}"
        return self.error("INVALID_FIELD", detail, literal.position)


def _normaliser(fld: FieldDef) -> Callable[[Any], Any]:
    # Comparable form of a value: ids on 15 characters, other text without case.
    if fld.type in ("id", "reference"):
        return lambda value: value[:15]
    if fld.type in STRING_TYPES:
        return lambda value: value.casefold()
    if fld.type in NUMBER_TYPES:
        # Stored numbers are int or Decimal, which compare exactly with the literals.
        return lambda value: Decimal(repr(value)) if type(value) is float else value
    return lambda value: value


_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda left, right: left < right,
    "<=": lambda left, right: left <= right,
    ">": lambda left, right: left > right,
    ">=": lambda left, right: left >= right,
}


def _sorted(rows: list[Record], order: tuple[tuple[Accessor, bool, bool], ...]) -> list[Record]:
    # Stable sorts from the last key to the first give the multi-key order; nulls
    # are split off per key so they can go first or last in either direction.
    for value_of, descending, nulls_last in reversed(order):
        present = [row for row in rows if value_of(row) is not None]
        absent = [row for row in rows if value_of(row) is None]
        present.sort(key=value_of, reverse=descending)
        rows = present + absent if nulls_last else absent + present
    return rows

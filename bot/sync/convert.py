"""Salesforce values -> column values, per field type, for the database being written.

REST answers carry JSON values (numbers, booleans, ``"2024-01-02T03:04:05.000+0000"``);
Bulk answers carry CSV text (``"true"``, ``"2024-01-02T03:04:05.000Z"``, ``""`` for null).
Each column gets one small function, chosen once per object, that checks the value and
puts it in the form the database takes directly: PostgreSQL reads ISO text and
``true``/``false`` as they are, SQLite gets the text SQLAlchemy itself writes. Text is
kept exactly as Salesforce sent it (quotes, newlines, emoji) less its NUL characters,
which the reader drops on both paths (``bot.salesforce.reading``); Salesforce has no
empty strings, so an empty CSV cell is NULL for every type. Decimal numbers never pass
through a float on their way to PostgreSQL (:mod:`bot.sync.numbers`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from decimal import Decimal
from operator import itemgetter
from typing import Any, Literal

from bot.sync.numbers import number_converter
from bot.sync.plan import Column

Source = Literal["json", "csv"]
Dialect = Literal["sqlite", "postgresql"]
Converter = Callable[[Any], Any]

_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(Z|[+-]\d\d:?\d\d)")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_TIME = re.compile(r"(\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?Z?")
_TEXT_TYPES = frozenset({
    "id", "reference", "string", "textarea", "email", "phone", "url", "picklist", "multipicklist",
    "combobox", "encryptedstring",
})


class ConversionError(ValueError):
    """A value that does not fit its field's type; ``column`` is its index in the row."""

    def __init__(self, column: int, message: str) -> None:
        super().__init__(message)
        self.column = column


class RowConverter:
    """Turns one record (a REST dict or a CSV row) into the tuple a mirror writer takes.

    The tuple's order is :attr:`columns`: ``id``, ``isdeleted``, ``systemmodstamp``, the
    other typed columns, then the text columns. Text passes through untouched (the
    writer turns empty text into NULL in SQL); typed columns convert with a builtin
    (``int``, ``float``, a dict lookup) where one fits, so a row of forty values costs
    a couple of microseconds.
    """

    def __init__(self, columns: Sequence[Column], *, source: Source, dialect: Dialect,
                 header: Sequence[str] | None = None) -> None:
        self.columns = write_order(columns)
        head = self.columns[:3]
        typed = [column for column in self.columns[3:] if not is_text(column)]
        text = self.columns[3 + len(typed):]
        self._csv = source == "csv"
        self._false: Any = 0 if dialect == "sqlite" else False
        self._convert = [converter(column.sf_type, source=source, dialect=dialect) for column in (*head, *typed)]
        # A column with no field (isdeleted of User) is always false, whatever it reads.
        self._constant_false = head[1].field is None
        if self._constant_false:
            self._convert[1] = lambda _value: self._false
        if self._csv:
            if header is None:
                raise ValueError("a CSV converter needs the header row")
            position = {name.lower(): index for index, name in enumerate(header)}
            # A column with no field reads the first cell; its converter ignores it.
            keys: list[Any] = [position[column.field.lower()] if column.field else 0 for column in self.columns]
        else:
            keys = [column.field or "Id" for column in self.columns]
        self._keys = keys
        self._pick_typed = _picker(keys[:len(self._convert)])
        self._pick_text = _picker(keys[len(self._convert):]) if text else (lambda _record: ())

    def convert(self, record: Any) -> tuple[Any, ...]:
        """The column values of one record; :class:`ConversionError` names the bad column."""
        try:
            raw = self._pick_typed(record)
            if self._csv:
                # An empty cell is NULL whatever the type.
                values = [convert(value) if value else None for convert, value in zip(self._convert, raw)]
            else:
                values = [None if value is None else convert(value) for convert, value in zip(self._convert, raw)]
            return (*values, *self._pick_text(record))
        except (ValueError, TypeError, KeyError, IndexError):
            return self._explain(record)

    def record_id(self, record: Any) -> str | None:
        """The Id of a record, for error reports."""
        if not self._csv:
            return record.get("Id")
        index = self._keys[0]
        return record[index] if index < len(record) else None

    def _explain(self, record: Any) -> tuple[Any, ...]:
        # Slow path, only for a record that failed: find the first column that does not convert.
        for index, column in enumerate(self.columns):
            if column.field is None:
                continue
            try:
                value = record[self._keys[index]] if self._csv else record[column.field]
            except (KeyError, IndexError):
                raise ConversionError(index, f"the record has no value for {column.field}") from None
            if index >= len(self._convert) or value in ("", None):
                continue
            try:
                self._convert[index](value)
            except (ValueError, TypeError, KeyError) as exc:
                raise ConversionError(index, _reason(column.sf_type, value, exc)) from None
        raise AssertionError("a conversion failed, then succeeded")


def write_order(columns: Sequence[Column]) -> tuple[Column, ...]:
    """The order of a converted row: id, isdeleted, systemmodstamp, typed columns, text columns."""
    rest = columns[3:]
    return (*columns[:3], *(column for column in rest if not is_text(column)),
            *(column for column in rest if is_text(column)))


def is_text(column: Column) -> bool:
    """Whether a column holds text (which passes through unconverted; empty text is NULL)."""
    return column.sf_type in _TEXT_TYPES


def converter(sf_type: str, *, source: Source, dialect: Dialect) -> Converter:
    """The function that converts one non-empty value of a Salesforce field type."""
    csv, sqlite = source == "csv", dialect == "sqlite"
    if sf_type in _TEXT_TYPES:
        return str
    if sf_type == "boolean":
        words: dict[Any, Any] = ({"true": 1, "false": 0} if sqlite else {"true": True, "false": False}) if csv \
            else ({True: 1, False: 0} if sqlite else {True: True, False: False})
        return words.__getitem__
    if sf_type in ("int", "long"):
        return int if csv else _whole_number
    if sf_type in ("double", "currency", "percent"):
        return number_converter(csv=csv, sqlite=sqlite)
    if sf_type == "datetime":
        return _datetime_sqlite if sqlite else _datetime_iso
    if sf_type == "date":
        return _date
    if sf_type == "time":
        return _time_sqlite if sqlite else _time_iso
    return str


def _picker(keys: Sequence[Any]) -> Callable[[Any], Sequence[Any]]:
    # itemgetter with one key returns the item, not a 1-tuple.
    getter = itemgetter(*keys)
    return (lambda record: (getter(record),)) if len(keys) == 1 else getter


def _reason(sf_type: str, value: Any, exc: BaseException) -> str:
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return f"{shown} is not a valid {sf_type} value"


def _whole_number(value: Any) -> int:
    if type(value) is int:
        return value  # type: ignore[no-any-return]
    # The gateway reads JSON numbers with a point as Decimal: 5.0 is whole; 5.5, a boolean, text are not.
    finite = value.is_finite() if isinstance(value, Decimal) else type(value) is float and value - value == 0
    if finite and value == int(value):
        return int(value)
    raise ValueError(f"not a whole number: {value!r}")


def parse_stamp(text: str) -> datetime:
    """A stamp in any form Salesforce or the converter gives (``…Z``, ``…+0000``, SQLite's
    naive UTC text) as an aware UTC datetime."""
    moment = datetime.fromisoformat(str(text).replace("+0000", "+00:00").replace("Z", "+00:00"))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _utc_iso(value: str) -> str:
    """Any ISO date-time with a zone as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC (the slow path)."""
    match = _DATETIME.fullmatch(value)
    if match is None:
        raise ValueError(f"not a date-time: {value!r}")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z"


def _salesforce_form(value: str) -> bool:
    # Salesforce's own forms, told by shape: Bulk ``…05.000Z`` and REST ``…05.000+0000``.
    # Checked by slicing, which costs a fifth of a regular expression on the Bulk path.
    return value[10:11] == "T" and value[19:20] == "." and (value[23:] == "Z" or value[23:] == "+0000")


def _datetime_iso(value: str) -> str:
    # PostgreSQL parses these as they are (and checks the calendar).
    return value if _salesforce_form(value) else _utc_iso(value)


def _datetime_sqlite(value: str) -> str:
    # SQLAlchemy's own SQLite form, so that reading through it gives the same instant.
    if _salesforce_form(value) and value[:4].isdigit():
        return f"{value[:10]} {value[11:23]}000"
    value = _utc_iso(value)
    return f"{value[:10]} {value[11:26]}"


def _date(value: str) -> str:
    if len(value) != 10 or _DATE.fullmatch(value) is None:
        raise ValueError(f"not a date: {value!r}")
    return value


def _time_parts(value: str) -> tuple[str, str]:
    match = _TIME.fullmatch(value)
    if match is None:
        raise ValueError(f"not a time: {value!r}")
    return match.group(1), match.group(2) or ""


def _time_sqlite(value: str) -> str:
    whole, fraction = _time_parts(value)
    return f"{whole}.{fraction.ljust(6, '0')}"


def _time_iso(value: str) -> str:
    whole, fraction = _time_parts(value)
    return f"{whole}.{fraction or '0'}"

"""Salesforce values -> column values, per field type, for the database being written.

REST answers carry JSON values (numbers, booleans, ``"2024-01-02T03:04:05.000+0000"``);
Bulk answers carry CSV text (``"true"``, ``"2024-01-02T03:04:05.000Z"``, ``""`` for null).
Each column gets one small function, chosen once per object, that checks the value and
puts it in the form the database takes directly: PostgreSQL reads ISO text and
``true``/``false`` as they are, SQLite gets the text SQLAlchemy itself writes. Text is
kept exactly as Salesforce sent it (quotes, newlines, emoji); Salesforce has no empty
strings, so an empty CSV cell is NULL for every type.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from operator import itemgetter
from typing import Any, Literal

from bot.sync.plan import Column

Source = Literal["json", "csv"]
Dialect = Literal["sqlite", "postgresql"]
Converter = Callable[[Any], Any]

_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(Z|[+-]\d\d:?\d\d)")
# What Salesforce sends: REST ``…05.000+0000``, Bulk CSV ``…05.000Z``.
_SALESFORCE_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(?:Z|\+0000|\+00:00)")
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

    Most columns convert with a builtin (``str``, ``int``, ``float``, a dict lookup), so
    a row of forty values costs a couple of microseconds; only date-times and dates run
    Python code of their own.
    """

    def __init__(self, columns: Sequence[Column], *, source: Source, dialect: Dialect,
                 header: Sequence[str] | None = None) -> None:
        self.columns = tuple(columns)
        self._convert = [converter(column.sf_type, source=source, dialect=dialect) for column in self.columns]
        self._csv = source == "csv"
        self._false: Any = 0 if dialect == "sqlite" else False
        # A column with no field (isdeleted of User) is always false, whatever it reads.
        self._constant_false = self.columns[1].field is None
        if self._constant_false:
            self._convert[1] = lambda _value: self._false
        if self._csv:
            if header is None:
                raise ValueError("a CSV converter needs the header row")
            position = {name.lower(): index for index, name in enumerate(header)}
            # Reading a missing field reads the header's first cell; it is replaced by false below.
            self._indexes = [position[column.field.lower()] if column.field else 0 for column in self.columns]
            self._pick: Callable[[Any], Sequence[Any]] = _picker(self._indexes)
        else:
            names = [column.field or "Id" for column in self.columns]
            self._pick = _picker(names)

    def convert(self, record: Any) -> tuple[Any, ...]:
        """The column values of one record; :class:`ConversionError` names the bad column."""
        try:
            raw = self._pick(record)
            if self._csv:
                # Salesforce has no empty strings: an empty cell is NULL whatever the type.
                values = [convert(value) if value else None for convert, value in zip(self._convert, raw)]
            else:
                values = [None if value is None else convert(value) for convert, value in zip(self._convert, raw)]
        except (ValueError, TypeError, KeyError, IndexError):
            return self._explain(record)
        if self._constant_false:
            values[1] = self._false
        return tuple(values)

    def record_id(self, record: Any) -> str | None:
        """The Id of a record, for error reports."""
        if not self._csv:
            return record.get("Id")
        index = self._indexes[0]
        return record[index] if index < len(record) else None

    def _explain(self, record: Any) -> tuple[Any, ...]:
        # Slow path, only for a record that failed: find the first column that does not convert.
        for index, (column, convert) in enumerate(zip(self.columns, self._convert)):
            if column.field is None:
                continue
            try:
                value = record[self._indexes[index]] if self._csv else record.get(column.field)
                if value not in ("", None):
                    convert(value)
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                raise ConversionError(index, _reason(column.sf_type, value if "value" in locals() else None,
                                                     exc)) from None
        raise ConversionError(0, "the record does not have every selected field")


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
        return _finite
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
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"not a whole number: {value!r}")
    return int(value)


def _finite(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError(f"not a number: {value!r}")
    number = float(value)
    if number - number != 0:  # inf and nan
        raise ValueError(f"not a finite number: {value!r}")
    return number


def _utc_iso(value: str) -> str:
    """Any ISO date-time with a zone as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC (the slow path)."""
    match = _DATETIME.fullmatch(value)
    if match is None:
        raise ValueError(f"not a date-time: {value!r}")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z"


def _datetime_iso(value: str) -> str:
    # Salesforce's own forms pass as they are; PostgreSQL parses them (and checks the calendar).
    return value if _SALESFORCE_DATETIME.fullmatch(value) else _utc_iso(value)


def _datetime_sqlite(value: str) -> str:
    # SQLAlchemy's own SQLite form, so that reading through it gives the same instant.
    if _SALESFORCE_DATETIME.fullmatch(value):
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

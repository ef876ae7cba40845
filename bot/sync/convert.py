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
from typing import Any, Literal

from bot.sync.plan import Column

Source = Literal["json", "csv"]
Dialect = Literal["sqlite", "postgresql"]
Converter = Callable[[Any], Any]

_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(Z|[+-]\d\d:?\d\d)")
_UTC_ZONES = frozenset({"Z", "+0000", "+00:00"})
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
    """Turns one record (a REST dict or a CSV row) into the tuple a mirror writer takes."""

    def __init__(self, columns: Sequence[Column], *, source: Source, dialect: Dialect,
                 header: Sequence[str] | None = None) -> None:
        self.columns = tuple(columns)
        self._convert = [converter(column.sf_type, source=source, dialect=dialect) for column in self.columns]
        self._source = source
        false = 0 if dialect == "sqlite" else False
        if source == "csv":
            if header is None:
                raise ValueError("a CSV converter needs the header row")
            position = {name.lower(): index for index, name in enumerate(header)}
            # A column with no field (isdeleted of User) reads the constant false.
            self._indexes = [position[column.field.lower()] if column.field else None for column in self.columns]
        self._false = false

    def convert(self, record: Any) -> tuple[Any, ...]:
        """The column values of one record; :class:`ConversionError` names the bad column."""
        if self._source == "json":
            raw = [record.get(column.field) if column.field else None for column in self.columns]
        else:
            raw = [record[index] if index is not None else None for index in self._indexes]
        try:
            values = [convert(value) for convert, value in zip(self._convert, raw)]
        except (ValueError, TypeError):
            return self._explain(raw)
        if self.columns[1].field is None:
            values[1] = self._false
        return tuple(values)

    def record_id(self, record: Any) -> str | None:
        """The Id of a record, for error reports."""
        if self._source == "json":
            return record.get("Id")
        index = self._indexes[0]
        return record[index] if index is not None and index < len(record) else None

    def _explain(self, raw: list[Any]) -> tuple[Any, ...]:
        # Slow path, only for a record that failed: find the first column that does not convert.
        for index, (convert, value) in enumerate(zip(self._convert, raw)):
            try:
                convert(value)
            except (ValueError, TypeError) as exc:
                raise ConversionError(index, str(exc)) from None
        raise AssertionError("a conversion failed, then succeeded")


def converter(sf_type: str, *, source: Source, dialect: Dialect) -> Converter:
    """The function that converts one value of a Salesforce field type."""
    csv = source == "csv"
    if sf_type in _TEXT_TYPES:
        return _empty_is_null if csv else _as_is
    if sf_type == "boolean":
        return _boolean(csv=csv, sqlite=dialect == "sqlite")
    if sf_type in ("int", "long"):
        return _whole_number(csv=csv)
    if sf_type in ("double", "currency", "percent"):
        return _number(csv=csv, keep_text=dialect == "postgresql")
    if sf_type == "datetime":
        return _datetime(sqlite=dialect == "sqlite")
    if sf_type == "date":
        return _date
    if sf_type == "time":
        return _time(sqlite=dialect == "sqlite")
    return _empty_is_null if csv else _as_is


def _as_is(value: Any) -> Any:
    return value


def _empty_is_null(value: str | None) -> str | None:
    return value or None


def _boolean(*, csv: bool, sqlite: bool) -> Converter:
    words = {"true": True, "false": False, "": None, None: None}

    def convert(value: Any) -> Any:
        flag = words[value] if csv or not isinstance(value, bool) else value
        return flag if flag is None or not sqlite else int(flag)

    def strict(value: Any) -> Any:
        try:
            return convert(value)
        except KeyError:
            raise ValueError(f"not a boolean: {value!r}") from None

    return strict


def _whole_number(*, csv: bool) -> Converter:
    def convert(value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise TypeError(f"not a whole number: {value!r}")
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"not a whole number: {value!r}")
            return int(value)
        return int(value)

    return convert


def _number(*, csv: bool, keep_text: bool) -> Converter:
    def convert(value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise TypeError(f"not a number: {value!r}")
        if isinstance(value, str):
            number = float(value)  # checks it; PostgreSQL takes the exact text
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError(f"not a finite number: {value!r}")
            return value if keep_text else number
        return value

    return convert


def _datetime(*, sqlite: bool) -> Converter:
    def convert(value: Any) -> Any:
        if value is None or value == "":
            return None
        match = _DATETIME.fullmatch(value)
        if match is None:
            raise ValueError(f"not a date-time: {value!r}")
        if match.group(1) not in _UTC_ZONES:
            # Salesforce answers in UTC; an offset elsewhere is converted, not trusted.
            moment = datetime.fromisoformat(value).astimezone(timezone.utc)
            value = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z"
        if not sqlite:
            return value
        # SQLAlchemy's own SQLite format, so that reading through it gives the same instant.
        fraction = value[20:value.index(match.group(1), 19)] if value[19:20] == "." else ""
        return f"{value[:10]} {value[11:19]}.{fraction[:6].ljust(6, '0')}"

    return convert


def _date(value: Any) -> Any:
    if value is None or value == "":
        return None
    if _DATE.fullmatch(value) is None:
        raise ValueError(f"not a date: {value!r}")
    return value


def _time(*, sqlite: bool) -> Converter:
    def convert(value: Any) -> Any:
        if value is None or value == "":
            return None
        match = _TIME.fullmatch(value)
        if match is None:
            raise ValueError(f"not a time: {value!r}")
        whole, fraction = match.group(1), (match.group(2) or "")
        return f"{whole}.{fraction.ljust(6, '0')}" if sqlite else f"{whole}.{fraction or '0'}"

    return convert

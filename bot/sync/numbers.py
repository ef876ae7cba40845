"""Salesforce's decimal numbers (``double``, ``currency``, ``percent``) -> column values, exactly.

Their columns are unconstrained ``NUMERIC`` (``storage.mirror``), whatever precision and
scale the describe reports, because the wire carries more than those promise: REST sends
these fields as Java doubles, so Account.AnnualRevenue (18, 0) at its largest arrives as
``1.0E18``, a 19-digit number. PostgreSQL keeps every value exactly; SQLite keeps whole
numbers up to 64 bits exactly and other values as the nearest double (its storage has
nothing closer, see the README).

- Bulk CSV carries the decimal as text (``"9999999999999999.99"``). PostgreSQL gets the text
  as it came, once it is known to be a number PostgreSQL reads (so that one odd cell is one
  record error, never a refused batch); ``COPY`` reads it into numeric with no float between.
- REST JSON carries a JSON number, which the gateway reads as ``Decimal`` (``1.0E18``):
  PostgreSQL gets that Decimal. A float (from a client not told to read Decimal) counts as
  its shortest text, which is the text Salesforce wrote for a double.
- SQLite gets an ``int`` for a whole number past 2**53 (a double would turn
  999999999999999999 into 10**18) and the nearest ``float`` otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

# What PostgreSQL's numeric input reads: digits with an optional point and exponent
# (Salesforce's doubles need at most three exponent digits; PostgreSQL allows up to 1000).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")
# Below this every whole number is a double, so a float holds the value as well as SQLite can.
_EXACT_DOUBLE = 2.0 ** 53
_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1
_EXPONENT_LIMIT = 1000


def number_converter(*, csv: bool, sqlite: bool) -> Callable[[Any], Any]:
    """The function that converts one non-empty double, currency or percent value."""
    if csv:
        return _sqlite_number if sqlite else _numeric_text
    return _sqlite_json_number if sqlite else _numeric


def _numeric_text(value: str) -> str:
    if _NUMBER.fullmatch(value) is None:
        raise ValueError(f"not a number: {value!r}")
    return value


def _numeric(value: Any) -> Decimal | int:
    kind = type(value)
    if kind is Decimal and value.is_finite() and -_EXPONENT_LIMIT < value.adjusted() < _EXPONENT_LIMIT:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return value  # type: ignore[no-any-return]
    if kind is float and value - value == 0:  # finite
        return Decimal(repr(value))
    raise ValueError(f"not a number: {value!r}")


def _sqlite_number(value: str) -> int | float:
    number = float(value)  # ValueError for text that is no number
    if -_EXACT_DOUBLE < number < _EXACT_DOUBLE:
        return number
    return _large_sqlite_number(value, number)


def _sqlite_json_number(value: Any) -> int | float:
    kind = type(value)
    if kind is int and _INT64_MIN <= value <= _INT64_MAX:
        return value  # type: ignore[no-any-return]
    if kind in (Decimal, float, int):
        return _sqlite_number(str(value))
    raise ValueError(f"not a number: {value!r}")


def _large_sqlite_number(text: str, number: float) -> int | float:
    if number - number != 0:  # infinite, or not a number at all
        raise ValueError(f"not a finite number: {text!r}")
    try:
        exact = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if exact == exact.to_integral_value() and _INT64_MIN <= exact <= _INT64_MAX:
        return int(exact)
    return number

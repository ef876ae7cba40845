"""Numbers as Salesforce keeps them and sends them.

Salesforce keeps ``double``, ``currency`` and ``percent`` fields as decimals of the
field's precision and scale (an Oracle ``NUMBER``), and so does the simulated org
(:class:`~decimal.Decimal`): a value past the precision is refused
(``NUMBER_OUTSIDE_VALID_RANGE``), extra decimals are rounded half up. On the wire the two
APIs differ:

- REST JSON carries the value as a Java ``double`` written by ``Double.toString``: the
  shortest digits that identify the double, in E notation from 10^7 up and below 10^-3.
  So Account.AnnualRevenue (18, 0) at its largest, 999999999999999999, goes out as
  ``1.0E18`` and Opportunity.Amount (18, 2) at 9999999999999999.99 as ``1.0E16``.
- Bulk CSV carries the stored decimal in plain digits, a whole number with ``.0``
  (``"999999999999999999.0"``, ``"9999999999999999.99"``, ``"100.0"``).

:func:`edge_values` gives the values at the corners of a field's range, for tests and
``generate(..., edge_numbers=True)``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .schema import FieldDef, ObjectDef

# Field types whose values are decimals (int and long are whole numbers, kept as int).
DECIMAL_TYPES = frozenset({"double", "currency", "percent"})
# Java writes doubles in plain digits in [10^-3, 10^7) and in E notation outside it.
_PLAIN_LOW, _PLAIN_HIGH = 1e-3, 1e7
# Seventeen significant digits: more than a double holds exactly.
_LONG_DIGITS = "12345678901234567"


class NumberOutOfRange(ValueError):
    """A value with more integer digits than the field's precision leaves room for."""


def stored_decimal(fld: FieldDef, value: Any) -> Decimal:
    """A number given through the Python or REST API as the org keeps it.

    A float counts as the shortest decimal that identifies it (what its JSON text was).
    Raises ``TypeError`` for anything but a finite number and :class:`NumberOutOfRange`
    for a value the field's precision cannot hold.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(f"{fld.name} takes a number, not {value!r}")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise TypeError(f"{fld.name} takes a number, not {value!r}") from None
    if not number.is_finite():
        raise TypeError(f"{fld.name} takes a number, not {value!r}")
    if number.is_zero():
        number = number.copy_abs()  # Salesforce keeps no negative zero
    if fld.precision:
        if -number.as_tuple().exponent > fld.scale:  # type: ignore[operator]
            number = number.quantize(Decimal(1).scaleb(-fld.scale), rounding=ROUND_HALF_UP)
        if number.adjusted() >= fld.precision - fld.scale and number != 0:
            raise NumberOutOfRange(f"{fld.name}: value outside of valid range on numeric field: {number}")
    return number


def json_text(value: Decimal) -> str:
    """How REST writes a stored decimal: Java's ``Double.toString`` of the nearest double."""
    double = float(value)
    text = repr(double)
    if double == 0 or _PLAIN_LOW <= abs(double) < _PLAIN_HIGH:
        return text  # Python writes this range as Java does (``5000000.0``, ``0.001``)
    sign, digits, exponent = Decimal(text).normalize().as_tuple()
    figures = "".join(map(str, digits))
    power = exponent + len(digits) - 1  # type: ignore[operator]
    return f"{'-' if sign else ''}{figures[0]}.{figures[1:] or '0'}E{power}"


def csv_text(value: Decimal) -> str:
    """How Bulk CSV writes a stored decimal: plain digits, at least one after the point."""
    text = str(value)
    if "E" not in text:  # the common forms, without normalize() (a Bulk page has many)
        if "." not in text:
            return f"{text}.0"
        if text[-1] != "0" or text[-2] == ".":
            return text
    text = format(value.normalize(), "f")  # "12.50" -> "12.5", "1E-15" -> "0.000000000000001"
    return text if "." in text else f"{text}.0"


def edge_values(fld: FieldDef) -> tuple[Decimal | int, ...]:
    """Legal values at the corners of a number field's range: the largest and its negative,
    the smallest step, seventeen significant digits, values either side of the points where
    REST switches to E notation, zero. Whole numbers for ``int`` and ``long``."""
    if fld.type in ("int", "long"):
        largest = 10 ** (fld.digits or (18 if fld.type == "long" else 9)) - 1
        return (largest, -largest, 1, 0)
    if fld.type not in DECIMAL_TYPES:
        raise ValueError(f"{fld.name} ({fld.type}) is not a number field")
    precision, scale = fld.precision or 18, fld.scale
    step = Decimal(1).scaleb(-scale)
    largest = Decimal(10) ** (precision - scale) - step
    figures = _LONG_DIGITS[:min(len(_LONG_DIGITS), precision)]
    whole = min(precision - scale, len(figures))
    long = Decimal(f"{figures[:whole] or '0'}.{figures[whole:] or '0'}")
    candidates = [largest, -largest, step, long, -long, Decimal("0.001"), Decimal("0.0001"),
                  Decimal("12345678.9"), Decimal(0)]
    fits: list[Decimal | int] = []
    for candidate in candidates:
        try:
            kept = stored_decimal(fld, candidate)
        except NumberOutOfRange:
            continue
        if kept == candidate and kept not in fits:  # only values the field holds as they are
            fits.append(kept)
    return tuple(fits)


def edge_row(obj: ObjectDef, n: int) -> dict[str, Decimal | int]:
    """Corner values for the settable number fields of the ``n``-th generated record; each
    field starts at another corner, so one record mixes them and a few records cover all."""
    row: dict[str, Decimal | int] = {}
    settable = [fld for fld in obj.fields.values()
                if fld.type in _EDGE_TYPES and fld.createable and not fld.calculated and fld.formula is None]
    for offset, fld in enumerate(settable):
        corners = edge_values(fld)
        row[fld.name] = corners[(n + offset) % len(corners)]
    return row


_EDGE_TYPES = DECIMAL_TYPES | {"int", "long"}

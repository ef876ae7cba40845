"""Field values: what the org stores, and how they go over the wire (JSON and CSV).

The org stores native Python values (aware UTC ``datetime`` to the millisecond,
``date``, ``bool``, ``int``, ``Decimal`` for double, currency and percent (see
:mod:`numbers`), ``str``, ``bytes`` for base64) and leaves
nulls out of the record dict; blank text is null, as in Salesforce. Compound fields
(address, location) are never stored: they are assembled from their components when read.
Page-sized output is rendered column by column in :mod:`render`, to the same rules.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Mapping

from .clock import utc_millis
from .numbers import DECIMAL_TYPES, csv_text, stored_decimal
from .schema import NUMBER_TYPES, STRING_TYPES, FieldDef

_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$"
)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 date-time with a zone (``Z``, ``+00:00`` or ``+0000``) as aware UTC.

    Raises ``ValueError`` for anything else, including naive date-times: Salesforce
    rejects those too.
    """
    match = _DATETIME_RE.match(text.strip())
    if not match:
        raise ValueError(f"not a date-time with a time zone: {text!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micros = int((fraction or "0").ljust(6, "0")[:6])
    if zone == "Z":
        offset = "+0000"
    else:
        offset = zone.replace(":", "")
    moment = datetime.strptime(
        f"{year}-{month}-{day}T{hour}:{minute}:{second}.{micros:06d}{offset}", "%Y-%m-%dT%H:%M:%S.%f%z"
    )
    return utc_millis(moment)


def parse_date(text: str) -> date:
    """A ``YYYY-MM-DD`` date."""
    if not _DATE_RE.match(text.strip()):
        raise ValueError(f"not a date: {text!r}")
    return date.fromisoformat(text.strip())


def format_datetime(moment: datetime) -> str:
    """The REST form: ``2024-01-02T03:04:05.000+0000``."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")[:-6] + "+0000"


def format_datetime_csv(moment: datetime) -> str:
    """The Bulk API CSV form: ``2024-01-02T03:04:05.000Z``."""
    return format_datetime(moment)[:-5] + "Z"


def coerce(fld: FieldDef, value: Any) -> Any:
    """A value given through the Python or REST API, converted to what the org stores.

    Raises ``ValueError`` (or ``TypeError``) when the value does not fit the field type.
    """
    if value is None:
        return None
    kind = fld.type
    if kind == "datetime":
        if isinstance(value, datetime):
            return utc_millis(value)
        return parse_datetime(_require_str(fld, value))
    if kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        return parse_date(_require_str(fld, value))
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        raise TypeError(f"{fld.name} takes true or false, not {value!r}")
    if kind in ("int", "long"):
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or value != int(value):
            raise TypeError(f"{fld.name} takes a whole number, not {value!r}")
        return int(value)
    if kind in DECIMAL_TYPES:
        return stored_decimal(fld, value)
    if kind == "base64":
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        try:
            return base64.b64decode(_require_str(fld, value), validate=True)
        except binascii.Error as exc:
            raise ValueError(f"{fld.name} takes base64 text") from exc
    if kind in STRING_TYPES or kind == "time":
        text = _require_str(fld, value)
        if fld.length and len(text) > fld.length and kind not in ("id", "reference"):
            raise ValueError(f"{fld.name}: data value too large (max length={fld.length})")
        return text or None  # Salesforce stores blank text as null
    raise ValueError(f"{fld.name} ({kind}) cannot be set directly")


def coercer(fld: FieldDef) -> Callable[[Any], Any]:
    """:func:`coerce` for one field, with a fast path for values that already have the stored
    type (what bulk generation passes); anything else goes through :func:`coerce` itself."""
    kind, limit = fld.type, fld.length

    def slow(value: Any) -> Any:
        return coerce(fld, value)

    if kind in STRING_TYPES and kind not in ("id", "reference"):
        def text(value: Any) -> Any:
            if type(value) is str and value and (not limit or len(value) <= limit):
                return value
            return coerce(fld, value)
        return text
    if kind in DECIMAL_TYPES:
        return lambda value: stored_decimal(fld, value)
    if kind in ("int", "long"):
        return lambda value: value if type(value) is int else coerce(fld, value)
    if kind == "boolean":
        return lambda value: value if value is True or value is False else coerce(fld, value)
    return slow


def to_json(value: Any) -> Any:
    """A stored value as it appears in a REST JSON answer (a ``Decimal`` stays one: the
    answer's encoder writes it as Salesforce does, see :func:`wire.json_bytes`)."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def to_csv(value: Any) -> str:
    """A stored value as it appears in a Bulk API 2.0 CSV cell (null is empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime_csv(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return csv_text(value)
    return str(value)


def compound_components(fld: FieldDef) -> dict[str, str]:
    """JSON key -> component field name for an address or location field."""
    if fld.type == "address":
        prefix = fld.name[: -len("Address")]
        return {
            "city": f"{prefix}City", "country": f"{prefix}Country",
            "geocodeAccuracy": f"{prefix}GeocodeAccuracy", "latitude": f"{prefix}Latitude",
            "longitude": f"{prefix}Longitude", "postalCode": f"{prefix}PostalCode",
            "state": f"{prefix}State", "street": f"{prefix}Street",
        }
    if fld.type == "location":
        stem = fld.name[: -len("__c")] if fld.name.endswith("__c") else fld.name
        return {"latitude": f"{stem}__Latitude__s", "longitude": f"{stem}__Longitude__s"}
    raise ValueError(f"{fld.name} is not a compound field")


def compound_value(fld: FieldDef, record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The JSON value of a compound field: its parts, or null when every part is null."""
    parts = {key: record.get(name) for key, name in compound_components(fld).items()}
    return parts if any(value is not None for value in parts.values()) else None


def _require_str(fld: FieldDef, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{fld.name} takes text, not {value!r}")
    return value


def convert(fld: FieldDef, value: Any) -> Any:
    """A stored value carried over to a field whose type or length changed, or None when it
    cannot be (Salesforce warns that such a change loses data; the simulator drops it).

    Text that reads as the new type is parsed (``"42"`` for a number, ``"true"`` for a
    checkbox, ISO dates); a value becoming text takes its CSV form; text too long for a
    shorter field is cut to the new length.
    """
    if value is None or fld.is_compound or fld.formula is not None:
        return None
    kind = fld.type
    if kind in STRING_TYPES or kind == "time":
        text = value if isinstance(value, str) else to_csv(value)
        return (text[: fld.length] if fld.length and kind not in ("id", "reference") else text) or None
    try:
        return coerce(fld, value)
    except (TypeError, ValueError):
        pass
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if kind in NUMBER_TYPES:
            number = Decimal(text)
            whole = number == number.to_integral_value()
            return coerce(fld, int(number) if kind in ("int", "long") and whole else number)
        if kind == "boolean":
            return {"true": True, "false": False, "1": True, "0": False}.get(text.lower())
        return coerce(fld, text)
    except (TypeError, ValueError, ArithmeticError):  # ArithmeticError: text Decimal cannot read
        return None

"""Query rows on the wire: REST JSON records and Bulk API 2.0 CSV pages.

A page is rendered column by column: for each selected field one tight loop over the
rows, specialised by field type, then the columns are zipped into records or CSV lines.
That keeps a 200,000-row load cheap while giving exactly what :func:`values.to_json`
and :func:`values.to_csv` give value by value (formulas and compound fields go through
them; the tests compare both ways).
"""

from __future__ import annotations

import csv
import io
from typing import Any, Callable, Sequence

from .query_engine import Accessor, BoundQuery, Record
from .numbers import DECIMAL_TYPES, csv_text
from .schema import STRING_TYPES, FieldDef
from .values import to_csv, to_json

Column = Callable[[Sequence[Record]], list[Any]]


def json_records(query: BoundQuery, rows: Sequence[Record], version: str) -> list[dict[str, Any]]:
    """The ``records`` of a REST query page: ``attributes`` then every selected field, nulls included."""
    base = f"/services/data/v{version}/sobjects/{query.obj.name}/"
    kind = query.obj.name
    attributes = [{"type": kind, "url": base + row["Id"]} for row in rows]
    columns = [attributes] + [_json_column(fld, read, base)(rows) for fld, read in zip(query.fields, query.accessors)]
    keys = ["attributes"] + [fld.name for fld in query.fields]
    return [dict(zip(keys, values)) for values in zip(*columns)]


def csv_page(query: BoundQuery, rows: Sequence[Record], delimiter: str, line_ending: str) -> str:
    """A Bulk API 2.0 results page: a header row, then every value quoted (null is empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_ending, quoting=csv.QUOTE_ALL)
    writer.writerow([fld.name for fld in query.fields])
    if rows:
        writer.writerows(zip(*(_csv_column(fld, read)(rows) for fld, read in zip(query.fields, query.accessors))))
    return buffer.getvalue()


def _json_column(fld: FieldDef, read: Accessor, base: str) -> Column:
    name, kind = fld.name, fld.type
    if fld.formula is not None or fld.is_compound:
        return lambda rows: [to_json(read(row)) for row in rows]
    if kind == "datetime":
        return lambda rows: [None if (value := row.get(name)) is None
                             else value.isoformat(timespec="milliseconds")[:-6] + "+0000" for row in rows]
    if kind == "date":
        return lambda rows: [None if (value := row.get(name)) is None else value.isoformat() for row in rows]
    if kind == "base64":  # REST never inlines blobs: it links to them
        return lambda rows: [None if row.get(name) is None else f"{base}{row['Id']}/{name}" for row in rows]
    # Text, numbers and checkboxes are stored as their JSON values already (a Decimal is
    # written as Salesforce writes it by the answer's encoder).
    return lambda rows: [row.get(name) for row in rows]


def _csv_column(fld: FieldDef, read: Accessor) -> Column:
    name, kind = fld.name, fld.type
    if fld.formula is not None or fld.is_compound or kind == "base64":
        return lambda rows: [to_csv(read(row)) for row in rows]
    if kind in STRING_TYPES or kind == "time":
        return lambda rows: [row.get(name, "") for row in rows]
    if kind == "boolean":
        return lambda rows: ["" if (value := row.get(name)) is None else "true" if value else "false"
                             for row in rows]
    if kind == "datetime":
        return lambda rows: ["" if (value := row.get(name)) is None
                             else value.isoformat(timespec="milliseconds")[:-6] + "Z" for row in rows]
    if kind == "date":
        return lambda rows: ["" if (value := row.get(name)) is None else value.isoformat() for row in rows]
    if kind in ("int", "long"):
        return lambda rows: ["" if (value := row.get(name)) is None else str(value) for row in rows]
    if kind in DECIMAL_TYPES:  # stored as Decimal: plain digits, as to_csv writes them
        return lambda rows: ["" if (value := row.get(name)) is None else csv_text(value) for row in rows]
    return lambda rows: [to_csv(row.get(name)) for row in rows]

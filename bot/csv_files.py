"""CSV files that people download from Slack and open in a spreadsheet.

One writer for every export, so that they all quote, date and defuse cells alike.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import IO

# A cell starting with one of these is run as a formula by spreadsheet programs; a
# Salesforce name such as "=HYPERLINK(...)" must open as text, not as a link.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Text gathered before it is written out as UTF-8: a few rows at a time, never a whole file.
_FLUSH_CHARS = 64 * 1024

Cell = str | int | float | bool | datetime | None


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """A UTF-8 CSV file (RFC 4180 quoting, CRLF line ends) with a header row."""
    out = io.BytesIO()
    write_csv(out, header, rows)
    return out.getvalue()


def write_csv(out: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> int:
    """Write the CSV file of :func:`csv_bytes` to ``out`` as ``rows`` come (an iterator is
    read once, row by row, so memory does not grow with the file); returns the rows written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        count += 1
        if buffer.tell() >= _FLUSH_CHARS:
            out.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
    out.write(buffer.getvalue().encode("utf-8"))
    return count


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(value)
    # The leading apostrophe is what spreadsheets themselves use to mark text.
    return "'" + text if text.startswith(_FORMULA_STARTS) else text

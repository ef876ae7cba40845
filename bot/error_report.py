"""``/sync errors csv``: every recorded sync error as one CSV file, streamed."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from bot.csv_files import write_csv
from bot.runtime import Services
from storage import reports

ERRORS_CSV_FILENAME = "sync-errors.csv"
ERRORS_CSV_HEADER = ("occurred_at", "kind", "object", "record_id", "field", "message", "run_id")
# The export stays in memory up to this size and goes to a temporary file beyond it.
SPOOL_BYTES = 1024 * 1024


@contextmanager
def errors_csv(services: Services, team_id: str) -> Iterator[IO[bytes]]:
    """The full error list of a workspace, newest first (a header alone when there is none),
    as a file positioned at its start. Rows stream from the database into it in batches,
    so memory does not grow with the list; the file is gone when the block ends."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as out:
        with services.db.session(write=False) as session:
            write_csv(out, ERRORS_CSV_HEADER, reports.error_rows(session, team_id))
        out.seek(0)
        yield out

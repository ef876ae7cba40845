"""``/sync errors csv``: every recorded sync error as one CSV file."""

from __future__ import annotations

from bot.csv_files import csv_bytes
from bot.runtime import Services
from storage import reports

ERRORS_CSV_FILENAME = "sync-errors.csv"
ERRORS_CSV_HEADER = ("occurred_at", "kind", "object", "record_id", "field", "message", "run_id")


def errors_csv(services: Services, team_id: str) -> bytes:
    """The full error list of a workspace, newest first (a header alone when there is none)."""
    with services.db.session() as session:
        rows = [
            (error.occurred_at, error.kind, error.object_name, error.record_id, error.field_name,
             error.message, error.run_id)
            for error in reports.all_errors(session, team_id)
        ]
    return csv_bytes(ERRORS_CSV_HEADER, rows)

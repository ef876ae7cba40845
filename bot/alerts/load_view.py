"""The first load as its live message shows it: run records -> plain facts.

The facts are what an outbox row keeps (``handlers.alerts`` puts them into words), so
the message's first post and every later edit are written the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.alerts.kinds import iso
from bot.status import object_progress
from storage.alert_progress import LoadRecords

# An object's state in the message: a run record's status, or one of these two.
WAITING, PREPARING = "waiting", "preparing"


def load_facts(records: LoadRecords, now: datetime) -> dict[str, Any]:
    """What the progress message shows: the load's state and, per object in the order they are
    read, rows done of about how many, the rate and the time left."""
    run = records.run
    # Objects read by this run but gone from the catalog since still show what they did.
    names = records.objects + sorted(set(records.items) - set(records.objects))
    return {
        "state": run.status,
        "error": run.error if run.status in ("failed", "interrupted") else None,
        "began": iso(records.began),
        "finished": iso(run.finished_at) if records.over else None,
        "objects": [_object(records, name, now) for name in names],
    }


def _object(records: LoadRecords, name: str, now: datetime) -> dict[str, Any]:
    # Rows an earlier run of the load read count too: the load goes on where it stopped.
    earlier = records.earlier_rows.get(name, 0)
    item = records.items.get(name)
    if item is None:
        # Salesforce prepares a Bulk job before the run has any record of the object.
        preparing = records.run.status == "running" and name in records.bulk_jobs
        return {"name": name, "method": "bulk" if preparing else None, "state": PREPARING if preparing else WAITING,
                "done": earlier, "expected": None, "rate": None, "left": None}
    progress = object_progress(item, now=now)
    return {
        "name": name,
        "method": item.method,
        "state": item.status,
        "done": earlier + item.rows_read,
        "expected": earlier + item.rows_expected if item.rows_expected is not None else None,
        "rate": round(progress.rate) if progress.rate else None,
        "left": round(progress.seconds_left) if progress.seconds_left is not None else None,
    }

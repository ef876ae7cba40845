"""Salesforce's archival of old activities (Task, Event), run when a test or the demo says.

Salesforce archives, in a background process, events whose ``ActivityDateTime`` (or
``ActivityDate``) is a year old or more, and closed tasks whose ``ActivityDate`` (or,
without one, their creation) is a year old or more. An archived activity is still a
live record: ``queryAll`` returns it, ``query`` leaves it out (REST, Composite and Bulk
alike, see ``query_engine.execute``), and nobody can set ``IsArchived`` through the API.
The archival is a change made by an automated process: ``SystemModstamp`` moves (an
incremental read sees it), ``LastModifiedDate`` and ``LastModifiedById`` stay.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any, Mapping

from . import catalog
from .clock import utc_millis
from .org import SimulatedOrg

ARCHIVE_AFTER = timedelta(days=365)
ACTIVITY_OBJECTS = ("Task", "Event")


def archive_activities(org: SimulatedOrg, *, after: timedelta = ARCHIVE_AFTER) -> list[str]:
    """Archive the activities due for it, as Salesforce's archival run does; returns their ids."""
    now = org.clock.now()
    archived: list[str] = []
    for object_name in ACTIVITY_OBJECTS:
        for record in org.snapshot(object_name, include_deleted=False):
            if not record.get("IsArchived") and _due(object_name, record, now - after):
                org.update(object_name, record["Id"], {"IsArchived": True, "SystemModstamp": org.stamps.next()},
                           touch=False)
                archived.append(record["Id"])
    return archived


def task_row(rng: random.Random, now: datetime, who: str | None) -> dict[str, Any]:
    """A plausible task (for ``generate``): due dates over the two years around now, so
    that closed ones past a year are due for archival."""
    return {"Subject": rng.choice(catalog.ACTIVITY_SUBJECTS),
            "ActivityDate": now.date() + timedelta(days=rng.randint(-730, 60)),
            "Status": rng.choice(catalog.TASK_STATUSES), "Priority": rng.choice(catalog.TASK_PRIORITIES),
            "WhoId": who}


def event_row(rng: random.Random, now: datetime, who: str | None) -> dict[str, Any]:
    """A plausible event (for ``generate``), starting within the two years around now."""
    return {"Subject": rng.choice(catalog.ACTIVITY_SUBJECTS),
            "StartDateTime": utc_millis(now + timedelta(hours=rng.randint(-730 * 24, 60 * 24))),
            "DurationInMinutes": rng.choice((15, 30, 60)), "WhoId": who}


def _due(object_name: str, record: Mapping[str, Any], cutoff: datetime) -> bool:
    if object_name == "Event":
        moment = record.get("ActivityDateTime")
        return moment <= cutoff if moment is not None else _on_or_before(record.get("ActivityDate"), cutoff)
    if not record.get("IsClosed"):
        return False
    if record.get("ActivityDate") is not None:
        return _on_or_before(record["ActivityDate"], cutoff)
    created = record.get("CreatedDate")
    return created is not None and created <= cutoff


def _on_or_before(day: date | None, cutoff: datetime) -> bool:
    return day is not None and day <= cutoff.date()

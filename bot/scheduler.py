"""The scheduler: ticks every ``SYNCBOT_SYNC_INTERVAL`` seconds for each started workspace.

Job functions live at module top level and take ids, not live clients (APScheduler's
advice), so that a job never holds on to a stale connection.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from apscheduler.schedulers.background import BackgroundScheduler

from bot.runtime import Services
from storage import workspaces

log = logging.getLogger(__name__)


def tick(services: Services) -> list[str]:
    """Find the workspaces due for a sync cycle; returns their team ids.

    The sync engine plugs in here; until it does, the tick only reports.
    """
    with services.db.session() as session:
        due = workspaces.started_team_ids(session, include_paused=False)
    if due:
        log.info("sync cycle due for %d workspace(s); the sync engine is not part of this build", len(due))
    return due


@contextmanager
def scheduler_running(services: Services, *, enabled: bool = True) -> Iterator[None]:
    """Run the scheduler (unless not ``enabled``) for the duration of the block."""
    if not enabled:
        yield
        return
    scheduler = build_scheduler(services)
    scheduler.start()
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)


def build_scheduler(services: Services) -> BackgroundScheduler:
    """A background scheduler with the sync tick; the caller starts and stops it."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        tick,
        "interval",
        seconds=services.settings.sync_interval,
        args=[services],
        id="sync-tick",
        # A cycle that overruns must not pile up copies of itself.
        max_instances=1,
        coalesce=True,
        misfire_grace_time=services.settings.sync_interval,
    )
    return scheduler

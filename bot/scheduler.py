"""The scheduler: every few seconds, ask the database which workspaces are due, and run
each one's cycle in a job of its own, so that one slow org does not delay another.

Which workspace is due comes from the database (its last run's start, a `/sync now`
request), not from a clock in this process: any number of replicas can run the
scheduler, and the workspace's lock decides who runs a cycle. Job functions live at
module top level and take ids, as APScheduler advises.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from bot.alerts.jobs import schedule_alert_jobs
from bot.retention import PRUNE_EVERY, prune_job
from bot.runtime import Services
from bot.sync.cycle import run_cycle
from storage import schedule
from storage.types import utcnow

log = logging.getLogger(__name__)

# How often the database is asked who is due: the delay of `/sync start` and `/sync now`.
DISPATCH_SECONDS = 2.0
# Cycles running at once in this process (one per workspace at most).
MAX_PARALLEL_CYCLES = 8
# The history is first pruned this long after start, out of the way of a starting process.
FIRST_PRUNE_AFTER = timedelta(minutes=1)


class SyncScheduler:
    """APScheduler driving the sync cycles of every workspace of this database."""

    def __init__(self, services: Services, *, dispatch_seconds: float = DISPATCH_SECONDS) -> None:
        self.services = services
        self.stop = threading.Event()
        self._running: set[str] = set()
        self._lock = threading.Condition()
        self.scheduler = BackgroundScheduler(
            timezone="UTC", executors={"default": ThreadPoolExecutor(MAX_PARALLEL_CYCLES + 1)}
        )
        self.scheduler.add_job(
            dispatch, "interval", seconds=dispatch_seconds, args=[self], id="sync-dispatch",
            # A slow database must not pile up copies of the dispatcher.
            max_instances=1, coalesce=True, next_run_time=utcnow(),
        )
        # Every process that runs cycles also delivers alerts (serve, socket and worker).
        schedule_alert_jobs(self.scheduler, services)
        # ... and prunes history past SYNCBOT_KEEP_DAYS (replicas doing it at once delete nothing twice).
        self.scheduler.add_job(
            prune_job, "interval", seconds=PRUNE_EVERY.total_seconds(), args=[services], id="prune-history",
            max_instances=1, coalesce=True, next_run_time=utcnow() + FIRST_PRUNE_AFTER,
        )

    def start(self) -> None:
        """Start dispatching in the background."""
        self.scheduler.start()

    def shutdown(self, *, timeout: float = 60) -> None:
        """Let running cycles commit their current batch and release their locks, then stop.

        Only cycles are waited for: an alert stuck on a slow Slack stays in the outbox
        and is sent by the next process, so it must not hold up a shutdown.
        """
        self.stop.set()
        with self._lock:
            self._lock.wait_for(lambda: not self._running, timeout=timeout)
        self.scheduler.shutdown(wait=False)

    def launch(self, team_id: str) -> bool:
        """Run a workspace's cycle in a job of its own unless this process already runs it."""
        with self._lock:
            if team_id in self._running or self.stop.is_set():
                return False
            self._running.add(team_id)
        self.scheduler.add_job(cycle_job, args=[self, team_id], id=f"cycle:{team_id}",
                               misfire_grace_time=None, replace_existing=True)
        return True

    def finished(self, team_id: str) -> None:
        """Forget a workspace's cycle once it ended."""
        with self._lock:
            self._running.discard(team_id)
            self._lock.notify_all()


def dispatch(owner: SyncScheduler) -> list[str]:
    """Start a cycle for every due workspace; returns the team ids launched."""
    settings = owner.services.settings
    with owner.services.db.session(write=False) as session:
        due = schedule.due_team_ids(session, now=utcnow(), interval=settings.sync_interval)
    return [team_id for team_id in due if owner.launch(team_id)]


def cycle_job(owner: SyncScheduler, team_id: str) -> None:
    """One workspace's cycle (returns at once when another replica runs it)."""
    try:
        run_cycle(owner.services, team_id, stop=owner.stop)
    except Exception:
        # The cycle records its own failures; this is the database being unreachable.
        log.exception("sync cycle of team %s could not run", team_id)
    finally:
        owner.finished(team_id)


@contextmanager
def scheduler_running(services: Services, *, enabled: bool = True) -> Iterator[SyncScheduler | None]:
    """Run the scheduler (unless not ``enabled``) for the duration of the block."""
    if not enabled:
        yield None
        return
    owner = SyncScheduler(services)
    owner.start()
    try:
        yield owner
    finally:
        owner.shutdown()

"""The scheduler jobs of alerts: the sender and the first load's progress every few seconds,
the checks every minute."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from apscheduler.schedulers.base import BaseScheduler

from bot.alerts.checks import check_lag, send_digests
from bot.alerts.progress import PROGRESS_EVERY, update_progress
from bot.alerts.sender import send_pending
from bot.runtime import Services

log = logging.getLogger(__name__)

SEND_EVERY = 5
CHECK_EVERY = 60


def run_checks(services: Services, *, now: datetime | None = None) -> int:
    """The lag check and the daily digest; returns how many alerts they wrote. Never raises."""
    try:
        return check_lag(services, now=now) + send_digests(services, now=now)
    except Exception:
        log.exception("the alert checks failed; they run again in a minute")
        return 0


def schedule_alert_jobs(scheduler: BaseScheduler, services: Services) -> None:
    """Add the alert jobs to ``scheduler``; all run at once on start (a restart delivers what
    waited, and picks the progress message of a load under way up where it was)."""
    first = datetime.now(timezone.utc)
    for job_id, function, seconds in (("alert-sender", send_pending, SEND_EVERY),
                                      ("alert-progress", update_progress, PROGRESS_EVERY),
                                      ("alert-checks", run_checks, CHECK_EVERY)):
        scheduler.add_job(
            function,
            "interval",
            seconds=seconds,
            args=[services],
            id=job_id,
            next_run_time=first,
            # A slow round (Slack rate-limiting) must not pile up copies of itself.
            max_instances=1,
            coalesce=True,
            misfire_grace_time=seconds,
        )

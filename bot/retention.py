"""How long the sync's history is kept: ``SYNCBOT_KEEP_DAYS`` days of sync errors, sent
alerts and sync runs; older ones are pruned every hour by each process that runs the
scheduler, in small batches (each its own short transaction), so that neither the
tables nor what members may read from them (``/sync errors csv``) grow without end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.runtime import Services
from storage import retention
from storage.types import utcnow

log = logging.getLogger(__name__)

PRUNE_EVERY = timedelta(hours=1)
# Rows deleted per transaction: short enough that a sync batch never waits long behind one.
BATCH = 500


@dataclass(frozen=True)
class Pruned:
    """How many rows a pruning deleted, per kind."""

    errors: int = 0
    alerts: int = 0
    runs: int = 0


def prune_history(services: Services, *, now: datetime | None = None) -> Pruned:
    """Delete what is older than ``SYNCBOT_KEEP_DAYS`` days (see ``storage.retention`` for what
    is kept whatever its age); returns the counts."""
    before = (now or utcnow()) - timedelta(days=services.settings.keep_days)
    # Errors go before runs: an error of a pruned run would otherwise lose its run id first.
    pruned = Pruned(errors=_in_batches(services, retention.prune_errors, before),
                    alerts=_in_batches(services, retention.prune_sent_alerts, before),
                    runs=_in_batches(services, retention.prune_runs, before))
    if pruned != Pruned():
        log.info("pruned history older than %s: %s", before.isoformat(), pruned)
    return pruned


def prune_job(services: Services) -> None:
    """The scheduler's hourly job; a failure is logged and tried again in an hour."""
    try:
        prune_history(services)
    except Exception:
        log.exception("pruning the sync history failed; it is tried again in an hour")


def _in_batches(services: Services, prune: Callable[[Session, datetime, int], int], before: datetime) -> int:
    total = 0
    while True:
        with services.db.session() as session:
            deleted = prune(session, before, BATCH)
        total += deleted
        if deleted < BATCH:
            return total

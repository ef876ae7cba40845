"""The guard on reads of Salesforce that anyone may ask for: ``/sync verify``, and
``/sync fields`` before ``sync-fields``.

Each such read costs a login and a few API calls of the org's daily allowance, which
every integration of the org shares. So, per workspace and kind of read, on every replica:

- a member's read asks Salesforce at most once every :data:`FRESH_EVERY`; in between
  members are shown the last result, with its age (a failed read counts too, so that
  members cannot hammer a login that Salesforce refuses);
- a member's read asks nothing while the org's API usage, as last seen within a day (by a
  sync cycle or a read), is at or past ``SYNCBOT_API_QUOTA``;
- admins' reads always ask afresh; everyone's stop like a sync cycle, after the first
  answer that shows usage at or past the quota.

Each fresh read logs in once with the stored credentials (sessions are not kept between
reads), so the interval bounds the logins too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.errors import QuotaReached, SyncbotError
from bot.messages import MSG
from bot.runtime import Services
from bot.salesforce.gateway import SalesforceConnection
from bot.salesforce.usage import past_quota
from bot.setup.credentials import connect
from storage import salesforce_reads
from storage.models import SalesforceRead
from storage.types import utcnow

# How often members make Salesforce answer, per workspace and kind of read.
FRESH_EVERY = timedelta(minutes=10)
# Usage seen longer ago than this says nothing of today's (Salesforce counts a rolling 24 hours).
USAGE_KEPT_FOR = timedelta(hours=24)


class ReadKind(StrEnum):
    """The reads the guard keeps apart."""

    VERIFY = "verify"
    DESCRIBE = "describe"


class Held(StrEnum):
    """Why Salesforce was not asked this time."""

    RECENT = "recent"  # a read started less than FRESH_EVERY ago
    RUNNING = "running"  # a read is under way
    QUOTA = "quota"  # the org's usage is at or past SYNCBOT_API_QUOTA


@dataclass(frozen=True)
class Usage:
    """The org's daily API usage as last seen."""

    used: int
    maximum: int
    seen_at: datetime

    @property
    def percent(self) -> int:
        """Whole percent used (rounded down: 79.9% is not yet 80%)."""
        return self.used * 100 // self.maximum if self.maximum else 0


@dataclass(frozen=True)
class LastRead:
    """The workspace's last read of this kind."""

    started_at: datetime | None
    finished_at: datetime | None
    checked_at: datetime | None
    result: dict[str, Any] | None
    error: str | None


@dataclass(frozen=True)
class Permit:
    """Whether this caller asks Salesforce now (``held`` None) or why not, with the last read."""

    held: Held | None
    last: LastRead | None
    usage: Usage | None

    @property
    def granted(self) -> bool:
        """True when this caller asks Salesforce now."""
        return self.held is None

    @property
    def next_at(self) -> datetime | None:
        """When a member may next make Salesforce answer."""
        started = self.last.started_at if self.last else None
        return started + FRESH_EVERY if started else None


def ask(services: Services, team_id: str, kind: ReadKind, *, privileged: bool,
        now: datetime | None = None) -> Permit:
    """May this caller (``privileged``: an admin) ask Salesforce now? A granted read is claimed:
    it must be followed by :func:`fresh_read`."""
    now = now or utcnow()
    with services.db.session() as session:
        seen = salesforce_reads.last_usage(session, team_id, since=now - USAGE_KEPT_FOR)
        usage = Usage(*seen) if seen else None
        last = _last(salesforce_reads.get(session, team_id, kind))
        if not privileged and usage and past_quota(usage.used, usage.maximum, services.settings.api_quota):
            return Permit(held=Held.QUOTA, last=last, usage=usage)
        if salesforce_reads.claim(session, team_id, kind, now=now, every=None if privileged else FRESH_EVERY):
            return Permit(held=None, last=last, usage=usage)
        last = _last(salesforce_reads.get(session, team_id, kind))
    running = last is not None and last.started_at is not None and (
        last.finished_at is None or last.finished_at < last.started_at)
    return Permit(held=Held.RUNNING if running else Held.RECENT, last=last, usage=usage)


class FreshRead:
    """A granted read under way: its connection, the check to run between its requests, and
    what it found (set ``result`` before the block ends; it is stored for the next callers)."""

    def __init__(self, services: Services, connection: SalesforceConnection) -> None:
        self.connection = connection
        self.result: dict[str, Any] | None = None
        self._quota = services.settings.api_quota

    def between(self) -> None:
        """Between two requests: stop once an answer showed usage at or past the quota."""
        seen = self.connection.usage.snapshot()
        if past_quota(seen.used, seen.max, self._quota):
            raise QuotaReached(MSG.sync_quota_reached.format(quota=self._quota, used=seen.used, max=seen.max))


@contextmanager
def fresh_read(services: Services, team_id: str, kind: ReadKind) -> Iterator[FreshRead]:
    """Log in for a granted read and record how it ends (its result, or syncbot's words for
    its failure, and the usage its answers carried) for the callers that come after it."""
    read: FreshRead | None = None
    try:
        read = FreshRead(services, connect(services, team_id))
        yield read
    except Exception as exc:
        # Anything but syncbot's own errors is a bug: the next callers hear only that it failed.
        _finish(services, team_id, kind, read, error=str(exc) if isinstance(exc, SyncbotError) else MSG.internal_error)
        raise
    _finish(services, team_id, kind, read, error=None)


def _finish(services: Services, team_id: str, kind: ReadKind, read: FreshRead | None, *, error: str | None) -> None:
    seen = read.connection.usage.snapshot() if read is not None else None
    usage = (seen.used, seen.max) if seen is not None and seen.used is not None and seen.max else None
    with services.db.session() as session:
        salesforce_reads.finish(session, team_id, kind, now=utcnow(), result=read.result if read else None,
                                error=error, usage=usage)


def _last(row: SalesforceRead | None) -> LastRead | None:
    if row is None:
        return None
    return LastRead(started_at=row.started_at, finished_at=row.finished_at, checked_at=row.checked_at,
                    result=row.result, error=row.error)

"""One sync cycle of one workspace, from top to bottom.

1. Take the workspace's lock (another replica holding it runs this cycle; we leave).
2. Close runs left ``running`` by a process that died; check the cycle is still due.
3. Log in with the stored credentials; stop early when the org's API quota is spent.
4. Ask for the first page of every object's changes: five objects per Composite
   request, so an idle cycle of eight objects costs two API calls.
5. Per object, under its own lock: resume its Bulk job, or page through REST, or start
   a Bulk job for a large read (``bot.sync.object_sync``).
   A mirror table the database cannot write now (locked by another session past its
   ``lock_timeout``) fails its object alone; a database that fails as a whole (a lost
   connection, a full disk) ends the cycle. Either way no cursor moved past a row.
6. Close the run: succeeded, failed (with the kind and the words for a person), or
   interrupted when the process is stopping or lost its lock connection (another
   replica may run the workspace now).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from bot.alerts import rules as alert_rules
from bot.errors import (DatabaseFailed, FieldRefused, Interrupted, LockLost, LoginFailed, QuotaReached,
                        RequestLimitReached, SalesforceError, SalesforceUnavailable, StorageError, SyncbotError)
from bot.messages import MSG
from bot.runtime import Services
from bot.salesforce.reading import QueryPage, RecordReader
from bot.salesforce.usage import ApiUsage, past_quota
from bot.setup.credentials import connect
from bot.sync import plan as plans
from bot.sync.drift_checks import DriftChecks
from bot.sync.failures import FailureKind, failure_words, kind_of
from bot.sync.object_sync import ObjectContext, ObjectSync
from bot.sync.plan import ObjectPlan, read_from
from storage import catalog, cursors, runs, schedule
from storage.locks import AdvisoryLocks, object_lock, workspace_lock
from storage.models import ObjectCursor, SyncError
from storage.types import utcnow

log = logging.getLogger(__name__)

HOLDER = f"{socket.gethostname()}:{os.getpid()}"
# Errors that concern the whole org: the cycle stops. Others fail one object only.
_CYCLE_ENDING = (LoginFailed, RequestLimitReached, SalesforceUnavailable)


@dataclass(frozen=True)
class CycleOutcome:
    """How a cycle ended."""

    run_id: int
    status: str
    error: str | None = None


def run_cycle(services: Services, team_id: str, *, stop: threading.Event | None = None,
              now: datetime | None = None, force: bool = False, full: bool = False) -> CycleOutcome | None:
    """Run one cycle if it is due (or ``force``); None when it was not due or another
    process runs it. ``full`` also runs every drift check now (``/sync verify fix``)."""
    stop = stop or threading.Event()
    with AdvisoryLocks(services.db) as locks:
        if not locks.try_lock(workspace_lock(team_id)):
            return None
        with services.db.session() as session:
            runs.close_abandoned(session, team_id)
            trigger = schedule.claim_cycle(session, team_id, now=now or utcnow(),
                                           interval=services.settings.sync_interval, force=force)
            if trigger is None:
                return None
            run_id = runs.start(session, team_id, trigger=trigger, holder=HOLDER).id
        log.info("sync cycle %d of team %s starts (%s)", run_id, team_id, trigger)
        return _Cycle(services, team_id, run_id, locks, stop, full=full).run()


class _Cycle:
    def __init__(self, services: Services, team_id: str, run_id: int, locks: AdvisoryLocks,
                 stop: threading.Event, *, full: bool = False) -> None:
        self.services, self.team_id, self.run_id, self.locks, self.stop = services, team_id, run_id, locks, stop
        self.full = full
        self.checks: DriftChecks | None = None
        self.failed_objects: list[str] = []
        # Objects that failed on an error of syncbot's own (a bug), not a refusal of Salesforce's.
        self.broken_objects: list[str] = []
        # Objects whose table the database could not write (the first one's words tell the run).
        self.table_failures: list[DatabaseFailed] = []
        self.usage: ApiUsage | None = None

    def run(self) -> CycleOutcome:
        status, error, kind = "succeeded", None, None
        try:
            self._sync_all()
            if self.table_failures:
                first = self.table_failures[0]
                status, error, kind = "failed", failure_words(first), kind_of(first)
            elif self.broken_objects:
                status, kind = "failed", FailureKind.INTERNAL
                error = MSG.sync_objects_internal.format(objects=", ".join(self.broken_objects))
            elif self.failed_objects:
                status = "failed"
                error = MSG.sync_objects_failed.format(objects=", ".join(self.failed_objects))
                kind = FailureKind.REFUSED
        except Interrupted as exc:
            status, error = "interrupted", str(exc)
            if isinstance(exc, LockLost):
                log.warning("sync cycle %d of team %s lost its lock connection; stopped", self.run_id, self.team_id)
        except SyncbotError as exc:
            status, error, kind = "failed", failure_words(exc), kind_of(exc)
            log.warning("sync cycle %d of team %s failed: %s", self.run_id, self.team_id, kind)
            self._job_error(None, str(exc))
        except Exception:
            log.exception("sync cycle %d of team %s failed", self.run_id, self.team_id)
            status, error, kind = "failed", MSG.sync_internal_error, FailureKind.INTERNAL
        seen = self.usage.snapshot() if self.usage is not None else None
        with self.services.db.session() as session:
            run = runs.finish(session, self.run_id, status=status, error=error, failure_kind=kind,
                              api_calls=seen.calls if seen else 0, api_used=seen.used if seen else None,
                              api_max=seen.max if seen else None)
            # Kept on the run so the alert can say how long the copy had been left alone.
            run.pause_days = self.checks.pause_days if self.checks is not None else None
            # The alert rides in the transaction that closes the run: both are committed, or neither.
            alert_rules.after_run(session, run)
        log.info("sync cycle %d of team %s: %s", self.run_id, self.team_id, status)
        return CycleOutcome(run_id=self.run_id, status=status, error=error)

    def _sync_all(self) -> None:
        connection = connect(self.services, self.team_id, for_sync=True)
        self.usage = connection.usage
        reader = RecordReader(connection)
        ctx = ObjectContext(services=self.services, team_id=self.team_id, run_id=self.run_id, reader=reader,
                            usage=connection.usage, stop=self.stop, quota_percent=self.services.settings.api_quota,
                            locks=self.locks)
        with self.services.db.session(write=False) as session:
            synced = catalog.synced_objects(session, self.team_id, self.services.settings.objects)
            known = cursors.all_of(session, self.team_id)
            last = runs.last_finished(session, self.team_id)
        self._check_quota(reader, ctx, last.api_used if last else None, last.api_max if last else None)
        # Fields added or removed in Salesforce since the last describe (hourly, 304 when unchanged).
        self.checks = DriftChecks(ctx, connection, self.locks, full=self.full)
        self.checks.describe_due(obj.object_name for obj in synced)
        with self.services.db.session(write=False) as session:
            object_plans = [plans.build(obj.object_name, catalog.fields(session, self.team_id, obj.object_name),
                                        table=obj.table_name) for obj in synced]
        lookback = self.services.settings.lookback
        # Objects with a Bulk job under way resume it; the others start with one page each.
        fresh = {plan.object_name: plan.rest_soql(read_from(_stamp(known, plan), lookback))
                 for plan in object_plans if not _bulk_pending(known, plan)}
        first_pages = reader.first_pages(fresh, between=ctx.check) if fresh else {}
        for plan in object_plans:
            ctx.check()
            self._sync_object(ctx, plan, known.get(plan.object_name), first_pages.get(plan.object_name))
        # Deletions for good, rows missed, formula values: what the cursor cannot see.
        self.checks.after_reads(plan.object_name for plan in object_plans
                                if plan.object_name not in self.failed_objects)

    def _check_quota(self, reader: RecordReader, ctx: ObjectContext, used: int | None, maximum: int | None) -> None:
        # Usage is only known from answers; when the last cycle ended past the quota,
        # one look at the limits resource says whether the rolling 24 hours freed room.
        if past_quota(used, maximum, ctx.quota_percent):
            reader.api_limits()
        ctx.check()

    def _sync_object(self, ctx: ObjectContext, plan: ObjectPlan, cursor: ObjectCursor | None,
                     first: QueryPage | SalesforceError | None) -> None:
        name = plan.object_name
        lock = object_lock(self.team_id, name)
        if not self.locks.try_lock(lock):
            log.info("%s of team %s is being read by another process; skipped this cycle", name, self.team_id)
            return
        sync = ObjectSync(ctx, plan)
        try:
            try:
                if isinstance(first, SalesforceError):
                    raise first
                sync.run(cursor, first)
            except FieldRefused:
                # A field went away since the last describe: describe now, read without it.
                fresh = self.checks.after_refusal(plan) if self.checks is not None else None
                if fresh is None:
                    raise
                sync = ObjectSync(ctx, fresh)
                sync.run(cursor, None)
        except Interrupted:
            self._object_done(name, "interrupted", sync.api_calls)
            raise
        except (QuotaReached, *_CYCLE_ENDING):
            self._object_done(name, "failed", sync.api_calls)
            raise
        except DatabaseFailed as exc:
            with _unless_storage_fails(f"the end of {name}"):
                self._object_done(name, "failed", sync.api_calls, error=str(exc))
            if exc.table is None:
                raise  # the database as a whole: the other objects would fail alike
            # This table only (locked by another session): its rows are read again next cycle.
            log.warning("%s of team %s: %s", name, self.team_id, exc)
            self.failed_objects.append(name)
            self.table_failures.append(exc)
            self._job_error(name, str(exc))
        except SalesforceError as exc:
            # This object only (an invalid field, no access, a failed Bulk job): the others go on.
            log.warning("%s of team %s failed: %s", name, self.team_id, exc)
            self._object_failed(name, sync.api_calls, str(exc))
        except SyncbotError:
            raise  # the database or the secret key: nothing else could go on either
        except Exception as exc:
            # A bug met in this object's read fails it alone, in the error's own words;
            # the other objects and the checks after the reads go on.
            log.exception("%s of team %s failed on an unexpected error", name, self.team_id)
            self.broken_objects.append(name)
            self._object_failed(name, sync.api_calls, MSG.sync_object_internal_error.format(
                object=name, error=f"{type(exc).__name__}: {exc}"))
        else:
            self._object_done(name, "done", sync.api_calls)
        finally:
            self.locks.unlock(lock)

    def _object_failed(self, name: str, api_calls: int, message: str) -> None:
        self.failed_objects.append(name)
        self._object_done(name, "failed", api_calls, error=message)
        self._job_error(name, message)

    def _object_done(self, name: str, status: str, api_calls: int, error: str | None = None) -> None:
        with self.services.db.session() as session:
            runs.object_finished(session, self.run_id, name, status=status, api_calls=api_calls, error=error)

    def _job_error(self, object_name: str | None, message: str) -> None:
        with _unless_storage_fails("a job error"), self.services.db.session() as session:
            runs.add_errors(session, [SyncError(team_id=self.team_id, run_id=self.run_id, object_name=object_name,
                                                kind="job", message=message, occurred_at=utcnow())])


@contextmanager
def _unless_storage_fails(what: str) -> Iterator[None]:
    # What is recorded about a failure must not hide it: the database that failed the
    # write may refuse this record too (a full disk), and the run's own words say why.
    try:
        yield
    except StorageError as exc:
        log.warning("could not record %s: %s", what, exc)


def _stamp(known: dict[str, ObjectCursor], plan: ObjectPlan) -> datetime | None:
    cursor = known.get(plan.object_name)
    return cursor.last_modstamp if cursor else None


def _bulk_pending(known: dict[str, ObjectCursor], plan: ObjectPlan) -> bool:
    cursor = known.get(plan.object_name)
    return bool(cursor and cursor.bulk_job_id)

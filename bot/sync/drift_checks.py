"""What the cursor cannot see, checked around a cycle's incremental reads.

- Before the reads: objects due for a re-describe (hourly) are described with
  ``If-Modified-Since``; new fields become columns and are back-filled at once, fields
  gone from the describe stop being read (``bot.sync.schema_drift``).
- When Salesforce refuses a field mid-cycle (INVALID_FIELD): that object is described
  at once and read again without the field, so the cycle stays green.
- After the reads: the reconciliation of Ids (daily, and before a copy that was stopped
  longer than Salesforce keeps deleted records is called current) and the refresh of
  formula fields (daily by default: ``SYNCBOT_RECONCILE_HOURS``, ``SYNCBOT_FORMULA_HOURS``).

``full`` (``/sync verify fix``) runs all of it now, whatever is due.
"""

from __future__ import annotations

from functools import partial

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from bot.errors import IdsOutOfOrder, Interrupted, LoginFailed, RequestLimitReached, SalesforceError, \
    SalesforceUnavailable
from bot.salesforce.gateway import SalesforceConnection
from bot.sync import plan as plans
from bot.sync.column_reads import refresh_columns
from bot.sync.object_sync import ObjectContext, ObjectSync
from bot.sync.plan import ObjectPlan
from bot.sync.reconcile import reconcile
from bot.sync.schema_drift import redescribe
from storage import catalog, drift, runs
from storage.locks import AdvisoryLocks, object_lock
from storage.models import ObjectField, SyncedObject, SyncError, SyncRun
from storage.types import utcnow

log = logging.getLogger(__name__)

DESCRIBE_EVERY = timedelta(hours=1)
# The reconciliation and the formula refresh run every SYNCBOT_RECONCILE_HOURS and
# SYNCBOT_FORMULA_HOURS (per object): daily by default.
# Salesforce keeps deleted records this long; a longer stop may have missed deletions.
RECYCLE_BIN = timedelta(days=15)
_ENDS_CYCLE = (Interrupted, LoginFailed, RequestLimitReached, SalesforceUnavailable)


@dataclass(frozen=True)
class Due:
    """Which checks run now, and why the reconciliation does ("schedule", "pause", "verify")."""

    reconcile_reason: str | None
    pause_days: int | None = None


class DriftChecks:
    """The drift checks of one cycle (or of ``/sync verify fix`` when ``full``)."""

    def __init__(self, ctx: ObjectContext, connection: SalesforceConnection, locks: AdvisoryLocks, *,
                 full: bool = False) -> None:
        self.ctx, self.connection, self.locks, self.full = ctx, connection, locks, full
        self.pause_days: int | None = None

    # ----- before the reads ------------------------------------------------------------

    def describe_due(self, names: Iterable[str]) -> None:
        """Re-describe the objects whose last describe is an hour old (all when ``full``)."""
        now = utcnow()
        for obj in self._objects(names):
            last = obj.checked_at or obj.described_at
            if self.full or last is None or now - last >= DESCRIBE_EVERY:
                self._guarded(obj.object_name, partial(self._describe, obj, conditional=not self.full))
            elif any(row.backfill_pending for row in self._fields(obj)):
                # A back-fill a stopped process left unfinished goes on, whatever the schedule.
                self._guarded(obj.object_name, partial(self._backfill, obj))

    def after_refusal(self, plan: ObjectPlan) -> ObjectPlan | None:
        """Salesforce refused a field of ``plan``: describe the object now and return the
        plan without the fields it no longer shows; None when the describe found nothing
        to leave out (the refusal was of something else)."""
        before = set(plan.fields)
        obj = next(iter(self._objects([plan.object_name])), None)
        if obj is None:
            return None
        self._describe(obj, conditional=False)
        fresh = self._plan(obj)
        return None if set(fresh.fields) >= before else fresh

    # ----- after the reads -------------------------------------------------------------

    def after_reads(self, names: Iterable[str]) -> None:
        """Reconcile and refresh formulas where due, object by object, each under its lock."""
        due = self._reconcile_due()
        now = utcnow()
        settings = self.ctx.services.settings
        reconcile_every = timedelta(hours=settings.reconcile_hours)
        for obj in self._objects(names):
            reason = due.reconcile_reason
            if reason is None and obj.reconciled_at is not None and now - obj.reconciled_at >= reconcile_every:
                reason = "schedule"
            formulas_every = timedelta(hours=settings.formula_hours.of(obj.object_name))
            formulas = self.full or (obj.formulas_refreshed_at is not None
                                     and now - obj.formulas_refreshed_at >= formulas_every)
            self._guarded(obj.object_name, partial(self._after_reads, obj, reason, formulas))

    def _after_reads(self, obj: SyncedObject, reason: str | None, formulas: bool) -> None:
        plan = self._plan(obj)
        sync = ObjectSync(self.ctx, plan)
        large = self._large(plan)
        db = self.ctx.services.db
        if reason is not None:
            result = reconcile(sync, large=large, run_id=self.ctx.run_id)
            log.info("%s: reconciled (%s): %d marked deleted, %d read again", obj.object_name, reason,
                     result.purged, result.repaired)
        with db.session() as session:
            if reason is not None:
                drift.set_reconciled(session, self.ctx.run_id, reason)
            if reason is not None or obj.reconciled_at is None:
                # The first cycle's full read counts as one: the daily schedule starts from it.
                drift.mark(session, self.ctx.team_id, obj.object_name, "reconciled_at", utcnow())
        fields = [row for row in self._fields(obj) if row.synced and row.calculated]
        if formulas and fields:
            changed = refresh_columns(sync, fields, large=large)
            with db.session() as session:
                drift.add_counts(session, self.ctx.run_id, formulas_changed=changed)
        if formulas or obj.formulas_refreshed_at is None:
            with db.session() as session:
                drift.mark(session, self.ctx.team_id, obj.object_name, "formulas_refreshed_at", utcnow())

    # ----- internals -------------------------------------------------------------------

    def _describe(self, obj: SyncedObject, *, conditional: bool) -> None:
        if not conditional:
            obj.metadata_modified = None
        redescribe(self.ctx.services.db.session, self.connection, self.ctx.team_id, self.ctx.run_id, obj)
        self._backfill(obj)

    def _backfill(self, obj: SyncedObject) -> None:
        """Fill the columns still waiting for their values (new ones, or a stopped process's)."""
        fields = [row for row in self._fields(obj) if row.backfill_pending and row.synced]
        if not fields:
            return
        sync = ObjectSync(self.ctx, self._plan(obj))
        filled = refresh_columns(sync, fields, large=self._large(sync.plan))
        with self.ctx.services.db.session() as session:
            drift.add_counts(session, self.ctx.run_id, rows_backfilled=filled)
            catalog.backfilled(session, self.ctx.team_id, obj.object_name, [row.field_name for row in fields])

    def _reconcile_due(self) -> Due:
        if self.full:
            return Due("verify")
        with self.ctx.services.db.session(write=False) as session:
            current = session.get(SyncRun, self.ctx.run_id)
            last = runs.last_finished(session, self.ctx.team_id)
        if current is None or last is None or last.finished_at is None:
            return Due(None)
        stopped = current.started_at - last.finished_at
        if stopped > RECYCLE_BIN:
            self.pause_days = stopped.days
            return Due("pause", stopped.days)
        return Due(None)

    def _guarded(self, object_name: str, check: Callable[[], None]) -> None:
        # A check that fails fails alone: it is reported and tried again next time.
        lock = object_lock(self.ctx.team_id, object_name)
        if not self.locks.try_lock(lock):
            return
        try:
            self.ctx.check()
            check()
        except _ENDS_CYCLE:
            raise
        except (SalesforceError, IdsOutOfOrder) as exc:
            log.warning("%s: a drift check failed: %s", object_name, exc)
            with self.ctx.services.db.session() as session:
                runs.add_errors(session, [SyncError(team_id=self.ctx.team_id, run_id=self.ctx.run_id,
                                                    object_name=object_name, kind="job", message=str(exc),
                                                    occurred_at=utcnow())])
        finally:
            self.locks.unlock(lock)

    def _objects(self, names: Iterable[str]) -> list[SyncedObject]:
        wanted = set(names)
        with self.ctx.services.db.session(write=False) as session:
            return [obj for obj in catalog.objects(session, self.ctx.team_id) if obj.object_name in wanted]

    def _fields(self, obj: SyncedObject) -> list[ObjectField]:
        with self.ctx.services.db.session(write=False) as session:
            return catalog.fields(session, self.ctx.team_id, obj.object_name)

    def _plan(self, obj: SyncedObject) -> ObjectPlan:
        return plans.build(obj.object_name, self._fields(obj), table=obj.table_name)

    def _large(self, plan: ObjectPlan) -> bool:
        with self.ctx.services.db.session(write=False) as session:
            count = drift.row_count(session, plan.table)
        return count > self.ctx.services.settings.bulk_threshold


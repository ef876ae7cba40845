"""``/sync verify``: is the local copy right? And ``verify fix``: make it so, now.

The check is cheap: per object, ``SELECT COUNT()`` and the newest ``SystemModstamp`` of
the live rows in Salesforce (``queryAll … WHERE IsDeleted = false``, archived activities
included; five queries per Composite request, so eight objects cost four API calls),
against the rows not deleted locally. Cheap is not free, and anyone may ask:
``bot.read_guard`` decides when Salesforce is asked (members: at most every ten minutes
per workspace, never at or past the API quota) and keeps the last result for the
others. The fix is one cycle with every drift check forced (``bot.sync.drift_checks``),
under the workspace's lock like any cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from bot import read_guard
from bot.errors import AlreadyDone, SalesforceError
from bot.messages import MSG
from bot.read_guard import Permit, ReadKind
from bot.runtime import Services
from bot.salesforce.gateway import SalesforceConnection
from bot.salesforce.reading import QueryPage, RecordReader
from bot.setup import progress
from bot.setup.progress import Step
from bot.sync import plan as plans
from bot.sync.convert import parse_stamp
from bot.sync.cycle import run_cycle
from storage import catalog, drift
from storage.models import SyncedObject, SyncRun
from storage.types import utcnow


@dataclass(frozen=True)
class ObjectCheck:
    """One object's live rows and newest change, in Salesforce and locally."""

    object_name: str
    local_count: int
    local_newest: datetime | None
    remote_count: int | None = None
    remote_newest: datetime | None = None
    error: str | None = None

    @property
    def agrees(self) -> bool:
        """Same count and the same newest stamp (to the millisecond, as Salesforce keeps it)."""
        return self.error is None and self.remote_count == self.local_count and \
            _millis(self.remote_newest) == _millis(self.local_newest)


@dataclass(frozen=True)
class Verification:
    """Every synced object's check, and when the reconciliation last ran."""

    objects: list[ObjectCheck]
    reconciled_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values, to keep the result for the people who ask next."""
        return {"objects": [{key: _iso(value) for key, value in asdict(check).items()} for check in self.objects],
                "reconciled_at": _iso(self.reconciled_at)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Verification":
        """The result kept by :meth:`to_json`."""
        return cls(objects=[ObjectCheck(object_name=item["object_name"], local_count=item["local_count"],
                                        local_newest=_moment(item["local_newest"]),
                                        remote_count=item["remote_count"],
                                        remote_newest=_moment(item["remote_newest"]), error=item["error"])
                            for item in data["objects"]],
                   reconciled_at=_moment(data.get("reconciled_at")))


@dataclass(frozen=True)
class VerifyAnswer:
    """A check, fresh or kept from the last time Salesforce was asked, and how it came."""

    verification: Verification | None
    checked_at: datetime | None
    permit: Permit


def verify(services: Services, team_id: str, *, admin: Callable[[], bool]) -> VerifyAnswer:
    """Compare live counts and newest changes of every synced object, asking Salesforce when
    the guard allows it (``admin`` says whether the person is one); else the last check, with why."""
    progress.current(services, team_id).require(Step.START)
    permit = read_guard.ask(services, team_id, ReadKind.VERIFY, privileged=admin())
    if not permit.granted:
        kept = permit.last.result if permit.last else None
        return VerifyAnswer(verification=Verification.from_json(kept) if kept else None,
                            checked_at=permit.last.checked_at if permit.last else None, permit=permit)
    with read_guard.fresh_read(services, team_id, ReadKind.VERIFY) as read:
        verification = _check(services, team_id, read.connection, read.between)
        read.result = verification.to_json()
    return VerifyAnswer(verification=verification, checked_at=utcnow(), permit=permit)


def _check(services: Services, team_id: str, connection: SalesforceConnection,
           between: Callable[[], None]) -> Verification:
    synced = _synced(services, team_id)
    reader = RecordReader(connection)
    queries: dict[str, str] = {}
    stamps: dict[str, str] = {}
    with services.db.session(write=False) as session:
        local = {obj.object_name: drift.live_summary(session, obj.table_name) for obj in synced}
        for obj in synced:
            plan = plans.build(obj.object_name, catalog.fields(session, team_id, obj.object_name))
            stamp, live = plan.stamp_field, plan.live_filter()
            stamps[obj.object_name] = stamp
            queries[f"count:{obj.object_name}"] = f"SELECT COUNT() FROM {obj.object_name}{live}"
            queries[f"newest:{obj.object_name}"] = (f"SELECT {stamp} FROM {obj.object_name}{live} "
                                                    f"ORDER BY {stamp} DESC LIMIT 1")
    # queryAll of the rows not deleted: archived activities are live rows, and `query` leaves them out.
    pages = reader.first_pages(queries, between=between) if queries else {}
    checks = []
    for obj in synced:
        count, newest = local[obj.object_name]
        counted, latest = pages.get(f"count:{obj.object_name}"), pages.get(f"newest:{obj.object_name}")
        failed = next((page for page in (counted, latest) if isinstance(page, SalesforceError)), None)
        if failed is not None or not isinstance(counted, QueryPage) or not isinstance(latest, QueryPage):
            checks.append(ObjectCheck(obj.object_name, count, newest, error=str(failed)))
            continue
        remote_newest = _parse(latest.records[0].get(stamps[obj.object_name]) if latest.records else None)
        checks.append(ObjectCheck(obj.object_name, count, newest, remote_count=counted.total_size,
                                  remote_newest=remote_newest))
    reconciled = [obj.reconciled_at for obj in synced if obj.reconciled_at is not None]
    # The oldest of the objects' last reconciliations: every object was reconciled since.
    everyone = bool(reconciled) and len(reconciled) == len(synced)
    return Verification(objects=checks, reconciled_at=min(reconciled) if everyone else None)


def fix(services: Services, team_id: str) -> SyncRun:
    """Run a cycle with a fresh describe, the reconciliation and the formula refresh, now;
    :class:`AlreadyDone` when a cycle holds the workspace's lock. Returns its run record."""
    progress.current(services, team_id).require(Step.START)
    outcome = run_cycle(services, team_id, force=True, full=True)
    if outcome is None:
        raise AlreadyDone(MSG.verify_busy)
    with services.db.session(write=False) as session:
        run = session.get(SyncRun, outcome.run_id)
        if run is None:
            raise LookupError(f"no sync run {outcome.run_id}")
        session.expunge(run)
    return run


def _synced(services: Services, team_id: str) -> list[SyncedObject]:
    with services.db.session(write=False) as session:
        objects = catalog.synced_objects(session, team_id, services.settings.objects)
        for obj in objects:
            session.expunge(obj)
        return objects


def _parse(value: object) -> datetime | None:
    return parse_stamp(value) if isinstance(value, str) else None


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _moment(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _millis(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(microsecond=moment.microsecond // 1000 * 1000)


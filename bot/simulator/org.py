"""The in-memory orgs: records, users, field-level security and API usage.

Everything here is plain Python for tests and the demo to drive directly
(``org.create("Lead", LastName=..., Company=...)``); the HTTP layers read the same
objects. Records are stored copy-on-write (an update replaces the dict), so a
query cursor holding old dicts keeps the snapshot it was opened on.

Every create, update, delete and undelete gets a fresh stamp (``SystemModstamp``,
``LastModifiedDate``) from the org's :class:`clock.StampSequence`: the clock's "now",
but always at least 1 ms after the previous one, even when the clock is frozen.
Stamps given explicitly (histories built by tests or the demo seed) are kept.
Soft-deleted records sit in the :mod:`recycle_bin` for 15 days, then vanish.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping

from . import catalog
from .clock import SimClock, StampSequence
from .ids import ORGANIZATION_PREFIX, base62, case_safe, make_id, same_id
from .metadata import MetadataDates
from .org_schema import SchemaEditing
from .recycle_bin import RecycleBin
from .schema import ObjectDef, Schema
from .values import coercer

DEFAULT_API_DAILY_MAX = 15_000
ORG_CREATED = datetime(2020, 3, 14, 9, 0, tzinfo=timezone.utc)
_AUDIT_FIELDS = ("CreatedDate", "LastModifiedDate", "SystemModstamp")
# Org-level values that formula fields read, like a custom setting in a real org.
DEFAULT_FORMULA_INPUTS: dict[str, Any] = {"EUR_Rate__c": 0.92}
# Company Information refuses a longer organization name.
ORG_NAME_LIMIT = 80


@dataclass
class SimulatedUser:
    """A user who can log in (the secrets never appear in ``repr``)."""

    username: str
    password: str = field(repr=False)
    security_token: str = field(repr=False)
    user_id: str
    org_id: str
    # Without the token the login fails with LOGIN_MUST_USE_SECURITY_TOKEN (untrusted network).
    token_required: bool = True
    # One of LOGIN_FAULTS: answered instead of a session once the credentials are right.
    login_fault: str | None = None
    # "object.field" in lower case: absent from this user's describe and queries.
    hidden_fields: set[str] = field(default_factory=set)


class UnknownRecordError(LookupError):
    """No record of that object has that id."""


class SimulatedOrg(SchemaEditing):
    """One Salesforce org: its schema, records, users and daily API usage."""

    def __init__(
        self,
        name: str = "Acme Corp",
        *,
        org_number: int = 1,
        is_sandbox: bool = False,
        instance_host: str | None = None,
        edition: str = "Enterprise Edition",
        api_daily_max: int = DEFAULT_API_DAILY_MAX,
        clock: SimClock | None = None,
        schema: Schema | None = None,
    ) -> None:
        self.name = name
        self.org_number = org_number
        self.org_id = case_safe(ORGANIZATION_PREFIX + base62(org_number, 12))
        self.is_sandbox = is_sandbox
        self.instance_host = instance_host or _default_host(name, is_sandbox)
        self.clock = clock or SimClock()
        self.schema = schema or catalog.default_schema()
        self.api_daily_max = api_daily_max
        self.api_requests_used = 0
        self.users: dict[str, SimulatedUser] = {}
        # Formula fields read these (``Lead.Revenue_EUR__c`` reads ``EUR_Rate__c``): change one
        # and formula values change while no record's SystemModstamp moves.
        self.formula_inputs: dict[str, Any] = dict(DEFAULT_FORMULA_INPUTS)
        self.stamps = StampSequence(lambda: self.clock.now())
        self.metadata = MetadataDates(ORG_CREATED, lambda: self.clock.now())
        self._lock = threading.RLock()
        self._tables: dict[str, dict[str, dict[str, Any]]] = {obj.name: {} for obj in self.schema}
        self._bin = RecycleBin()
        self._counters: dict[str, int] = {}
        self._default_owner: str | None = None
        self._insert_organization_record(edition)

    @classmethod
    def demo(cls, name: str = "Acme Corp", **options: Any) -> SimulatedOrg:
        """An org with its sync user and the demo dataset (see :func:`dataset.build_demo_org`)."""
        from .dataset import build_demo_org  # dataset builds on this module

        return build_demo_org(name, **options)

    def __repr__(self) -> str:
        kind = "sandbox" if self.is_sandbox else "production"
        return f"SimulatedOrg({self.name!r}, {self.org_id}, {kind}, {self.instance_host})"

    def rename(self, name: str) -> None:
        """Change the org's name, as an admin does under Setup > Company Information.

        The name is free text (Salesforce keeps any characters); the ``Organization``
        record and the login's ``organizationName`` show it from now on. The instance host
        stays: renaming an org does not move it.
        """
        if not name or len(name) > ORG_NAME_LIMIT:
            raise ValueError(f"an organization name has 1 to {ORG_NAME_LIMIT} characters: {name!r}")
        with self._lock:
            self.name = name
            stamp = self.stamps.reserve(1)[0]
            record = self._tables["Organization"][self.org_id]
            self._tables["Organization"][self.org_id] = {**record, "Name": name, "LastModifiedDate": stamp,
                                                         "SystemModstamp": stamp}

    # ----- users ---------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        password: str,
        security_token: str = "",
        *,
        first_name: str = "Integration",
        last_name: str = "User",
        email: str | None = None,
        token_required: bool = True,
        created: datetime | None = None,
    ) -> SimulatedUser:
        """Add a user who can log in (also a ``User`` record, stamped ``created`` or now);
        the first becomes the default owner."""
        user_id = self.create(
            "User", Username=username, FirstName=first_name, LastName=last_name, Email=email or username,
            Alias=(first_name[:1] + last_name)[:8].lower(), IsActive=True, TimeZoneSidKey="Europe/London",
            UserType="Standard", CompanyName=self.name, CreatedDate=created,
        )
        user = SimulatedUser(username=username, password=password, security_token=security_token,
                             user_id=user_id, org_id=self.org_id, token_required=token_required)
        with self._lock:
            self.users[username.lower()] = user
            self._default_owner = self._default_owner or user_id
        return user

    def user(self, username: str) -> SimulatedUser:
        """A login user by (case-insensitive) username."""
        return self.users[username.lower()]

    @property
    def default_owner_id(self) -> str | None:
        """The id that owns records created without an ``OwnerId`` (the first user)."""
        return self._default_owner

    # ----- records -------------------------------------------------------------------

    def create(self, object_name: str, values: Mapping[str, Any] | None = None, **fields: Any) -> str:
        """Insert a record and return its id.

        Field names are case-insensitive. Unlike the REST API, read-only fields such as
        ``CreatedDate`` or ``SystemModstamp`` may be given, to build histories in tests.
        """
        return self.insert_many(object_name, [{**(values or {}), **fields}])[0]

    def insert_many(self, object_name: str, rows: Iterable[Mapping[str, Any]]) -> list[str]:
        """Insert many records at once (one lock, one clock reading); returns their ids.

        Rows without audit fields get fresh stamps, 1 ms apart in row order. A row that
        gives some of them keeps them; the missing ones copy the given ones.
        """
        obj = self.object(object_name)
        convert = self._row_converter(obj)
        converted = [convert(row) for row in rows]
        defaults = self._defaults(obj)
        audit = tuple(name for name in _AUDIT_FIELDS if obj.field(name) is not None)
        derive = catalog.deriver(obj.name)
        ids: list[str] = []
        with self._lock:
            table = self._tables[obj.name]
            unstamped = sum(1 for values in converted if all(values.get(name) is None for name in audit))
            fresh = iter(self.stamps.reserve(unstamped if audit else 0))
            for values in converted:
                record = {**defaults, **values}
                if audit:
                    self._stamp_new(record, values, audit, fresh)
                record_id = record.get("Id") or self._next_id(obj)
                record["Id"] = record_id
                if derive is not None:
                    derive(record)
                stored = {key: value for key, value in record.items() if value is not None}
                table[record_id] = stored
                if stored.get("IsDeleted"):  # a test building an already deleted record
                    self._bin.put(obj.name, record_id, stored.get("SystemModstamp") or self.clock.now())
                ids.append(record_id)
        return ids

    def update(self, object_name: str, record_id: str, values: Mapping[str, Any] | None = None, *,
               touch: bool = True, **fields: Any) -> None:
        """Change fields of a record; ``LastModifiedDate`` and ``SystemModstamp`` get a fresh
        stamp unless given or ``touch=False`` (how system changes look)."""
        obj = self.object(object_name)
        self._write(obj, record_id, self._converted(obj, {**(values or {}), **fields}), touch=touch)

    def delete(self, object_name: str, record_id: str) -> None:
        """Soft-delete: ``IsDeleted`` true, kept for ``queryAll`` and the ``deleted`` resource
        until the recycle bin empties itself (15 days) or :meth:`purge_recycle_bin`."""
        obj = self._deletable(object_name)
        with self._lock:
            stored = self._write(obj, record_id, {"IsDeleted": True}, touch=True)
            self._bin.put(obj.name, stored["Id"], stored.get("SystemModstamp") or self.clock.now())

    def undelete(self, object_name: str, record_id: str) -> None:
        """Bring a deleted record back from the recycle bin (with a fresh stamp)."""
        obj = self.object(object_name)
        with self._lock:
            stored = self._write(obj, record_id, {"IsDeleted": False}, touch=True)
            self._bin.take(obj.name, stored["Id"])

    def hard_delete(self, object_name: str, record_id: str) -> None:
        """Remove a record for good: gone from ``queryAll``, ``deleted/`` and Bulk ``queryAll``
        (as Bulk hardDelete or emptying the recycle bin does)."""
        obj = self._deletable(object_name)
        with self._lock:
            stored_id = self._resolve_id(obj, record_id)
            del self._tables[obj.name][stored_id]
            self._bin.take(obj.name, stored_id)

    def purge_recycle_bin(self, object_name: str | None = None) -> int:
        """Hard-delete every soft-deleted record (of one object, or all); returns how many."""
        with self._lock:
            names = [self.object(object_name).name] if object_name is not None else list(self._tables)
            doomed = [(name, record_id) for name in names
                      for record_id, record in self._tables[name].items() if record.get("IsDeleted")]
            for name, record_id in doomed:
                del self._tables[name][record_id]
                self._bin.take(name, record_id)
            return len(doomed)

    def get(self, object_name: str, record_id: str) -> dict[str, Any]:
        """A copy of a stored record (deleted ones included; nulls left out)."""
        obj = self.object(object_name)
        with self._lock:
            self._purge_expired()
            return dict(self._tables[obj.name][self._resolve_id(obj, record_id)])

    def records(self, object_name: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Copies of the stored records, in insertion order."""
        return [dict(record) for record in self.snapshot(object_name, include_deleted=include_deleted)]

    def count(self, object_name: str, *, include_deleted: bool = False) -> int:
        """How many records an object has."""
        return len(self.snapshot(object_name, include_deleted=include_deleted))

    def ids(self, object_name: str, *, include_deleted: bool = False) -> list[str]:
        """The record ids of an object, in insertion order."""
        return [record["Id"] for record in self.snapshot(object_name, include_deleted=include_deleted)]

    def snapshot(self, object_name: str, *, include_deleted: bool = True) -> list[Mapping[str, Any]]:
        """The stored record dicts themselves (read-only by convention; cheap, no copies)."""
        obj = self.object(object_name)
        with self._lock:
            self._purge_expired()
            rows: list[Mapping[str, Any]] = list(self._tables[obj.name].values())
        return rows if include_deleted else [row for row in rows if not row.get("IsDeleted")]

    def peek_value(self, object_name: str, record_id: str, field_name: str) -> Any:
        """One stored value, or None (used by cross-object formulas while serialising)."""
        record = self._tables.get(object_name, {}).get(record_id)
        return None if record is None else record.get(field_name)

    def deletions(self, object_name: str) -> list[tuple[str, datetime]]:
        """``(id, deleted at)`` of the records in the recycle bin, oldest deletion first."""
        obj = self.object(object_name)
        with self._lock:
            self._purge_expired()
            return self._bin.entries(obj.name)

    def generate(self, object_name: str, count: int, *, seed: int | None = None,
                 spread: timedelta | None = None, edge_numbers: bool = False, **fixed: Any) -> list[str]:
        """Insert ``count`` plausible records fast (see :func:`dataset.generate_records`)."""
        from .dataset import generate_records  # dataset builds on this module

        return generate_records(self, object_name, count, seed=seed, spread=spread, edge_numbers=edge_numbers,
                                **fixed)

    @contextmanager
    def atomic(self) -> Iterator[Callable[[], None]]:
        """Hold the org for a series of changes; the yielded function rolls them all back."""
        with self._lock:
            yield self.checkpoint()

    def checkpoint(self) -> Callable[[], None]:
        """A function that puts every record back as it is now (a composite's allOrNone rollback).

        Cheap: tables are copied shallowly, the records themselves are shared (copy-on-write).
        """
        with self._lock:
            tables = {name: dict(table) for name, table in self._tables.items()}
            recycle_bin, counters = self._bin.copy(), dict(self._counters)

        def restore() -> None:
            with self._lock:
                for name, table in self._tables.items():
                    table.clear()
                    table.update(tables.get(name, {}))
                self._bin, self._counters = recycle_bin, counters

        return restore

    # ----- daily API usage -----------------------------------------------------------

    def count_api_request(self) -> tuple[int, int] | None:
        """Count one API request: ``(used, max)`` after it, or None once the allowance is used up."""
        with self._lock:
            if self.api_requests_used >= self.api_daily_max:
                return None
            self.api_requests_used += 1
            return self.api_requests_used, self.api_daily_max

    def api_limit_reached(self) -> bool:
        """Whether the daily API request allowance is used up."""
        with self._lock:
            return self.api_requests_used >= self.api_daily_max

    def reset_api_usage(self, used: int = 0) -> None:
        """Start a new day (or set the counter to ``used``)."""
        with self._lock:
            self.api_requests_used = used

    def exhaust_api_limit(self) -> None:
        """Use up the daily allowance: further REST calls get REQUEST_LIMIT_EXCEEDED."""
        self.reset_api_usage(self.api_daily_max)

    # ----- internals -----------------------------------------------------------------

    def _insert_organization_record(self, edition: str) -> None:
        self._tables["Organization"][self.org_id] = {
            "Id": self.org_id, "Name": self.name, "OrganizationType": edition, "IsSandbox": self.is_sandbox,
            "InstanceName": "CS42" if self.is_sandbox else "NA224", "Country": "US",
            "CreatedDate": ORG_CREATED, "LastModifiedDate": ORG_CREATED, "SystemModstamp": ORG_CREATED,
        }

    def _defaults(self, obj: ObjectDef) -> dict[str, Any]:
        defaults: dict[str, Any] = {}
        for fld in obj.fields.values():
            if fld.type == "boolean" and fld.defaulted_on_create:
                defaults[fld.name] = obj.name == "User" and fld.name == "IsActive"
        for name in ("OwnerId", "CreatedById", "LastModifiedById"):
            if obj.field(name):
                defaults[name] = self._default_owner
        if obj.name == "Lead":
            defaults["Status"] = catalog.LEAD_STATUSES[0]
        return defaults

    def now(self) -> datetime:
        """Salesforce's clock as its answers show it: never behind a stamp it handed out.

        Stamps move 1 ms past the clock per change when many arrive at once (see
        :class:`StampSequence`); a time Salesforce reports later, such as a Bulk job's
        ``createdDate``, comes after every stamp already given, as it would there.
        """
        now, last = self.clock.now(), self.stamps.last
        return now if last is None or now >= last else last

    def _stamp_new(self, record: dict[str, Any], values: Mapping[str, Any], audit: tuple[str, ...],
                   fresh: Iterator[datetime]) -> None:
        given = [values[name] for name in audit if values.get(name) is not None]
        if not given:
            stamp = next(fresh)
            for name in audit:
                record[name] = stamp
            return
        latest, earliest = max(given), min(given)
        self.stamps.note(latest)
        for name in audit:
            if values.get(name) is None:
                record[name] = earliest if name == "CreatedDate" else latest

    def _write(self, obj: ObjectDef, record_id: str, changes: dict[str, Any], *, touch: bool) -> dict[str, Any]:
        with self._lock:
            table = self._tables[obj.name]
            current = table[self._resolve_id(obj, record_id)]
            record = {**current, **changes}
            for name in _AUDIT_FIELDS:
                if changes.get(name) is not None:
                    self.stamps.note(changes[name])
            stamped = [name for name in ("LastModifiedDate", "SystemModstamp")
                       if touch and name not in changes and obj.field(name) is not None]
            if stamped:
                stamp = self.stamps.next()
                for name in stamped:
                    record[name] = stamp
            derive = catalog.deriver(obj.name)
            if derive is not None:
                derive(record)
            stored = {key: value for key, value in record.items() if value is not None}
            table[current["Id"]] = stored
            return stored

    def _deletable(self, object_name: str) -> ObjectDef:
        obj = self.object(object_name)
        if obj.field("IsDeleted") is None or not obj.deletable:
            raise ValueError(f"{obj.name} records cannot be deleted")
        return obj

    def _purge_expired(self) -> None:
        # The recycle bin empties itself: records deleted over 15 days ago vanish for good.
        for name, record_id in self._bin.expired(self.clock.now()):
            self._tables[name].pop(record_id, None)
            self._bin.take(name, record_id)

    def _converted(self, obj: ObjectDef, values: Mapping[str, Any]) -> dict[str, Any]:
        return self._row_converter(obj)(values)

    @staticmethod
    def _row_converter(obj: ObjectDef) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
        """Converts given values to stored ones; field lookups are cached for a batch of rows."""
        resolved: dict[str, tuple[str, Callable[[Any], Any]]] = {}  # given name -> (API name, coercer)

        def converted(values: Mapping[str, Any]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for name, value in values.items():
                target = resolved.get(name)
                if target is None:
                    fld = obj.field(name)
                    if fld is None:
                        raise KeyError(f"No such column '{name}' on sobject of type {obj.name}")
                    if fld.is_compound or fld.formula is not None:
                        raise ValueError(f"{obj.name}.{fld.name} is computed and cannot be set")
                    target = resolved[name] = (fld.name, coercer(fld))
                out[target[0]] = None if value is None else target[1](value)
            return out

        return converted

    def _next_id(self, obj: ObjectDef) -> str:
        number = self._counters.get(obj.key_prefix, 0) + 1
        self._counters[obj.key_prefix] = number
        return make_id(obj.key_prefix, self.org_number, number)

    def _resolve_id(self, obj: ObjectDef, record_id: str) -> str:
        table = self._tables[obj.name]
        if record_id in table:
            return record_id
        for stored in table:  # a 15-character id, or different case of the suffix
            if len(record_id) in (15, 18) and same_id(stored, record_id):
                return stored
        raise UnknownRecordError(f"no {obj.name} with id {record_id!r} in {self.name}")


def _default_host(name: str, is_sandbox: bool) -> str:
    slug = re.sub(r"[^a-z0-9]+", "", name.lower().split(" ")[0]) or "org"
    return f"{slug}--uat.sandbox.my.salesforce.com" if is_sandbox else f"{slug}.my.salesforce.com"

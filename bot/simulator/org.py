"""The in-memory orgs: records, users, field-level security and API usage.

Everything here is plain Python for tests and the demo to drive directly
(``org.create("Lead", LastName=..., Company=...)``); the HTTP layers read the same
objects. Records are stored copy-on-write (an update replaces the dict), so a
query cursor holding old dicts keeps the snapshot it was opened on.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator, Mapping

from . import catalog
from .clock import SimClock
from .ids import ORGANIZATION_PREFIX, base62, case_safe, make_id, same_id
from .schema import FieldDef, ObjectDef, Schema, custom_field
from .values import coerce

# The faults a user's login can be switched to (see soap.py for their messages).
LOGIN_FAULTS = frozenset(
    {"INVALID_LOGIN", "INVALID_OPERATION_WITH_EXPIRED_PASSWORD", "API_DISABLED_FOR_ORG",
     "LOGIN_MUST_USE_SECURITY_TOKEN"}
)
DEFAULT_API_DAILY_MAX = 15_000
ORG_CREATED = datetime(2020, 3, 14, 9, 0, tzinfo=timezone.utc)
_AUDIT_FIELDS = ("CreatedDate", "LastModifiedDate", "SystemModstamp")


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


class SimulatedOrg:
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
        self._lock = threading.RLock()
        self._tables: dict[str, dict[str, dict[str, Any]]] = {obj.name: {} for obj in self.schema}
        self._deleted_at: dict[str, dict[str, datetime]] = {obj.name: {} for obj in self.schema}
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

    # ----- schema and field-level security -------------------------------------------

    def object(self, object_name: str) -> ObjectDef:
        """An object's definition; ``KeyError`` when the org has no such object."""
        obj = self.schema.get(object_name)
        if obj is None:
            raise KeyError(f"{self.name} has no object {object_name!r}")
        return obj

    def add_custom_field(self, object_name: str, name: str, type_: str, **attributes: Any) -> FieldDef:
        """Add a custom field (``__c`` appended when missing); see :func:`schema.custom_field`."""
        definition = custom_field(name, type_, **attributes)
        with self._lock:
            self.object(object_name).add_field(definition)
        return definition

    def hide_field(self, object_name: str, field_name: str, username: str | None = None) -> None:
        """Hide a field from one user (or all users): field-level security."""
        key = self._field_key(object_name, field_name)
        with self._lock:
            for user in self._users_named(username):
                user.hidden_fields.add(key)

    def unhide_field(self, object_name: str, field_name: str, username: str | None = None) -> None:
        """Undo :meth:`hide_field`."""
        key = self._field_key(object_name, field_name)
        with self._lock:
            for user in self._users_named(username):
                user.hidden_fields.discard(key)

    def hidden_fields(self, user: SimulatedUser, object_name: str) -> frozenset[str]:
        """Lower-case names of the fields of ``object_name`` that ``user`` cannot see."""
        prefix = object_name.lower() + "."
        with self._lock:
            return frozenset(key[len(prefix):] for key in user.hidden_fields if key.startswith(prefix))

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
    ) -> SimulatedUser:
        """Add a user who can log in (also a ``User`` record); the first becomes the default owner."""
        user_id = self.create(
            "User", Username=username, FirstName=first_name, LastName=last_name, Email=email or username,
            Alias=(first_name[:1] + last_name)[:8].lower(), IsActive=True, TimeZoneSidKey="Europe/London",
            UserType="Standard", CompanyName=self.name,
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
        """Insert many records at once (one lock, one clock reading); returns their ids."""
        obj = self.object(object_name)
        table = self._tables[obj.name]
        now = self.clock.now()
        defaults = self._defaults(obj, now)
        ids: list[str] = []
        with self._lock:
            for row in rows:
                record = dict(defaults)
                record.update(self._converted(obj, row))
                record["Id"] = record.get("Id") or self._next_id(obj)
                catalog.derive(obj.name, record)
                table[record["Id"]] = {key: value for key, value in record.items() if value is not None}
                ids.append(record["Id"])
        return ids

    def update(self, object_name: str, record_id: str, values: Mapping[str, Any] | None = None, *,
               touch: bool = True, **fields: Any) -> None:
        """Change fields of a record; ``LastModifiedDate`` and ``SystemModstamp`` move to the clock's
        "now" unless ``touch=False`` (how formula and system changes look)."""
        obj = self.object(object_name)
        changes = self._converted(obj, {**(values or {}), **fields})
        with self._lock:
            table = self._tables[obj.name]
            current = table[self._resolve_id(obj, record_id)]
            record = {**current, **changes}
            if touch:
                now = self.clock.now()
                for name in ("LastModifiedDate", "SystemModstamp"):
                    if name not in changes and obj.field(name) is not None:
                        record[name] = now
            catalog.derive(obj.name, record)
            table[current["Id"]] = {key: value for key, value in record.items() if value is not None}

    def delete(self, object_name: str, record_id: str) -> None:
        """Soft-delete: ``IsDeleted`` true, kept for ``queryAll`` and the ``deleted`` resource."""
        obj = self.object(object_name)
        if obj.field("IsDeleted") is None or not obj.deletable:
            raise ValueError(f"{obj.name} records cannot be deleted")
        with self._lock:
            record_id = self._resolve_id(obj, record_id)
            now = self.clock.now()
            self.update(obj.name, record_id, IsDeleted=True)
            self._deleted_at[obj.name][record_id] = now

    def undelete(self, object_name: str, record_id: str) -> None:
        """Bring a deleted record back from the recycle bin."""
        obj = self.object(object_name)
        with self._lock:
            record_id = self._resolve_id(obj, record_id)
            self.update(obj.name, record_id, IsDeleted=False)
            self._deleted_at[obj.name].pop(record_id, None)

    def get(self, object_name: str, record_id: str) -> dict[str, Any]:
        """A copy of a stored record (deleted ones included; nulls left out)."""
        obj = self.object(object_name)
        with self._lock:
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
            rows: list[Mapping[str, Any]] = list(self._tables[obj.name].values())
        return rows if include_deleted else [row for row in rows if not row.get("IsDeleted")]

    def peek_value(self, object_name: str, record_id: str, field_name: str) -> Any:
        """One stored value, or None (used by cross-object formulas while serialising)."""
        record = self._tables.get(object_name, {}).get(record_id)
        return None if record is None else record.get(field_name)

    def deletions(self, object_name: str) -> list[tuple[str, datetime]]:
        """``(id, deleted at)`` of the records in the recycle bin."""
        obj = self.object(object_name)
        with self._lock:
            return list(self._deleted_at[obj.name].items())

    def generate(self, object_name: str, count: int, *, seed: int | None = None,
                 spread: timedelta | None = None, **fixed: Any) -> list[str]:
        """Insert ``count`` plausible records fast (see :func:`dataset.generate_records`)."""
        from .dataset import generate_records  # dataset builds on this module

        return generate_records(self, object_name, count, seed=seed, spread=spread, **fixed)

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

    def _defaults(self, obj: ObjectDef, now: datetime) -> dict[str, Any]:
        defaults: dict[str, Any] = {}
        for fld in obj.fields.values():
            if fld.type == "boolean" and fld.defaulted_on_create:
                defaults[fld.name] = obj.name == "User" and fld.name == "IsActive"
        for name in _AUDIT_FIELDS:
            if obj.field(name):
                defaults[name] = now
        for name in ("OwnerId", "CreatedById", "LastModifiedById"):
            if obj.field(name):
                defaults[name] = self._default_owner
        if obj.name == "Lead":
            defaults["Status"] = catalog.LEAD_STATUSES[0]
        return defaults

    def _converted(self, obj: ObjectDef, values: Mapping[str, Any]) -> dict[str, Any]:
        converted: dict[str, Any] = {}
        for name, value in values.items():
            fld = obj.field(name)
            if fld is None:
                raise KeyError(f"No such column '{name}' on sobject of type {obj.name}")
            if fld.is_compound or fld.formula is not None:
                raise ValueError(f"{obj.name}.{fld.name} is computed and cannot be set")
            converted[fld.name] = coerce(fld, value)
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

    def _field_key(self, object_name: str, field_name: str) -> str:
        obj = self.object(object_name)
        fld = obj.field(field_name)
        if fld is None:
            raise KeyError(f"{obj.name} has no field {field_name!r}")
        return f"{obj.name.lower()}.{fld.name.lower()}"

    def _users_named(self, username: str | None) -> list[SimulatedUser]:
        return list(self.users.values()) if username is None else [self.user(username)]


class OrgRegistry:
    """The orgs of a simulator, by id, with lookups across them for logins and sessions."""

    def __init__(self, orgs: Iterable[SimulatedOrg] = ()) -> None:
        self._lock = threading.Lock()
        self._orgs: dict[str, SimulatedOrg] = {}
        for org in orgs:
            self.add(org)

    def add(self, org: SimulatedOrg) -> SimulatedOrg:
        """Register an org; its number (and so its id) must be unique."""
        with self._lock:
            if org.org_id in self._orgs:
                raise ValueError(f"an org with id {org.org_id} exists: give a different org_number")
            self._orgs[org.org_id] = org
        return org

    def get(self, org_id: str) -> SimulatedOrg | None:
        """An org by id."""
        with self._lock:
            return self._orgs.get(org_id)

    def next_number(self) -> int:
        """A free org number."""
        with self._lock:
            return max((org.org_number for org in self._orgs.values()), default=0) + 1

    def __iter__(self) -> Iterator[SimulatedOrg]:
        with self._lock:
            return iter(list(self._orgs.values()))

    def find_user(self, username: str) -> tuple[SimulatedOrg, SimulatedUser] | None:
        """The org and user of a username (usernames are unique across all orgs)."""
        for org in self:
            user = org.users.get(username.lower())
            if user is not None:
                return org, user
        return None


def _default_host(name: str, is_sandbox: bool) -> str:
    slug = re.sub(r"[^a-z0-9]+", "", name.lower().split(" ")[0]) or "org"
    return f"{slug}--uat.sandbox.my.salesforce.com" if is_sandbox else f"{slug}.my.salesforce.com"

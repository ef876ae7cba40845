"""What to read for one object: its columns from the catalog, the SOQL, and the window.

The SELECT list comes from the catalog (the synced fields and their mapped columns),
never from the settings. Objects without ``IsDeleted`` (User) get ``isdeleted`` false;
an object without ``SystemModstamp`` is read by ``LastModifiedDate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from storage.mirror import SYSTEM_COLUMNS, table_name
from storage.models import ObjectField

# Salesforce refuses request URLs of about 16,000 characters; stay clear of it, host included.
MAX_URL_LENGTH = 15_000
_URL_OVERHEAD = len("https://") + 80 + len("/services/data/v59.0/queryAll/?q=")
# Of a follow-up part's URL, how much its field list may take; the rest is for its Id list.
_PART_FIELDS_BUDGET = 8_000
_QUOTED_ID_LENGTH = len(quote("'001000000000000AAA',", safe=""))


@dataclass(frozen=True)
class Column:
    """One column of a mirror table and the field it is read from (None: always false)."""

    field: str | None
    column: str
    sf_type: str


@dataclass(frozen=True)
class ObjectPlan:
    """How one object is read and written."""

    object_name: str
    table: str
    # The write order: id, isdeleted, systemmodstamp, then every other synced column.
    columns: tuple[Column, ...]
    stamp_field: str
    has_isdeleted: bool
    # REST select lists: the first ("driver") has Id, the stamp and IsDeleted; the others
    # exist only when the fields do not fit one URL, and are read by Id.
    rest_parts: tuple[tuple[str, ...], ...]

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field to select, once each, in column order."""
        seen: dict[str, None] = {}
        for column in self.columns:
            if column.field is not None:
                seen.setdefault(column.field, None)
        return tuple(seen)

    def window(self, since: datetime | None) -> str:
        """The WHERE clause of a read from ``since`` on (empty for a full read)."""
        return "" if since is None else f" WHERE {self.stamp_field} >= {soql_datetime(since)}"

    def rest_soql(self, since: datetime | None) -> str:
        """The driver query: ordered by stamp and Id, so pages can move the cursor."""
        fields = ", ".join(self.rest_parts[0])
        return (f"SELECT {fields} FROM {self.object_name}{self.window(since)} "
                f"ORDER BY {self.stamp_field}, Id")

    def part_soqls(self, part: int, ids: Sequence[str]) -> list[str]:
        """Queries reading follow-up part ``part`` for ``ids``, each short enough for a URL."""
        return self.by_id_soqls(("Id", self.stamp_field, *self.rest_parts[part]), ids)

    def by_id_soqls(self, fields: Sequence[str], ids: Sequence[str]) -> list[str]:
        """Queries reading ``fields`` of the records ``ids``, each short enough for a URL
        (the driver's fields, for rows a reconciliation found missing or stale)."""
        head = f"SELECT {', '.join(fields)} FROM {self.object_name} WHERE Id IN ("
        room = MAX_URL_LENGTH - _URL_OVERHEAD - len(quote(head + ")", safe=""))
        per_query = max(1, room // _QUOTED_ID_LENGTH)
        return [
            head + ", ".join(f"'{record_id}'" for record_id in ids[start:start + per_query]) + ")"
            for start in range(0, len(ids), per_query)
        ]

    def columns_soql(self, fields: Sequence[str], *, in_id_order: bool = False) -> str:
        """Id, the stamp, IsDeleted (where the object has it) and ``fields`` of every row,
        for the drift checks. ``in_id_order`` adds ``ORDER BY Id``, which REST pages keep;
        a Bulk job's rows come in no promised order, so it is for REST only."""
        selected = ["Id", self.stamp_field, *(["IsDeleted"] if self.has_isdeleted else []), *fields]
        return f"SELECT {', '.join(selected)} FROM {self.object_name}" + (" ORDER BY Id" if in_id_order else "")

    def live_filter(self) -> str:
        """The WHERE clause that keeps a ``queryAll`` to the rows not deleted. ``queryAll``
        rather than ``query``: ``query`` also leaves out archived activities (Tasks and
        Events a year old), which are live records."""
        return " WHERE IsDeleted = false" if self.has_isdeleted else ""

    def bulk_soql(self, since: datetime | None) -> str:
        """The Bulk query: every field at once (the SOQL goes in the body), in no order."""
        return f"SELECT {', '.join(self.fields)} FROM {self.object_name}{self.window(since)}"


def build(object_name: str, fields: Sequence[ObjectField], *, table: str | None = None) -> ObjectPlan:
    """The plan of an object from its catalog rows (in describe order); ``table`` is the
    mirror table the catalog recorded (its default name otherwise)."""
    names = {field.field_name for field in fields}
    stamp = "SystemModstamp" if "SystemModstamp" in names else "LastModifiedDate"
    has_isdeleted = "IsDeleted" in names
    columns: list[Column] = [
        Column("Id", SYSTEM_COLUMNS["Id"], "id"),
        Column("IsDeleted" if has_isdeleted else None, SYSTEM_COLUMNS["IsDeleted"], "boolean"),
        Column(stamp, SYSTEM_COLUMNS["SystemModstamp"], "datetime"),
    ]
    others = [field for field in fields if field.synced and field.field_name not in SYSTEM_COLUMNS]
    columns += [Column(field.field_name, field.column_name, field.sf_type) for field in others]
    driver = ["Id", stamp] + (["IsDeleted"] if has_isdeleted else [])
    return ObjectPlan(
        object_name=object_name,
        table=table or table_name(object_name),
        columns=tuple(columns),
        stamp_field=stamp,
        has_isdeleted=has_isdeleted,
        rest_parts=_split(object_name, stamp, driver, [field.field_name for field in others]),
    )


def read_from(last_modstamp: datetime | None, lookback: int) -> datetime | None:
    """Where an incremental read starts: the cursor minus the lookback (None: from the start).

    Salesforce stamps a record when its transaction starts and commits it later, so a
    record may appear with a stamp older than rows already read.
    """
    return None if last_modstamp is None else last_modstamp - timedelta(seconds=lookback)


def soql_datetime(moment: datetime) -> str:
    """A SOQL date-time literal (unquoted), to the millisecond, in UTC."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _split(object_name: str, stamp: str, driver: list[str], others: list[str]) -> tuple[tuple[str, ...], ...]:
    # The driver's URL also carries the WHERE and ORDER BY: leave room for both.
    tail = f" FROM {object_name} WHERE {stamp} >= 2000-01-01T00:00:00.000Z ORDER BY {stamp}, Id"
    driver_budget = MAX_URL_LENGTH - _URL_OVERHEAD - len(quote(tail, safe=""))
    parts: list[list[str]] = [list(driver)]
    budget = driver_budget
    used = len(quote("SELECT " + ", ".join(driver), safe=""))
    for name in others:
        cost = len(quote(", " + name, safe=""))
        if used + cost > budget:
            # Start a follow-up part, read by Id; it repeats Id and the stamp to stitch rows.
            parts.append([])
            budget = _PART_FIELDS_BUDGET
            used = len(quote(f"SELECT Id, {stamp}", safe=""))
        parts[-1].append(name)
        used += cost
    return tuple(tuple(part) for part in parts)

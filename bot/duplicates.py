"""``/sync duplicates``: people who appear more than once in the synced data.

Like the CRM syncs it replaces, syncbot never merges people; this finds them instead:
live Leads and Contacts sharing an email (trimmed, case ignored), within one object or
across both. Columns are found through the field mappings, so a renamed email or name
column is read under its local name.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from bot import status as sync_status
from bot.csv_files import csv_bytes
from bot.errors import UserInputError
from bot.messages import MSG
from bot.runtime import Services
from bot.status import SyncState
from storage import catalog, mirror, workspaces
from storage.duplicates import PeopleTable, PersonRow, create_email_index, duplicate_people, has_email_index

# The objects that hold people, in the order their records are listed.
PEOPLE_OBJECTS = ("Lead", "Contact")
DUPLICATES_CSV_FILENAME = "duplicates.csv"
DUPLICATES_CSV_HEADER = ("email", "duplicate_kinds", "object", "id", "name", "url")


class DuplicateKind(StrEnum):
    """How an email is shared; its value is the label people see."""

    LEAD_CONTACT = "Lead–Contact"
    LEAD_LEAD = "Lead–Lead"
    CONTACT_CONTACT = "Contact–Contact"


@dataclass(frozen=True)
class DuplicateRecord:
    """One record of a duplicated person, with a link to it in Salesforce."""

    object_name: str
    record_id: str
    name: str
    url: str | None


@dataclass(frozen=True)
class DuplicateGroup:
    """The live records sharing one email."""

    email: str
    records: tuple[DuplicateRecord, ...]

    @property
    def kinds(self) -> tuple[DuplicateKind, ...]:
        """Every kind of sharing in the group (two Leads and a Contact are two kinds)."""
        per_object = Counter(record.object_name for record in self.records)
        leads, contacts = per_object["Lead"], per_object["Contact"]
        kinds = []
        if leads and contacts:
            kinds.append(DuplicateKind.LEAD_CONTACT)
        if leads > 1:
            kinds.append(DuplicateKind.LEAD_LEAD)
        if contacts > 1:
            kinds.append(DuplicateKind.CONTACT_CONTACT)
        return tuple(kinds)


@dataclass(frozen=True)
class DuplicateReport:
    """What ``/sync duplicates`` found, and which objects it could not look at."""

    groups: tuple[DuplicateGroup, ...]
    searched: tuple[str, ...]
    left_out: tuple[str, ...] = ()

    @property
    def counts(self) -> dict[DuplicateKind, int]:
        """Emails per kind of sharing."""
        counted = Counter(kind for group in self.groups for kind in group.kinds)
        return {kind: counted[kind] for kind in DuplicateKind}

    @property
    def record_count(self) -> int:
        """How many records are involved."""
        return sum(len(group.records) for group in self.groups)


def find(services: Services, team_id: str) -> DuplicateReport:
    """Look for duplicate people; a clear :class:`UserInputError` before there is data."""
    current = sync_status.current(services, team_id)
    if current.state is SyncState.NOT_STARTED:
        step = current.progress.next_step
        raise UserInputError(MSG.duplicates_not_started.format(step=step.value if step else "start"))
    if current.last_synced_at is None:
        raise UserInputError(MSG.duplicates_before_first_sync)
    with services.db.session() as session:
        tables, left_out = _people_tables(session, team_id)
        creds = workspaces.credentials(session, team_id)
    if not tables:
        raise UserInputError(MSG.duplicates_no_email)
    for people in tables:
        # Made once, on the first request, in a transaction of its own: on PostgreSQL the
        # build holds off the sync's writes to that table for its (short) duration.
        with services.db.session() as session:
            if not has_email_index(session, people):
                create_email_index(session, people)
    with services.db.session() as session:
        rows = duplicate_people(session, tables)
    instance_url = creds.instance_url.rstrip("/") if creds and creds.instance_url else None
    return DuplicateReport(
        groups=_groups(rows, instance_url),
        searched=tuple(people.object_name for people in tables),
        left_out=left_out,
    )


def report_csv(report: DuplicateReport) -> bytes:
    """Every duplicated record as a CSV file, one row per record."""
    rows = [
        (group.email, "; ".join(group.kinds), record.object_name, record.record_id, record.name, record.url)
        for group in report.groups
        for record in group.records
    ]
    return csv_bytes(DUPLICATES_CSV_HEADER, rows)


def _people_tables(session: Session, team_id: str) -> tuple[list[PeopleTable], tuple[str, ...]]:
    """The tables to search, with their mapped columns, and the objects that can't be searched."""
    existing = set(mirror.existing_tables(session.connection()))
    found, left_out = [], []
    for object_name in PEOPLE_OBJECTS:
        table = mirror.table_name(object_name)
        if table not in existing:
            left_out.append(object_name)
            continue
        present = set(mirror.column_names(session, object_name))
        columns = {
            field.field_name: field.column_name
            for field in catalog.fields(session, team_id, object_name)
            if field.synced and field.column_name in present
        }
        if "Email" not in columns:
            left_out.append(object_name)
            continue
        found.append(PeopleTable(
            object_name=object_name, table=table, email=columns["Email"],
            first_name=columns.get("FirstName"), last_name=columns.get("LastName"), full_name=columns.get("Name"),
        ))
    return found, tuple(left_out)


def _groups(rows: list[PersonRow], instance_url: str | None) -> tuple[DuplicateGroup, ...]:
    groups: dict[str, list[DuplicateRecord]] = {}
    for row in rows:
        groups.setdefault(row.email, []).append(
            DuplicateRecord(
                object_name=row.object_name,
                record_id=row.record_id,
                name=_name(row),
                url=f"{instance_url}/{row.record_id}" if instance_url else None,
            )
        )
    return tuple(DuplicateGroup(email=email, records=tuple(records)) for email, records in groups.items())


def _name(row: PersonRow) -> str:
    parts = [part.strip() for part in (row.first_name, row.last_name) if part and part.strip()]
    if parts:
        return " ".join(parts)
    return (row.full_name or "").strip()

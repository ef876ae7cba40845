"""A started workspace with Lead and Contact mirror tables, filled directly with rows
(no Salesforce involved), for tests of what is read from the synced data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone

from sqlalchemy import MetaData

from bot.runtime import Services
from storage import catalog, mirror, workspaces
from storage.models import ObjectField, SalesforceCredentials, SyncedObject, SyncRun

TEAM = "T0001"
INSTANCE_URL = "https://acme.my.salesforce.com"
SYNCED_AT = datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)
# (field, type, length) of the people objects' fields used by the tests.
PEOPLE_FIELDS = (
    ("Id", "id", 18), ("IsDeleted", "boolean", None), ("SystemModstamp", "datetime", None),
    ("FirstName", "string", 40), ("LastName", "string", 80), ("Name", "string", 121), ("Email", "email", 80),
)


def build_people_tables(
    services: Services,
    *,
    objects: Iterable[str] = ("Lead", "Contact"),
    columns: Mapping[str, str] | None = None,
    hidden: Iterable[str] = (),
    synced: bool = True,
) -> None:
    """Describe the objects, create their tables and start the sync, as the setup would.

    ``columns`` renames local columns (``{"Lead.Email": "email_address"}``); ``hidden``
    leaves fields out (``"Contact.FirstName"``); ``synced`` records a finished cycle.
    """
    renamed, left_out = dict(columns or {}), set(hidden)
    with services.db.session() as session:
        workspaces.ensure(session, TEAM)
        fields_by_object = {}
        for object_name in objects:
            session.add(SyncedObject(team_id=TEAM, object_name=object_name, label=object_name,
                                     table_name=mirror.table_name(object_name)))
            fields = [
                ObjectField(
                    team_id=TEAM, object_name=object_name, field_name=name, position=position, label=name,
                    sf_type=sf_type, length=length, hidden=f"{object_name}.{name}" in left_out,
                    column_name=renamed.get(f"{object_name}.{name}", name.lower()), unsyncable_reason=None,
                )
                for position, (name, sf_type, length) in enumerate(PEOPLE_FIELDS)
            ]
            session.add_all(fields)
            fields_by_object[object_name] = fields
        session.flush()
        mirror.create_tables(session, fields_by_object)
        session.add(SalesforceCredentials(
            team_id=TEAM, username="sync@acme.example", sandbox=False, secret=b"-", org_id="00D000000000001AAA",
            org_name="Acme Corp", instance_url=INSTANCE_URL, verified_by="UADMIN0001",
        ))
        for step in workspaces.STEP_COLUMNS:
            workspaces.claim_step(session, TEAM, step)
        if synced:
            session.add(SyncRun(team_id=TEAM, trigger="start", status="succeeded", started_at=SYNCED_AT,
                                finished_at=SYNCED_AT + timedelta(seconds=30)))


def add_rows(services: Services, object_name: str, rows: Iterable[Mapping[str, object]]) -> None:
    """Insert mirror rows (``id`` and column values; ``isdeleted`` defaults to false)."""
    with services.db.session() as session:
        table = mirror.build_table(MetaData(), object_name, catalog.fields(session, TEAM, object_name))
        given = [{"isdeleted": False, "systemmodstamp": SYNCED_AT, **row} for row in rows]
        # One shape for every row, so that they go in as one batch.
        names = {name for row in given for name in row}
        values = [{name: row.get(name) for name in names} for row in given]
        if values:
            session.execute(table.insert(), values)

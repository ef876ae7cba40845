"""Reads and writes of the ``workspaces`` and ``salesforce_credentials`` tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.errors import StorageError
from bot.messages import MSG
from storage.models import SalesforceCredentials, Workspace
from storage.types import utcnow

# Setup steps recorded on the workspace row, each set at most once.
STEP_COLUMNS = ("credentials_verified_at", "fields_synced_at", "org_confirmed_at", "started_at")


def get(session: Session, team_id: str) -> Workspace | None:
    """The workspace row, or None when this team never used the bot."""
    return session.get(Workspace, team_id)


def ensure(session: Session, team_id: str) -> Workspace:
    """The workspace row, created if missing (safe when two requests race)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(Workspace)
        .values(team_id=team_id, created_at=utcnow(), paused=False)
        .on_conflict_do_nothing(index_elements=["team_id"])
    )
    workspace = session.get(Workspace, team_id, populate_existing=True)
    if workspace is None:
        # Only a concurrent delete of the row just inserted gets here; nothing deletes workspaces.
        raise StorageError(MSG.workspace_vanished)
    return workspace


def claim_step(session: Session, team_id: str, step: str, **values: Any) -> datetime | None:
    """Mark a setup step done unless it already is; returns its time, or None if taken.

    The check and the write are one conditional UPDATE: of two racing callers
    (a double click, two admins) exactly one gets the row.
    """
    if step not in STEP_COLUMNS:
        raise ValueError(f"unknown setup step {step!r}")
    column = getattr(Workspace, step)
    now = utcnow()
    result = session.execute(
        update(Workspace)
        .where(Workspace.team_id == team_id, column.is_(None))
        .values({step: now, **values})
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], result).rowcount != 1:
        return None
    session.expire_all()
    return now


def lock(session: Session, team_id: str) -> Workspace | None:
    """The workspace row (None if there is none), locked until the transaction ends, so
    that no setup step can be claimed meanwhile (SQLite's write lock does the same).

    The row is read again after the lock is granted (``populate_existing``): under READ
    COMMITTED a copy read earlier in the transaction may predate the holder's commit.
    """
    return session.scalars(
        select(Workspace)
        .where(Workspace.team_id == team_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()


def set_alert_channel(session: Session, team_id: str, channel_id: str) -> None:
    """Remember the channel that alerts are posted to."""
    ensure(session, team_id)
    session.execute(
        update(Workspace).where(Workspace.team_id == team_id).values(alert_channel=channel_id)
    )


def set_paused(session: Session, team_id: str, paused: bool) -> None:
    """Pause or resume the scheduled cycles of a workspace."""
    session.execute(update(Workspace).where(Workspace.team_id == team_id).values(paused=paused))


# Any constant will do: workspaces claiming this database take turns on it.
_PG_OWNER_LOCK = 0x53594E44


def lock_ownership(session: Session) -> None:
    """Serialise claims of the database by workspaces until the transaction ends
    (an advisory lock on PostgreSQL; SQLite's write lock already serialises writers)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_OWNER_LOCK})


def owner(session: Session) -> str | None:
    """The workspace this database belongs to: the first whose tables were created,
    else the first that stored credentials; None while nobody has.

    The ``sf_*`` tables carry no workspace column, so one database serves one workspace;
    the owner is derived from the rows that record the setup, without a column of its own.
    """
    built = session.scalars(
        select(Workspace.team_id)
        .where(Workspace.fields_synced_at.is_not(None))
        .order_by(Workspace.fields_synced_at, Workspace.team_id)
        .limit(1)
    ).first()
    if built is not None:
        return built
    return session.scalars(
        select(SalesforceCredentials.team_id)
        .order_by(SalesforceCredentials.verified_at, SalesforceCredentials.team_id)
        .limit(1)
    ).first()


def credentials(session: Session, team_id: str) -> SalesforceCredentials | None:
    """The stored Salesforce login of a workspace, still encrypted (as committed now)."""
    return session.get(SalesforceCredentials, team_id, populate_existing=True)


def all_credentials(session: Session, *, for_update: bool = False) -> list[SalesforceCredentials]:
    """Every stored Salesforce login (one per workspace), optionally locked for rewriting."""
    query = select(SalesforceCredentials).order_by(SalesforceCredentials.team_id)
    if for_update:
        query = query.with_for_update()
    return list(session.scalars(query))


def save_credentials(session: Session, row: SalesforceCredentials) -> None:
    """Store (or replace) the Salesforce login of a workspace."""
    session.merge(row)


def started_team_ids(
    session: Session, *, include_paused: bool = True, before: datetime | None = None
) -> list[str]:
    """Workspaces whose persistent sync has been started (optionally not the paused ones,
    or only those started before ``before``)."""
    query = select(Workspace.team_id).where(Workspace.started_at.is_not(None))
    if not include_paused:
        query = query.where(Workspace.paused.is_(False))
    if before is not None:
        query = query.where(Workspace.started_at < before)
    return list(session.scalars(query.order_by(Workspace.team_id)))

"""The bookkeeping tables: everything syncbot remembers besides the mirrored data.

Every row is keyed by the Slack workspace (``team_id``) so that one deployment can
serve several workspaces. None of these tables starts with ``sf_``: that prefix is
reserved for the mirror tables built from the field choices (``storage.mirror``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UtcDateTime, utcnow

# Stable constraint names, so that migrations can refer to them on every dialect.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of the bookkeeping tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Workspace(Base):
    """One Slack workspace and how far its setup has come.

    Each setup step is a timestamp that is set once, by a conditional UPDATE, so
    that a double click or two racing admins cannot run a step twice.
    """

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    credentials_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    fields_synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    org_confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    bound_org_id: Mapped[str | None] = mapped_column(String(18))
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    alert_channel: Mapped[str | None] = mapped_column(String(32))
    # `/sync now`: a request any replica's scheduler picks up, cleared when a cycle starts.
    sync_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sync_requested_by: Mapped[str | None] = mapped_column(String(32))


class SalesforceCredentials(Base):
    """The sync user's login; password and token only as one encrypted blob."""

    __tablename__ = "salesforce_credentials"

    team_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    username: Mapped[str] = mapped_column(String(255))
    sandbox: Mapped[bool] = mapped_column(Boolean)
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    org_id: Mapped[str] = mapped_column(String(18))
    org_name: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(18))
    instance_url: Mapped[str] = mapped_column(String(255))
    verified_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    verified_by: Mapped[str] = mapped_column(String(32))


class SyncedObject(Base):
    """A Salesforce object of the workspace and what became of it locally."""

    __tablename__ = "synced_objects"

    team_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    object_name: Mapped[str] = mapped_column(String(80), primary_key=True)
    label: Mapped[str] = mapped_column(String(255))
    table_name: Mapped[str] = mapped_column(String(90))
    # False when the sync user cannot query the object; it is then left out.
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    described_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The describe's Last-Modified (sent back as If-Modified-Since) and when it was last asked.
    metadata_modified: Mapped[str | None] = mapped_column(String(40))
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the Ids were last compared with Salesforce's, and the formula fields last re-read.
    reconciled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    formulas_refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ObjectField(Base):
    """One field of a synced object: its description, the choice and the mapping.

    The field choice (``hidden``) and the mapping (``column_name``) live on the same
    row because they are two facts about the same field with the same life cycle.
    """

    __tablename__ = "object_fields"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    object_name: Mapped[str] = mapped_column(String(80), primary_key=True)
    field_name: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(255))
    sf_type: Mapped[str] = mapped_column(String(40))
    length: Mapped[int | None] = mapped_column(Integer)
    precision: Mapped[int | None] = mapped_column(Integer)
    scale: Mapped[int | None] = mapped_column(Integer)
    # Why a field cannot be synced (base64, compound); None when it can.
    unsyncable_reason: Mapped[str | None] = mapped_column(String(255))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    column_name: Mapped[str] = mapped_column(String(63))
    # A formula field (changes without a new SystemModstamp); None until a describe says.
    calculated: Mapped[bool | None] = mapped_column(Boolean)
    # A column added after start whose existing rows still wait for their values; set with
    # the column, cleared once the back-fill committed, so a crash in between resumes it.
    backfill_pending: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_object_fields_team_object", "team_id", "object_name"),
    )

    @property
    def synced(self) -> bool:
        """True when the field has (or gets) a column: visible and of a syncable type."""
        return not self.hidden and self.unsyncable_reason is None


class SyncRun(Base):
    """One sync cycle of a workspace, with its totals (per object: :class:`SyncRunObject`)."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    # "schedule", "now" (someone asked) or "start" (the first cycle).
    trigger: Mapped[str] = mapped_column(String(16))
    # "running", then "succeeded", "failed" or "interrupted" (its process stopped or died).
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # records_upserted = inserted + updated; kept under its first name for old readers.
    records_upserted: Mapped[int] = mapped_column(Integer, default=0)
    records_inserted: Mapped[int] = mapped_column(Integer, default=0)
    records_updated: Mapped[int] = mapped_column(Integer, default=0)
    records_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    records_deleted: Mapped[int] = mapped_column(Integer, default=0)
    record_errors: Mapped[int] = mapped_column(Integer, default=0)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    # The org's daily API usage as last seen in Sforce-Limit-Info.
    api_used: Mapped[int | None] = mapped_column(Integer)
    api_max: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    # What kind of failure (bot.sync.failures.FailureKind); a change of kind is a new alert.
    failure_kind: Mapped[str | None] = mapped_column(String(32))
    # host:pid of the process that ran it, for display.
    holder: Mapped[str | None] = mapped_column(String(160))
    # What the drift checks did: columns added for new fields, fields no longer read,
    # rows back-filled, rows found gone from Salesforce (marked deleted), rows re-read
    # because they were missing or stale, rows whose formula values changed.
    fields_added: Mapped[int] = mapped_column(Integer, default=0)
    fields_removed: Mapped[int] = mapped_column(Integer, default=0)
    rows_backfilled: Mapped[int] = mapped_column(Integer, default=0)
    rows_purged: Mapped[int] = mapped_column(Integer, default=0)
    rows_repaired: Mapped[int] = mapped_column(Integer, default=0)
    formulas_changed: Mapped[int] = mapped_column(Integer, default=0)
    # Why the reconciliation ran in this run ("schedule", "pause", "verify"), None when it did not.
    reconciled: Mapped[str | None] = mapped_column(String(16))
    # How many days the sync had been stopped when it reconciled for a pause, else None.
    pause_days: Mapped[int | None] = mapped_column(Integer)


class SyncRunObject(Base):
    """What one run did to one object: how it read, how far it got, and what changed."""

    __tablename__ = "sync_run_objects"

    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"), primary_key=True)
    object_name: Mapped[str] = mapped_column(String(80), primary_key=True)
    # "rest" or "bulk".
    method: Mapped[str] = mapped_column(String(8), default="rest")
    # "running", "done" or "failed".
    status: Mapped[str] = mapped_column(String(16), default="running")
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    # About how many rows this read has in all (the query's totalSize), for progress.
    rows_expected: Mapped[int | None] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(Text)


class ObjectCursor(Base):
    """How far an object has been read: the last SystemModstamp and Id written, and the
    Bulk job being read, if any, with the locator of its next page (None: its first; the
    job is forgotten in the transaction of its last page, so "no next page" is never stored).

    Every field here is written in the same transaction as the rows it speaks for, so a
    crash at any instant resumes exactly where the committed rows end.
    """

    __tablename__ = "object_cursors"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    object_name: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_modstamp: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_id: Mapped[str | None] = mapped_column(String(18))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # A Bulk API 2.0 job under way: results are kept 7 days, so a restart continues it.
    bulk_job_id: Mapped[str | None] = mapped_column(String(18))
    bulk_locator: Mapped[str | None] = mapped_column(String(255))
    # The lower bound the job was created with (None: the whole table).
    bulk_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When Salesforce created the job, by its own clock. Salesforce reads a large job in
    # chunks at different times, so a row's stamp says nothing of when it was read: once
    # every page is written, the cursor moves to this moment, never to a row's stamp.
    bulk_created: Mapped[datetime | None] = mapped_column(UtcDateTime)
    bulk_rows_done: Mapped[int] = mapped_column(Integer, default=0)
    bulk_rows_total: Mapped[int | None] = mapped_column(Integer)


class SyncError(Base):
    """A record-level or job-level error met during a sync run."""

    __tablename__ = "sync_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id", ondelete="SET NULL"))
    object_name: Mapped[str | None] = mapped_column(String(80))
    record_id: Mapped[str | None] = mapped_column(String(18))
    # "record" (one record could not be converted or written) or "job" (an object or a run failed).
    kind: Mapped[str] = mapped_column(String(16))
    field_name: Mapped[str | None] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    # Indexed: errors older than SYNCBOT_KEEP_DAYS are found by it and pruned.
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class SalesforceRead(Base):
    """A read of Salesforce that anyone may ask for (``verify``, ``describe``), per workspace:
    when the last one started and ended, what it found, and the org's API usage it saw.

    Shared by every replica, it is what limits how often members make Salesforce answer,
    and what they are shown in between.
    """

    __tablename__ = "salesforce_reads"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    # The last fresh read was claimed then (set by one conditional UPDATE), and ended then.
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The last read that succeeded, and what it found (plain JSON values).
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Why the last read failed (syncbot's own words); None when it succeeded.
    error: Mapped[str | None] = mapped_column(Text)
    # The org's daily API usage the last read saw, and when.
    api_used: Mapped[int | None] = mapped_column(Integer)
    api_max: Mapped[int | None] = mapped_column(Integer)
    usage_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Lease(Base):
    """A time-limited claim (e.g. to sync one workspace) shared by every replica."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(160), primary_key=True)
    holder: Mapped[str] = mapped_column(String(160))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)

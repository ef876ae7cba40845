"""The alert tables: what the alert channel was last told, and the outbox of alerts to post.

An alert is a row of ``alert_outbox``, written in the same transaction as the change
of state that causes it; ``bot.alerts.sender`` posts the rows to Slack afterwards,
in order per workspace and once each.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UtcDateTime, utcnow


class AlertState(Base):
    """Per workspace: what the alert channel was last told, so that each change is told once.

    Every rule reads and writes this row under a row lock (``storage.alerts.lock_state``),
    which also serialises the outbox rows a workspace gets.
    """

    __tablename__ = "alert_states"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # "ok" or "failed": the state the last failure or recovery alert announced.
    state: Mapped[str] = mapped_column(String(32))
    # The failure announced: its words, its kind, since when, and the message to thread reminders under.
    failure: Mapped[str | None] = mapped_column(Text)
    failure_kind: Mapped[str | None] = mapped_column(String(32))
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    alerted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    failure_alert_id: Mapped[int | None] = mapped_column(Integer)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set while a lag alert stands (no cycle succeeded for SYNCBOT_LAG_ALERT intervals).
    lag_alerted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Scheduled cycles were resumed then: the lag is measured from it, not from before the pause.
    resumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The last day (UTC) a digest was written for.
    digest_on: Mapped[date | None] = mapped_column(Date)
    # Who chose the alert channel with `/sync channel`: told when posting there stops working.
    channel_set_by: Mapped[str | None] = mapped_column(String(32))
    # The Slack error the alert channel last failed with; cleared when a channel is set.
    channel_error: Mapped[str | None] = mapped_column(String(64))


class AlertOutbox(Base):
    """One alert to post, with what is known of its delivery."""

    __tablename__ = "alert_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    # Random, unique, and carried in the Slack message's metadata: finds a post whose answer was lost.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    # bot.alerts.kinds.AlertKind; ``facts`` holds plain values the message is written from.
    kind: Mapped[str] = mapped_column(String(32))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Where it goes: a user id for a direct message; otherwise the alert channel, fixed at first claim.
    channel: Mapped[str | None] = mapped_column(String(32))
    # Post in the thread of this earlier alert (reminders of a failure).
    thread_of: Mapped[int | None] = mapped_column(Integer)
    # "pending", then "sent" or "undeliverable".
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Not before then (after a failed attempt); None: at once.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A sender is working on it until then (another may take over after).
    claimed_by: Mapped[str | None] = mapped_column(String(160))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set (committed) before a post whose outcome may never be known; cleared once it is.
    posting_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        # The sender's question: the oldest pending row of each workspace.
        Index("ix_alert_outbox_pending", "status", "team_id", "id"),
    )


class LoadProgressMessage(Base):
    """Per workspace: the message in the alert channel that shows how the first load goes.

    The message is posted through the outbox (``alert_id``: its channel and ts are on that
    row) and then edited in place. Every decision about it is taken under the workspace's
    alert-state lock, and an edit is claimed for a while before Slack is called, so one
    updater at a time, on any replica, touches the message.
    """

    __tablename__ = "load_progress_messages"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The outbox row of the message shown now (a new one after the last was deleted).
    alert_id: Mapped[int] = mapped_column(Integer)
    # What the message shows (a digest of its blocks): an edit that changes nothing is not sent.
    digest: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # An updater is editing it until then (another may take over after).
    claimed_by: Mapped[str | None] = mapped_column(String(160))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # After Slack refused an edit: not before then, and how many edits in a row failed.
    retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(255))
    # How many times the message was posted again after it was deleted.
    reposts: Mapped[int] = mapped_column(Integer, default=0)
    # The load is over and the message shows it (or can no longer be edited): nothing more to do.
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

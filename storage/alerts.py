"""Reads and writes of the alert tables: the per-workspace alert state and the outbox.

Ordering: every outbox row of a workspace is written under the lock of its
``alert_states`` row (:func:`enqueue` takes it), so two transactions adding alerts
for one workspace commit one after the other and ids follow commit order. The
sender only ever takes the oldest pending row of a workspace, so alerts go out in
that order.

Who sends: a sender claims a row in a short transaction of its own (on PostgreSQL
with ``FOR UPDATE SKIP LOCKED``, so replicas never wait on each other; SQLite's
write lock serialises them), posts with no transaction open, and records the
outcome in another short one. A claim lapses after a while, so a sender that dies
mid-post holds nothing for good.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from storage import workspaces
from storage.alert_models import AlertOutbox, AlertState
from storage.types import utcnow

PENDING, SENT, UNDELIVERABLE = "pending", "sent", "undeliverable"


def lock_state(session: Session, team_id: str) -> AlertState:
    """The alert state of a workspace, created if missing, locked until the transaction ends."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(AlertState).values(team_id=team_id, state="ok").on_conflict_do_nothing(index_elements=["team_id"])
    )
    return session.scalars(
        select(AlertState)
        .where(AlertState.team_id == team_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def enqueue(
    session: Session,
    team_id: str,
    kind: str,
    facts: dict[str, Any],
    *,
    channel: str | None = None,
    thread_of: int | None = None,
) -> int:
    """Add an alert to the outbox, in the caller's transaction; returns its id.

    ``channel`` is a user id for a direct message; None posts to the workspace's alert
    channel. ``thread_of`` is the id of an earlier alert to reply under.
    """
    lock_state(session, team_id)
    row = AlertOutbox(
        team_id=team_id,
        key=secrets.token_hex(16),
        kind=kind,
        facts=facts,
        channel=channel,
        thread_of=thread_of,
        status=PENDING,
        attempts=0,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row.id


def remember_channel_chooser(session: Session, team_id: str, user_id: str) -> None:
    """Who chose the alert channel (told if it stops working); a past breakage is forgotten."""
    state = lock_state(session, team_id)
    state.channel_set_by, state.channel_error = user_id, None


@dataclass(frozen=True)
class Claim:
    """An outbox row a sender holds for now, with where and how to post it."""

    id: int
    team_id: str
    key: str
    kind: str
    facts: dict[str, Any]
    channel: str
    thread_ts: str | None
    # Set when an earlier attempt may have posted it: look for it before posting again.
    in_doubt_since: datetime | None
    attempts: int


def claim_next(
    session: Session, *, holder: str, now: datetime, hold: timedelta, default_channel: str | None
) -> Claim | None:
    """Take the oldest pending, due row of some workspace whose earlier rows are all done.

    Rows without a channel get the workspace's alert channel (else ``default_channel``)
    now, for good, so that every attempt of a row looks in the same place. A row with
    nowhere to go is marked undeliverable and the next one is tried.
    """
    while True:
        row = session.scalars(_next_due(session, now)).first()
        if row is None:
            return None
        if row.channel is None:
            workspace = workspaces.get(session, row.team_id)
            row.channel = (workspace.alert_channel if workspace else None) or default_channel
            if row.channel is None:
                row.status, row.last_error = UNDELIVERABLE, "no alert channel is set"
                session.flush()
                continue
        in_doubt_since = row.posting_since
        row.claimed_by, row.claimed_until = holder, now + hold
        row.attempts += 1
        # Committed before the post: if the answer never comes, the next attempt knows to look.
        row.posting_since = in_doubt_since or utcnow()
        return Claim(
            id=row.id,
            team_id=row.team_id,
            key=row.key,
            kind=row.kind,
            facts=dict(row.facts),
            channel=row.channel,
            thread_ts=_thread_ts(session, row),
            in_doubt_since=in_doubt_since,
            attempts=row.attempts,
        )


def _next_due(session: Session, now: datetime) -> Any:
    earlier = aliased(AlertOutbox)
    query = (
        select(AlertOutbox)
        .where(
            AlertOutbox.status == PENDING,
            or_(AlertOutbox.next_attempt_at.is_(None), AlertOutbox.next_attempt_at <= now),
            or_(AlertOutbox.claimed_until.is_(None), AlertOutbox.claimed_until <= now),
            ~exists().where(
                earlier.team_id == AlertOutbox.team_id, earlier.status == PENDING, earlier.id < AlertOutbox.id
            ),
        )
        .order_by(AlertOutbox.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=AlertOutbox)
    return query


def _thread_ts(session: Session, row: AlertOutbox) -> str | None:
    if row.thread_of is None:
        return None
    parent = session.get(AlertOutbox, row.thread_of)
    if parent is None or parent.status != SENT or parent.channel != row.channel:
        return None  # the parent never made it there: post on its own
    return parent.ts


def mark_sent(session: Session, claim: Claim, *, ts: str, channel: str) -> bool:
    """Record that the alert is in Slack; False when it was already recorded (by a sender
    whose claim took over this one)."""
    result = session.execute(
        update(AlertOutbox)
        .where(AlertOutbox.id == claim.id, AlertOutbox.status == PENDING)
        .values(
            status=SENT, ts=ts, sent_at=utcnow(), posting_since=None, claimed_by=None, claimed_until=None,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def retry_later(session: Session, claim: Claim, *, at: datetime, error: str, in_doubt: bool) -> None:
    """Give the row back to be tried again at ``at``; ``in_doubt`` when the post may have landed."""
    values: dict[str, Any] = {"next_attempt_at": at, "last_error": error[:255], "claimed_by": None,
                              "claimed_until": None}
    if not in_doubt:
        values["posting_since"] = None
    session.execute(
        update(AlertOutbox)
        .where(AlertOutbox.id == claim.id, AlertOutbox.status == PENDING)
        .values(values)
        .execution_options(synchronize_session=False)
    )


def give_up(session: Session, claim: Claim, *, error: str) -> None:
    """Mark the row undeliverable: retrying cannot help."""
    session.execute(
        update(AlertOutbox)
        .where(AlertOutbox.id == claim.id, AlertOutbox.status == PENDING)
        .values(status=UNDELIVERABLE, last_error=error[:255], claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


def pending_count(session: Session, team_id: str | None = None) -> int:
    """How many alerts wait to be posted (of one workspace, or of all)."""
    query = select(func.count()).select_from(AlertOutbox).where(AlertOutbox.status == PENDING)
    if team_id is not None:
        query = query.where(AlertOutbox.team_id == team_id)
    return int(session.scalar(query) or 0)

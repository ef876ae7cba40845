"""The first load's live progress: one message in the alert channel, edited in place.

How it stays one message, never holds up the sync, and survives restarts and replicas:

1. When a workspace's first load is running and has no progress message yet, an
   updater writes one to the outbox, under the workspace's alert-state lock (so once);
   the sender posts it with all its care against loss and doubles, and the outbox row
   keeps its channel and ts.
2. Every few seconds an updater reads the run records the engine commits per batch,
   in a read-only transaction (a sync batch never waits for it). Only when the message
   would show something new does it take the lock, claim the edit for a while, and
   commit; it edits with no transaction open and records the outcome under the lock.
   A claim lapses, so an updater that dies mid-edit holds nothing for good.
3. A refused edit is tried again later; a deleted message is posted again (a few times
   at most); a channel that refuses edits ends the live message.
4. When the load succeeds the last edit shows every object read, and the message is
   done. The INITIAL_LOAD alert, posted after it, then gives how long and how many.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler
from sqlalchemy.orm import Session

from bot.alerts import delivery
from bot.alerts.delivery import SlackError, Verdict
from bot.alerts.kinds import AlertKind
from bot.alerts.load_view import load_facts
from bot.config import Settings
from bot.errors import StorageError
from bot.runtime import Services
from handlers.alerts import alert_message
from handlers.commands import Reply
from storage import alert_progress, alerts, runs, workspaces
from storage.alerts import SENT, UNDELIVERABLE
from storage.types import utcnow

log = logging.getLogger(__name__)

# Seconds between two edits of one message (and between two rounds of the job).
PROGRESS_EVERY = 5
# An edit is claimed this long: far longer than one chat.update with its retries.
CLAIM_HOLD = timedelta(seconds=60)
REQUEST_TIMEOUT = 10
SLOWEST_RETRY = 300
# A message deleted again and again is posted again this often, then no more.
MAX_REPOSTS = 3
# Edits Slack will never take for this message: the live message ends there.
_UNEDITABLE = frozenset({SlackError.CANT_UPDATE_MESSAGE, SlackError.EDIT_WINDOW_CLOSED})


def updating_client(settings: Settings) -> WebClient:
    """The client edits are made with: an edit may be repeated, so lost connections and 5xx
    are retried at once; a 429 is not waited out (the next round comes soon enough)."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=REQUEST_TIMEOUT,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1), ServerErrorRetryHandler(max_retry_count=1)],
    )


def update_progress(services: Services, *, now: datetime | None = None, client: WebClient | None = None) -> int:
    """Bring every first load's progress message up to date; returns how many messages were
    edited. Never raises: a failure here must never touch the sync."""
    client = client or updating_client(services.settings)
    # Unique per round: two rounds in one process must not take each other's claims for their own.
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    edited = 0
    try:
        with services.db.session(write=False) as session:
            team_ids = workspaces.started_team_ids(session, include_paused=True)
        for team_id in team_ids:
            edited += _update(services, client, team_id, holder, now or utcnow())
    except StorageError:
        log.warning("load progress waits: the database could not be reached")
    except Exception:
        log.exception("the load progress updater failed; it tries again in a few seconds")
    return edited


@dataclass(frozen=True)
class _Post:
    """Write the progress message to the outbox."""

    facts: dict[str, Any]
    digest: str


@dataclass(frozen=True)
class _Finish:
    """Nothing more to show: the message shows the end, or cannot be shown."""

    error: str | None = None


@dataclass(frozen=True)
class _Edit:
    """Edit the message to show something new."""

    channel: str
    ts: str
    facts: dict[str, Any]
    message: Reply
    digest: str
    final: bool


def _update(services: Services, client: WebClient, team_id: str, holder: str, now: datetime) -> int:
    # Read first: most rounds find nothing new, and then take no lock at all.
    with services.db.session(write=False) as session:
        if _next_step(session, team_id, now) is None:
            return 0
    with services.db.session() as session:
        alerts.lock_state(session, team_id)
        step = _next_step(session, team_id, now)  # again, under the lock: another replica may have acted
        if step is None:
            return 0
        if isinstance(step, _Post):
            alert_id = alerts.enqueue(session, team_id, AlertKind.LOAD_PROGRESS, step.facts)
            alert_progress.create(session, team_id, alert_id=alert_id, digest=step.digest, now=now)
            return 0
        row = alert_progress.get(session, team_id)
        if row is None:
            return 0
        if isinstance(step, _Finish):
            row.finished_at, row.last_error = now, step.error
            return 0
        # Committed before the edit: no other updater edits until the outcome is recorded.
        row.claimed_by, row.claimed_until = holder, now + CLAIM_HOLD
    error = _edit(client, step)
    with services.db.session() as session:
        return _record(session, team_id, holder, step, error, now)


def _next_step(session: Session, team_id: str, now: datetime) -> _Post | _Finish | _Edit | None:
    """What the progress message needs now, if anything."""
    row = alert_progress.get(session, team_id)
    if row is None:
        latest = runs.latest(session, team_id)
        if (latest is None or latest.status != "running"
                or alert_progress.first_success_id(session, team_id) is not None):
            return None  # no load under way: a load done before this version, or none begun
        records = alert_progress.load_records(session, team_id)
        if records is None:
            return None
        facts = load_facts(records, now)
        return _Post(facts=facts, digest=_digest(alert_message(AlertKind.LOAD_PROGRESS, facts)))
    if row.finished_at is not None or _waiting(row.claimed_until, now) or _waiting(row.retry_at, now):
        return None
    if row.updated_at is not None and now - row.updated_at < timedelta(seconds=PROGRESS_EVERY):
        return None
    posted = alert_progress.posted_message(session, row)
    if posted is None or posted.status == UNDELIVERABLE:
        return _Finish(error=posted.last_error if posted else "the message is gone from the outbox")
    if posted.status != SENT or not posted.ts or not posted.channel:
        return None  # the sender posts it first
    records = alert_progress.load_records(session, team_id)
    if records is None:
        return None
    facts = load_facts(records, now)
    message = alert_message(AlertKind.LOAD_PROGRESS, facts)
    digest = _digest(message)
    if digest == row.digest:
        return _Finish() if records.over else None
    return _Edit(channel=posted.channel, ts=posted.ts, facts=facts, message=message, digest=digest, final=records.over)


def _waiting(until: datetime | None, now: datetime) -> bool:
    return until is not None and until > now


def _digest(message: Reply) -> str:
    return hashlib.sha256(json.dumps(message.payload(), sort_keys=True).encode()).hexdigest()


def _edit(client: WebClient, step: _Edit) -> BaseException | None:
    """Edit the message; the error that stopped it, or None when it went through."""
    try:
        client.chat_update(channel=step.channel, ts=step.ts, text=step.message.text, blocks=step.message.blocks)
    except SlackApiError as exc:
        return exc
    except delivery.LOST_ANSWER_ERRORS as exc:
        return exc  # an edit may simply be made again: nothing is in doubt
    return None


def _record(session: Session, team_id: str, holder: str, step: _Edit, error: BaseException | None,
            now: datetime) -> int:
    alerts.lock_state(session, team_id)
    row = alert_progress.get(session, team_id)
    if row is None or row.claimed_by != holder:
        return 0  # our claim lapsed and another updater took over: its outcome counts
    row.claimed_by, row.claimed_until = None, None
    if error is None:
        row.digest, row.updated_at, row.retry_at, row.failures, row.last_error = step.digest, now, None, 0, None
        row.finished_at = now if step.final else None
        return 1
    code = delivery.error_code(error) if isinstance(error, SlackApiError) else type(error).__name__
    outcome = delivery.from_slack_error(error, attempts=1) if isinstance(error, SlackApiError) else None
    row.last_error = (outcome.error if outcome else f"no answer from Slack ({code})")[:255]
    if code == SlackError.MESSAGE_NOT_FOUND:
        if step.final or row.reposts >= MAX_REPOSTS:
            row.finished_at = now  # the summary follows as its own alert; a gone message stays gone
        else:
            log.info("the load progress message of team %s was deleted; posting it again", team_id)
            row.alert_id = alerts.enqueue(session, team_id, AlertKind.LOAD_PROGRESS, step.facts)
            row.digest, row.updated_at, row.reposts, row.failures = step.digest, now, row.reposts + 1, 0
        return 0
    if code in _UNEDITABLE or (outcome is not None and outcome.verdict is Verdict.DEAD_CHANNEL):
        log.warning("the load progress message of team %s can no longer be edited (%s)", team_id, code)
        row.finished_at = now
        return 0
    row.failures += 1
    delay = min(PROGRESS_EVERY * 2 ** (row.failures - 1), SLOWEST_RETRY)
    if outcome is not None and outcome.slow:
        delay = SLOWEST_RETRY  # a token or scope problem: only an operator mends it
    if outcome is not None and outcome.retry_after:
        delay = max(delay, outcome.retry_after)
    row.retry_at = now + timedelta(seconds=delay)
    log.info("the load progress message of team %s was not edited (%s); trying again in %d s",
             team_id, row.last_error, delay)
    return 0

"""The outbox -> Slack: every alert posted, in order per workspace, once.

How an alert is neither lost nor doubled:

1. Rules write the alert as an outbox row in the transaction that changes the state,
   so a state change without its alert (or the reverse) cannot be committed.
2. A sender claims the oldest pending row of a workspace and, in the same short
   transaction, stamps it ``posting_since``: from then on the post is *in doubt*
   until its outcome is recorded.
3. The post carries the row's random key in the message ``metadata``.
4. Slack's answer is recorded in a second transaction: sent (with the ts), or back
   to pending with a retry time. An error answer proves nothing was posted and
   clears the doubt; a 5xx, a timeout or a dropped connection leaves it.
5. A row still in doubt when claimed again (the answer was lost, or the process
   died between the post and step 4) is first looked for in the channel's history
   by its key; found, it is marked sent without posting again.

Slack's retry handlers do the quick retries inside one attempt, but only where a
retry cannot double a post: a 429 (Slack did nothing), and a connection that failed
before the request was sent. Everything else is the outbox's to retry.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from sqlalchemy.orm import Session

from bot.alerts import delivery
from bot.alerts.delivery import Outcome, Verdict
from bot.alerts.kinds import AlertKind
from bot.config import Settings
from bot.errors import StorageError
from bot.runtime import Services
from handlers.alerts import alert_message
from storage import alerts, workspaces
from storage.alerts import Claim
from storage.types import utcnow

log = logging.getLogger(__name__)

METADATA_EVENT = "syncbot_alert"
# A claim lapses after this; far longer than the slowest attempt (timeouts and waits below).
CLAIM_HOLD = timedelta(minutes=5)
REQUEST_TIMEOUT = 10
# Longer Retry-After waits are not slept through: the row is retried after them instead.
LONGEST_WAIT = 30
FIRST_RETRY, SLOWEST_RETRY = 5, 300
MAX_PER_ROUND = 50
# How far back, and through how many messages, a post in doubt is looked for.
CLOCK_SLACK = timedelta(minutes=1)
HISTORY_PAGE, HISTORY_PAGES = 200, 5


class _ShortRateLimitRetry(RateLimitErrorRetryHandler):
    """Waits out a 429's Retry-After in place, but only a short one."""

    def _can_retry(
        self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        wait = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
        try:
            return int(wait[0] if isinstance(wait, list) else wait) <= LONGEST_WAIT
        except ValueError:
            return True


def posting_client(settings: Settings) -> WebClient:
    """The client alerts are posted with: it retries only what cannot double a post."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=REQUEST_TIMEOUT,
        retry_handlers=[
            _ShortRateLimitRetry(max_retry_count=2),
            # URLError is raised while connecting or sending: the request never reached Slack.
            ConnectionErrorRetryHandler(max_retry_count=2, error_types=[URLError]),
        ],
    )


def reading_client(settings: Settings) -> WebClient:
    """The client for reads (history, channel lookups): any of them may simply be repeated."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=REQUEST_TIMEOUT,
        retry_handlers=[
            _ShortRateLimitRetry(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def send_pending(
    services: Services,
    *,
    now: datetime | None = None,
    client: WebClient | None = None,
    reader: WebClient | None = None,
) -> int:
    """Post the alerts that are due; returns how many reached Slack. Never raises.

    Safe to run from several processes at once: each row is claimed by one.
    """
    client = client or posting_client(services.settings)
    reader = reader or reading_client(services.settings)
    holder = f"{socket.gethostname()}:{os.getpid()}"
    delivered = 0
    try:
        for _ in range(MAX_PER_ROUND):
            at = now or utcnow()
            with services.db.session() as session:
                claim = alerts.claim_next(
                    session, holder=holder, now=at, hold=CLAIM_HOLD, default_channel=services.settings.alert_channel
                )
            if claim is None:
                break
            try:
                outcome = _deliver(claim, client, reader)
            except Exception:
                # Whether it reached Slack is unknown: the next attempt looks first.
                log.exception("alert %s: delivery failed unexpectedly; trying again later", claim.id)
                outcome = Outcome(Verdict.RETRY, error="unexpected error in the sender", in_doubt=True)
            _record(services, claim, outcome, at)
            delivered += outcome.verdict is Verdict.SENT
    except StorageError:
        log.warning("alerts wait: the database could not be reached; they are posted once it can")
    except Exception:
        log.exception("the alert sender failed; pending alerts stay in the outbox")
    return delivered


def _deliver(claim: Claim, client: WebClient, reader: WebClient) -> Outcome:
    if claim.in_doubt_since is not None and not _is_direct_message(claim.channel):
        try:
            found = _find_posted(reader, claim)
        except SlackApiError as exc:
            code = delivery.error_code(exc)
            if code not in delivery.HISTORY_UNREADABLE:
                return Outcome(Verdict.RETRY, error=f"history: {code}", in_doubt=True)
            # Unreadable for good (a dead channel, an install without the history scopes):
            # posting again risks a double, waiting would lose the alert.
            log.warning("alert %s: cannot look for an earlier post (%s); posting it", claim.id, code)
            found = None
        except delivery.LOST_ANSWER_ERRORS as exc:
            return Outcome(Verdict.RETRY, error=f"history: {type(exc).__name__}", in_doubt=True)
        if found is not None:
            log.info("alert %s was posted before its answer was lost; not posting it again", claim.id)
            return delivery.posted(found, claim.channel)
    try:
        message = alert_message(claim.kind, claim.facts)
    except (KeyError, ValueError, TypeError) as exc:
        # Facts this version cannot put into words (a newer version wrote them): waiting won't help.
        return Outcome(Verdict.GIVE_UP, error=f"cannot be written: {type(exc).__name__} {exc}")
    try:
        answer = client.chat_postMessage(
            channel=claim.channel,
            text=message.text,
            blocks=message.blocks,
            thread_ts=claim.thread_ts,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"key": claim.key}},
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as exc:
        return delivery.from_slack_error(exc, attempts=claim.attempts)
    except delivery.LOST_ANSWER_ERRORS as exc:
        return delivery.from_lost_answer(exc)
    return delivery.posted(str(answer["ts"]), str(answer["channel"]))


def _find_posted(reader: WebClient, claim: Claim) -> str | None:
    """The ts of the message carrying this alert's key, if an earlier attempt posted it."""
    if claim.in_doubt_since is None:
        return None  # never posted, so nothing to look for
    oldest = f"{(claim.in_doubt_since - CLOCK_SLACK).timestamp():.6f}"
    me = _BotIdentity.of(reader)
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        if claim.thread_ts:
            page = reader.conversations_replies(
                channel=claim.channel, ts=claim.thread_ts, oldest=oldest, include_all_metadata=True,
                limit=HISTORY_PAGE, cursor=cursor,
            )
        else:
            page = reader.conversations_history(
                channel=claim.channel, oldest=oldest, include_all_metadata=True, limit=HISTORY_PAGE, cursor=cursor,
            )
        for message in page.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            # Only this bot's own post counts: any other app in the channel could copy
            # the metadata and so suppress the alert.
            if payload.get("key") == claim.key and me.posted(message):
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None
    return None


@dataclass(frozen=True)
class _BotIdentity:
    """Who this bot is in Slack, as ``auth.test`` says: the ids its own messages carry."""

    bot_id: str | None
    user_id: str | None

    @classmethod
    def of(cls, reader: WebClient) -> "_BotIdentity":
        answer = reader.auth_test()
        return cls(bot_id=answer.get("bot_id") or None, user_id=answer.get("user_id") or None)

    def posted(self, message: dict[str, Any]) -> bool:
        """Whether ``message`` was posted by this bot."""
        if self.bot_id is not None:
            return message.get("bot_id") == self.bot_id
        return self.user_id is not None and message.get("user") == self.user_id


def _is_direct_message(channel: str) -> bool:
    # Direct messages go to a user id; reading them back would need the im:history scope,
    # which the bot does without: a DM in doubt is posted again rather than risked lost.
    return channel[:1] in ("U", "W")


def _record(services: Services, claim: Claim, outcome: Outcome, at: datetime) -> None:
    with services.db.session() as session:
        if outcome.verdict is Verdict.SENT:
            alerts.mark_sent(session, claim, ts=outcome.ts or "", channel=outcome.channel or claim.channel)
        elif outcome.verdict is Verdict.RETRY:
            alerts.retry_later(
                session, claim, at=at + timedelta(seconds=_delay(claim, outcome)), error=outcome.error,
                in_doubt=outcome.in_doubt,
            )
            log.info("alert %s not posted yet (%s); trying again later", claim.id, outcome.error)
        elif outcome.verdict is Verdict.DEAD_CHANNEL:
            alerts.give_up(session, claim, error=outcome.error)
            _tell_the_admin(session, claim, outcome.error)
        else:
            alerts.give_up(session, claim, error=outcome.error)
            log.error("alert %s (%s) was refused by Slack (%s); it is not posted", claim.id, claim.kind, outcome.error)


def _delay(claim: Claim, outcome: Outcome) -> int:
    if outcome.retry_after is not None:
        return outcome.retry_after
    if outcome.slow:
        return SLOWEST_RETRY
    return min(FIRST_RETRY * 2 ** max(claim.attempts - 1, 0), SLOWEST_RETRY)


def _tell_the_admin(session: Session, claim: Claim, error: str) -> None:
    """The alert channel refused: send the alert to whoever chose the channel, by DM."""
    if _is_direct_message(claim.channel) or claim.kind == AlertKind.CHANNEL_BROKEN:
        log.warning("alert %s could not be sent to the admin either (%s)", claim.id, error)
        return
    state = alerts.lock_state(session, claim.team_id)
    first = state.channel_error is None
    state.channel_error = error
    credentials = workspaces.credentials(session, claim.team_id)
    admin = state.channel_set_by or (credentials.verified_by if credentials else None)
    if admin is None:
        log.warning("alert %s: the alert channel %s refused (%s) and no admin is known to tell",
                    claim.id, claim.channel, error)
        return
    alerts.enqueue(
        session,
        claim.team_id,
        AlertKind.CHANNEL_BROKEN,
        {"channel": claim.channel, "error": error, "first": first, "alert_kind": claim.kind,
         "alert_facts": claim.facts},
        channel=admin,
    )

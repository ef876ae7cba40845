"""What became of one attempt to post an alert, from Slack's answer (or the lack of one).

The question that matters for every failure is whether the message may have been
posted all the same: such an attempt is *in doubt*, and the next one looks for the
message in the channel before posting again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from http.client import HTTPException

from slack_sdk.errors import SlackApiError


class SlackError(StrEnum):
    """Slack error codes the sender treats apart."""

    CHANNEL_NOT_FOUND = "channel_not_found"
    NOT_IN_CHANNEL = "not_in_channel"
    IS_ARCHIVED = "is_archived"
    ACCOUNT_INACTIVE = "account_inactive"
    RESTRICTED_ACTION = "restricted_action"
    RESTRICTED_READ_ONLY = "restricted_action_read_only_channel"
    RESTRICTED_THREAD_ONLY = "restricted_action_thread_only_channel"
    TEAM_ACCESS_NOT_GRANTED = "team_access_not_granted"
    USER_NOT_FOUND = "user_not_found"
    CANNOT_DM_BOT = "cannot_dm_bot"
    INVALID_AUTH = "invalid_auth"
    NOT_AUTHED = "not_authed"
    TOKEN_REVOKED = "token_revoked"
    TOKEN_EXPIRED = "token_expired"
    MISSING_SCOPE = "missing_scope"
    NOT_ALLOWED_TOKEN_TYPE = "not_allowed_token_type"
    NO_PERMISSION = "no_permission"
    RATELIMITED = "ratelimited"
    INTERNAL_ERROR = "internal_error"
    FATAL_ERROR = "fatal_error"
    SERVICE_UNAVAILABLE = "service_unavailable"
    REQUEST_TIMEOUT = "request_timeout"
    # chat.update only.
    MESSAGE_NOT_FOUND = "message_not_found"
    CANT_UPDATE_MESSAGE = "cant_update_message"
    EDIT_WINDOW_CLOSED = "edit_window_closed"


# The channel (or DM) cannot take posts: tell the admin, do not retry.
DEAD_CHANNEL = frozenset({
    SlackError.CHANNEL_NOT_FOUND, SlackError.NOT_IN_CHANNEL, SlackError.IS_ARCHIVED, SlackError.ACCOUNT_INACTIVE,
    SlackError.RESTRICTED_ACTION, SlackError.RESTRICTED_READ_ONLY, SlackError.RESTRICTED_THREAD_ONLY,
    SlackError.TEAM_ACCESS_NOT_GRANTED, SlackError.USER_NOT_FOUND, SlackError.CANNOT_DM_BOT,
})
# Nothing can be posted until an operator fixes the token or the scopes: keep the alerts.
NEEDS_OPERATOR = frozenset({
    SlackError.INVALID_AUTH, SlackError.NOT_AUTHED, SlackError.TOKEN_REVOKED, SlackError.TOKEN_EXPIRED,
    SlackError.MISSING_SCOPE, SlackError.NO_PERMISSION, SlackError.NOT_ALLOWED_TOKEN_TYPE,
})
# Slack's own words: "it's possible some aspect of the operation succeeded".
MAYBE_DONE = frozenset({SlackError.INTERNAL_ERROR, SlackError.FATAL_ERROR})
# conversations.history will not answer these however long one waits.
HISTORY_UNREADABLE = DEAD_CHANNEL | {SlackError.MISSING_SCOPE, SlackError.NOT_ALLOWED_TOKEN_TYPE}
TRANSIENT = frozenset({SlackError.RATELIMITED, SlackError.SERVICE_UNAVAILABLE, SlackError.REQUEST_TIMEOUT})

# An error no retry can mend (a malformed message) is still tried this often, in case it was not.
MAX_ATTEMPTS_FOR_UNKNOWN_ERRORS = 5


class Verdict(Enum):
    """What to do with the outbox row after an attempt."""

    SENT = "sent"
    RETRY = "retry"
    DEAD_CHANNEL = "dead_channel"
    GIVE_UP = "give_up"


@dataclass(frozen=True)
class Outcome:
    """The result of one attempt to deliver an alert."""

    verdict: Verdict
    error: str = ""
    ts: str | None = None
    channel: str | None = None
    # The message may be in Slack despite the failure.
    in_doubt: bool = False
    # Slack asked for this many seconds of quiet (429 Retry-After).
    retry_after: int | None = None
    # Retry at the slowest pace: only an operator can mend it.
    slow: bool = False


def posted(ts: str, channel: str) -> Outcome:
    """The message is in Slack."""
    return Outcome(Verdict.SENT, ts=ts, channel=channel)


def error_code(exc: SlackApiError) -> str:
    """Slack's error code (``channel_not_found``), or ``HTTP <status>`` when the answer had none."""
    data = exc.response.data
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"HTTP {exc.response.status_code}"


def from_slack_error(exc: SlackApiError, *, attempts: int) -> Outcome:
    """The outcome of a post that Slack answered with an error (HTTP 200, 429 or 5xx)."""
    response = exc.response
    status = response.status_code
    code = error_code(exc)
    if status == 429:
        retry_after = _retry_after(response.headers)
        return Outcome(Verdict.RETRY, error=f"rate limited ({retry_after} s)", retry_after=retry_after)
    if status >= 500:
        # A server error may come after the work was done: look before posting again.
        words = code if code.startswith("HTTP") else f"HTTP {status} {code}"
        return Outcome(Verdict.RETRY, error=words, in_doubt=True)
    if code in DEAD_CHANNEL:
        return Outcome(Verdict.DEAD_CHANNEL, error=code)
    if code in NEEDS_OPERATOR:
        return Outcome(Verdict.RETRY, error=code, slow=True)
    if code in MAYBE_DONE:
        return Outcome(Verdict.RETRY, error=code, in_doubt=True)
    if code in TRANSIENT or attempts < MAX_ATTEMPTS_FOR_UNKNOWN_ERRORS:
        return Outcome(Verdict.RETRY, error=code)
    return Outcome(Verdict.GIVE_UP, error=code)


def from_lost_answer(exc: BaseException) -> Outcome:
    """The outcome of a post whose answer never came (timeout, dropped connection)."""
    return Outcome(Verdict.RETRY, error=f"no answer from Slack ({type(exc).__name__})", in_doubt=True)


def _retry_after(headers: dict[str, object]) -> int:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(int(str(raw)), 1)
            except ValueError:
                break
    return 1


# Exceptions that mean the request may have reached Slack but no answer came back.
LOST_ANSWER_ERRORS: tuple[type[BaseException], ...] = (TimeoutError, ConnectionError, HTTPException, OSError)

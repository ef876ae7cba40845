"""What a failed Salesforce login means, told by the SOAP fault's code.

A login ends in one of three kinds of failure, and each is said and handled its own way:

- a verdict on the credentials or the org (``INVALID_LOGIN``, an expired password, API
  access disabled, a locked org...): :class:`LoginFailed`, naming the modal input to fix;
  never retried, since asking again only counts toward the user's lockout;
- a limit (the org's daily API requests, a user's 3,600 logins an hour):
  :class:`RequestLimitReached`, not retried either;
- Salesforce being unavailable (its own ``UNKNOWN_EXCEPTION`` or ``SERVER_UNAVAILABLE``
  faults during an incident, or a 5xx page with no fault at all):
  :class:`SalesforceUnavailable`, which a sync retries with backoff.

simple-salesforce raises ``SalesforceAuthenticationFailed(code, message)`` for every
answer but a good one: ``code`` is the fault's ``sf:exceptionCode``, the HTTP status
(an int) when the body is not XML, or None when it is XML without a fault.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from bot.errors import LoginFailed, RequestLimitReached, SalesforceError, SalesforceUnavailable
from bot.messages import MSG

log = logging.getLogger(__name__)

# Longest part of Salesforce's own message that is repeated to a person.
_MESSAGE_LIMIT = 300


@dataclass(frozen=True)
class _Meaning:
    """What a fault code tells a person, and which modal input it concerns."""

    text: str  # may hold {answer}: the code and Salesforce's message
    field: str = "username"
    kind: Literal["refused", "limit", "unavailable"] = "refused"
    failure: str = "login"  # the FailureKind a sync cycle records for a refusal: its advice fixes it


_UNAVAILABLE = _Meaning(MSG.login_unavailable, kind="unavailable")
_FAULTS: dict[str, _Meaning] = {
    # The credentials, or the user they belong to.
    "INVALID_LOGIN": _Meaning(MSG.login_invalid, "password"),
    "INVALID_OPERATION_WITH_EXPIRED_PASSWORD": _Meaning(MSG.login_password_expired, "password",
                                                        failure="password_expired"),
    "LOGIN_MUST_USE_SECURITY_TOKEN": _Meaning(MSG.login_token_required, "security_token"),
    "PASSWORD_LOCKOUT": _Meaning(MSG.login_locked_out, "password", failure="locked_out"),
    "INACTIVE_OWNER_OR_USER": _Meaning(MSG.login_user_inactive, failure="user_inactive"),
    "USER_NOT_ACTIVE": _Meaning(MSG.login_user_inactive, failure="user_inactive"),
    "INVALID_SSO_GATEWAY_URL": _Meaning(MSG.login_sso),
    # The org, or what its settings let the user do.
    "API_DISABLED_FOR_ORG": _Meaning(MSG.login_api_disabled, failure="no_api"),
    "API_CURRENTLY_DISABLED": _Meaning(MSG.login_api_disabled, failure="no_api"),
    "ORG_LOCKED": _Meaning(MSG.login_org_locked, failure="org_locked"),
    "INSUFFICIENT_ACCESS": _Meaning(MSG.login_no_api_access, failure="no_api"),
    "LOGIN_DURING_RESTRICTED_DOMAIN": _Meaning(MSG.login_restricted_ip, failure="login_restricted"),
    "LOGIN_DURING_RESTRICTED_TIME": _Meaning(MSG.login_restricted_hours, failure="login_restricted"),
    # Limits: they pass by themselves, but asking again at once only adds to them.
    "REQUEST_LIMIT_EXCEEDED": _Meaning(MSG.login_request_limit, kind="limit"),
    "LOGIN_RATE_EXCEEDED": _Meaning(MSG.login_rate_exceeded, kind="limit"),
    # Salesforce itself: its incidents, its maintenance, functions it turns off for a while.
    "UNKNOWN_EXCEPTION": _UNAVAILABLE,
    "SERVER_UNAVAILABLE": _UNAVAILABLE,
    "ORG_IN_MAINTENANCE": _UNAVAILABLE,
    "FUNCTIONALITY_TEMPORARILY_UNAVAILABLE": _UNAVAILABLE,
    # Salesforce's own description: "Functionality has been temporarily disabled."
    "FUNCTIONALITY_NOT_ENABLED": _UNAVAILABLE,
}
# What simple-salesforce reports for a 200 answer that carries no session (not a verdict).
_NO_SESSION = "UNKNOWN_EXCEPTION_CODE"


def login_error(code: str | int | None, message: str | None, *, sandbox: bool | None) -> SalesforceError:
    """The syncbot error for a failed login (``sandbox`` None: not known here)."""
    if code is None or code == _NO_SESSION:
        log.warning("Salesforce answered the login with something that is no login answer")
        return SalesforceUnavailable(MSG.login_unavailable.format(answer=MSG.login_answer_unreadable))
    if isinstance(code, int):
        # Not XML: a page from Salesforce's edge or a proxy, with its status.
        log.warning("Salesforce login answered HTTP %s", code)
        if code >= 500:
            status = MSG.login_answer_status.format(status=code)
            return SalesforceUnavailable(MSG.login_unavailable.format(answer=status))
        return LoginFailed(MSG.login_refused.format(code=code), code=str(code), field="username",
                           answer=MSG.login_answer_status.format(status=code))
    words = _first_line(message)
    answer = MSG.login_answer_fault.format(code=code, message=words) if words else code
    meaning = _FAULTS.get(code)
    log.info("Salesforce refused the login: %s", code)
    if meaning is None:
        # A fault this table does not know is still Salesforce's verdict: said in its words, not retried.
        text = (MSG.login_refused_because.format(code=code, message=words) if words
                else MSG.login_refused.format(code=code))
        return LoginFailed(text, code=code, field="username", answer=answer)
    text = meaning.text.format(answer=answer)
    if meaning.kind == "unavailable":
        return SalesforceUnavailable(text)
    if meaning.kind == "limit":
        return RequestLimitReached(text)
    if code == "INVALID_LOGIN" and sandbox is not None:
        # A sandbox user at login.salesforce.com (or the reverse) fails just like a bad password.
        text += " " + (MSG.login_hint_sandbox if sandbox else MSG.login_hint_production)
    return LoginFailed(text, code=code, field=meaning.field, answer=answer, kind=meaning.failure)


def _first_line(message: str | None) -> str:
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    return lines[0][:_MESSAGE_LIMIT] if lines else ""

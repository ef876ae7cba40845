"""The kinds of failure a sync cycle tells apart, and how an error becomes one.

Status, history and alerts speak of failures by kind: a failure that keeps its kind
from cycle to cycle is one incident, and a change of kind (500s, then an expired
password) is a new one.
"""

from __future__ import annotations

from enum import StrEnum

from bot.errors import (DatabaseFailed, LoginFailed, QuotaReached, RequestLimitReached, SalesforceError,
                        SalesforceUnavailable, SecretKeyMismatch, SecretKeyMissing, StorageError)
from bot.messages import MSG


class FailureKind(StrEnum):
    """Why a cycle failed; the value is stored in ``sync_runs.failure_kind``."""

    LOGIN = "login"                  # the stored password or security token is not accepted
    PASSWORD_EXPIRED = "password_expired"  # the sync user's password has expired
    LOCKED_OUT = "locked_out"        # too many failed logins locked the sync user out
    USER_INACTIVE = "user_inactive"  # the sync user is inactive or frozen
    LOGIN_RESTRICTED = "login_restricted"  # the user's profile refuses this server's IP or this hour
    NO_API = "no_api"                # the org or the user's profile does not allow the API
    ORG_LOCKED = "org_locked"        # Salesforce locked the whole org
    REQUEST_LIMIT = "request_limit"  # Salesforce's daily API limit is used up
    QUOTA = "quota"                  # syncbot stopped at SYNCBOT_API_QUOTA percent of it
    UNAVAILABLE = "unavailable"      # 5xx, timeouts, no connection
    REFUSED = "refused"              # Salesforce refused a request (an invalid field, no access)
    SECRET_KEY = "secret_key"        # SYNCBOT_SECRET_KEY cannot open the stored credentials
    STORAGE = "storage"              # the database refused or could not be reached
    LOCKED = "locked"                # another session held a lock on a mirror table past the timeout
    INTERNAL = "internal"            # a bug in syncbot; the log has the traceback


def kind_of(error: BaseException) -> FailureKind:
    """The kind of failure an exception stands for."""
    if isinstance(error, LoginFailed):
        try:
            return FailureKind(error.kind)
        except ValueError:  # a kind this enum does not name still is a refused login
            return FailureKind.LOGIN
    if isinstance(error, QuotaReached):
        return FailureKind.QUOTA
    if isinstance(error, RequestLimitReached):
        return FailureKind.REQUEST_LIMIT
    if isinstance(error, SalesforceUnavailable):
        return FailureKind.UNAVAILABLE
    if isinstance(error, SalesforceError):
        return FailureKind.REFUSED
    if isinstance(error, (SecretKeyMissing, SecretKeyMismatch)):
        return FailureKind.SECRET_KEY
    if isinstance(error, DatabaseFailed) and error.locked:
        return FailureKind.LOCKED
    if isinstance(error, StorageError):
        return FailureKind.STORAGE
    return FailureKind.INTERNAL


def failure_words(error: BaseException) -> str:
    """What a failed cycle records as its error: for a refused login, Salesforce's own code
    and words only, since the alert and `/sync status` add the advice for its kind."""
    if isinstance(error, LoginFailed):
        return MSG.stored_login_refused.format(answer=error.answer)
    return str(error)

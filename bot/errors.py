"""The one exception hierarchy of syncbot.

Every error the product raises on purpose derives from :class:`SyncbotError` and
carries a message meant for a person: handlers show ``str(error)`` as it is, so the
text must never contain a secret.
"""

from __future__ import annotations


class SyncbotError(Exception):
    """Base of every error syncbot raises on purpose; ``str()`` is safe to show."""


class ConfigError(SyncbotError):
    """A setting is missing or malformed; the program cannot start."""


class StorageError(SyncbotError):
    """The database refused or could not be reached."""


class DatabaseFailed(StorageError):
    """The database failed a sync write for a reason of its own, not of any record (a lock
    held past ``lock_timeout``, a lost connection, a full disk, a missing privilege): the
    batch is not kept and the cursor stays, so the next cycle reads the same rows again.

    ``table`` is set when only that table is concerned (its object fails, the others go
    on); ``locked`` when another session's locks or changes were in the way.
    """

    def __init__(self, message: str, *, table: str | None = None, locked: bool = False) -> None:
        super().__init__(message)
        self.table = table
        self.locked = locked


class SecretKeyMissing(SyncbotError):
    """Credentials cannot be stored or read without ``SYNCBOT_SECRET_KEY``."""


class SecretKeyMismatch(SyncbotError):
    """Stored credentials were encrypted with another key than the current one."""


class NotAuthorized(SyncbotError):
    """The Slack user may not run a changing command."""


class UserInputError(SyncbotError):
    """Malformed arguments or a request that does not fit the current state."""


class StepOutOfOrder(UserInputError):
    """A setup step was asked for before the steps it depends on."""


class ChannelUnusable(UserInputError):
    """The channel named for alerts cannot take the bot's posts (the message says why)."""


class AlreadyDone(UserInputError):
    """A step that runs once was asked for again (a double click, a race)."""


class OtherWorkspace(UserInputError):
    """The database already belongs to another Slack workspace (one workspace, one org per database)."""


class SalesforceError(SyncbotError):
    """Salesforce refused a request or could not be reached."""


class LoginFailed(SalesforceError):
    """Salesforce refused the login; ``field`` names the modal input to fix, ``answer`` is
    Salesforce's own code and words, ``kind`` the failure kind a sync cycle records."""

    def __init__(self, message: str, *, code: str, field: str, answer: str = "", kind: str = "login") -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.answer = answer or code
        self.kind = kind


class FieldRefused(SalesforceError):
    """Salesforce refused a query naming a field the sync user cannot see (INVALID_FIELD):
    removed, or hidden by field-level security since the last describe."""


class QueryLocatorExpired(SalesforceError):
    """Salesforce no longer has the cursor behind a query's next page (INVALID_QUERY_LOCATOR:
    left unused for 15 minutes, or closed): the query must be asked again."""


class SalesforceUnavailable(SalesforceError):
    """Salesforce answered with a server error or could not be reached at all."""


class DownloadCut(SalesforceUnavailable):
    """A download from Salesforce broke off, or held fewer rows than Salesforce announced:
    nothing in it counts as read past what was checked, and reading it again may succeed."""


class RequestLimitReached(SalesforceError):
    """The org's daily API request limit is used up."""


class QuotaReached(RequestLimitReached):
    """syncbot stopped reading at ``SYNCBOT_API_QUOTA`` percent of the org's daily API requests."""


class BulkJobGone(SalesforceError):
    """Salesforce no longer has a Bulk query job (results are kept 7 days): start a new one."""


class BulkJobFailed(SalesforceError):
    """A Bulk query job ended in state Failed or Aborted; the message is Salesforce's."""


class IdsOutOfOrder(SyncbotError):
    """The reconciliation met Ids out of ascending order, on Salesforce's side or the
    table's: it stops there and changes nothing, since a walk in order is what it trusts."""


class Interrupted(SyncbotError):
    """The process is stopping: the cycle ends after the batch it was writing."""


class LockLost(Interrupted):
    """The connection holding the cycle's locks died (a failover, ``idle_session_timeout``,
    a proxy): another replica may run the workspace now, so this cycle stops before it
    commits anything more."""

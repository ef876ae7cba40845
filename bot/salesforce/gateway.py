"""The one module that imports simple-salesforce.

It logs in, describes objects and (later) reads records, and turns every
simple-salesforce exception into one of syncbot's own (``bot.errors``) through a
single map, so that no caller ever sees a raw client error or its response body.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from xml.parsers.expat import ExpatError

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.exceptions import SalesforceError as ClientError

from bot.errors import FieldRefused, QueryLocatorExpired, RequestLimitReached, SalesforceError, SalesforceUnavailable
from bot.messages import MSG
from bot.salesforce.describe import FieldInfo, ObjectInfo
from bot.salesforce.login_faults import login_error
from bot.salesforce.transport import make_session, sync_retry
from bot.salesforce.usage import ApiUsage

log = logging.getLogger(__name__)

API_VERSION = "59.0"

# How many times a sync logs in while Salesforce answers with its own failures (an
# incident's UNKNOWN_EXCEPTION), waiting twice as long each time; then the cycle fails
# as an outage and the next one tries again.
LOGIN_ATTEMPTS = 4
LOGIN_BACKOFF_MAX = 30.0


@dataclass(frozen=True)
class OrgInfo:
    """Who logged in to which org."""

    org_id: str
    org_name: str
    is_sandbox: bool
    instance_url: str
    username: str


class SalesforceGateway:
    """Opens Salesforce connections the way the settings say (direct or through a base URL)."""

    def __init__(self, *, salesforce_url: str | None = None, retry_backoff: float = 0.5) -> None:
        self._salesforce_url = salesforce_url
        self._retry_backoff = retry_backoff

    def login(
        self,
        *,
        username: str,
        password: str,
        security_token: str,
        sandbox: bool,
        timeout: tuple[float, float] | None = None,
        for_sync: bool = False,
    ) -> "SalesforceConnection":
        """Log in with the SOAP API (see ``bot.salesforce.login_faults`` for what a failure is).

        Raises :class:`LoginFailed` naming the input to fix when the credentials or the org
        refuse, :class:`RequestLimitReached` at a limit, :class:`SalesforceUnavailable` when
        Salesforce fails. ``timeout`` (connect, read) bounds each request of this
        connection, for callers that must answer Slack within its three seconds.
        ``for_sync`` connections retry failed requests with backoff (an outage at login
        too, :data:`LOGIN_ATTEMPTS` times) and count their API calls.
        """
        usage = ApiUsage()
        session = make_session(
            self._salesforce_url,
            **({"timeout": timeout} if timeout else {}),
            retry=sync_retry(backoff_factor=self._retry_backoff) if for_sync else None,
            usage=usage,
        )

        def log_in() -> Salesforce:
            attempt = 1
            while True:
                try:
                    return Salesforce(
                        username=username,
                        password=password,
                        security_token=security_token,
                        domain="test" if sandbox else "login",
                        session=session,
                        version=API_VERSION,
                        # REST answers carry double, currency and percent values as JSON numbers;
                        # read as Decimal, each keeps exactly the digits Salesforce sent.
                        parse_float=Decimal,
                    )
                except SalesforceAuthenticationFailed as exc:
                    error = login_error(exc.code, exc.auth_message, sandbox=sandbox)
                except ExpatError:
                    # A 200 whose body is not XML: a captive portal or a proxy's page, not Salesforce's.
                    log.warning("Salesforce login answered with a page that is not XML")
                    error = SalesforceUnavailable(MSG.login_unavailable.format(answer=MSG.login_answer_unreadable))
                except requests.RequestException as exc:
                    # No answer at all, after the transport's own retries of the connection.
                    log.warning("Salesforce login unreachable: %s", type(exc).__name__)
                    raise SalesforceUnavailable(MSG.salesforce_unreachable) from None
                # Only an outage is asked again, and only by a sync (the modal has 3 seconds):
                # a refusal would answer the same, and failed tries count toward a lockout.
                if not for_sync or not isinstance(error, SalesforceUnavailable) or attempt >= LOGIN_ATTEMPTS:
                    raise error
                delay = min(LOGIN_BACKOFF_MAX, self._retry_backoff * 2 ** (attempt - 1))
                time.sleep(delay + random.uniform(0, self._retry_backoff))
                attempt += 1

        return SalesforceConnection(log_in(), username=username, usage=usage, relogin=log_in)


class SalesforceConnection:
    """A logged-in simple-salesforce client behind syncbot's own error types."""

    def __init__(
        self,
        client: Salesforce,
        *,
        username: str,
        usage: ApiUsage | None = None,
        relogin: Callable[[], Salesforce] | None = None,
    ) -> None:
        self._client = client
        self.username = username
        self.usage = usage or ApiUsage()
        self._relogin = relogin
        self._user_id: str | None = None

    @property
    def client(self) -> Salesforce:
        """The simple-salesforce client (for the modules of ``bot.salesforce`` only)."""
        return self._client

    def relogin(self) -> None:
        """Log in again with the same credentials (Bulk calls do not do it by themselves)."""
        if self._relogin is None:
            raise SalesforceError(MSG.salesforce_refused.format(code="INVALID_SESSION_ID"))
        self._client = self._relogin()

    @property
    def instance_url(self) -> str:
        """``https://<instance host>`` of the org."""
        return f"https://{self._client.sf_instance}"

    def org(self) -> OrgInfo:
        """The org of this session (``Organization`` is readable by every API user)."""
        with translated():
            result = self._client.query("SELECT Id, Name, IsSandbox FROM Organization")
        record = result["records"][0]
        return OrgInfo(
            org_id=record["Id"],
            org_name=record["Name"],
            is_sandbox=bool(record["IsSandbox"]),
            instance_url=self.instance_url,
            username=self.username,
        )

    def user_id(self) -> str | None:
        """The Id of the logged-in user (asked once, then kept): what Salesforce stamps as
        ``createdById`` on what this connection creates. None if the user cannot see itself."""
        if self._user_id is None:
            # SOQL string literals escape backslashes and quotes; a username may hold a quote.
            name = self.username.replace("\\", "\\\\").replace("'", "\\'")
            with translated():
                records = self._client.query(f"SELECT Id FROM User WHERE Username = '{name}'")["records"]
            self._user_id = str(records[0]["Id"]) if records else None
        return self._user_id

    def describe(self, object_names: Iterable[str], *,
                 between: Callable[[], None] | None = None) -> list[ObjectInfo]:
        """Describe the given objects as the sync user sees them.

        Objects the org lacks or the user may not query come back with
        ``available=False`` instead of failing the whole call. ``between`` runs before
        every request but the first (a quota check may stop the describe there).
        """
        with translated():
            catalog = {item["name"].lower(): item for item in (self._client.describe() or {})["sobjects"]}
        described: list[ObjectInfo] = []
        for name in object_names:
            entry = catalog.get(name.lower())
            if entry is None or not entry.get("queryable", False):
                described.append(ObjectInfo(name=name, label=name, available=False, fields=()))
                continue
            if between is not None:
                between()
            with translated():
                body = getattr(self._client, entry["name"]).describe()
            described.append(ObjectInfo.from_describe(body))
        return described

    def describe_if_modified(self, object_name: str, since: str | None) -> tuple[ObjectInfo | None, str | None]:
        """One object's describe unless its metadata is unchanged since ``since`` (the
        ``Last-Modified`` of an earlier answer): ``(None, since)`` for a 304, which costs
        Salesforce nothing to answer; else the object and its new ``Last-Modified``."""
        sobject = getattr(self._client, object_name)
        headers = {"If-Modified-Since": since} if since else {}
        try:
            with translated():
                # The client's own call, for its re-login; describe() itself drops the headers.
                response = sobject._call_salesforce("GET", sobject.base_url + "describe", headers=headers)
        except _NotModified:
            return None, since
        return ObjectInfo.from_describe(response.json()), response.headers.get("Last-Modified") or since


def error_for(status: int, content: Any) -> SalesforceError:
    """The syncbot error for an error answer of Salesforce: the one status-to-exception map,
    used for whole answers and for the subrequests of a Composite request alike."""
    code, message = _error_code(content)
    if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
        return RequestLimitReached(MSG.salesforce_request_limit)
    if status >= 500:
        # Unmapped 4xx answers (431/414 for long URLs) are refusals, not outages.
        return SalesforceUnavailable(MSG.salesforce_server_error.format(status=status))
    if code == "INVALID_FIELD":
        return FieldRefused(MSG.salesforce_refused_because.format(code=code, message=(message or "")[:300]))
    if code == "INVALID_QUERY_LOCATOR":
        return QueryLocatorExpired(MSG.salesforce_refused_because.format(code=code, message=(message or "")[:300]))
    if message:
        return SalesforceError(MSG.salesforce_refused_because.format(code=code or status, message=message[:300]))
    return SalesforceError(MSG.salesforce_refused.format(code=code or status))


@contextmanager
def translated() -> Iterator[None]:
    """Turns client exceptions into syncbot's (through :func:`error_for`)."""
    try:
        yield
    except SalesforceAuthenticationFailed as exc:
        # The session expired and logging in again failed: refused (a changed password), or
        # Salesforce unavailable.
        raise login_error(exc.code, exc.auth_message, sandbox=None) from None
    except ClientError as exc:
        if exc.status == 304:
            # simple-salesforce raises for every status >= 300, 304 Not Modified included.
            raise _NotModified() from None
        raise error_for(exc.status, exc.content) from None
    except requests.RequestException as exc:
        log.warning("Salesforce unreachable: %s", type(exc).__name__)
        raise SalesforceUnavailable(MSG.salesforce_unreachable) from None


class _NotModified(Exception):
    """A conditional request answered 304 (only ``describe_if_modified`` asks one)."""


def _error_code(content: Any) -> tuple[str | None, str | None]:
    """The ``errorCode`` and ``message`` of a Salesforce error body (a JSON list), if any."""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        first = content[0]
        # Query errors quote the SOQL with a caret under the fault; the last line says what it is.
        lines = [line.strip() for line in str(first.get("message") or "").splitlines() if line.strip()]
        return (str(first.get("errorCode") or "") or None, lines[-1] if lines else None)
    return None, None




__all__ = ["FieldInfo", "ObjectInfo", "OrgInfo", "SalesforceConnection", "SalesforceGateway"]

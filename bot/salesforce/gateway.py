"""The one module that imports simple-salesforce.

It logs in, describes objects and (later) reads records, and turns every
simple-salesforce exception into one of syncbot's own (``bot.errors``) through a
single map, so that no caller ever sees a raw client error or its response body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.exceptions import SalesforceError as ClientError

from bot.errors import FieldRefused, LoginFailed, RequestLimitReached, SalesforceError, SalesforceUnavailable
from bot.messages import MSG
from bot.salesforce.describe import FieldInfo, ObjectInfo
from bot.salesforce.transport import make_session, sync_retry
from bot.salesforce.usage import ApiUsage

log = logging.getLogger(__name__)

API_VERSION = "59.0"

# Login fault codes -> (what to tell the person, which modal input to fix).
_LOGIN_FAULTS: dict[str, tuple[str, str]] = {
    "INVALID_LOGIN": (MSG.login_invalid, "password"),
    "INVALID_OPERATION_WITH_EXPIRED_PASSWORD": (MSG.login_password_expired, "password"),
    "API_DISABLED_FOR_ORG": (MSG.login_api_disabled, "username"),
    "API_CURRENTLY_DISABLED": (MSG.login_api_disabled, "username"),
    "LOGIN_MUST_USE_SECURITY_TOKEN": (MSG.login_token_required, "security_token"),
    "INVALID_SSO_GATEWAY_URL": (MSG.login_sso, "username"),
}


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
        """Log in with the SOAP API; raises :class:`LoginFailed` naming the input to fix.

        ``timeout`` (connect, read) bounds each request of this connection, for
        callers that must answer Slack within its three seconds. ``for_sync``
        connections retry failed requests with backoff and count their API calls.
        """
        usage = ApiUsage()
        session = make_session(
            self._salesforce_url,
            **({"timeout": timeout} if timeout else {}),
            retry=sync_retry(backoff_factor=self._retry_backoff) if for_sync else None,
            usage=usage,
        )

        def log_in() -> Salesforce:
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
                raise _login_failure(exc, sandbox=sandbox) from None
            except requests.RequestException as exc:
                log.warning("Salesforce login unreachable: %s", type(exc).__name__)
                raise SalesforceUnavailable(MSG.salesforce_unreachable) from None

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

    def describe(self, object_names: Iterable[str]) -> list[ObjectInfo]:
        """Describe the given objects as the sync user sees them.

        Objects the org lacks or the user may not query come back with
        ``available=False`` instead of failing the whole call.
        """
        with translated():
            catalog = {item["name"].lower(): item for item in (self._client.describe() or {})["sobjects"]}
        described: list[ObjectInfo] = []
        for name in object_names:
            entry = catalog.get(name.lower())
            if entry is None or not entry.get("queryable", False):
                described.append(ObjectInfo(name=name, label=name, available=False, fields=()))
                continue
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


def _login_failure(exc: SalesforceAuthenticationFailed, *, sandbox: bool | None) -> SalesforceError:
    """What a refused login means for a person (``sandbox`` None: not known here)."""
    if isinstance(exc.code, int) and exc.code >= 500:
        # Not a SOAP fault: the client saw an outage page and reports its status.
        log.warning("Salesforce login answered HTTP %s", exc.code)
        return SalesforceUnavailable(MSG.salesforce_server_error.format(status=exc.code))
    code = str(exc.code)
    log.info("Salesforce refused the login: %s", code)
    text, field = _LOGIN_FAULTS.get(code, (MSG.login_refused.format(code=code), "username"))
    if code == "INVALID_LOGIN" and sandbox is not None:
        # A sandbox user at login.salesforce.com (or the reverse) fails just like a bad password.
        text += " " + (MSG.login_hint_sandbox if sandbox else MSG.login_hint_production)
    return LoginFailed(text, code=code, field=field)


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
    if message:
        return SalesforceError(MSG.salesforce_refused_because.format(code=code or status, message=message[:300]))
    return SalesforceError(MSG.salesforce_refused.format(code=code or status))


@contextmanager
def translated() -> Iterator[None]:
    """Turns client exceptions into syncbot's (through :func:`error_for`)."""
    try:
        yield
    except SalesforceAuthenticationFailed as exc:
        # The session expired and logging in again was refused (a changed password).
        raise _login_failure(exc, sandbox=None) from None
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

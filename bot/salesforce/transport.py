"""The HTTP session under simple-salesforce: timeouts, retries, usage, and the
``SYNCBOT_SALESFORCE_URL`` rewrite."""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.util.retry import Retry

from bot.salesforce.usage import ApiUsage

# Where simple-salesforce sends the SOAP login (production and sandbox).
LOGIN_HOSTS = ("login.salesforce.com", "test.salesforce.com")
# Seconds to connect, and to wait for a response, before calling Salesforce unreachable.
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 120
# What may be sent again after its answer was lost (see may_repeat): reads, the login, and
# the Composite resource when all it holds are reads.
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SOAP_LOGIN = re.compile(r"^/services/Soap/u/[0-9.]+$")
_COMPOSITE = re.compile(r"^/services/data/v[0-9.]+/composite$")


def sync_retry(*, backoff_factor: float = 0.5) -> Retry:
    """How a sync connection retries what :func:`may_repeat` allows: 5xx, timeouts and
    dropped connections, a few times, with exponential backoff and jitter (so replicas do
    not retry in step). After the last try the error answer is handed to
    simple-salesforce, which raises it as usual.
    """
    return Retry(
        total=4,
        connect=3,
        read=2,
        status=4,
        other=1,
        status_forcelist=(500, 502, 503, 504),
        # POST: only the reads among them (a Composite of queries, the login) come here.
        allowed_methods=frozenset({"GET", "HEAD", "OPTIONS", "POST"}),
        backoff_factor=backoff_factor,
        backoff_jitter=backoff_factor,
        backoff_max=30,
        raise_on_status=False,
        respect_retry_after_header=True,
    )


def may_repeat(request: requests.PreparedRequest) -> bool:
    """Whether sending ``request`` twice does no more than sending it once: THE rule for
    every retry of the transport.

    Salesforce may carry out a request whose answer is then lost (a 5xx after the work,
    a dropped connection, a read timeout), so only reads are sent again blindly: GET,
    HEAD, OPTIONS, the SOAP login (another session, nothing else) and a Composite request
    whose subrequests are all GETs. Anything else (creating a Bulk job or a record,
    PATCH, PUT, DELETE) is sent once, and retried only when its connection could not even
    be opened; when its answer is lost, the caller looks for what it may have done
    before doing it again (``RecordReader.start_bulk_query`` aborts a job it orphaned).
    """
    method = (request.method or "").upper()
    if method in _READ_METHODS:
        return True
    if method != "POST":
        return False
    path = urllib.parse.urlsplit(request.url or "").path.rstrip("/")
    if _SOAP_LOGIN.match(path):
        return True
    return _COMPOSITE.match(path) is not None and _only_reads(request.body)


def _only_reads(body: bytes | str | None) -> bool:
    """True for a Composite body whose subrequests are all GETs."""
    try:
        payload = json.loads(body or b"")
    except (TypeError, ValueError):
        return False
    subrequests = payload.get("compositeRequest") if isinstance(payload, dict) else None
    return bool(subrequests) and all(
        isinstance(item, dict) and str(item.get("method", "")).upper() == "GET" for item in subrequests
    )


def _connections_only(retry: Retry) -> Retry:
    """``retry`` narrowed to connections that could not be opened (the request never left)."""
    return retry.new(read=False, other=0, status_forcelist=(), respect_retry_after_header=False)


class _RepeatGuard(BaseAdapter):
    """Sends what :func:`may_repeat` allows through an adapter that retries it, and the
    rest through one that only retries connections never opened."""

    def __init__(self, again: HTTPAdapter, once: HTTPAdapter) -> None:
        super().__init__()
        self._again = again
        self._once = once

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        return (self._again if may_repeat(request) else self._once).send(request, *args, **kwargs)

    def close(self) -> None:
        self._again.close()
        self._once.close()


class RewriteAdapter(HTTPAdapter):
    """Sends every request to one base URL, keeping the original host in ``X-Forwarded-Host``.

    simple-salesforce always builds ``https://{domain}.salesforce.com`` and
    ``https://{instance}`` URLs; rewriting at the transport covers login, REST,
    paging and Bulk alike without touching the client.
    """

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        self.base_url = base_url.rstrip("/")
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urllib.parse.urlsplit(request.url or "")
        request.headers["X-Forwarded-Host"] = parts.netloc
        request.url = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().send(request, *args, **kwargs)


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request a timeout: simple-salesforce sets none, and a hung socket
    would hold a sync cycle forever."""

    def __init__(self, *args: Any, timeout: tuple[float, float], **kwargs: Any) -> None:
        self.timeout = timeout
        super().__init__(*args, **kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, *args, **kwargs)


class _RewriteTimeoutAdapter(RewriteAdapter, _TimeoutAdapter):
    """Both of the above."""


def make_session(
    salesforce_url: str | None,
    *,
    timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
    retry: Retry | None = None,
    usage: ApiUsage | None = None,
) -> requests.Session:
    """A session for simple-salesforce: direct, or rewritten to ``salesforce_url``.

    ``timeout`` (connect, read) applies to every request that does not set its own;
    ``retry`` (none by default: the credentials modal has no time for it) retries
    failed requests that :func:`may_repeat` (the others only when their connection
    could not be opened); ``usage`` counts calls and reads the org's API usage.
    """
    session = requests.Session()
    # Proxy variables of the environment must not divert Salesforce traffic or the rewrite.
    session.trust_env = salesforce_url is None

    def adapter(retries: Retry | int) -> HTTPAdapter:
        options: dict[str, Any] = {"timeout": timeout, "max_retries": retries}
        return _RewriteTimeoutAdapter(salesforce_url, **options) if salesforce_url else _TimeoutAdapter(**options)

    def guarded(retries: Retry) -> BaseAdapter:
        return _RepeatGuard(adapter(retries), adapter(_connections_only(retries)))

    if retry is None:
        session.mount("https://", adapter(0))
    else:
        session.mount("https://", guarded(retry))
        # A login's answer is judged by its fault code, which the transport cannot see (a
        # refusal and an incident both come as HTTP 500): the gateway decides whether to
        # log in again; here only failed connections and lost answers are retried.
        for host in LOGIN_HOSTS:
            session.mount(f"https://{host}", guarded(retry.new(status_forcelist=(), respect_retry_after_header=False)))
    if usage is not None:
        session.hooks["response"].append(usage.observe)
    return session

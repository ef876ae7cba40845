"""The HTTP session under simple-salesforce: timeouts, retries, usage, and the
``SYNCBOT_SALESFORCE_URL`` rewrite."""

from __future__ import annotations

import urllib.parse
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bot.salesforce.usage import ApiUsage

# Where simple-salesforce sends the SOAP login (production and sandbox).
LOGIN_HOSTS = ("login.salesforce.com", "test.salesforce.com")
# Seconds to connect, and to wait for a response, before calling Salesforce unreachable.
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 120


def sync_retry(*, backoff_factor: float = 0.5) -> Retry:
    """How a sync connection retries: 5xx, timeouts and dropped connections, a few times,
    with exponential backoff and jitter (so replicas do not retry in step).

    Every request a sync makes only reads, so POSTs (Composite, a Bulk job) may be
    retried too; after the last try the error answer is handed to simple-salesforce,
    which raises it as usual.
    """
    return Retry(
        total=4,
        connect=3,
        read=2,
        status=4,
        other=1,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "POST", "PATCH", "DELETE", "HEAD"}),
        backoff_factor=backoff_factor,
        backoff_jitter=backoff_factor,
        backoff_max=30,
        raise_on_status=False,
        respect_retry_after_header=True,
    )


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
    failed requests; ``usage`` counts calls and reads the org's API usage.
    """
    session = requests.Session()
    # Proxy variables of the environment must not divert Salesforce traffic or the rewrite.
    session.trust_env = salesforce_url is None

    def adapter(retries: Retry | int) -> HTTPAdapter:
        options: dict[str, Any] = {"timeout": timeout, "max_retries": retries}
        return _RewriteTimeoutAdapter(salesforce_url, **options) if salesforce_url else _TimeoutAdapter(**options)

    session.mount("https://", adapter(retry or 0))
    if retry is not None:
        # A login's answer is judged by its fault code, which the transport cannot see (a
        # refusal and an incident both come as HTTP 500): the gateway decides whether to ask
        # again; here only connections that failed are retried.
        for host in LOGIN_HOSTS:
            session.mount(f"https://{host}", adapter(retry.new(status_forcelist=(), respect_retry_after_header=False)))
    if usage is not None:
        session.hooks["response"].append(usage.observe)
    return session

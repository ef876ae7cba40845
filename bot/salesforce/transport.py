"""The HTTP session under simple-salesforce: timeouts, and the ``SYNCBOT_SALESFORCE_URL`` rewrite."""

from __future__ import annotations

import urllib.parse
from typing import Any

import requests
from requests.adapters import HTTPAdapter

# Seconds to connect, and to wait for a response, before calling Salesforce unreachable.
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 120


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
    salesforce_url: str | None, *, timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT)
) -> requests.Session:
    """A session for simple-salesforce: direct, or rewritten to ``salesforce_url``.

    ``timeout`` (connect, read) applies to every request that does not set its own.
    """
    session = requests.Session()
    # Proxy variables of the environment must not divert Salesforce traffic or the rewrite.
    session.trust_env = salesforce_url is None
    adapter: HTTPAdapter = (
        _RewriteTimeoutAdapter(salesforce_url, timeout=timeout)
        if salesforce_url
        else _TimeoutAdapter(timeout=timeout)
    )
    session.mount("https://", adapter)
    return session

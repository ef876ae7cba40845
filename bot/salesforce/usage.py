"""What a connection costs: API calls made, and the org's daily usage as Salesforce reports it.

Salesforce puts ``Sforce-Limit-Info: api-usage=42/15000`` on its REST answers;
simple-salesforce reads it only on some calls and never on Bulk ones, so a response
hook on the HTTP session reads it on every answer instead.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
# Requests to these paths count toward the org's daily API requests; the SOAP login does not.
_COUNTED_PREFIX = "/services/data/"


@dataclass(frozen=True)
class UsageSnapshot:
    """Calls made so far by this connection, and the org's usage when last seen."""

    calls: int
    used: int | None
    max: int | None

    @property
    def percent(self) -> float | None:
        """The org's daily usage in percent, when known."""
        if self.used is None or not self.max:
            return None
        return 100.0 * self.used / self.max


def past_quota(used: int | None, maximum: int | None, quota_percent: int) -> bool:
    """True when ``used`` of ``maximum`` daily requests is at or past ``quota_percent`` percent
    (``SYNCBOT_API_QUOTA``); False while usage is not known."""
    return used is not None and bool(maximum) and used >= (maximum or 0) * quota_percent / 100


class ApiUsage:
    """Counts the API calls of one connection and keeps the org's latest usage (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls = 0
        self._used: int | None = None
        self._max: int | None = None

    def observe(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> requests.Response:
        """A ``requests`` response hook: count the call and read its limit header."""
        path = urlsplit(response.request.url or "").path if response.request is not None else ""
        match = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        with self._lock:
            if path.startswith(_COUNTED_PREFIX):
                self._calls += 1
            if match:
                self._used, self._max = int(match.group(1)), int(match.group(2))
        return response

    def set_usage(self, used: int, maximum: int) -> None:
        """Record usage read some other way (the limits resource)."""
        with self._lock:
            self._used, self._max = used, maximum

    def snapshot(self) -> UsageSnapshot:
        """The figures now."""
        with self._lock:
            return UsageSnapshot(calls=self._calls, used=self._used, max=self._max)

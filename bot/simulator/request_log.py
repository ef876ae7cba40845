"""A bounded log of the requests the simulator answered, for tests to assert on.

It never holds secrets: no bodies (the login carries the password), no
``Authorization`` header, only the user the session belonged to.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

# Request headers worth keeping: none of them carries a secret.
LOGGED_HEADERS = ("x-forwarded-host", "sforce-query-options", "content-type", "accept", "soapaction")


@dataclass(frozen=True)
class LoggedRequest:
    """One answered request."""

    at: datetime
    method: str
    path: str
    query_string: str
    status: int
    forwarded_host: str | None
    username: str | None = None  # the session's user, or the login's username
    counted: bool = False  # whether it counted against the daily API requests
    dropped: bool = False  # whether the answer broke off mid-body (a fault switch)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """``login``, ``bulk``, ``rest`` or ``other``, from the path."""
        if self.path.startswith("/services/Soap/"):
            return "login"
        if "/jobs/" in self.path:
            return "bulk"
        if self.path.startswith("/services/data/"):
            return "rest"
        return "other"


class RequestLog:
    """Thread-safe, keeps the last ``capacity`` requests."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[LoggedRequest] = deque(maxlen=capacity)

    def append(self, entry: LoggedRequest) -> None:
        """Record one answered request (the oldest falls out when full)."""
        with self._lock:
            self._entries.append(entry)

    def entries(self, where: Callable[[LoggedRequest], bool] | None = None) -> list[LoggedRequest]:
        """The logged requests, oldest first, optionally filtered."""
        with self._lock:
            entries = list(self._entries)
        return entries if where is None else [entry for entry in entries if where(entry)]

    def count(self, *, method: str | None = None, path_contains: str | None = None,
              kind: str | None = None, status: int | None = None) -> int:
        """How many logged requests match every given criterion."""
        def matches(entry: LoggedRequest) -> bool:
            return ((method is None or entry.method == method.upper())
                    and (path_contains is None or path_contains in entry.path)
                    and (kind is None or entry.kind == kind)
                    and (status is None or entry.status == status))
        return len(self.entries(matches))

    def clear(self) -> None:
        """Forget every logged request."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

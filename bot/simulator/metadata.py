"""When each object's metadata last changed, for ``Last-Modified`` / ``If-Modified-Since`` on describe.

HTTP dates have whole seconds, so each change moves the object's date to the clock's
second, and at least one second past the previous change: a client that got
``Last-Modified: T`` and asks ``If-Modified-Since: T`` after a later change always
gets the new describe, even when the test clock stands still.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Callable

_ONE_SECOND = timedelta(seconds=1)


class MetadataDates:
    """The last metadata change per object (case-insensitive names), starting at ``created``."""

    def __init__(self, created: datetime, now: Callable[[], datetime]) -> None:
        self._created = created.replace(microsecond=0)
        self._now = now
        self._lock = threading.Lock()
        self._changed: dict[str, datetime] = {}

    def last_modified(self, object_name: str) -> datetime:
        """When the object's fields or their visibility last changed."""
        with self._lock:
            return self._changed.get(object_name.lower(), self._created)

    def touch(self, object_name: str) -> datetime:
        """Record a change now; returns the object's new date."""
        key = object_name.lower()
        moment = self._now().replace(microsecond=0)
        with self._lock:
            previous = self._changed.get(key, self._created)
            if moment <= previous:
                moment = previous + _ONE_SECOND
            self._changed[key] = moment
        return moment


def http_date(moment: datetime) -> str:
    """``Tue, 04 Jun 2024 12:00:00 GMT``."""
    return format_datetime(moment, usegmt=True)


def parse_http_date(text: str | None) -> datetime | None:
    """An HTTP date as aware UTC, or None when absent or malformed (then the header is ignored)."""
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # "-0000" means UTC with no zone information
        moment = moment.replace(tzinfo=timezone.utc)
    return moment

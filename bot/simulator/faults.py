"""Fault switches: make the simulator fail the way Salesforce does, on demand.

Each switch is thread-safe and consumed by the request that trips it, so a test can
say "the next two REST calls get a 503" and then watch the client recover, or "the
next job creation is carried out but its answer is lost" and watch what a retry does.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Literal

# Which requests an injected failure may hit: REST (including Bulk 2.0), logins, any, or
# only the status polls of Bulk 2.0 query jobs (``GET jobs/query/<id>``).
FailureScope = Literal["rest", "login", "any", "bulk_poll"]
DEFAULT_BULK_FAILURE = "InternalServerError : Job failed on the Salesforce side"


@dataclass(frozen=True)
class InjectedFailure:
    """One canned error answer."""

    status: int
    error_code: str
    message: str
    scope: FailureScope = "rest"


@dataclass(frozen=True)
class LostAnswer:
    """A request carried out whose answer never reaches the client: replaced by an error
    status, or by a connection closed before any answer (``status`` None)."""

    method: str
    path_contains: str
    status: int | None = 503


class FaultSwitches:
    """The switchboard shared by the endpoints."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: deque[InjectedFailure] = deque()
        self._bulk_failures: deque[str] = deque()
        self._request_limit_exceeded = False
        self._session_expiries: list[_SessionExpiry] = []
        # Bulk results pages begin with a UTF-8 byte-order mark, as some exports and proxies send them.
        self.bulk_results_with_bom = False
        self._dropped_downloads: list[_DroppedDownload] = []
        self._truncated_pages: deque[int] = deque()
        self._lost_answers: deque[LostAnswer] = deque()

    def fail_next(self, count: int = 1, *, status: int = 503, error_code: str = "SERVER_UNAVAILABLE",
                  message: str = "Server temporarily unavailable. Please try again later.",
                  scope: FailureScope = "rest") -> None:
        """Answer the next ``count`` matching requests with this error (JSON list body)."""
        if status < 400:
            raise ValueError("an injected failure needs an error status")
        with self._lock:
            self._failures.extend([InjectedFailure(status, error_code, message, scope)] * count)

    def take_failure(self, kind: Literal["rest", "login", "bulk_poll"]) -> InjectedFailure | None:
        """The failure queued for a request of this kind, if any (consumed)."""
        with self._lock:
            for index, failure in enumerate(self._failures):
                if failure.scope in (kind, "any"):
                    del self._failures[index]
                    return failure
        return None

    def clear(self) -> None:
        """Drop every pending failure and switch."""
        with self._lock:
            self._failures.clear()
            self._bulk_failures.clear()
            self._request_limit_exceeded = False
            self._session_expiries.clear()
            self.bulk_results_with_bom = False
            self._dropped_downloads.clear()
            self._truncated_pages.clear()
            self._lost_answers.clear()

    @property
    def pending_failures(self) -> int:
        """How many injected failures are still waiting."""
        with self._lock:
            return len(self._failures)

    def lose_next_answer(self, method: str, path_contains: str, *, status: int | None = 503) -> None:
        """Carry out the next ``method`` request whose path contains ``path_contains``, then
        answer it with ``status`` (an error in REST's shape) or, with None, close the
        connection without a word, as a network failure after the request arrived would."""
        if status is not None and status < 400:
            raise ValueError("a lost answer is replaced by an error status, or None to drop the connection")
        with self._lock:
            self._lost_answers.append(LostAnswer(method.upper(), path_contains, status))

    def take_lost_answer(self, method: str, path: str) -> LostAnswer | None:
        """The lost-answer switch this request trips, if any (consumed)."""
        with self._lock:
            for index, lost in enumerate(self._lost_answers):
                if lost.method == method.upper() and lost.path_contains in path:
                    del self._lost_answers[index]
                    return lost
        return None

    def fail_next_bulk_job(self, message: str = DEFAULT_BULK_FAILURE) -> None:
        """Make the next Bulk 2.0 query job end in state ``Failed`` with this ``errorMessage``."""
        with self._lock:
            self._bulk_failures.append(message)

    def take_bulk_failure(self) -> str | None:
        """The failure message for a new bulk job, if one is queued (consumed)."""
        with self._lock:
            return self._bulk_failures.popleft() if self._bulk_failures else None

    def expire_sessions_after(self, requests: int, path_contains: str | None = None) -> None:
        """Arm a countdown: the ``requests``-th request from now (whose path contains
        ``path_contains``, if given) ends every session before it is answered."""
        if requests < 1:
            raise ValueError("count requests from 1 (the very next one)")
        with self._lock:
            self._session_expiries.append(_SessionExpiry(requests, path_contains))

    def sessions_expire_now(self, path: str) -> bool:
        """Count one request against the armed countdowns; True when one of them ran out."""
        with self._lock:
            due = False
            for expiry in list(self._session_expiries):
                if expiry.path_contains is None or expiry.path_contains in path:
                    expiry.remaining -= 1
                    if expiry.remaining == 0:
                        self._session_expiries.remove(expiry)
                        due = True
            return due

    def drop_downloads(self, count: int, *, after_bytes: int, path_contains: str | None = None) -> None:
        """Break off the next ``count`` successful answers longer than ``after_bytes`` bytes
        (whose path contains ``path_contains``, if given) after ``after_bytes`` bytes of their
        body: the connection closes mid-download, though the headers announced the whole body."""
        if count < 1 or after_bytes < 0:
            raise ValueError("drop at least one download, after zero bytes or more")
        with self._lock:
            self._dropped_downloads.append(_DroppedDownload(count, after_bytes, path_contains))

    def take_dropped_download(self, path: str, size: int) -> int | None:
        """How many bytes of this answer (of ``size`` bytes) to send before dropping the
        connection, if it is to be dropped (consumed)."""
        with self._lock:
            for drop in self._dropped_downloads:
                if size > drop.after_bytes and (drop.path_contains is None or drop.path_contains in path):
                    drop.remaining -= 1
                    if drop.remaining == 0:
                        self._dropped_downloads.remove(drop)
                    return drop.after_bytes
        return None

    def truncate_results_pages(self, count: int, *, rows: int) -> None:
        """The next ``count`` Bulk results pages of more than ``rows`` rows hold only their
        first ``rows`` rows and end cleanly there, while ``Sforce-NumberOfRecords`` still
        counts every row of the page."""
        if count < 1 or rows < 0:
            raise ValueError("truncate at least one page, to zero rows or more")
        with self._lock:
            self._truncated_pages.extend([rows] * count)

    def take_truncated_page(self, rows: int) -> int | None:
        """How many of its ``rows`` rows a results page may hold, if it is to be truncated
        (consumed)."""
        with self._lock:
            if self._truncated_pages and rows > self._truncated_pages[0]:
                return self._truncated_pages.popleft()
            return None

    @property
    def request_limit_exceeded(self) -> bool:
        """Whether every REST call is refused with REQUEST_LIMIT_EXCEEDED (independent of usage)."""
        with self._lock:
            return self._request_limit_exceeded

    @request_limit_exceeded.setter
    def request_limit_exceeded(self, value: bool) -> None:
        with self._lock:
            self._request_limit_exceeded = value


@dataclass
class _SessionExpiry:
    remaining: int
    path_contains: str | None


@dataclass
class _DroppedDownload:
    remaining: int
    after_bytes: int
    path_contains: str | None

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

# Which requests an injected failure may hit: REST (including Bulk 2.0), logins, or any.
FailureScope = Literal["rest", "login", "any"]
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
        self._lost_answers: deque[LostAnswer] = deque()

    def fail_next(self, count: int = 1, *, status: int = 503, error_code: str = "SERVER_UNAVAILABLE",
                  message: str = "Server temporarily unavailable. Please try again later.",
                  scope: FailureScope = "rest") -> None:
        """Answer the next ``count`` matching requests with this error (JSON list body)."""
        if status < 400:
            raise ValueError("an injected failure needs an error status")
        with self._lock:
            self._failures.extend([InjectedFailure(status, error_code, message, scope)] * count)

    def take_failure(self, kind: Literal["rest", "login"]) -> InjectedFailure | None:
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

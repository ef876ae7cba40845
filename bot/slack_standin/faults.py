"""Fault switches: make chosen Web API methods fail the way Slack fails.

The failures a Slack client has to survive:

- an error answer (HTTP 200 with ``{"ok": false, "error": ...}``, which slack_sdk
  raises as ``SlackApiError``);
- rate limiting (HTTP 429 with ``Retry-After``, which only a client with a
  ``RateLimitErrorRetryHandler`` survives);
- a server error (HTTP 5xx), during an outage;
- a call whose fate the client cannot know: Slack carried it out, then the answer
  was a 5xx or the connection dropped (``processed=True``). A client that simply
  sends it again posts the message twice.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class FaultAnswer:
    """The HTTP answer that replaces the normal one for a faulted call."""

    status: int
    body: dict[str, object]
    headers: dict[str, str]
    # Carry the call out before answering with the fault.
    processed: bool = False
    # Close the connection without any answer (``status`` is then unused).
    hang_up: bool = False


@dataclass
class _Fault:
    answer: FaultAnswer
    remaining: int | None  # None: until cleared


class FaultPlan:
    """Per-method queues of faults, consumed one call at a time, in the order armed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, list[_Fault]] = {}

    def fail(self, method: str, *, error: str, times: int | None) -> None:
        """Answer the next ``times`` calls of ``method`` with ``{"ok": false, "error": error}``."""
        self._arm(method, FaultAnswer(200, {"ok": False, "error": error}, {}), times)

    def rate_limit(self, method: str, *, retry_after: int, times: int | None) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429 and ``Retry-After``."""
        answer = FaultAnswer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        self._arm(method, answer, times)

    def server_error(self, method: str, *, status: int, times: int | None, processed: bool) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP ``status`` (a 5xx)."""
        if not 500 <= status <= 599:
            raise ValueError(f"a server error has a 5xx status, got {status}")
        answer = FaultAnswer(status, {"ok": False, "error": "internal_error"}, {}, processed=processed)
        self._arm(method, answer, times)

    def hang_up(self, method: str, *, times: int | None, processed: bool) -> None:
        """Drop the connection of the next ``times`` calls of ``method`` without answering."""
        self._arm(method, FaultAnswer(0, {}, {}, processed=processed, hang_up=True), times)

    def take(self, method: str) -> FaultAnswer | None:
        """The fault for this call of ``method``, if one is armed (consuming one use)."""
        with self._lock:
            queue = self._faults.get(method)
            if not queue:
                return None
            fault = queue[0]
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.pop(0)
            return fault.answer

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    def _arm(self, method: str, answer: FaultAnswer, times: int | None) -> None:
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1 (or None for always), got {times}")
        with self._lock:
            self._faults.setdefault(method, []).append(_Fault(answer, times))

"""Fault switches: make chosen Web API methods fail the way Slack fails.

Two kinds of failure matter to a Slack client: an error answer (HTTP 200 with
``{"ok": false, "error": ...}``, which slack_sdk raises as ``SlackApiError``)
and rate limiting (HTTP 429 with ``Retry-After``, which only a client with a
``RateLimitErrorRetryHandler`` survives).
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

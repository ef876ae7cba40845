"""What the stand-in saw: recorded Web API calls and response_url posts.

The bot answers Slack asynchronously (it acks first and works afterwards), so
besides listing what was recorded, :class:`Recorder` lets a test block until an
expected record arrives, and fails with a list of what *did* arrive.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar


@dataclass(frozen=True)
class RecordedCall:
    """One Web API request as the stand-in received and answered it.

    ``args`` merges query string and body (form, JSON or multipart) into one
    dict; structured arguments Slack accepts either as objects or as JSON
    strings (``view``, ``blocks``, ``attachments``...) are always decoded.
    ``token`` is the credential the caller presented (``Authorization: Bearer``
    or a ``token`` argument). ``headers`` have lower-case names.
    """

    method: str
    args: dict[str, Any]
    token: str | None
    headers: Mapping[str, str]
    http_verb: str = "POST"
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the stand-in answered this call with ``"ok": true``."""
        return self.status == 200 and bool(self.response.get("ok"))

    def summary(self) -> str:
        """One line for failure messages: method, a few args, and the outcome."""
        shown = ", ".join(f"{k}={_short(v)}" for k, v in list(self.args.items())[:4])
        outcome = "ok" if self.ok else f"{self.status} {self.response.get('error', '')}".strip()
        return f"{self.method}({shown}) -> {outcome}"


@dataclass(frozen=True)
class ResponsePost:
    """One JSON body posted to a response_url handed out by the stand-in."""

    url_id: str
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The ``text`` of the posted message ("" when it only has blocks)."""
        return str(self.body.get("text") or "")

    def summary(self) -> str:
        """One line for failure messages."""
        keys = {k: self.body[k] for k in ("response_type", "replace_original", "text") if k in self.body}
        return f"response/{self.url_id} {_short(keys, 120)}"


@dataclass(frozen=True)
class SocketAck:
    """An app's acknowledgement of one Socket Mode envelope, and how long it took."""

    envelope_id: str
    payload: dict[str, Any] | None
    seconds: float

    @property
    def text(self) -> str:
        """The ``text`` the acknowledgement shows ("" when it has none)."""
        return str((self.payload or {}).get("text") or "")

    def summary(self) -> str:
        """One line for failure messages."""
        return f"ack {self.envelope_id} after {self.seconds:.2f} s {_short(self.payload, 120)}"


T = TypeVar("T", RecordedCall, ResponsePost, SocketAck)


class Recorder(Generic[T]):
    """An append-only, thread-safe list that can be waited on."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._items: list[T] = []
        self._changed = threading.Condition()

    def append(self, item: T) -> None:
        """Record one item and wake every waiter."""
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    def items(self, predicate: Callable[[T], bool] | None = None) -> list[T]:
        """A snapshot of the recorded items, in arrival order, optionally filtered."""
        with self._changed:
            snapshot = list(self._items)
        return [item for item in snapshot if predicate is None or predicate(item)]

    def clear(self) -> None:
        """Forget everything recorded so far."""
        with self._changed:
            self._items.clear()

    def wait_for(self, predicate: Callable[[T], bool], *, timeout: float, wanted: str) -> T:
        """Return the first recorded item matching ``predicate``, waiting up to ``timeout`` s.

        Raises AssertionError naming ``wanted`` and listing what was recorded.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for item in self._items:
                    if predicate(item):
                        return item
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            seen = [item.summary() for item in self._items]
        listing = "\n  ".join(seen) if seen else "(none)"
        raise AssertionError(
            f"no {wanted} within {timeout:g} s; recorded {self._kind} ({len(seen)}):\n  {listing}"
        )


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."

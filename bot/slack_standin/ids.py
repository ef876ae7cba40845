"""Slack-shaped identifiers (timestamps, trigger ids, view ids) minted locally.

Real Slack ids carry no meaning the bot may rely on, but their *shape* matters:
message timestamps must sort by time and be unique per channel, and trigger ids
look like ``<digits>.<digits>.<hex>``. One :class:`IdMinter` per stand-in keeps
every id unique for its lifetime.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time


class IdMinter:
    """Thread-safe source of unique, Slack-shaped ids."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        # Message timestamps are "<unix seconds>.<6 digits>"; starting from the
        # wall clock keeps them plausible, the counter keeps them unique and
        # increasing even when many messages are posted within one second.
        self._epoch = int(time.time())

    def _next(self) -> int:
        with self._lock:
            return next(self._counter)

    def message_ts(self) -> str:
        """A message timestamp like ``1700000000.000001``."""
        n = self._next()
        return f"{self._epoch + n // 1_000_000}.{n % 1_000_000:06d}"

    def trigger_id(self) -> str:
        """A trigger id like ``1000000000001.1.3f2a...`` (as sent with interactions)."""
        return f"{1_000_000_000_000 + self._next()}.1.{secrets.token_hex(16)}"

    def view_id(self) -> str:
        """A view id like ``V0001``."""
        return f"V{self._next():04d}"

    def view_hash(self) -> str:
        """A view hash like ``1700000000.a1b2c3d4`` (changes on every update)."""
        return f"{int(time.time())}.{secrets.token_hex(4)}"

    def response_url_id(self) -> str:
        """The last path segment of a response_url, like ``R0001``."""
        return f"R{self._next():04d}"

    def file_id(self) -> str:
        """A file id like ``F0000000007`` (Slack checks ``^F[A-Z0-9]{8,}$``)."""
        return f"F{self._next():010d}"

    def event_id(self) -> str:
        """An Events API event id like ``Ev0001``."""
        return f"Ev{self._next():04d}"

    def block_id(self) -> str:
        """A block id like Slack generates for blocks that were sent without one."""
        return f"b{self._next():04d}"

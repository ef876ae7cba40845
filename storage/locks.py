"""Locks that every replica respects: who syncs a workspace, who reads an object.

PostgreSQL: session-level advisory locks, held on one connection of their own for the
whole cycle. A killed process's connection closes and its locks go with it, so there is
no clock-based expiry to tune. SQLite (one machine): ``flock`` on small files beside the
database, which the kernel likewise releases when a process dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from storage.db import Database


def _keys(name: str) -> tuple[int, int]:
    # Two signed 32-bit keys: pg_try_advisory_lock(int, int) leaves the single-bigint
    # key space (used by migrations) alone.
    digest = hashlib.sha256(name.encode()).digest()
    return (int.from_bytes(digest[:4], "big", signed=True), int.from_bytes(digest[4:8], "big", signed=True))


class AdvisoryLocks:
    """Non-blocking named locks held until released or :meth:`close` (use as a context manager)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._connection: Connection | None = None
        self._files: dict[str, IO[bytes]] = {}
        self._held: set[str] = set()
        if db.dialect == "postgresql":
            # Autocommit: the locks live on the session, not in a transaction left open for hours.
            self._connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        else:
            database = make_url(db.url).database or ""
            self._folder = Path(f"{database}.locks") if database and database != ":memory:" else None

    def try_lock(self, name: str) -> bool:
        """Take the lock ``name`` if nobody holds it; True when this holder has it."""
        if name in self._held:
            return True
        if self._connection is not None:
            got = bool(self._connection.execute(
                text("SELECT pg_try_advisory_lock(:a, :b)"), dict(zip("ab", _keys(name)))
            ).scalar())
        else:
            got = self._lock_file(name)
        if got:
            self._held.add(name)
        return got

    def unlock(self, name: str) -> None:
        """Release ``name`` if held."""
        if name not in self._held:
            return
        self._held.discard(name)
        if self._connection is not None:
            self._connection.execute(text("SELECT pg_advisory_unlock(:a, :b)"), dict(zip("ab", _keys(name))))
        else:
            handle = self._files.pop(name, None)
            if handle is not None:
                handle.close()  # closing the file releases its flock

    def close(self) -> None:
        """Release every lock."""
        for name in list(self._held):
            self.unlock(name)
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> "AdvisoryLocks":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _lock_file(self, name: str) -> bool:
        if self._folder is None:
            return True  # an in-memory database lives in one process; nothing to share
        self._folder.mkdir(exist_ok=True)
        path = self._folder / (hashlib.sha256(name.encode()).hexdigest()[:24] + ".lock")
        handle = open(path, "ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        os.utime(path)
        self._files[name] = handle
        return True


def workspace_lock(team_id: str) -> str:
    """The name of the lock held by whoever runs a workspace's cycle."""
    return f"sync:{team_id}"


def object_lock(team_id: str, object_name: str) -> str:
    """The name of the lock held while an object is read and written."""
    return f"sync:{team_id}:{object_name.lower()}"


def is_held(db: Database, name: str) -> bool:
    """Whether somebody (any process, this one included) holds ``name`` right now."""
    with AdvisoryLocks(db) as probe:
        return not probe.try_lock(name)

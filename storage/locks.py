"""Locks that every replica respects: who syncs a workspace, who reads an object.

PostgreSQL: session-level advisory locks, held on one connection of their own for the
whole cycle. A killed process's connection closes and its locks go with it, so there is
no clock-based expiry to tune. SQLite (one machine): ``flock`` on small files beside the
database, which the kernel likewise releases when a process dies.

The lock files live in a folder ``<database>.locks`` that syncbot creates owner-only
(0700, files 0600) and trusts only while it is a real folder (not a link) owned by the
user syncbot runs as and writable by nobody else: otherwise a prepared folder could make
syncbot create files elsewhere, or let another user hold a lock and stop every cycle.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import stat
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from bot.errors import StorageError
from bot.messages import MSG
from storage.db import Database

# Lock files are opened without following a link, and closed by exec'd children.
_LOCK_FILE_FLAGS = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC


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
        self._files: dict[str, int] = {}
        self._held: set[str] = set()
        if db.dialect == "postgresql":
            # Autocommit: the locks live on the session, not in a transaction left open for hours.
            self._connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        else:
            self._folder = lock_folder(db)

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
                os.close(handle)  # closing the file releases its flock

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
        prepare_lock_folder(self._folder)
        path = self._folder / (hashlib.sha256(name.encode()).hexdigest()[:24] + ".lock")
        try:
            handle = os.open(path, _LOCK_FILE_FLAGS, 0o600)
        except OSError as exc:
            raise StorageError(MSG.lock_folder_unsafe.format(
                folder=self._folder, problem=f"cannot hold the lock file {path.name} ({exc.strerror})")) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return False
        os.utime(handle)  # when it was last taken, for a person looking at the folder
        self._files[name] = handle
        return True


def lock_folder(db: Database) -> Path | None:
    """Where a SQLite database's lock files live (None for an in-memory database or PostgreSQL)."""
    if db.dialect != "sqlite":
        return None
    database = make_url(db.url).database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(f"{database}.locks")


def prepare_lock_folder(folder: Path) -> None:
    """Create ``folder`` owner-only, or check that the one there is safe to keep locks in;
    raises :class:`StorageError` saying what is wrong."""
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        problem = f"cannot be created ({exc.strerror})"
        raise StorageError(MSG.lock_folder_unsafe.format(folder=folder, problem=problem)) from None
    seen = os.lstat(folder)
    problem = None
    if stat.S_ISLNK(seen.st_mode):
        problem = "is a link"
    elif not stat.S_ISDIR(seen.st_mode):
        problem = "is not a folder"
    elif seen.st_uid != os.geteuid():
        problem = f"belongs to another user (uid {seen.st_uid})"
    elif seen.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        problem = "can be written by other users"
    if problem is not None:
        raise StorageError(MSG.lock_folder_unsafe.format(folder=folder, problem=problem))


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

"""Locks that every replica respects: who syncs a workspace, who reads an object.

PostgreSQL: session-level advisory locks, held on one connection of their own for the
whole cycle. A killed process's connection closes and its locks go with it, so there is
no clock-based expiry to tune. The other side of that: when the connection dies while
the process lives (a failover, ``idle_session_timeout``, a proxy), its locks are gone
and another replica may take the workspace. So a holder confirms, before it commits,
that its session is still the one holding them (:meth:`AdvisoryLocks.confirm`).
SQLite (one machine): ``flock`` on small files beside the database, which the kernel
likewise releases when a process dies, and only then.

The lock files live in a folder ``<database>.locks`` that syncbot creates owner-only
(0700, files 0600) and trusts only while it is a real folder (not a link) owned by the
user syncbot runs as and writable by nobody else: otherwise a prepared folder could make
syncbot create files elsewhere, or let another user hold a lock and stop every cycle.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import LockLost, StorageError
from bot.messages import MSG
from storage.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")

# The advisory locks this session holds, as (key, key) pairs; pg_locks shows the two
# int keys as unsigned oids.
_HELD_BY_THIS_SESSION = text(
    "SELECT classid::bigint, objid::bigint FROM pg_locks "
    "WHERE locktype = 'advisory' AND objsubid = 2 AND granted AND pid = pg_backend_pid()"
)

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
        # A reading thread may confirm the locks while the writing one takes another.
        self._guard = threading.Lock()
        self._confirmed_at = 0.0
        self._lost = False
        if db.dialect == "postgresql":
            # Autocommit: the locks live on the session, not in a transaction left open for hours.
            self._connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        else:
            self._folder = lock_folder(db)

    def try_lock(self, name: str) -> bool:
        """Take the lock ``name`` if nobody holds it; True when this holder has it.

        Raises :class:`bot.errors.LockLost` when the locks taken before are gone.
        """
        if name in self._held:
            return True
        if self._connection is not None:
            # Whoever holds other locks first makes sure they are still there: a lock
            # taken on a new session would guard nothing.
            if self._held:
                self.confirm()
            with self._guard:
                got = bool(self._on_connection(lambda connection: connection.execute(
                    text("SELECT pg_try_advisory_lock(:a, :b)"), dict(zip("ab", _keys(name)))
                ).scalar()))
        else:
            got = self._lock_file(name)
        if got:
            self._held.add(name)
        return got

    def confirm(self, *, unless_within: float = 0.0) -> None:
        """Raise :class:`bot.errors.LockLost` unless every lock taken here is still held by
        this holder's session (on PostgreSQL: the lock connection answers and ``pg_locks``
        lists them for its backend). ``unless_within``: trust a confirmation that recent,
        in seconds (the check between batches stays cheap)."""
        if self._connection is None or not self._held:
            return  # SQLite: a flock lasts as long as the process
        with self._guard:
            if not self._lost and unless_within and time.monotonic() - self._confirmed_at < unless_within:
                return
            rows = self._on_connection(lambda connection: connection.execute(_HELD_BY_THIS_SESSION).all())
            present = {(int(first), int(second)) for first, second in rows}
            wanted = {tuple(key & 0xFFFFFFFF for key in _keys(name)) for name in self._held}
            if not wanted <= present:
                self._lost = True
                log.warning("the lock connection's session no longer holds its locks")
                raise LockLost(MSG.sync_lock_lost)
            self._confirmed_at = time.monotonic()

    def unlock(self, name: str) -> None:
        """Release ``name`` if held."""
        if name not in self._held:
            return
        if self._connection is not None and not self._lost:  # a lost one went with its session
            with self._guard:
                try:
                    self._on_connection(lambda connection: connection.execute(
                        text("SELECT pg_advisory_unlock(:a, :b)"), dict(zip("ab", _keys(name)))))
                except LockLost:
                    pass  # the session is gone, and its locks with it
        self._held.discard(name)
        handle = self._files.pop(name, None)
        if handle is not None:
            os.close(handle)  # closing the file releases its flock

    def close(self) -> None:
        """Release every lock."""
        for name in list(self._held):
            self.unlock(name)
        if self._connection is not None:
            try:
                self._connection.close()
            except SQLAlchemyError:
                log.debug("the lock connection was already gone", exc_info=True)
            self._connection = None

    def _on_connection(self, call: Callable[[Connection], T]) -> T:
        """Run ``call`` on the lock connection; a failure of the connection means the locks are gone."""
        if self._lost or self._connection is None:
            raise LockLost(MSG.sync_lock_lost)
        try:
            return call(self._connection)
        except SQLAlchemyError as exc:
            if not self._held:
                raise  # nothing to lose: the database is unreachable, as for any session
            # The session is dead (or was replaced): whatever it held is released.
            self._lost = True
            log.warning("the lock connection failed: %s", exc)
            raise LockLost(MSG.sync_lock_lost) from exc

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

"""The database connection: one engine per process, sessions, and a health check."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import StorageError

log = logging.getLogger(__name__)

# How long a SQLite writer waits for another one before giving up (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 15_000
# The execution option that marks read-only connections.
_READ_ONLY = "syncbot_read_only"


class Database:
    """An engine and a session factory for one ``DATABASE_URL``."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine: Engine = _make_engine(url, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Same pool, but SQLite transactions begin deferred: a reader never queues for the write lock.
        self._read_engine = self.engine.execution_options(**{_READ_ONLY: True})
        self._read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A session that commits when the block ends and rolls back on error.

        On SQLite a writing session takes the write lock when it begins (two writers
        then queue instead of failing); ``write=False`` sessions, for reads only, never
        wait for a writer, so ``/sync status`` answers while a sync batch commits.
        """
        session = (self._sessions if write else self._read_sessions)()
        try:
            with session.begin():
                yield session
        except SQLAlchemyError as exc:
            log.warning("database error: %s %s", type(exc).__name__, getattr(exc, "orig", ""))
            raise StorageError("The database refused the change; nothing was saved.") from exc
        finally:
            session.close()

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.execution_options(**{_READ_ONLY: True}).connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _make_engine(url: str, *, echo: bool) -> Engine:
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if url.startswith("sqlite"):
        _create_owner_only(make_url(url).database or "")
        # Bolt runs listeners on worker threads; SQLite's own lock guards writes.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _create_owner_only(database: str) -> None:
    """Create a SQLite database file readable by its owner only (0600), before SQLite does.

    The mirror holds people's data. SQLite gives the journal, WAL and shared-memory files
    the mode of the database file, so they are owner-only too. A database that already
    exists keeps the mode it has (its owner may have chosen to share it).
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        # SQLite will say the same in its own words when it opens the file; nothing is lost.
        log.debug("could not create %s owner-only: %s", database, exc)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so
    # that DDL and the conditional step updates share one real transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] not in ("wal", "memory"):
            # WAL lets readers (status, healthz) go on while a sync cycle writes.
            _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    # Switching needs the file to itself and SQLite answers "locked" at once rather
    # than waiting, so processes starting together retry; WAL then sticks to the file.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_on_begin(conn: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front: two writers then queue on the
    # busy timeout instead of failing with "database is locked" on upgrade. Readers
    # begin deferred and, in WAL mode, read their snapshot without any lock.
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE")

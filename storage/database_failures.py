"""What a database error during a sync write means: one record's fault, or the database's.

Only a value that cannot be stored belongs to a record: it becomes a record error and
the batch's other rows are written. Anything else is the database failing (a lock held
past ``lock_timeout``, a cancelled statement, a lost connection, a full disk, a missing
privilege): retrying row by row would only file every row as an error and move the
cursor past them, so the whole batch fails instead, in words a person can act on.
PostgreSQL says which by SQLSTATE, SQLite by its result code.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import NamedTuple

import psycopg
from sqlalchemy.exc import DBAPIError

from bot.errors import DatabaseFailed
from bot.messages import MSG
from storage.db import SQLITE_BUSY_TIMEOUT_MS

# PostgreSQL SQLSTATE classes of a record's own: 22 data exception, 23 integrity
# violation, and 21 (cardinality: two rows of one batch with the same id, each of which
# goes in alone). 54000 is a value too large for an index on its column.
_RECORD_CLASSES = ("21", "22", "23")
_RECORD_STATES = frozenset({"54000"})
# Classes that concern the whole database, not one table: connection, transaction state
# (a read-only standby), resources, operator intervention, system and internal errors.
_DATABASE_CLASSES = ("08", "25", "53", "57", "58", "XX")
# SQLite primary result codes of a record's own: SQLITE_TOOBIG, SQLITE_CONSTRAINT, SQLITE_MISMATCH.
_SQLITE_RECORD_CODES = frozenset({18, 19, 20})
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_PERM, _SQLITE_READONLY = 5, 6, 3, 8
_SQLITE_IOERR, _SQLITE_FULL, _SQLITE_ERROR = 10, 13, 1
_DURATION = re.compile(r"(\d+)\s*([a-z]+)")

# Reads one of the session's settings (``lock_timeout``); None when it cannot be read.
SettingReader = Callable[[str], "str | None"]


def is_record_failure(error: BaseException) -> bool:
    """Whether ``error`` is about the values of the row(s) written, not about the database."""
    original = _underlying(error)
    state = getattr(original, "sqlstate", None)
    if state:
        return state.startswith(_RECORD_CLASSES) or state in _RECORD_STATES
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _SQLITE_RECORD_CODES
    # Without a code: a value the driver itself could not send (psycopg dumps COPY rows).
    return isinstance(original, (sqlite3.IntegrityError, sqlite3.DataError, psycopg.DataError, psycopg.IntegrityError))


def database_failure(error: BaseException, *, table: str, setting: SettingReader) -> DatabaseFailed:
    """The database's own failure behind ``error``, in plain words, while writing ``table``."""
    original = _underlying(error)
    reason = _reason(original)
    if isinstance(original, sqlite3.Error):
        failure = _sqlite(original, table, reason)
    else:
        # No SQLSTATE on an operational error: the client lost the server (a failover, a proxy).
        lost = isinstance(original, (psycopg.OperationalError, psycopg.InterfaceError))
        failure = _postgresql(getattr(original, "sqlstate", None) or "", table, reason, setting, lost=lost)
    return DatabaseFailed(f"{failure.words} {MSG.db_nothing_lost}", table=failure.table, locked=failure.locked)


class _Failure(NamedTuple):
    words: str
    table: str | None = None  # set when only this table is concerned
    locked: bool = False      # another session's locks or changes were in the way


def _postgresql(state: str, table: str, reason: str, setting: SettingReader, *, lost: bool) -> _Failure:
    if state == "55P03":
        timeout = _duration(setting("lock_timeout")) if "lock timeout" in reason else None
        words = (MSG.db_table_locked.format(table=table, timeout=timeout) if timeout
                 else MSG.db_table_locked_now.format(table=table))
        return _Failure(words, table=table, locked=True)
    if state == "57014" and "statement timeout" in reason:
        timeout = _duration(setting("statement_timeout")) or "?"
        return _Failure(MSG.db_statement_timeout.format(table=table, timeout=timeout), table=table,
                              locked=True)
    if state == "57014":
        return _Failure(MSG.db_statement_cancelled.format(table=table), table=table)
    if state in ("40001", "40P01"):
        return _Failure(MSG.db_conflict.format(table=table, reason=reason), table=table, locked=True)
    if state == "42501":
        return _Failure(MSG.db_no_privilege.format(table=table, reason=reason), table=table)
    if state.startswith("42"):
        return _Failure(MSG.db_table_changed.format(table=table, reason=reason), table=table)
    if state == "25006":
        return _Failure(MSG.db_read_only.format(reason=reason))
    if state == "53100":
        return _Failure(MSG.db_disk_full.format(reason=reason))
    if state.startswith("53"):
        return _Failure(MSG.db_out_of_resources.format(reason=reason))
    if state.startswith(("08", "57")) or (not state and lost):
        return _Failure(MSG.db_connection_lost.format(reason=reason))
    if state.startswith(_DATABASE_CLASSES):
        return _Failure(MSG.db_refused_all.format(reason=reason))
    return _Failure(MSG.db_refused.format(table=table, reason=reason), table=table)


def _sqlite(error: sqlite3.Error, table: str, reason: str) -> _Failure:
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return _Failure(MSG.db_file_locked.format(timeout=f"{SQLITE_BUSY_TIMEOUT_MS // 1000} s"), locked=True)
    if code == _SQLITE_FULL:
        return _Failure(MSG.db_disk_full.format(reason=reason))
    if code in (_SQLITE_READONLY, _SQLITE_PERM):
        return _Failure(MSG.db_file_read_only.format(reason=reason))
    if code == _SQLITE_IOERR:
        return _Failure(MSG.db_disk_error.format(reason=reason))
    if code == _SQLITE_ERROR:
        return _Failure(MSG.db_table_changed.format(table=table, reason=reason), table=table)
    return _Failure(MSG.db_refused_all.format(reason=reason))


def _underlying(error: BaseException) -> BaseException:
    """The driver's error that started it all. A failure can undo more than the statement
    (SQLite rolls the whole transaction back on a full disk, PostgreSQL loses the
    connection); rolling back to the savepoint then fails too, and that second error,
    raised while the first was handled, is the one that arrives here."""
    while isinstance(error.__context__, (DBAPIError, psycopg.Error, sqlite3.Error)):
        error = error.__context__
    return getattr(error, "orig", None) or error


def _reason(error: BaseException) -> str:
    diag = getattr(error, "diag", None)
    text = (getattr(diag, "message_primary", None) if diag is not None else None) or str(error) or type(error).__name__
    return text.strip().splitlines()[0][:200] if text.strip() else type(error).__name__


def _duration(value: str | None) -> str | None:
    """PostgreSQL's ``1s``, ``1500ms``, ``2min`` as ``1 s``, ``1500 ms``, ``2 min``; None for 0 (off)."""
    match = _DURATION.fullmatch((value or "").strip())
    if match is None or int(match.group(1)) == 0:
        return None
    return f"{match.group(1)} {match.group(2)}"

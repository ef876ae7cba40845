"""The one writer of the mirror tables: upsert a batch of rows by ``id``, per dialect.

Rows arrive converted (``bot.sync.convert``) in the writer's column order, which starts
with ``id``, ``isdeleted``, ``systemmodstamp``. The writer first reads the stored stamp
of each row: rows whose stamp is unchanged (re-read through the lookback overlap) or
older than the stored one are counted as unchanged and not written. The rest go in at
once: SQLite by ``executemany`` of an ``INSERT … ON CONFLICT``, PostgreSQL by ``COPY``
into a temporary table and one ``INSERT … SELECT … ON CONFLICT``. The upsert itself
never replaces a row with an older ``systemmodstamp`` either (a batch read earlier and
committed later by a replica that lost its lock): the stamp check is in the statement.

When the database refuses the batch for a record's sake (a value that cannot be
stored), each row is tried on its own in a savepoint, so that one bad record is
reported and the others are written. When it fails for its own reasons (a lock held
past ``lock_timeout``, a lost connection, a full disk) the batch fails whole with
:class:`bot.errors.DatabaseFailed` (``storage.database_failures``). The caller owns the
transaction, so the cursor moves in the same one, or not at all.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import psycopg
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from storage.database_failures import database_failure, is_record_failure
from storage.mirror import fit_identifier

# Parameters per statement stay far under SQLite's 32,766 and PostgreSQL's 65,535.
_ID_CHUNK = 900
_COLUMN_IN_CONTEXT = re.compile(r"column (\w+)")
_COLUMN_IN_MESSAGE = re.compile(r"\b\w+\.(\w+)\b")
_DRIVER_ERRORS = (DBAPIError, psycopg.Error, sqlite3.Error)


@dataclass(frozen=True)
class RowFailure:
    """A row the database refused: its position in the batch, the column if known, why."""

    index: int
    column: str | None
    message: str


@dataclass
class WriteResult:
    """What one batch did to the table: each written row is new, updated or deleted (a row
    that arrives already deleted, or becomes so, counts as deleted only); a row whose
    stored version is as new or newer is unchanged."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failures: list[RowFailure] = field(default_factory=list)


class MirrorWriter:
    """Writes batches into one mirror table (``columns[:3]`` are id, isdeleted, systemmodstamp)."""

    def __init__(self, table: str, columns: Sequence[str], *, dialect: str,
                 empty_is_null: Iterable[str] = ()) -> None:
        if tuple(columns[:3]) != ("id", "isdeleted", "systemmodstamp"):
            raise ValueError("a mirror writer's columns start with id, isdeleted, systemmodstamp")
        self.table = table
        self.columns = tuple(columns)
        self.dialect = dialect
        quote = _quoter(dialect)
        nullable = frozenset(empty_is_null)
        self._table = quote(table)
        self._names = ", ".join(quote(name) for name in self.columns)
        updates = ", ".join(f"{quote(name)} = excluded.{quote(name)}" for name in self.columns[1:])
        # Never an older version over a newer one, decided in the statement itself, so that
        # a row committed by someone else since the stored stamps were read is respected too.
        # Equal stamps rewrite: a row the reconciliation marked deleted comes back as it was.
        stored, arriving = f"{self._table}.systemmodstamp", "excluded.systemmodstamp"
        if dialect == "sqlite":
            stored, arriving = stamp_key_sql(dialect, stored), stamp_key_sql(dialect, arriving)
        self._on_conflict = f"ON CONFLICT (id) DO UPDATE SET {updates} WHERE {stored} <= {arriving}"
        # Empty text becomes NULL in SQL, so the converter never touches text values.
        marks = ", ".join("NULLIF(?, '')" if name in nullable else "?" for name in self.columns)
        self._sqlite_insert = f"INSERT INTO {self._table} ({self._names}) VALUES ({marks}) {self._on_conflict}"
        self._staged = ", ".join(f"NULLIF({quote(name)}, '')" if name in nullable else quote(name)
                                 for name in self.columns)
        self._stage = quote(fit_identifier(f"_stage_{table}"))
        self._stamp_key = stamp_key_sql(dialect)

    def write(self, session: Session, rows: Sequence[tuple[Any, ...]], *, all_new: bool = False) -> WriteResult:
        """Upsert ``rows`` in the session's transaction; returns the counts and the refused rows.

        ``all_new``: the caller knows none of the rows is in the table (a fresh Bulk job
        into a table that was empty, whose pages never repeat a record), so their stored
        stamps need not be read. Raises :class:`bot.errors.DatabaseFailed` when the
        database, not a record, failed: then nothing of the batch is kept.
        """
        result = WriteResult()
        if not rows:
            return result
        connection = self._connection(session)
        stored = {} if all_new else self._stored(connection, [row[0] for row in rows])
        if stored:
            pending = [(index, row) for index, row in enumerate(rows) if _to_write(row, stored.get(row[0]))]
            result.unchanged = len(rows) - len(pending)
        else:
            pending = list(enumerate(rows))  # none of them is in the table yet (an initial load)
        if not pending:
            return result
        refused: BaseException | None = None
        try:
            # Savepoints on the connection itself: emitted at once, around the raw COPY too.
            with connection.begin_nested():
                landed = self._upsert(connection, [row for _, row in pending])
            written = pending if landed == len(pending) else self._landed(connection, pending)
        except _DRIVER_ERRORS as exc:
            refused = exc
        if refused is not None:
            # Out of the except block, so that the rows' own errors do not chain to the batch's.
            self._raise_unless_record(connection, refused)
            written = self._one_by_one(connection, pending, result.failures)
        # Rows the statement's stamp check left alone: someone wrote a newer version meanwhile.
        result.unchanged += len(pending) - len(written) - len(result.failures)
        if not stored:
            result.deleted = sum(1 for _, row in written if row[1])
            result.inserted = len(written) - result.deleted
            return result
        for _, row in written:
            before = stored.get(row[0])
            if row[1] and (before is None or not before[1]):
                result.deleted += 1  # a deletion is counted as one, not also as an update
            elif before is None:
                result.inserted += 1
            else:
                result.updated += 1
        return result

    def is_empty(self, session: Session) -> bool:
        """Whether the table has no row at all."""
        return session.connection().exec_driver_sql(f"SELECT 1 FROM {self._table} LIMIT 1").first() is None

    def _connection(self, session: Session) -> Connection:
        try:
            # On SQLite this begins the transaction, taking the write lock.
            return session.connection()
        except _DRIVER_ERRORS as exc:
            raise database_failure(exc, table=self.table, setting=lambda _name: None) from exc

    def _stored(self, connection: Connection, ids: Sequence[str]) -> dict[str, tuple[str, bool]]:
        found: dict[str, tuple[str, bool]] = {}
        with self._database_errors(connection):
            for start in range(0, len(ids), _ID_CHUNK):
                chunk = ids[start:start + _ID_CHUNK]
                marks = ", ".join("?" if self.dialect == "sqlite" else "%s" for _ in chunk)
                statement = f"SELECT id, {self._stamp_key}, isdeleted FROM {self._table} WHERE id IN ({marks})"
                for record_id, key, deleted in connection.exec_driver_sql(statement, tuple(chunk)):
                    found[record_id] = (key, bool(deleted))
        return found

    def _landed(self, connection: Connection, pending: list[tuple[int, tuple[Any, ...]]]) -> list[
            tuple[int, tuple[Any, ...]]]:
        """The rows of ``pending`` the upsert wrote: the others met a newer stored version."""
        now = self._stored(connection, [row[0] for _, row in pending])
        return [(index, row) for index, row in pending
                if (after := now.get(row[0])) is not None and after[0] == stamp_key(row[2])]

    def _one_by_one(self, connection: Connection, pending: list[tuple[int, tuple[Any, ...]]],
                    failures: list[RowFailure]) -> list[tuple[int, tuple[Any, ...]]]:
        """Write each row in a savepoint of its own; a refused one is a record error."""
        written = []
        for index, row in pending:
            try:
                with connection.begin_nested():
                    if self._upsert(connection, [row]):
                        written.append((index, row))
            except _DRIVER_ERRORS as exc:
                self._raise_unless_record(connection, exc)
                failures.append(_failure(index, exc))
        return written

    def _upsert(self, connection: Connection, rows: list[tuple[Any, ...]]) -> int:
        """Insert or update ``rows``; returns how many were written (the rest were older)."""
        if self.dialect == "sqlite":
            return int(connection.exec_driver_sql(self._sqlite_insert, rows).rowcount)
        raw: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
        with raw.cursor() as cursor:
            # ON COMMIT DROP: the stage lives for this transaction only, so it always
            # matches the table as it is now.
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {self._stage} "
                           f"(LIKE {self._table} INCLUDING DEFAULTS) ON COMMIT DROP")
            cursor.execute(f"TRUNCATE {self._stage}")
            with cursor.copy(f"COPY {self._stage} ({self._names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"INSERT INTO {self._table} ({self._names}) SELECT {self._staged} "
                           f"FROM {self._stage} {self._on_conflict}")
            return cursor.rowcount

    def _raise_unless_record(self, connection: Connection, error: BaseException) -> None:
        # A record's failure is isolated row by row; the database's fails the batch whole.
        if not is_record_failure(error):
            raise database_failure(error, table=self.table, setting=partial(_setting, connection)) from error

    @contextmanager
    def _database_errors(self, connection: Connection) -> Iterator[None]:
        """Statements no record can be at fault for: any failure is the database's."""
        try:
            with connection.begin_nested():
                yield
        except _DRIVER_ERRORS as exc:
            raise database_failure(exc, table=self.table, setting=partial(_setting, connection)) from exc


def _to_write(row: tuple[Any, ...], before: tuple[str, bool] | None) -> bool:
    """Whether ``row`` is newer than what is stored (or brings a deleted row back as it was)."""
    if before is None:
        return True
    key = stamp_key(row[2])
    return key > before[0] or (key == before[0] and bool(row[1]) != before[1])


def _setting(connection: Connection, name: str) -> str | None:
    """One of the session's settings (for the words of a failure); None when unreadable."""
    if connection.dialect.name != "postgresql":
        return None
    try:
        with connection.begin_nested():
            return str(connection.exec_driver_sql("SELECT current_setting(%s)", (name,)).scalar())
    except _DRIVER_ERRORS:
        return None


def stamp_key_sql(dialect: str, column: str = "systemmodstamp") -> str:
    """SQL giving ``column`` (a row's ``systemmodstamp``) in the form of :func:`stamp_key`.

    SQLite keeps stamps as text (``YYYY-MM-DD HH:MM:SS.ffffff``, SQLAlchemy's form);
    cut to milliseconds, as Salesforce stamps them, its keys order like the instants.
    """
    if dialect == "sqlite":
        return f"substr(replace({column}, 'T', ' '), 1, 23)"
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')"


def stamp_key(value: Any) -> str:
    """A stamp as ``YYYY-MM-DD HH:MM:SS.mmm`` (UTC), whichever form the converter gave it."""
    text = str(value)
    fraction = text[20:23] if text[19:20] == "." else ""
    return f"{text[:10]} {text[11:19]}.{fraction.ljust(3, '0')}"


def _quoter(dialect: str) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    preparer = (sqlite.dialect() if dialect == "sqlite" else postgresql.dialect()).identifier_preparer
    return preparer.quote


def _failure(index: int, exc: BaseException) -> RowFailure:
    original = getattr(exc, "orig", exc)
    column: str | None = None
    diag = getattr(original, "diag", None)
    if diag is not None:
        column = getattr(diag, "column_name", None)
        context = getattr(diag, "context", None) or ""
        match = _COLUMN_IN_CONTEXT.search(context)
        column = column or (match.group(1) if match else None)
        message = getattr(diag, "message_primary", None) or str(original)
    else:
        message = str(original)
        match = _COLUMN_IN_MESSAGE.search(message)
        column = match.group(1) if match else None
    return RowFailure(index=index, column=column, message=message.strip().splitlines()[0][:500])

"""The reconciliation's scratch file: Salesforce's Ids spilled to disk and read back in Id
order, and what the comparison found, kept until it has finished.

A Bulk job's rows come in no promised order, and holding millions of Ids in memory is
what the reconciliation must not do. They go into a private temporary SQLite database
(``sqlite3.connect("")``): SQLite keeps it in a page cache of bounded size
(:data:`CACHE_KIB`) and spills the rest to a file it deletes when the connection
closes (on Unix the file is unlinked at once, so a killed process leaves nothing
behind). A ``WITHOUT ROWID`` table keyed by ``id`` gives the rows back in the binary
order of the Ids' characters, which is Salesforce's ``ORDER BY Id`` order and Python's
``str`` order. While it runs the file takes about 60 bytes a row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

# Page cache of the scratch database (KiB): what it may keep in memory before spilling.
CACHE_KIB = 16_384
# Rows per INSERT or fetch: big enough to amortise a call, small enough to weigh nothing.
_BATCH = 5_000
_KINDS = ("gone", "stale")

IdRow = tuple[str, str, bool]


class ReconcileScratch:
    """A scratch database for one reconciliation; close it (or use ``with``) to drop it."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", f"cache_size = -{CACHE_KIB}",
                       "temp_store = FILE", "locking_mode = EXCLUSIVE"):
            self._db.execute(f"PRAGMA {pragma}")
        # TEXT compares with SQLite's BINARY collation: byte order, which for ASCII Ids
        # is the order of their characters (0-9, then A-Z, then a-z).
        self._db.execute("CREATE TABLE remote (id TEXT PRIMARY KEY, stamp TEXT NOT NULL, deleted INTEGER NOT NULL)"
                         " WITHOUT ROWID")
        self._db.execute("CREATE TABLE found (kind TEXT NOT NULL, id TEXT NOT NULL)")
        self._pending: list[tuple[str, str]] = []
        self.found = {kind: 0 for kind in _KINDS}

    def __enter__(self) -> ReconcileScratch:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop the scratch database (SQLite deletes its file)."""
        self._db.close()

    # ----- Salesforce's side ---------------------------------------------------------

    def add(self, rows: Iterable[IdRow]) -> None:
        """Keep ``(id, stamp key, deleted)`` rows, in any order (an Id seen twice keeps its last row)."""
        self._insert("INSERT OR REPLACE INTO remote VALUES (?, ?, ?)",
                     ((record_id, stamp, int(deleted)) for record_id, stamp, deleted in rows))

    def in_id_order(self) -> Iterator[IdRow]:
        """Every row kept by :meth:`add`, by ascending Id, a batch at a time."""
        cursor = self._db.execute("SELECT id, stamp, deleted FROM remote ORDER BY id")
        while batch := cursor.fetchmany(_BATCH):
            for record_id, stamp, deleted in batch:
                yield record_id, stamp, bool(deleted)

    # ----- what the comparison found -------------------------------------------------

    def note(self, kind: str, record_id: str) -> None:
        """Remember a finding: ``gone`` (to mark deleted) or ``stale`` (to read again)."""
        if kind not in self.found:
            raise ValueError(f"no such finding: {kind}")
        self.found[kind] += 1
        self._pending.append((kind, record_id))
        if len(self._pending) >= _BATCH:
            self._flush()

    def noted(self, kind: str, size: int) -> Iterator[list[str]]:
        """The Ids noted as ``kind``, in the order they were noted, ``size`` at a time."""
        self._flush()
        cursor = self._db.execute("SELECT id FROM found WHERE kind = ? ORDER BY rowid", (kind,))
        while batch := cursor.fetchmany(size):
            yield [record_id for (record_id,) in batch]

    def _flush(self) -> None:
        if self._pending:
            self._insert("INSERT INTO found VALUES (?, ?)", self._pending)
            self._pending = []

    def _insert(self, statement: str, rows: Iterable[tuple[object, ...]]) -> None:
        # One transaction per batch: without it SQLite would sync every row.
        self._db.execute("BEGIN")
        try:
            self._db.executemany(statement, rows)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

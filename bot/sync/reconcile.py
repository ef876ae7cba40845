"""Reconciliation: the Ids in Salesforce against the local table, walked in Id order.

The incremental read sees what changed since its cursor; it cannot see records deleted
for good (an emptied recycle bin, or a pause past its 15 days) nor a row missed for any
reason nobody saw. This pass reads ``Id``, the stamp and ``IsDeleted`` of every row and
walks both sides together by ascending Id:

- a local row that is not deleted but no longer in Salesforce is marked deleted;
- a record that is missing locally, newer in Salesforce, or deleted on one side only is
  read again whole, through the object's own reading and writing.

Salesforce is read with ``queryAll``, not ``query``: ``query`` leaves out archived
activities (Tasks and Events done a year ago), which are live records and must not be
marked deleted. Deleted rows come along with ``IsDeleted`` true, and are compared too.

Memory stays flat in the row count: neither side is ever held whole.

- The local side streams from the table's primary key (``storage.drift``).
- Up to ``SYNCBOT_BULK_THRESHOLD`` rows (10,000), Salesforce's side pages through REST
  ``queryAll … ORDER BY Id``: one API call per 2,000 rows, five at most.
- Past it, one Bulk API 2.0 ``queryAll`` job reads the Ids: one call to create it, a few
  polls, and one call per ``SYNCBOT_BULK_PAGE_ROWS`` rows (10,000), a fifth of what REST
  pages would cost (1,000 calls instead of 5,000 for ten million rows, every day) and
  much faster to download. A Bulk job promises no order, so its rows are spilled into
  a scratch SQLite file (``storage.reconcile_scratch``: a bounded page cache, about 60
  bytes a row on disk while it runs) and read back in Id order. Paging REST by Id
  ranges (``WHERE Id > last ORDER BY Id LIMIT n``) would also keep memory flat, but
  costs five times the API calls of the daily quota that the org's other integrations share.

Salesforce's Id order is the binary order of the Ids' characters (0-9, A-Z, a-z): what
its ``ORDER BY Id`` gives, what SQLite and PostgreSQL's ``"C"`` collation give, and what
Python's ``str`` comparison is. Each side is checked to come in strictly ascending order;
if one does not, the reconciliation stops with :class:`IdsOutOfOrder`. Nothing is changed
until the walk has finished: what it finds waits in the scratch file, then rows are
marked deleted and records read again in batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.errors import IdsOutOfOrder
from bot.messages import MSG
from bot.sync.column_reads import read_columns
from bot.sync.object_sync import BATCH_ROWS, ObjectSync
from storage import drift
from storage.mirror_writer import stamp_key
from storage.reconcile_scratch import IdRow, ReconcileScratch


@dataclass(frozen=True)
class Reconciled:
    """What one reconciliation of one object repaired."""

    purged: int
    repaired: int


def reconcile(sync: ObjectSync, *, large: bool, run_id: int) -> Reconciled:
    """Compare and repair one object; the counts also go to the run record."""
    db = sync.ctx.services.db
    name, table = sync.plan.object_name, sync.plan.table
    with ReconcileScratch() as scratch:
        if large:
            for batch in _remote_rows(sync, large=True):
                scratch.add(batch)
            remote: Iterator[IdRow] = scratch.in_id_order()
        else:
            remote = (row for batch in _remote_rows(sync, large=False) for row in batch)
        with db.session(write=False) as session:
            local = drift.stamps_in_id_order(session, table)
            for kind, record_id in differences(remote, local, object_name=name, can_vanish=sync.plan.has_isdeleted):
                scratch.note(kind, record_id)
        purged = repaired = 0
        for ids in scratch.noted("gone", BATCH_ROWS):
            # Marking rows deleted bypasses the writer's stamp check: only while the locks hold.
            sync.ctx.locks.confirm()
            with db.session() as session:
                marked = drift.mark_deleted(session, table, ids)
                drift.add_counts(session, run_id, rows_purged=marked)
            purged += marked
        for ids in scratch.noted("stale", BATCH_ROWS):
            sync.ctx.check()
            found = sync.reread(ids)
            with db.session() as session:
                drift.add_counts(session, run_id, rows_repaired=found)
            repaired += found
    return Reconciled(purged=purged, repaired=repaired)


def differences(remote: Iterable[IdRow], local: Iterable[IdRow], *, object_name: str,
                can_vanish: bool) -> Iterator[tuple[str, str]]:
    """Walk two streams of ``(id, stamp key, deleted)`` rows, each in ascending Id order, and
    yield ``("gone", id)`` for a live local row Salesforce no longer has (only when
    ``can_vanish``: objects without ``IsDeleted``, such as User, never lose records) and
    ``("stale", id)`` for a record to read again. :class:`IdsOutOfOrder` when a side is
    not in strictly ascending order."""
    remote_rows = _ascending(remote, object_name, MSG.reconcile_side_salesforce)
    local_rows = _ascending(local, object_name, MSG.reconcile_side_local)
    there, here = next(remote_rows, None), next(local_rows, None)
    while there is not None or here is not None:
        if there is not None and (here is None or there[0] < here[0]):
            yield "stale", there[0]  # missing locally
            there = next(remote_rows, None)
        elif here is not None and (there is None or here[0] < there[0]):
            if can_vanish and not here[2]:
                yield "gone", here[0]
            here = next(local_rows, None)
        elif there is not None and here is not None:
            if here[1] < there[1] or here[2] != there[2]:
                yield "stale", there[0]
            there, here = next(remote_rows, None), next(local_rows, None)


def _remote_rows(sync: ObjectSync, *, large: bool) -> Iterator[list[IdRow]]:
    # queryAll: deleted rows and archived activities too (see the module's docstring).
    for batch in read_columns(sync, [], large=large, in_id_order=not large):
        yield [(row.record_id, stamp_key(row.stamp), row.deleted) for row in batch]


def _ascending(rows: Iterable[IdRow], object_name: str, side: str) -> Iterator[IdRow]:
    """``rows`` as they come, checked to be in strictly ascending Id order."""
    previous: str | None = None
    for row in rows:
        if previous is not None and row[0] <= previous:
            raise IdsOutOfOrder(MSG.reconcile_out_of_order.format(object=object_name, side=side, later=row[0],
                                                                  earlier=previous))
        previous = row[0]
        yield row

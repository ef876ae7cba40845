"""Reconciliation: the set of Ids in Salesforce against the local table.

The incremental read sees what changed since its cursor; it cannot see records deleted
for good (an emptied recycle bin, or a pause past its 15 days) nor a row missed for any
reason nobody saw. This pass reads ``Id``, the stamp and ``IsDeleted`` of every row
(Bulk for large tables) and compares:

- a local row that is not deleted but no longer in Salesforce is marked deleted;
- a record that is missing locally, newer in Salesforce, or deleted on one side only is
  read again whole, through the object's own reading and writing.

Salesforce is read with ``queryAll``, not ``query``: ``query`` leaves out archived
activities (Tasks and Events done a year ago), which are live records and must not be
marked deleted. Deleted rows come along with ``IsDeleted`` true, and are compared too.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.sync.column_reads import read_columns
from bot.sync.object_sync import ObjectSync
from storage import drift
from storage.mirror_writer import stamp_key


@dataclass(frozen=True)
class Reconciled:
    """What one reconciliation of one object repaired."""

    purged: int
    repaired: int


def reconcile(sync: ObjectSync, *, large: bool, run_id: int) -> Reconciled:
    """Compare and repair one object; the counts also go to the run record."""
    remote: dict[str, tuple[str, bool]] = {}
    for batch in read_columns(sync, [], large=large):
        for row in batch:
            remote[row.record_id] = (stamp_key(row.stamp), row.deleted)
    db = sync.ctx.services.db
    with db.session(write=False) as session:
        local = drift.stored_stamps(session, sync.plan.table)
    # Objects without IsDeleted (User) cannot lose records; their rows stay as they are.
    gone = [record_id for record_id, (_key, deleted) in local.items()
            if not deleted and record_id not in remote] if sync.plan.has_isdeleted else []
    stale = [record_id for record_id, (key, deleted) in remote.items()
             if (mine := local.get(record_id)) is None or mine[1] != deleted or mine[0] < key]
    purged = 0
    if gone:
        with db.session() as session:
            purged = drift.mark_deleted(session, sync.plan.table, gone)
            drift.add_counts(session, run_id, rows_purged=purged)
    repaired = sync.reread(stale) if stale else 0
    if repaired:
        with db.session() as session:
            drift.add_counts(session, run_id, rows_repaired=repaired)
    return Reconciled(purged=purged, repaired=repaired)

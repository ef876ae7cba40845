"""The recycle bin of an org: which records are soft-deleted, since when, and when they go for good.

Salesforce keeps a deleted record (``IsDeleted = true``, visible to ``queryAll`` and the
``deleted`` resource) for 15 days, then empties it out of the recycle bin; after that
the record is gone everywhere. The bin itself is not thread-safe: the org's lock guards it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# How long a soft-deleted record stays in the recycle bin before it is purged.
RETENTION = timedelta(days=15)


class RecycleBin:
    """Deletion times per object, with the moment the next record becomes due for purging."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, datetime]] = {}
        # The earliest moment any entry expires; None when the bin is empty. Checking it
        # keeps the automatic purge O(1) on every read while nothing is due.
        self._next_due: datetime | None = None

    def put(self, object_name: str, record_id: str, deleted_at: datetime) -> None:
        """A record went to the bin at ``deleted_at``."""
        self._entries.setdefault(object_name, {})[record_id] = deleted_at
        due = deleted_at + RETENTION
        if self._next_due is None or due < self._next_due:
            self._next_due = due

    def take(self, object_name: str, record_id: str) -> bool:
        """Remove a record from the bin (undeleted or hard-deleted); whether it was there."""
        return self._entries.get(object_name, {}).pop(record_id, None) is not None

    def entries(self, object_name: str) -> list[tuple[str, datetime]]:
        """``(id, deleted at)`` of an object's records in the bin, oldest deletion first."""
        return sorted(self._entries.get(object_name, {}).items(), key=lambda item: (item[1], item[0]))

    def ids(self, object_name: str | None = None) -> list[tuple[str, str]]:
        """``(object, id)`` of every record in the bin (of one object, or all)."""
        names = [object_name] if object_name is not None else list(self._entries)
        return [(name, record_id) for name in names for record_id in self._entries.get(name, {})]

    def expired(self, now: datetime) -> list[tuple[str, str]]:
        """``(object, id)`` of the records deleted more than :data:`RETENTION` before ``now``."""
        if self._next_due is None or now < self._next_due:
            return []
        cutoff = now - RETENTION
        doomed = [(name, record_id) for name, bin_ in self._entries.items()
                  for record_id, deleted_at in bin_.items() if deleted_at <= cutoff]
        remaining = [at for bin_ in self._entries.values() for at in bin_.values() if at > cutoff]
        self._next_due = min(remaining) + RETENTION if remaining else None
        return doomed

    def copy(self) -> RecycleBin:
        """An independent copy (for rolling an org back)."""
        copied = RecycleBin()
        copied._entries = {name: dict(bin_) for name, bin_ in self._entries.items()}
        copied._next_due = self._next_due
        return copied

"""Reading one object into its mirror table, by REST pages or by a Bulk job.

Each batch is one transaction: the rows, the object's cursor (or the Bulk job's next
locator) and the run's progress commit together, so a crash at any instant resumes
where the committed rows end, with nothing lost or doubled.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.errors import BulkJobFailed, BulkJobGone, Interrupted, QueryLocatorExpired, QuotaReached
from bot.messages import MSG
from bot.runtime import Services
from bot.salesforce.reading import BulkJob, QueryPage, RecordReader
from bot.salesforce.usage import ApiUsage, past_quota
from bot.sync.convert import ConversionError, Dialect, RowConverter, is_text, parse_stamp, write_order
from bot.sync.pages import prefetched
from bot.sync.plan import Column, ObjectPlan, read_from
from storage import catalog, cursors, runs
from storage.locks import AdvisoryLocks
from storage.mirror_writer import MirrorWriter, WriteResult
from storage.models import ObjectCursor, SyncError
from storage.types import utcnow

log = logging.getLogger(__name__)

# Rows per write transaction: big enough to amortise a commit, small enough that no
# reader or writer waits long for SQLite's write lock.
BATCH_ROWS = 5_000
_POLL_FIRST, _POLL_MAX = 0.2, 2.0
# Times one object's REST read starts again from its cursor after Salesforce closed the
# query's locator; each time follows at least one written page, so this only stops a loop.
_LOCATOR_REREADS = 5
# How old a confirmation of the cycle's locks may be before a batch commits (seconds);
# a commit that moves a cursor always confirms them first. The checks also keep the
# lock connection from sitting idle through long reads.
LOCK_CHECK_EVERY = 5.0


@dataclass
class ObjectContext:
    """What reading one object needs, besides the plan."""

    services: Services
    team_id: str
    run_id: int
    reader: RecordReader
    usage: ApiUsage
    stop: threading.Event
    quota_percent: int
    locks: AdvisoryLocks

    def check(self) -> None:
        """Between two requests or batches: stop for shutdown, when the cycle's locks are
        lost, or before passing the API quota."""
        if self.stop.is_set():
            raise Interrupted(MSG.sync_interrupted)
        self.locks.confirm(unless_within=LOCK_CHECK_EVERY)
        seen = self.usage.snapshot()
        if past_quota(seen.used, seen.max, self.quota_percent):
            raise QuotaReached(MSG.sync_quota_reached.format(
                quota=self.quota_percent, used=seen.used, max=seen.max))


class ObjectSync:
    """Brings one mirror table up to date with its object."""

    def __init__(self, ctx: ObjectContext, plan: ObjectPlan) -> None:
        self.ctx = ctx
        self.plan = plan
        dialect = ctx.services.db.dialect
        self.dialect: Dialect = "sqlite" if dialect == "sqlite" else "postgresql"
        self.writer = self._writer(plan.columns)
        self._calls_at_start = ctx.usage.snapshot().calls
        # How rows under each Bulk header are read (one header per job, so one entry).
        self._readers: dict[tuple[str, ...], _HeaderReader] = {}
        # A fresh Bulk job into an empty table writes rows that cannot be there yet.
        self._all_new = False

    @property
    def api_calls(self) -> int:
        """API calls made since this object's read began."""
        return self.ctx.usage.snapshot().calls - self._calls_at_start

    def run(self, cursor: ObjectCursor | None, first: QueryPage | None) -> None:
        """Read what changed since the cursor: resume a Bulk job, or page through REST,
        or, for a large read, start a Bulk job."""
        settings = self.ctx.services.settings
        if cursor is not None and cursor.bulk_job_id:
            self._bulk(cursor.bulk_job_id, cursor.bulk_locator, resumed=True)
            return
        since = self._since(cursor)
        if first is None:
            self.ctx.check()
            first = self.ctx.reader.query_all(self.plan.rest_soql(since))
        if first.total_size > settings.bulk_threshold:
            self._start_bulk(since)
        else:
            self._rest(first)

    # ----- for the drift checks: rows by Id, and Bulk jobs that move no cursor ------------

    def reread(self, ids: Sequence[str]) -> int:
        """Read the records ``ids`` whole and write them (rows a reconciliation found missing
        or stale); the cursor stays where it is. Returns how many were found."""
        self._started("rest", len(ids))
        converter = RowConverter(self.plan.columns, source="json", dialect=self.dialect)
        found = 0
        for soql in self.plan.by_id_soqls(self.plan.rest_parts[0], ids):
            self.ctx.check()
            page: QueryPage | None = self.ctx.reader.query_all(soql)
            while page is not None:
                records = self._stitched(page.records)
                found += len(records)
                self._write_batches(records, converter, after=lambda _session: None)
                page = self.ctx.reader.next_page(page.next_url) if page.next_url else None
        return found

    def job_rows(self, soql: str, *, include_deleted: bool) -> Iterator[tuple[list[str], list[list[str]]]]:
        """Run a Bulk job of ``soql`` and yield its rows in batches, with the header (for
        reads of a few columns of a large table; no cursor moves)."""
        self.ctx.check()
        job = self.ctx.reader.start_bulk_query(self.plan.object_name, soql, include_deleted=include_deleted)
        self._wait_for(job.job_id)
        for batch in self._bulk_batches(job.job_id, None):
            yield batch.header, batch.rows

    # ----- REST --------------------------------------------------------------------------

    def _since(self, cursor: ObjectCursor | None) -> datetime | None:
        """Where an incremental read of this object starts: its cursor less the lookback."""
        return read_from(cursor.last_modstamp if cursor else None, self.ctx.services.settings.lookback)

    def _rest(self, first: QueryPage) -> None:
        self._started("rest", first.total_size)
        converter = RowConverter(self.plan.columns, source="json", dialect=self.dialect)
        page: QueryPage | None = first
        rereads = 0
        while page is not None:
            records = self._stitched(page.records)
            # Pages come in stamp order: once a page is written, the cursor moves to its
            # last record (records left out by the stitch are re-read by their newer stamp).
            last = page.records[-1] if page.records else None

            def advance(session: Any, last: dict[str, Any] | None = last) -> None:
                if last is not None:
                    cursors.advance(session, self.ctx.team_id, self.plan.object_name,
                                    modstamp=parse_stamp(last[self.plan.stamp_field]), last_id=str(last["Id"]))

            self._write_batches(records, converter, after=advance)
            if page.next_url is None:
                break
            self.ctx.check()
            try:
                page = self.ctx.reader.next_page(page.next_url)
            except QueryLocatorExpired:
                # First pages are read at the start of the cycle and continued only after
                # the objects before this one: a long Bulk load lets the locator pass
                # Salesforce's 15 minutes. What is written is in the cursor: ask from there.
                rereads += 1
                if rereads > _LOCATOR_REREADS:
                    raise
                log.info("%s: Salesforce closed the query's locator; reading again from the cursor",
                         self.plan.object_name)
                with self.ctx.services.db.session(write=False) as session:
                    cursor = cursors.get(session, self.ctx.team_id, self.plan.object_name)
                page = self.ctx.reader.query_all(self.plan.rest_soql(self._since(cursor)))

    def _stitched(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Join the follow-up parts of a field list too long for one URL, by Id.

        A record whose stamp differs between the parts changed while they were read:
        it is left out here and read whole by the next cycle (its new stamp is later
        than anything this page moves the cursor to).
        """
        if len(self.plan.rest_parts) == 1 or not records:
            return records
        stamp = self.plan.stamp_field
        joined = {str(record["Id"]): dict(record) for record in records}
        complete = {record_id: 1 for record_id in joined}
        for part in range(1, len(self.plan.rest_parts)):
            for soql in self.plan.part_soqls(part, list(joined)):
                self.ctx.check()
                page: QueryPage | None = self.ctx.reader.query_all(soql)
                while page is not None:
                    for record in page.records:
                        target = joined.get(str(record["Id"]))
                        if target is None or target[stamp] != record[stamp]:
                            continue
                        target.update(record)
                        complete[str(record["Id"])] += 1
                    page = self.ctx.reader.next_page(page.next_url) if page.next_url else None
        parts = len(self.plan.rest_parts)
        kept = [joined[record_id] for record_id, seen in complete.items() if seen == parts]
        if len(kept) < len(records):
            log.info("%s: %d record(s) changed while their fields were read in parts; next cycle reads them",
                     self.plan.object_name, len(records) - len(kept))
        return kept

    # ----- Bulk API 2.0 --------------------------------------------------------------

    def _start_bulk(self, since: datetime | None) -> None:
        self.ctx.check()
        job = self.ctx.reader.start_bulk_query(self.plan.object_name, self.plan.bulk_soql(since))
        with self.ctx.services.db.session() as session:
            cursors.bulk_started(session, self.ctx.team_id, self.plan.object_name, job_id=job.job_id, since=since,
                                 created=_created(job))
            empty = self.writer.is_empty(session)
        self._all_new = empty
        try:
            self._bulk(job.job_id, None, resumed=False)
        finally:
            self._all_new = False

    def _bulk(self, job_id: str, locator: str | None, *, resumed: bool) -> None:
        name = self.plan.object_name
        # Only Salesforce's word ends a job: gone (results are kept 7 days) or failed. Any
        # other error met here (an outage, the quota guard, a shutdown) keeps it for the
        # next cycle, which goes on from the locator instead of from the beginning.
        try:
            job = self._wait_for(job_id)
        except (BulkJobGone, BulkJobFailed) as exc:
            with self.ctx.services.db.session() as session:
                cursors.bulk_dropped(session, self.ctx.team_id, name)
                cursor = cursors.get(session, self.ctx.team_id, name)
            if isinstance(exc, BulkJobFailed) or not resumed:
                raise
            log.info("%s: Bulk job %s is gone; starting a new one from the cursor", name, job_id)
            self._start_bulk(self._since(cursor))
            return
        total, created = job.records, _created(job)
        with self.ctx.services.db.session() as session:
            if created is not None:
                # A job recorded before its creation was kept learns it now.
                cursors.bulk_created(session, self.ctx.team_id, name, created=created)
            cursor = cursors.get(session, self.ctx.team_id, name)
            done_before = cursor.bulk_rows_done if cursor else 0
        self._started("bulk", total)
        if done_before:
            with self.ctx.services.db.session() as session:
                runs.object_progress(session, self.ctx.run_id, name, rows_read=0, inserted=0, updated=0,
                                     unchanged=0, deleted=0, errors=0, expected=(total or 0) - done_before)
        # Rows are read (downloaded and parsed) ahead in batches while this thread
        # converts and writes the batch before: memory holds a few batches, never a page.
        # The last page's transaction also ends the job (storage.cursors.bulk_page_written).
        for batch in prefetched(self._bulk_batches(job_id, locator), depth=4, name=f"bulk-{name}"):
            self._write_bulk_batch(batch, total)

    def _wait_for(self, job_id: str) -> BulkJob:
        delay = _POLL_FIRST
        while True:
            self.ctx.check()
            job = self.ctx.reader.bulk_job(self.plan.object_name, job_id)
            if job.done:
                return job
            time.sleep(delay)
            delay = min(_POLL_MAX, delay * 1.5)

    def _bulk_batches(self, job_id: str, locator: str | None) -> Iterator["_RawBatch"]:
        while True:
            self.ctx.check()
            # Each page is one API call; pages are streamed, so their size does not weigh on memory.
            page = self.ctx.reader.bulk_page(self.plan.object_name, job_id, locator,
                                             self.ctx.services.settings.bulk_page_rows)
            batch: list[list[str]] = []
            read = 0
            for row in page.rows:
                batch.append(row)
                if len(batch) == BATCH_ROWS:
                    read += len(batch)
                    yield _RawBatch(page.header, batch)
                    batch = []
            read += len(batch)
            yield _RawBatch(page.header, batch, page_end=True, next_locator=page.next_locator, page_rows=read)
            if page.next_locator is None:
                return
            locator = page.next_locator

    def _write_bulk_batch(self, raw: "_RawBatch", total: int | None) -> None:
        reader = self._readers.get(tuple(raw.header))
        if reader is None:
            reader = self._header_reader(raw.header)
            self._readers = {tuple(raw.header): reader}
        batch = self.convert(raw.rows, reader.converter)

        def written(session: Any) -> None:
            if reader.missing:
                # Written without these fields' values: their columns are back-filled next cycle.
                catalog.backfill_needed(session, self.ctx.team_id, self.plan.object_name, reader.missing)
            if raw.page_end:
                # The locator moves only with the page's last batch: a crash mid-page reads
                # that page again, and its rows already written count as unchanged.
                cursors.bulk_page_written(session, self.ctx.team_id, self.plan.object_name,
                                          next_locator=raw.next_locator, rows=raw.page_rows, total=total)

        # Batches that record nothing beyond their rows commit without ``after`` (and so
        # without the lock confirmation a cursor's move takes).
        self._commit(batch, after=written if raw.page_end or reader.missing else None, writer=reader.writer)

    def _header_reader(self, header: list[str]) -> "_HeaderReader":
        """Read a job by its own header: a job resumed after a field was added (or came back
        from field-level security) lacks it; its rows are written without that column."""
        if not header:
            header = [column.field or "" for column in self.plan.columns]
        present = {name.lower() for name in header}
        columns = [column for column in self.plan.columns if column.field is None or column.field.lower() in present]
        missing = [column.field for column in self.plan.columns if column.field and column.field.lower() not in present]
        if missing:
            log.info("%s: the Bulk job began before %s were read; their columns are back-filled after it",
                     self.plan.object_name, ", ".join(missing))
        return _HeaderReader(RowConverter(columns, source="csv", dialect=self.dialect, header=header),
                             self._writer(columns) if missing else self.writer, missing)

    def _writer(self, columns: Sequence[Column]) -> MirrorWriter:
        order = write_order(columns)
        return MirrorWriter(self.plan.table, [column.column for column in order], dialect=self.ctx.services.db.dialect,
                            empty_is_null=[column.column for column in order if is_text(column)])

    # ----- writing ---------------------------------------------------------------------

    def _write_batches(self, records: Sequence[Any], converter: RowConverter, *,
                       after: Callable[[Any], None]) -> None:
        """Write ``records`` in batches; ``after`` runs in the last batch's transaction."""
        starts = range(0, len(records), BATCH_ROWS) if records else range(1)
        for start in starts:
            final = start + BATCH_ROWS >= len(records)
            self._commit(self.convert(records[start:start + BATCH_ROWS], converter), after=after if final else None)

    def convert(self, records: Sequence[Any], converter: RowConverter) -> "_Batch":
        """Convert records; one that does not convert becomes a record-level error."""
        rows: list[tuple[Any, ...]] = []
        errors: list[SyncError] = []
        for record in records:
            try:
                rows.append(converter.convert(record))
            except ConversionError as exc:
                errors.append(self._record_error(converter.record_id(record), converter.columns[exc.column].field,
                                                 str(exc)))
        return _Batch(rows, errors, len(records))

    def _commit(self, batch: "_Batch", *, after: Callable[[Any], None] | None,
                writer: MirrorWriter | None = None) -> None:
        """Write one batch, its errors, the run's progress and ``after`` (the cursor) in one
        transaction, with the object's writer unless ``writer`` (of fewer columns) is given."""
        self.ctx.check()
        errors = list(batch.errors)
        with self.ctx.services.db.session() as session:
            result = (writer or self.writer).write(session, batch.rows, all_new=self._all_new)
            for failure in result.failures:
                field = next((column.field for column in self.plan.columns if column.column == failure.column), None)
                errors.append(self._record_error(batch.rows[failure.index][0], field, failure.message))
            runs.add_errors(session, errors)
            runs.object_progress(session, self.ctx.run_id, self.plan.object_name, rows_read=batch.count,
                                 inserted=result.inserted, updated=result.updated, unchanged=result.unchanged,
                                 deleted=result.deleted, errors=len(errors))
            if after is not None:
                after(session)
                # The cursor moves: only while this cycle still holds the workspace, so that
                # a replica which took it over is never overtaken by an older read.
                self.ctx.locks.confirm()
        _log_batch(self.plan.object_name, result, len(errors))

    def _record_error(self, record_id: str | None, field: str | None, message: str) -> SyncError:
        where = f"{self.plan.object_name}.{field}" if field else self.plan.object_name
        return SyncError(team_id=self.ctx.team_id, run_id=self.ctx.run_id, object_name=self.plan.object_name,
                         record_id=(record_id or "")[:18] or None, kind="record", field_name=field,
                         message=MSG.sync_record_error.format(where=where, message=message), occurred_at=utcnow())

    def _started(self, method: str, expected: int | None) -> None:
        with self.ctx.services.db.session() as session:
            runs.object_started(session, self.ctx.run_id, self.plan.object_name, method=method, expected=expected)


@dataclass
class _Batch:
    """Converted rows ready to write, the records that did not convert, and how many were read."""

    rows: list[tuple[Any, ...]]
    errors: list[SyncError]
    count: int


@dataclass(frozen=True)
class _HeaderReader:
    """How rows under one Bulk header are converted and written, and the plan's fields it lacks."""

    converter: RowConverter
    writer: MirrorWriter
    missing: list[str]


@dataclass
class _RawBatch:
    """Rows of a Bulk results page as read; the page's last batch says where the next starts."""

    header: list[str]
    rows: list[list[str]]
    page_end: bool = False
    next_locator: str | None = None
    page_rows: int = 0


def _created(job: BulkJob) -> datetime | None:
    """When Salesforce created the job, by its clock (None when it did not say)."""
    return parse_stamp(job.created) if job.created else None


def _log_batch(object_name: str, result: WriteResult, errors: int) -> None:
    log.debug("%s: %d new, %d updated, %d unchanged, %d deleted, %d errors", object_name, result.inserted,
              result.updated, result.unchanged, result.deleted, errors)

"""Bulk API 2.0 query jobs (``jobs/query``), as simple-salesforce's ``bulk2`` drives them.

The client creates a job (POST), sleeps ``wait`` seconds, polls it (GET) until
``JobComplete``, then pages through CSV results with ``maxRecords`` and the
``Sforce-Locator`` header. Jobs start in ``UploadComplete``, say ``InProgress`` when
polled, and complete on the ``polls_to_complete``-th poll (the 2nd by default) once
at least ``min_seconds`` of real time have passed since their creation.

The query is checked when the job is created (syntax errors, unknown fields and what
Bulk refuses outright are a 400, as in Salesforce). A job is not a snapshot: as
Salesforce does, a job over a table of more than ``chunk_rows`` records (250,000 by
default) is split into chunks by Id range when it is created, and each poll runs one
more chunk, reading that range as it is at that moment; the last chunk runs on the
poll that completes the job. A record changed after its chunk ran comes back with its
old values, however late its neighbours in later chunks were read. Chunk hooks let a
test act between chunks. Changes made while the results are paged through are in none.
A query selecting a compound field (address, location) is accepted and the job then
ends ``Failed``, as Salesforce's does. Results are kept 7 days by the org's clock and
may be fetched again with any locator meanwhile; job rows are the org's own
copy-on-write record dicts, so keeping them is cheap.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Sequence

from .faults import FaultSwitches
from .ids import BULK_JOB_PREFIX, random_id
from .query_engine import BoundQuery, Record, bind, execute
from .soql import SoqlError, UnsupportedSoql
from .render import csv_page
from .values import format_datetime
from .wire import ApiError, Response, RestContext, method_not_allowed, not_found

CSV_CONTENT_TYPE = "text/csv"
DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
DAILY_QUERY_JOBS_MAX = 10_000
RESULTS_KEPT = timedelta(days=7)
# Salesforce's chunk size for the Id ranges of a large query job.
DEFAULT_CHUNK_ROWS = 250_000
# Called after each chunk of a job is read: (job id, chunk number from 1, chunks in all).
ChunkHook = Callable[[str, int, int], None]
COMPOUND_FAILURE = ("InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED: Selecting compound data "
                    "not supported in Bulk Query")


@dataclass
class BulkQueryJob:
    """One query job and its results."""

    job_id: str
    org_id: str
    user_id: str
    operation: str
    query: BoundQuery
    column_delimiter: str
    line_ending: str
    version: str
    created: datetime
    failure: str | None = None
    state: str = "UploadComplete"
    polls: int = 0
    rows: Sequence[Record] | None = None
    # Id ranges (first 15 characters; None: open) the job reads one per poll, and the rows read so far.
    chunks: list[tuple[str | None, str | None]] = field(default_factory=lambda: [(None, None)])
    taken: list[Record] = field(default_factory=list)
    chunks_run: int = 0
    modified: datetime | None = None
    # Real time of creation, for the minimum running time (the org clock may stand still).
    started: float = field(default_factory=time.monotonic)

    def info(self, *, detailed: bool = False) -> dict[str, Any]:
        """The job description Salesforce returns (more fields on GET than on create)."""
        answer: dict[str, Any] = {
            "id": self.job_id, "operation": self.operation, "object": self.query.obj.name,
            "createdById": self.user_id, "createdDate": format_datetime(self.created),
            "systemModstamp": format_datetime(self.modified or self.created), "state": self.state,
            "concurrencyMode": "Parallel", "contentType": "CSV", "apiVersion": float(self.version),
            "lineEnding": self.line_ending, "columnDelimiter": self.column_delimiter,
        }
        if detailed:
            answer.update(jobType="V2Query", numberRecordsProcessed=len(self.taken), retries=0,
                          totalProcessingTime=0 if self.rows is None else 42)
            if self.state == "Failed":
                answer["errorMessage"] = self.failure
        return answer


class BulkQueryJobs:
    """The query jobs of all orgs."""

    def __init__(self, faults: FaultSwitches, *, polls_to_complete: int = 2, min_seconds: float = 0.0,
                 chunk_rows: int | None = DEFAULT_CHUNK_ROWS) -> None:
        self.faults = faults
        self.polls_to_complete = polls_to_complete
        self.min_seconds = min_seconds
        # Records per Id range of a large job (None: every job is read at once).
        self.chunk_rows = chunk_rows
        self.chunk_hooks: list[ChunkHook] = []
        self._lock = threading.Lock()
        self._jobs: dict[str, BulkQueryJob] = {}
        self._created_per_org: dict[str, int] = {}

    def handle(self, ctx: RestContext, rest: list[str]) -> Response:
        """Route ``jobs/query[/<id>[/results]]``."""
        method = ctx.request.method
        if not rest:
            if method == "POST":
                return self.create(ctx)
            if method == "GET":
                jobs = [job.info() for job in self._jobs_of(ctx)]
                return Response.json({"done": True, "records": jobs, "nextRecordsUrl": None})
            raise method_not_allowed(method, "GET, POST")
        job = self._job(ctx, rest[0])
        if len(rest) == 1:
            if method == "GET":
                return Response.json(self._poll(ctx, job).info(detailed=True))
            if method == "PATCH":
                return Response.json(self._abort(ctx, job).info())
            if method == "DELETE":
                return self._delete(job)
            raise method_not_allowed(method, "GET, PATCH, DELETE")
        if rest[1:] == ["results"] and method == "GET":
            return self._results(ctx, job)
        raise not_found()

    def add_chunk_hook(self, hook: ChunkHook) -> ChunkHook:
        """Call ``hook(job_id, chunk, chunks)`` after each chunk of a chunked job is read (to
        change records between chunks); returns the hook."""
        self.chunk_hooks.append(hook)
        return hook

    def remove_chunk_hook(self, hook: ChunkHook) -> None:
        """Stop calling a hook added with :meth:`add_chunk_hook`."""
        self.chunk_hooks.remove(hook)

    def jobs_created(self, org_id: str) -> int:
        """How many query jobs an org created (for the limits resource)."""
        with self._lock:
            return self._created_per_org.get(org_id, 0)

    def describe_jobs(self, org_id: str) -> list[dict[str, Any]]:
        """The detailed description of every job of an org, oldest first (for tests)."""
        with self._lock:
            jobs = [job for job in self._jobs.values() if job.org_id == org_id]
            return [job.info(detailed=True) for job in sorted(jobs, key=lambda job: job.created)]

    def create(self, ctx: RestContext) -> Response:
        """``POST jobs/query``: check the query and start a job."""
        payload = ctx.request.json_body()
        if not isinstance(payload, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        operation = payload.get("operation")
        if operation not in ("query", "queryAll"):
            raise ApiError(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        delimiter = payload.get("columnDelimiter", "COMMA")
        line_ending = payload.get("lineEnding", "LF")
        if delimiter not in DELIMITERS or line_ending not in LINE_ENDINGS:
            raise ApiError(400, "INVALIDJOB", "InvalidJob : Invalid columnDelimiter or lineEnding")
        bound = self._checked_query(ctx, str(payload.get("query") or ""))
        now = ctx.org.now()
        failure = self.faults.take_bulk_failure()
        if failure is None and bound.selects_compound:
            failure = COMPOUND_FAILURE  # accepted now, fails when it runs
        job = BulkQueryJob(random_id(BULK_JOB_PREFIX), ctx.org.org_id, ctx.user.user_id, operation, bound,
                           delimiter, line_ending, ctx.version, now, failure=failure,
                           chunks=self._chunks(ctx, bound))
        with self._lock:
            self._forget_expired(ctx)
            self._jobs[job.job_id] = job
            self._created_per_org[ctx.org.org_id] = self._created_per_org.get(ctx.org.org_id, 0) + 1
        return Response.json(job.info())

    @staticmethod
    def _checked_query(ctx: RestContext, soql: str) -> BoundQuery:
        # What Bulk API 2.0 refuses on top of what REST refuses.
        try:
            bound = bind(ctx.org, soql, ctx.hidden)
        except UnsupportedSoql as exc:
            message = f"{exc.feature} is not supported by Bulk API 2.0 query"
            raise ApiError(400, "API_ERROR", message) from None
        except SoqlError as exc:
            raise ApiError(400, exc.code, exc.message) from None
        if bound.count_only:
            raise ApiError(400, "API_ERROR", "Aggregate queries (COUNT()) are not supported by Bulk API 2.0")
        if bound.parsed.offset is not None:
            raise ApiError(400, "API_ERROR", "OFFSET is not supported by Bulk API 2.0 query")
        if bound.selects_binary:
            raise ApiError(400, "API_ERROR", "Binary (base64) fields are not supported in Bulk Query")
        return bound

    def _chunks(self, ctx: RestContext, bound: BoundQuery) -> list[tuple[str | None, str | None]]:
        # Salesforce chunks a query by Id range (PK chunking) when it has only a WHERE;
        # the ranges split the whole table, whatever the filter keeps.
        whole: list[tuple[str | None, str | None]] = [(None, None)]
        if self.chunk_rows is None or bound.order or bound.parsed.limit is not None:
            return whole
        records = ctx.org.snapshot(bound.obj.name, include_deleted=True)
        if len(records) <= self.chunk_rows:
            return whole
        ids = sorted(str(record["Id"])[:15] for record in records)
        edges: list[str | None] = [None, *ids[self.chunk_rows::self.chunk_rows], None]
        return list(zip(edges[:-1], edges[1:]))

    def _jobs_of(self, ctx: RestContext) -> list[BulkQueryJob]:
        with self._lock:
            self._forget_expired(ctx)
            return [job for job in self._jobs.values() if job.org_id == ctx.org.org_id]

    def _job(self, ctx: RestContext, job_id: str) -> BulkQueryJob:
        with self._lock:
            self._forget_expired(ctx)
            job = self._jobs.get(job_id)
        if job is None or job.org_id != ctx.org.org_id:
            raise not_found()
        return job

    def _forget_expired(self, ctx: RestContext) -> None:
        # Salesforce deletes a query job and its results 7 days after it was created.
        cutoff = ctx.org.clock.now() - RESULTS_KEPT
        doomed = [job_id for job_id, job in self._jobs.items()
                  if job.org_id == ctx.org.org_id and job.created <= cutoff]
        for job_id in doomed:
            del self._jobs[job_id]

    def _poll(self, ctx: RestContext, job: BulkQueryJob) -> BulkQueryJob:
        with self._lock:
            if job.state not in ("UploadComplete", "InProgress"):
                return job
            job.polls += 1
            job.modified = ctx.org.clock.now()
            ran_long_enough = time.monotonic() - job.started >= self.min_seconds
            last_chunk = job.chunks_run == len(job.chunks) - 1
            ran: int | None = None
            if job.failure is not None:
                job.state = "Failed"
            elif not last_chunk or (job.polls >= self.polls_to_complete and ran_long_enough):
                job.taken.extend(self._run_chunk(ctx, job, *job.chunks[job.chunks_run]))
                job.chunks_run += 1
                ran = job.chunks_run
                if last_chunk:
                    job.rows, job.state = job.taken, "JobComplete"
                else:
                    job.state = "InProgress"
            else:
                job.state = "InProgress"
            hooks = list(self.chunk_hooks) if ran is not None and len(job.chunks) > 1 else []
        for hook in hooks:
            hook(job.job_id, ran or 0, len(job.chunks))
        return job

    @staticmethod
    def _run_chunk(ctx: RestContext, job: BulkQueryJob, low: str | None, high: str | None) -> list[Record]:
        """The job's rows in one Id range, as they are now (the record dicts themselves)."""
        include_deleted = job.operation == "queryAll"
        if low is None and high is None:
            return execute(ctx.org, job.query, include_deleted=include_deleted)
        keep = job.query.predicate
        return [record for record in ctx.org.snapshot(job.query.obj.name, include_deleted=include_deleted)
                if (low is None or str(record["Id"])[:15] >= low) and (high is None or str(record["Id"])[:15] < high)
                and (keep is None or keep(record))]

    def _abort(self, ctx: RestContext, job: BulkQueryJob) -> BulkQueryJob:
        state = ctx.request.json_body()
        if not isinstance(state, dict) or state.get("state") != "Aborted":
            raise ApiError(400, "INVALIDJOBSTATE", "InvalidJobState : a query job can only be set to Aborted")
        with self._lock:
            if job.state not in ("UploadComplete", "InProgress"):
                raise ApiError(400, "INVALIDJOBSTATE", f"InvalidJobState : Job is already {job.state}")
            job.state = "Aborted"
            job.modified = ctx.org.clock.now()
        return job

    def _delete(self, job: BulkQueryJob) -> Response:
        with self._lock:
            if job.state in ("UploadComplete", "InProgress"):
                raise ApiError(400, "INVALIDJOBSTATE", "InvalidJobState : abort the job before deleting it")
            del self._jobs[job.job_id]
        return Response.no_content()

    def _results(self, ctx: RestContext, job: BulkQueryJob) -> Response:
        if job.state != "JobComplete" or job.rows is None:
            raise ApiError(400, "INVALIDJOBSTATE", f"InvalidJobState : Job is in state {job.state}")
        params = ctx.request.params()
        start = _decode_locator(params.get("locator", ""))
        if start is None or start > len(job.rows):
            raise ApiError(400, "INVALIDLOCATOR", "InvalidLocator : the locator is not valid for this job")
        max_records = params.get("maxRecords")
        if max_records is not None and (not max_records.isdigit() or int(max_records) < 1):
            raise ApiError(400, "INVALIDREQUEST", "maxRecords must be a positive integer")
        end = len(job.rows) if max_records is None else min(len(job.rows), start + int(max_records))
        # A truncated page (a fault) ends early and cleanly; its headers still count every row.
        kept = self.faults.take_truncated_page(end - start)
        shown = end if kept is None else min(end, start + kept)
        text = self._csv(job, job.rows[start:shown])
        if self.faults.bulk_results_with_bom:
            text = "\ufeff" + text
        response = Response.text(text, CSV_CONTENT_TYPE)
        response.headers["Sforce-NumberOfRecords"] = str(end - start)
        response.headers["Sforce-Locator"] = _encode_locator(end) if end < len(job.rows) else "null"
        return response

    @staticmethod
    def _csv(job: BulkQueryJob, rows: Sequence[Record]) -> str:
        return csv_page(job.query, rows, DELIMITERS[job.column_delimiter], LINE_ENDINGS[job.line_ending])


def _encode_locator(position: int) -> str:
    # Salesforce's locators are opaque; base64 of the position keeps them short and stateless.
    return base64.urlsafe_b64encode(str(position).encode()).decode().rstrip("=")


def _decode_locator(locator: str) -> int | None:
    if not locator:
        return 0
    try:
        text = base64.urlsafe_b64decode(locator + "=" * (-len(locator) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None

"""Reading records for the sync engine: first pages in Composite batches, further REST
pages, and Bulk API 2.0 query jobs read page by page from a locator.

Everything here returns plain values (dicts of REST records, CSV rows of Bulk pages)
and raises only syncbot's own errors; the sync engine never sees simple-salesforce.

Every download goes through ``bot.salesforce.downloads``: text arrives without NUL
characters, and a page is whole or an error, never taken for complete when it is not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from simple_salesforce.bulk2 import Operation, _Bulk2Client
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceResourceNotFound
from simple_salesforce.util import call_salesforce

from bot.errors import (BulkJobFailed, BulkJobGone, LoginFailed, RequestLimitReached, SalesforceError,
                        SalesforceUnavailable)
from bot.salesforce.downloads import PageDownload, downloaded, without_nul
from bot.salesforce import bulk_orphans
from bot.salesforce.gateway import API_VERSION, SalesforceConnection, error_for, translated

log = logging.getLogger(__name__)

# Salesforce runs at most 5 queries in one Composite request (which counts as one API call).
COMPOSITE_QUERIES = 5
T = TypeVar("T")


@dataclass(frozen=True)
class QueryPage:
    """One page of a REST query: its records, how many the query has in all, and the next page."""

    records: list[dict[str, Any]]
    total_size: int
    next_url: str | None


@dataclass(frozen=True)
class BulkJob:
    """A Bulk API 2.0 query job as Salesforce reports it; ``created`` is its ``createdDate``
    as Salesforce writes it (``2024-01-02T03:04:05.000+0000``, Salesforce's clock)."""

    job_id: str
    state: str
    records: int | None = None
    created: str | None = None

    @property
    def done(self) -> bool:
        """True once the results can be read."""
        return self.state == "JobComplete"


@dataclass(frozen=True)
class BulkPage:
    """One page of a Bulk job's results, read as it arrives: the header, an iterator of
    rows (lists of CSV cells), how many rows Salesforce says it holds, and the next locator."""

    header: list[str]
    rows: Iterator[list[str]]
    records: int
    next_locator: str | None


class RecordReader:
    """Reads records through one logged-in connection.

    ``composite`` is remembered per reader: once Salesforce (or a proxy) refuses the
    Composite resource, first pages are read one query at a time.
    """

    def __init__(self, connection: SalesforceConnection) -> None:
        self._connection = connection
        self._composite = True

    # ----- REST -------------------------------------------------------------------

    def first_pages(self, queries: Mapping[str, str], *, between: Callable[[], None] | None = None,
                    include_deleted: bool = True) -> dict[str, QueryPage | SalesforceError]:
        """Run each ``queryAll`` (``query`` without ``include_deleted``) and return its first
        page (or the error it met), by key.

        Up to five queries share one Composite request, so an idle cycle of eight
        objects costs two API calls instead of eight. ``between`` runs before every
        request but the first (the sync engine's shutdown and quota check).
        """
        keys = list(queries)
        pages: dict[str, QueryPage | SalesforceError] = {}
        calls = 0

        def before() -> None:
            nonlocal calls
            if calls and between is not None:
                between()
            calls += 1

        for start in range(0, len(keys), COMPOSITE_QUERIES):
            chunk = keys[start:start + COMPOSITE_QUERIES]
            answered = None
            if self._composite:
                before()
                answered = self._composite_pages({key: queries[key] for key in chunk}, include_deleted)
            if answered is None:
                answered = {}
                for key in chunk:
                    before()
                    answered[key] = self._single_page(queries[key], include_deleted)
            pages.update(answered)
        return pages

    def query_all(self, soql: str) -> QueryPage:
        """The first page of one ``queryAll``."""
        return _page(downloaded(lambda: self._connection.client.query(soql, include_deleted=True)))

    def query(self, soql: str) -> QueryPage:
        """The first page of one ``query`` (live rows only, as a reconciliation compares)."""
        return _page(downloaded(lambda: self._connection.client.query(soql, include_deleted=False)))

    def next_page(self, next_url: str) -> QueryPage:
        """The page a ``nextRecordsUrl`` points to; :class:`QueryLocatorExpired` when Salesforce
        has closed the query's cursor (15 minutes unused)."""
        return _page(downloaded(lambda: self._connection.client.query_more(next_url, identifier_is_url=True)))

    def api_limits(self) -> tuple[int, int]:
        """The org's daily API requests (used, max), from the limits resource."""
        with translated():
            limits = self._connection.client.limits()
        daily = limits["DailyApiRequests"]
        used = int(daily["Max"]) - int(daily["Remaining"])
        self._connection.usage.set_usage(used, int(daily["Max"]))
        return used, int(daily["Max"])

    def _single_page(self, soql: str, include_deleted: bool = True) -> QueryPage | SalesforceError:
        try:
            return self.query_all(soql) if include_deleted else self.query(soql)
        except SalesforceError as exc:
            return exc

    def _composite_pages(self, queries: Mapping[str, str],
                         include_deleted: bool = True) -> dict[str, QueryPage | SalesforceError] | None:
        resource = "queryAll" if include_deleted else "query"
        references = {f"q{index}": key for index, key in enumerate(queries)}
        body = {
            "allOrNone": False,
            "compositeRequest": [
                {
                    "method": "GET",
                    "url": f"/services/data/v{API_VERSION}/{resource}/?q={quote(soql, safe='')}",
                    "referenceId": reference,
                }
                for reference, soql in zip(references, queries.values())
            ],
        }
        try:
            # Only reads: asking again for an answer that broke off changes nothing.
            answer = downloaded(lambda: self._connection.client.restful("composite", method="POST", json=body))
        except SalesforceError as exc:
            if _is_refusal_of_composite(exc):
                log.info("Salesforce refused the Composite resource (%s); reading one query at a time", exc)
                self._composite = False
                return None
            raise
        pages: dict[str, QueryPage | SalesforceError] = {}
        for item in (answer or {}).get("compositeResponse", []):
            key = references.get(str(item.get("referenceId")))
            if key is None:
                continue
            status = int(item.get("httpStatusCode") or 500)
            pages[key] = _page(item.get("body") or {}) if status < 300 else error_for(status, item.get("body"))
        for key in queries:
            if key not in pages:
                # A subrequest Salesforce did not answer (never seen, but cheap to cover).
                pages[key] = self._single_page(queries[key], include_deleted)
        return pages

    # ----- Bulk API 2.0 --------------------------------------------------------------

    def start_bulk_query(self, object_name: str, soql: str, *, include_deleted: bool = True) -> BulkJob:
        """Create a ``queryAll`` job (deleted rows included), or a ``query`` job of live rows.

        A creation whose answer is lost may have created the job all the same: the job
        left running is aborted (``bot.salesforce.bulk_orphans``) before the creation is
        sent once more; never twice blindly.
        """
        operation = Operation.query_all if include_deleted else Operation.query

        def create(client: _Bulk2Client) -> Any:
            return client.create_job(operation, soql)

        try:
            info = self._bulk(object_name, create)
        except SalesforceUnavailable:
            log.warning("creating a Bulk job of %s failed; looking for a job it may have left running", object_name)
            self._abort_running_jobs(object_name, operation.value)
            try:
                info = self._bulk(object_name, create)
            except SalesforceUnavailable:
                self._abort_running_jobs(object_name, operation.value)
                raise
        return BulkJob(job_id=str(info["id"]), state=str(info.get("state", "UploadComplete")),
                       created=info.get("createdDate") or None)

    def _abort_running_jobs(self, object_name: str, operation: str) -> None:
        user_id = self._connection.user_id()
        if user_id is None:
            log.warning("the sync user cannot read its own User record; Bulk jobs left running are not looked for")
            return
        running = self._bulk(object_name, lambda client: bulk_orphans.running_jobs(
            client, operation=operation, user_id=user_id))
        for job_id in running:
            try:
                self._bulk(object_name, lambda client, job_id=job_id: bulk_orphans.abort(client, job_id))
                log.warning("aborted Bulk job %s of %s, created by a request whose answer was lost",
                            job_id, object_name)
            except SalesforceUnavailable:
                raise
            except SalesforceError as exc:
                # It finished meanwhile (only running jobs can be aborted): nothing runs for nobody.
                log.info("Bulk job %s of %s could not be aborted: %s", job_id, object_name, exc)

    def bulk_job(self, object_name: str, job_id: str) -> BulkJob:
        """The job's state; :class:`BulkJobGone` when Salesforce no longer has it,
        :class:`BulkJobFailed` when it failed or was aborted."""
        info = self._bulk(object_name, lambda client: client.get_job(job_id, True), job_id=job_id)
        state = str(info.get("state"))
        if state in ("Failed", "Aborted"):
            raise BulkJobFailed(str(info.get("errorMessage") or state))
        processed = info.get("numberRecordsProcessed")
        return BulkJob(job_id=job_id, state=state, records=int(processed) if processed is not None else None,
                       created=info.get("createdDate") or None)

    def bulk_page(self, object_name: str, job_id: str, locator: str | None, max_records: int) -> BulkPage:
        """One page of results, starting at ``locator`` (None: the first page), streamed.

        simple-salesforce's own results call holds a whole page as text several times
        over; this reads the same resource through the client's session and parses the
        CSV while it downloads, so memory stays flat whatever ``max_records`` is. The
        rows end with the page's last one, or with :class:`DownloadCut`: never early.
        """
        params: dict[str, Any] = {"maxRecords": max_records}
        if locator:
            params["locator"] = locator
        download = PageDownload(lambda: self._bulk(
            object_name,
            lambda client: call_salesforce(
                url=f"{client.bulk2_url}query/{job_id}/results", method="GET", session=client.session,
                headers={**client.headers, "Accept": "text/csv"}, params=params, stream=True,
            ),
            job_id=job_id,
        ))
        return BulkPage(header=download.header, rows=download.rows(), records=download.expected,
                        next_locator=download.next_locator)

    def _bulk(self, object_name: str, call: Callable[[_Bulk2Client], T], *, job_id: str | None = None) -> T:
        # simple-salesforce's Bulk calls do not log in again on an expired session:
        # do it here, once, and go on with the same job (its results stay for 7 days).
        try:
            return self._bulk_once(object_name, call, job_id=job_id, may_relogin=True)
        except _SessionExpired:
            log.info("Salesforce session expired during a Bulk call; logging in again")
            self._connection.relogin()
            return self._bulk_once(object_name, call, job_id=job_id, may_relogin=False)

    def _bulk_once(self, object_name: str, call: Callable[[_Bulk2Client], T], *, job_id: str | None,
                   may_relogin: bool) -> T:
        client = self._connection.client
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {client.session_id}",
            "X-PrettyPrint": "1",
        }
        with translated():
            try:
                return call(_Bulk2Client(object_name, client.bulk2_url, headers, client.session))
            except SalesforceExpiredSession:
                if not may_relogin:
                    raise
                raise _SessionExpired() from None
            except SalesforceResourceNotFound:
                if job_id is None:
                    raise
                raise BulkJobGone(job_id) from None


class _SessionExpired(Exception):
    """An expired session met by a Bulk call (not a client error, so it passes ``translated``)."""


def _page(body: Mapping[str, Any]) -> QueryPage:
    return QueryPage(
        records=[without_nul(record) for record in body.get("records") or []],
        total_size=int(body.get("totalSize") or 0),
        next_url=body.get("nextRecordsUrl") or None,
    )


def _is_refusal_of_composite(error: SalesforceError) -> bool:
    # A 404 (no such resource: an old API version, a proxy) or 400-type refusal of the
    # request as a whole; outages, limits and logins are real failures and go up as such.
    return not isinstance(error, (RequestLimitReached, SalesforceUnavailable, LoginFailed))


__all__: Sequence[str] = ("BulkJob", "BulkPage", "QueryPage", "RecordReader")

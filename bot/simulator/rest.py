"""The REST API under ``/services/data/v<version>/``: authentication, limits, routing.

Every request needs ``Authorization: Bearer <sessionId>`` from a live session,
sent to the session's own instance host (when ``X-Forwarded-Host`` names one);
otherwise 401 INVALID_SESSION_ID with Salesforce's JSON body, which is what makes
simple-salesforce log in again and retry. Each authenticated request counts as one
against the org's daily API requests (errors included, as in Salesforce) and its
answer carries ``Sforce-Limit-Info: api-usage=N/MAX``; once the allowance is used
up, requests get 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded.".
A ``composite`` request counts once for all its subrequests, a ``composite/batch``
once per subrequest (see :mod:`composite`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .bulk import DAILY_QUERY_JOBS_MAX, BulkQueryJobs
from .composite import CompositeResource
from .faults import FaultSwitches
from .org import SimulatedOrg
from .registry import OrgRegistry
from .query_api import QueryResource
from .records_api import object_resource
from .sessions import SessionStore
from .soql import SoqlError
from .wire import ApiError, Request, Response, RestContext, method_not_allowed, not_found

API_VERSIONS = (
    ("Winter '24", "59.0"), ("Spring '24", "60.0"), ("Summer '24", "61.0"), ("Winter '25", "62.0"),
)


@dataclass
class RestOutcome:
    """An answer plus what the request log wants to know about it."""

    response: Response
    username: str | None = None
    counted: bool = False


class RestApi:
    """Answers every ``/services/data/...`` request."""

    def __init__(self, orgs: OrgRegistry, sessions: SessionStore, faults: FaultSwitches, *,
                 bulk_polls_to_complete: int = 2) -> None:
        self._orgs = orgs
        self._sessions = sessions
        self._faults = faults
        self.queries = QueryResource()
        self.bulk = BulkQueryJobs(faults, polls_to_complete=bulk_polls_to_complete)
        self.composite = CompositeResource(self.answer)
        # False: ``composite`` answers 404, as an org or a proxy refusing it would.
        self.composite_enabled = True

    def handle(self, request: Request, version: str | None, segments: list[str]) -> RestOutcome:
        """Answer one request; ``version`` is None for ``/services/data/`` itself."""
        injected = self._faults.take_failure("rest")
        if injected is None and _is_bulk_poll(request, segments):
            injected = self._faults.take_failure("bulk_poll")
        if injected is not None:
            return RestOutcome(ApiError(injected.status, injected.error_code, injected.message).to_response())
        if version is None:
            if segments or request.method != "GET":
                return RestOutcome(not_found().to_response())
            return RestOutcome(Response.json(
                [{"label": label, "url": f"/services/data/v{number}", "version": number}
                 for label, number in API_VERSIONS]))
        try:
            ctx = self._authenticate(request, version)
        except ApiError as exc:
            return RestOutcome(exc.to_response())
        usage = None if self._faults.request_limit_exceeded else ctx.org.count_api_request()
        if usage is None:
            refusal = ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            return RestOutcome(refusal.to_response(), ctx.user.username)
        response = self.answer(ctx, segments)
        used, maximum = usage
        # A composite batch counts its subrequests itself and reports the usage after them.
        response.headers.setdefault("Sforce-Limit-Info", f"api-usage={used}/{maximum}")
        return RestOutcome(response, ctx.user.username, counted=True)

    def answer(self, ctx: RestContext, segments: list[str]) -> Response:
        """Answer an authenticated request already counted toward the limits (a request on
        its own, or a subrequest of a composite): the one request path of the REST API."""
        try:
            return self._dispatch(ctx, segments)
        except SoqlError as exc:
            return ApiError(400, exc.code, exc.message).to_response()
        except ApiError as exc:
            return exc.to_response()

    def _authenticate(self, request: Request, version: str) -> RestContext:
        expired = ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or not token.strip():
            raise expired
        session = self._sessions.get(token.strip())
        org = self._orgs.get(session.org_id) if session else None
        user = org.users.get(session.username) if org and session else None
        if org is None or user is None:
            raise expired
        host = request.forwarded_host
        if host is not None and host.lower() != org.instance_host.lower():
            raise expired  # a session is only valid on its own org's instance
        return RestContext(request, org, user, version)

    def _dispatch(self, ctx: RestContext, segments: list[str]) -> Response:
        method = ctx.request.method
        if not segments and method == "GET":
            base = f"/services/data/v{ctx.version}"
            resources = ("sobjects", "query", "queryAll", "limits", "jobs", "composite")
            return Response.json({name: f"{base}/{name}" for name in resources})
        head, rest = (segments[0], segments[1:]) if segments else ("", [])
        if head == "sobjects":
            if not rest:
                if method != "GET":
                    raise method_not_allowed(method, "GET, HEAD")
                return Response.json(ctx.org.schema.describe_global(ctx.version))
            obj = ctx.org.schema.get(rest[0])
            if obj is None:
                raise not_found()
            return object_resource(ctx, obj, rest[1:])
        if head in ("query", "queryAll"):
            if method != "GET":
                raise method_not_allowed(method, "GET, HEAD")
            if not rest:
                return self.queries.query(ctx, include_deleted=head == "queryAll")
            if len(rest) == 1:
                return self.queries.more(ctx, rest[0])
        if head == "limits" and not rest:
            if method != "GET":
                raise method_not_allowed(method, "GET, HEAD")
            return Response.json(self._limits(ctx.org))
        if head == "composite" and self.composite_enabled and rest[:1] != ["sobjects"]:
            return self.composite.handle(ctx, rest)
        if head == "jobs" and rest[:1] == ["query"]:
            return self.bulk.handle(ctx, rest[1:])
        if head == "jobs" and rest[:1] == ["ingest"]:
            raise ApiError(404, "NOT_FOUND", "Bulk API 2.0 ingest jobs are not simulated")
        raise not_found()

    def _limits(self, org: SimulatedOrg) -> dict[str, dict[str, int]]:
        jobs_left = DAILY_QUERY_JOBS_MAX - self.bulk.jobs_created(org.org_id)
        return {
            "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
            "DailyApiRequests": {"Max": org.api_daily_max,
                                 "Remaining": max(0, org.api_daily_max - org.api_requests_used)},
            "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
            "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
            "DailyBulkV2QueryJobs": {"Max": DAILY_QUERY_JOBS_MAX, "Remaining": max(0, jobs_left)},
            "DataStorageMB": {"Max": 1024, "Remaining": 1000},
            "FileStorageMB": {"Max": 2048, "Remaining": 2040},
            "SingleEmail": {"Max": 5000, "Remaining": 5000},
        }


def _is_bulk_poll(request: Request, segments: list[str]) -> bool:
    """Whether a request asks for the state of one Bulk 2.0 query job (``GET jobs/query/<id>``)."""
    return request.method == "GET" and len(segments) == 3 and segments[:2] == ["jobs", "query"]

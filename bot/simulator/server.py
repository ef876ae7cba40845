"""The simulator itself: an HTTP server in a background thread, routing to the endpoints.

Typical use::

    with SalesforceSimulator() as sim:          # Acme Corp, one sync user, demo data
        session = make_session(sim.url)         # bot.salesforce.transport: https:// -> sim.url
        sf = Salesforce(username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD,
                        security_token=DEFAULT_SECURITY_TOKEN, session=session)
        sim.org.generate("Lead", 5000)          # more data; sim.expire_sessions() etc. for faults

Clients reach it through a transport that sends every ``https://`` request to
:attr:`SalesforceSimulator.url` and puts the host it meant in ``X-Forwarded-Host``
(see ``SYNCBOT_SALESFORCE_URL``); that host decides which login server (production
or sandbox) or which org instance a request is for.

Each request is answered in this order: ``latency``, request hooks, armed session
expiries, then the endpoint (SOAP login or the REST router), then an armed dropped
download; the request log records it.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Callable, Iterable

from .bulk import BulkQueryJobs
from .clock import SimClock
from .dataset import (DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_SIZE, DEFAULT_USERNAME,
                      build_demo_org)
from .faults import DEFAULT_BULK_FAILURE, FailureScope, FaultSwitches
from .login_faults import LOGIN_FAULTS
from .org import DEFAULT_API_DAILY_MAX, SimulatedOrg, SimulatedUser
from .registry import OrgRegistry
from .request_log import LOGGED_HEADERS, LoggedRequest, RequestLog
from .rest import RestApi, RestOutcome
from .sessions import SessionStore
from .soap import LoginService
from .wire import ApiError, Request, Response, not_found

logger = logging.getLogger(__name__)

# Salesforce refuses request URLs of about 16 KB: 431 first, 414 beyond 16,384 bytes.
# The simulator starts refusing at 16,000 characters so that what passes here passes there.
DEFAULT_MAX_URL_LENGTH = 16_000
_HARD_URL_LIMIT = 16_384
# Called with each request before it is answered (see add_request_hook).
RequestHook = Callable[[Request], None]
_LOST_ANSWER_MESSAGE = "Server temporarily unavailable. Please try again later."
_SOAP_PATH = re.compile(r"^/services/Soap/u/(\d+\.\d+)/?$")
_REST_PATH = re.compile(r"^/services/data(?:/v(\d+\.\d+))?(/.*)?$")


class SalesforceSimulator:
    """A local Salesforce: SOAP login, REST (describe, query, limits, records, replication,
    composite) and Bulk API 2.0 queries for one or more simulated orgs, with fault switches
    and request hooks for tests. Every request takes the one path of :meth:`handle`.

    Without ``orgs`` it holds one production org, "Acme Corp", whose user
    ``sync@acme.example`` (:data:`DEFAULT_PASSWORD`, :data:`DEFAULT_SECURITY_TOKEN`) can log
    in, seeded with the deterministic demo dataset (``seed``, ``size``) and allowed
    ``api_daily_max`` API requests a day. All orgs share the simulator's :attr:`clock`;
    Bulk 2.0 query jobs complete on their ``bulk_polls_to_complete``-th poll (the 2nd:
    the first says InProgress) and not before ``bulk_min_seconds`` of real time; a job over
    more than ``bulk_jobs.chunk_rows`` records runs one Id range per poll, as Salesforce's chunks
    run at different times; request URLs longer than ``max_url_length`` are refused as
    by Salesforce's edge servers.
    """

    def __init__(
        self,
        orgs: Iterable[SimulatedOrg] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        size: int = DEFAULT_SIZE,
        clock: SimClock | None = None,
        api_daily_max: int = DEFAULT_API_DAILY_MAX,
        bulk_polls_to_complete: int = 2,
        bulk_min_seconds: float = 0.0,
        max_url_length: int = DEFAULT_MAX_URL_LENGTH,
        request_log_capacity: int = 10_000,
    ) -> None:
        self.clock = clock or SimClock()
        self.orgs = OrgRegistry()
        self.sessions = SessionStore()
        self.faults = FaultSwitches()
        self.request_log = RequestLog(request_log_capacity)
        self.max_url_length = max_url_length
        # Seconds every request waits before it is answered (a slow Salesforce).
        self.latency = 0.0
        self._hooks: list[RequestHook] = []
        self._hooks_lock = threading.Lock()
        self._login = LoginService(self.orgs, self.sessions, self.faults)
        self._rest = RestApi(self.orgs, self.sessions, self.faults,
                             bulk_polls_to_complete=bulk_polls_to_complete)
        self._rest.bulk.min_seconds = bulk_min_seconds
        self._address = (host, port)
        self._server: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        if orgs is None:
            orgs = [build_demo_org(seed=seed, size=size, api_daily_max=api_daily_max, clock=self.clock)]
        for org in orgs:
            self.register_org(org)

    # ----- lifecycle -----------------------------------------------------------------

    def start(self) -> SalesforceSimulator:
        """Start serving in a daemon thread (``127.0.0.1`` and a free port by default)."""
        if self._server is not None:
            return self
        server = _HttpServer(self._address, _Handler)
        server.simulator = self
        self._server = server
        # stop() wakes the loop up itself; the poll interval only bounds a missed wake-up.
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="salesforce-simulator", daemon=True)
        self._thread.start()
        logger.info("Salesforce simulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection."""
        server, self._server = self._server, None
        if server is None:
            return
        stopper = threading.Thread(target=server.shutdown)
        stopper.start()
        # serve_forever() notices the shutdown only when select() wakes up: a connection
        # wakes it at once instead of after the poll interval.
        try:
            host, port = server.server_address[:2]
            socket.create_connection((str(host), int(port)), timeout=1).close()
        except OSError:
            pass
        stopper.join()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def url(self) -> str:
        """The base URL to send requests to, e.g. ``http://127.0.0.1:54321``."""
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> SalesforceSimulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    # ----- orgs and users ------------------------------------------------------------

    @property
    def org(self) -> SimulatedOrg:
        """The first org (the default "Acme Corp")."""
        return next(iter(self.orgs))

    def register_org(self, org: SimulatedOrg) -> SimulatedOrg:
        """Add a ready-made org; it adopts the simulator's clock."""
        org.clock = self.clock
        return self.orgs.add(org)

    def add_org(
        self,
        name: str,
        *,
        username: str,
        password: str = DEFAULT_PASSWORD,
        security_token: str = DEFAULT_SECURITY_TOKEN,
        is_sandbox: bool = False,
        instance_host: str | None = None,
        seed: int = 0,
        size: int = 0,
        api_daily_max: int = DEFAULT_API_DAILY_MAX,
    ) -> SimulatedOrg:
        """Create another org with one login user (``size`` > 0 seeds demo data)."""
        org = build_demo_org(name, seed=seed, size=size, org_number=self.orgs.next_number(),
                             is_sandbox=is_sandbox, instance_host=instance_host, username=username,
                             password=password, security_token=security_token, api_daily_max=api_daily_max,
                             clock=self.clock)
        return self.register_org(org)

    def find_user(self, username: str) -> tuple[SimulatedOrg, SimulatedUser]:
        """The org and user of a username; ``KeyError`` when nobody has it."""
        found = self.orgs.find_user(username)
        if found is None:
            raise KeyError(username)
        return found

    # ----- fault switches ------------------------------------------------------------

    def expire_sessions(self, username: str | None = None) -> int:
        """End all sessions (or one user's): the next REST call gets 401 INVALID_SESSION_ID."""
        return self.sessions.expire_all() if username is None else self.sessions.expire_user(username)

    def expire_sessions_after(self, requests: int, *, path_contains: str | None = None) -> None:
        """The ``requests``-th request from now (counting only those whose path contains
        ``path_contains``, e.g. ``"/results"``) first ends every session: it and the ones
        after it get 401 INVALID_SESSION_ID until the client logs in again. ``1`` is the
        very next one. For sessions running out in the middle of a Bulk load."""
        self.faults.expire_sessions_after(requests, path_contains)

    def fail_next_requests(self, count: int = 1, *, status: int = 503, error_code: str = "SERVER_UNAVAILABLE",
                           message: str = "Server temporarily unavailable. Please try again later.",
                           scope: FailureScope = "rest") -> None:
        """Answer the next ``count`` REST (or ``login``, ``any``, or ``bulk_poll``: Bulk job
        status polls only) requests with this error: a JSON error list for REST; for a login
        what Salesforce sends, a SOAP fault for a 500 (see :meth:`fail_next_logins`) and its
        edge's HTML page for other statuses."""
        self.faults.fail_next(count, status=status, error_code=error_code, message=message, scope=scope)

    def fail_next_logins(self, count: int = 1, *, code: str | None = "UNKNOWN_EXCEPTION", status: int = 503) -> None:
        """Answer the next ``count`` logins, whoever logs in, as during a Salesforce incident:
        HTTP 500 with the SOAP fault ``code`` (Salesforce's own message, e.g. an
        ``UNKNOWN_EXCEPTION`` with its ErrorId), or, with ``code`` None, the edge's HTML page
        with ``status``."""
        if code is None:
            self.faults.fail_next(count, status=status, error_code="", message="", scope="login")
        else:
            self.faults.fail_next(count, status=500, error_code=code, message="", scope="login")

    def lose_next_answer(self, method: str, path_contains: str, *, status: int | None = 503) -> None:
        """Carry out the next ``method`` request whose path contains ``path_contains`` (e.g.
        ``"POST", "/jobs/query"``: the Bulk job is created) and lose its answer: the client
        gets ``status`` instead, or, with None, a connection closed without an answer."""
        self.faults.lose_next_answer(method, path_contains, status=status)

    def bulk_query_jobs(self, org_id: str | None = None) -> list[dict[str, object]]:
        """Every Bulk 2.0 query job of an org (the first by default) as ``GET jobs/query/<id>``
        describes it, without polling it: to see which jobs were left running."""
        return self._rest.bulk.describe_jobs(org_id or self.org.org_id)

    def set_request_limit_exceeded(self, exceeded: bool = True) -> None:
        """Refuse every REST call with 403 REQUEST_LIMIT_EXCEEDED (also automatic at the daily max)."""
        self.faults.request_limit_exceeded = exceeded

    def fail_next_bulk_job(self, message: str = DEFAULT_BULK_FAILURE) -> None:
        """The next Bulk 2.0 query job ends in state ``Failed``."""
        self.faults.fail_next_bulk_job(message)

    def set_login_fault(self, username: str, code: str | None) -> None:
        """Answer this user's (correct) logins with a fault code of :data:`LOGIN_FAULTS`, or None."""
        if code is not None and code not in LOGIN_FAULTS:
            raise ValueError(f"unknown login fault {code!r}; choose from {sorted(LOGIN_FAULTS)}")
        self.find_user(username)[1].login_fault = code

    @property
    def query_locator_idle(self) -> timedelta | None:
        """How long a REST query cursor (its ``nextRecordsUrl``) lives without a page being
        asked of it, by the simulator's clock: 15 minutes, as in Salesforce; None: forever.
        Past it, the next page is a 400 INVALID_QUERY_LOCATOR."""
        return self._rest.queries.idle_timeout

    @query_locator_idle.setter
    def query_locator_idle(self, timeout: timedelta | None) -> None:
        self._rest.queries.idle_timeout = timeout

    def expire_query_locators(self) -> int:
        """Close every open REST query cursor now, as if each had been idle too long; returns how many."""
        return self._rest.queries.expire_cursors()

    def drop_next_downloads(self, count: int = 1, *, after_bytes: int, path_contains: str | None = None) -> None:
        """The next ``count`` successful answers longer than ``after_bytes`` bytes (whose path
        contains ``path_contains``, e.g. ``"/results"``) break off after ``after_bytes`` bytes:
        the connection closes mid-download, as a network fault or a restarting proxy does."""
        self.faults.drop_downloads(count, after_bytes=after_bytes, path_contains=path_contains)

    def truncate_next_results_pages(self, count: int = 1, *, rows: int) -> None:
        """The next ``count`` Bulk results pages of more than ``rows`` rows end cleanly after
        ``rows`` rows, though their ``Sforce-NumberOfRecords`` counts them all (a page cut
        short on its way)."""
        self.faults.truncate_results_pages(count, rows=rows)

    def clear_faults(self) -> None:
        """Drop pending injected failures, session countdowns and switches (login faults stay
        with their users; request hooks and ``composite_enabled`` stay as they are)."""
        self.faults.clear()

    @property
    def composite_enabled(self) -> bool:
        """Whether ``composite`` and ``composite/batch`` are served; when False they answer
        404 NOT_FOUND, as an org or a proxy refusing them would (to test a client's fallback)."""
        return self._rest.composite_enabled

    @composite_enabled.setter
    def composite_enabled(self, enabled: bool) -> None:
        self._rest.composite_enabled = enabled

    @property
    def bulk_min_seconds(self) -> float:
        """Real seconds a Bulk 2.0 query job runs at least before it can report JobComplete."""
        return self._rest.bulk.min_seconds

    @bulk_min_seconds.setter
    def bulk_min_seconds(self, seconds: float) -> None:
        self._rest.bulk.min_seconds = max(0.0, seconds)

    @property
    def bulk_jobs(self) -> BulkQueryJobs:
        """The Bulk 2.0 query jobs: their chunk size (``chunk_rows``) and chunk hooks (``add_chunk_hook``)."""
        return self._rest.bulk

    # ----- request hooks -------------------------------------------------------------

    def add_request_hook(self, hook: RequestHook) -> RequestHook:
        """Call ``hook(request)`` before each request is answered (after ``latency``), e.g. to
        change records while a load runs; returns the hook. An exception in it fails the
        request with a 500, so a broken hook does not go unnoticed."""
        with self._hooks_lock:
            self._hooks.append(hook)
        return hook

    def remove_request_hook(self, hook: RequestHook) -> None:
        """Stop calling a hook added with :meth:`add_request_hook`."""
        with self._hooks_lock:
            self._hooks.remove(hook)

    @property
    def bulk_polls_to_complete(self) -> int:
        """On which poll a Bulk 2.0 query job reports JobComplete (earlier polls: InProgress)."""
        return self._rest.bulk.polls_to_complete

    @bulk_polls_to_complete.setter
    def bulk_polls_to_complete(self, polls: int) -> None:
        self._rest.bulk.polls_to_complete = max(1, polls)

    # ----- request handling ----------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request (what the HTTP handler calls; usable without sockets too)."""
        if self.latency > 0:
            # A slow network or a busy org: every answer takes this long.
            time.sleep(self.latency)
        with self._hooks_lock:
            hooks = list(self._hooks)
        for hook in hooks:
            hook(request)
        if self.faults.sessions_expire_now(request.path):
            self.sessions.expire_all()
        username: str | None = None
        counted = False
        target = request.path + (f"?{request.query_string}" if request.query_string else "")
        url_length = len(f"https://{request.forwarded_host or request.header('host') or ''}{target}")
        soap = _SOAP_PATH.match(request.path)
        rest = _REST_PATH.match(request.path)
        if url_length > self.max_url_length:
            response = _url_too_long(url_length)
        elif soap and request.method == "POST":
            response, username = self._login.handle(request, soap.group(1))
        elif rest:
            segments = [part for part in (rest.group(2) or "").split("/") if part]
            outcome: RestOutcome = self._rest.handle(request, rest.group(1), segments)
            response, username, counted = outcome.response, outcome.username, outcome.counted
        else:
            response = not_found().to_response()
        if response.status == 200 and response.body:
            response.dropped_after = self.faults.take_dropped_download(request.path, len(response.body))
        lost = self.faults.take_lost_answer(request.method, request.path)
        if lost is not None:
            # Salesforce did the work; the client never hears of it.
            response = (Response.dropped_connection() if lost.status is None else
                        ApiError(lost.status, "SERVER_UNAVAILABLE", _LOST_ANSWER_MESSAGE).to_response())
        self.request_log.append(LoggedRequest(
            at=datetime.now(timezone.utc), method=request.method, path=request.path,
            query_string=request.query_string, status=response.status, forwarded_host=request.forwarded_host,
            username=username, counted=counted, dropped=response.dropped or response.dropped_after is not None,
            headers={name: request.headers[name] for name in LOGGED_HEADERS if name in request.headers},
        ))
        return response


def _url_too_long(length: int) -> Response:
    # The real refusal comes from Salesforce's edge servers, as HTML, not the JSON error list.
    if length > _HARD_URL_LIMIT:
        status, reason = 414, "URI Too Long"
    else:
        status, reason = 431, "Request Header Fields Too Large"
    html = f"<html><body><h1>Bad Message {status}</h1><pre>reason: {reason}</pre></body></html>"
    return Response.text(html, "text/html;charset=iso-8859-1", status)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    simulator: SalesforceSimulator

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client hanging up mid-request is routine; the default prints a traceback to stderr.
        logger.debug("connection from %s failed", client_address, exc_info=True)

    def close_connections(self) -> None:
        """Drop kept-alive connections so their handler threads end with the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive, as requests' pooled sessions expect.
    protocol_version = "HTTP/1.1"
    server: _HttpServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and
        # the client's delayed ACK add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET

    def _answer(self) -> None:
        path, _, query_string = self.path.partition("?")
        method = "GET" if self.command == "HEAD" else self.command  # HEAD: a GET without the body
        request = Request(method, path, query_string,
                          {name.lower(): value for name, value in self.headers.items()}, self._body())
        try:
            response = self.server.simulator.handle(request)
        except Exception:  # a simulator bug: answer like Salesforce's own internal errors
            error_id = str(uuid.uuid4().int)[:10]
            logger.exception("Salesforce simulator failed on %s %s (ErrorId %s)",
                             self.command, path, error_id)
            response = ApiError(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this "
                                f"ErrorId if you contact support: {error_id}").to_response()
        if response.dropped:
            # A network failure after the request arrived: not a byte of answer.
            self.close_connection = True
            return
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        # 204 and 304 have no body, so no length either (a 304 must not even announce one).
        bodyless = response.status in (204, 304)
        if not bodyless:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and not bodyless:
            if response.dropped_after is None:
                self.wfile.write(response.body)
            else:
                # The connection drops mid-body: the client was promised more than it gets.
                self.wfile.write(response.body[:response.dropped_after])
                self.wfile.flush()
                self.close_connection = True

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (signature of the base class)
        # Quiet by default: request lines go to debug logging, never to stderr.
        logger.debug("%s - %s", self.address_string(), format % args)


__all__ = ["SalesforceSimulator", "DEFAULT_USERNAME", "DEFAULT_PASSWORD", "DEFAULT_SECURITY_TOKEN"]

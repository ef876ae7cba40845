"""The HTTP face of ``syncbot serve``: Slack's events, a health check and metrics, as one WSGI app."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_context

from bot import metrics
from bot.health import check as health_check
from bot.runtime import Services

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

EVENTS_PATH = "/slack/events"
# The largest body /slack/events takes. What Slack sends this app is far smaller: a slash
# command is a few KB (its text has at most 4,000 characters), and the biggest
# interaction carries one message or view (at most 50 or 100 blocks of 3,000 characters,
# a few hundred KB once form-encoded). 1 MiB leaves room for all of that, while a flood of
# huge bodies can neither fill memory nor keep workers busy verifying signatures.
MAX_BODY_BYTES = 1024 * 1024
# Slack's rule: a signature older than five minutes is refused (replays).
SIGNATURE_MAX_AGE = 5 * 60
# An unsigned body Bolt may still see: Slack's SSL check (``ssl_check=1&token=…``).
_SSL_CHECK_BYTES = 512


class _SlackEvents(SlackRequestHandler):
    """Bolt's WSGI handler, with the signature checked first and one parsing slip fixed.

    Bolt parses a body before its middleware checks the signature (and a body holding
    ``payload`` twice): an unsigned request could make the process parse whatever it
    sends, nested JSON deep enough to raise ``RecursionError`` included. Here the
    signature is checked on the raw bytes before anything is parsed; Bolt checks it
    again later, which costs one HMAC.

    Bolt also takes any form body containing the word "payload" for an interaction and,
    finding no ``payload`` field, parses it as empty: a slash command from a channel
    named #payloads, or ``/sync fields payload``, would go unanswered. Such a body is
    parsed here as the plain form it is; the raw body (and so the signature) is untouched.
    """

    def __init__(self, app: App, *, path: str, signing_secret: str | None) -> None:
        super().__init__(app, path=path)
        self._secret = signing_secret.encode() if signing_secret else None

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        raw_body = _raw_body(request)
        headers = request.get_headers()
        if self._secret is not None and not self._signed(raw_body, headers):
            return BoltResponse(status=401, body={"error": "invalid request"})
        try:
            body = raw_body.decode("utf-8")
        except UnicodeDecodeError:
            return BoltResponse(status=400, body={"error": "invalid request"})
        bolt_request = BoltRequest(body=body, query=request.query_string, headers=headers)
        raw = bolt_request.raw_body
        if not bolt_request.body and raw and not raw.startswith("{") and "payload" in raw:
            form = dict(parse_qsl(raw, keep_blank_values=True))
            if "payload" not in form:
                bolt_request.body = form
                bolt_request.context = build_context(BoltContext({}), form)
        return self.app.dispatch(bolt_request)

    def _signed(self, body: bytes, headers: dict[str, Any]) -> bool:
        if self._secret is None:
            return False
        timestamp = _first(headers.get("x-slack-request-timestamp"))
        signature = _first(headers.get("x-slack-signature"))
        if _valid_signature(self._secret, body, timestamp, signature):
            return True
        # Slack's SSL check is the one unsigned request Bolt answers (with a bare 200);
        # it is a short form, so parsing it costs nothing whatever it holds.
        return len(body) <= _SSL_CHECK_BYTES and b"ssl_check=1" in body


def _raw_body(request: WsgiHttpRequest) -> bytes:
    """The request's body as sent (the server bounds it to ``MAX_BODY_BYTES``)."""
    stream = request.environ.get("wsgi.input")
    if stream is None:
        return b""
    return bytes(stream.read(_declared_length(request.environ)))


def _valid_signature(secret: bytes, body: bytes, timestamp: str, signature: str) -> bool:
    """Slack's v0 signature: HMAC-SHA256 of ``v0:{timestamp}:{body}``, at most five minutes old."""
    if not timestamp.isascii() or not timestamp.isdigit() or abs(time.time() - int(timestamp)) > SIGNATURE_MAX_AGE:
        return False
    expected = "v0=" + hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def _first(values: Any) -> str:
    """The first value of a header as Bolt's request helpers hold them (a list or a string)."""
    if isinstance(values, (list, tuple)):
        return str(values[0]) if values else ""
    return str(values or "")


def create_wsgi_app(bolt_app: App, services: Services) -> WsgiApp:
    """Route ``POST /slack/events`` to Bolt (which verifies signatures), ``GET /healthz``
    and ``GET /metrics`` to their answers, and anything else to 404."""
    slack = _SlackEvents(bolt_app, path=EVENTS_PATH, signing_secret=services.settings.slack_signing_secret)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        started = time.perf_counter()
        status_seen: list[str] = []

        def recording_start_response(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            status_seen.append(status.split()[0])
            return start_response(status, headers, *rest)

        known = path in (EVENTS_PATH, "/healthz", "/metrics")
        try:
            if path == EVENTS_PATH and method == "POST":
                if _declared_length(environ) > MAX_BODY_BYTES:
                    # Refused before a byte is read: no parsing, no signature check.
                    return _json(recording_start_response, "413 Content Too Large",
                                 {"ok": False, "error": "body_too_large"})
                return slack(environ, recording_start_response)
            if path == "/healthz" and method in ("GET", "HEAD"):
                report = health_check(services)
                return _json(recording_start_response, "200 OK" if report["ok"] else "503 Service Unavailable", report)
            if path == "/metrics" and method == "GET":
                body = generate_latest()
                recording_start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
                return [body]
            if known:
                return _json(recording_start_response, "405 Method Not Allowed", {"ok": False, "error": "method"})
            return _json(recording_start_response, "404 Not Found", {"ok": False, "error": "not_found"})
        finally:
            label = path if known else "other"
            metrics.HTTP_REQUESTS.labels(path=label, status=status_seen[0] if status_seen else "500").inc()
            metrics.HTTP_SECONDS.labels(path=label).observe(time.perf_counter() - started)

    return application


def _declared_length(environ: dict[str, Any]) -> int:
    """The body size the request announces (the server dechunks and bounds the others)."""
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return MAX_BODY_BYTES + 1  # a length that is not a number is refused like a huge one


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def create_server(app: WsgiApp, *, host: str, port: int, threads: int = 8) -> Any:
    """A production WSGI server (waitress) bound to ``host:port``; ``port=0`` picks a free one.

    The returned server has ``effective_port``, ``run()`` and ``close()``.
    """
    from waitress.server import create_server as waitress_server

    return waitress_server(
        app, host=host, port=port, threads=threads, ident="syncbot", clear_untrusted_proxy_headers=True,
        # Chunked bodies announce no length: waitress counts them and answers 413 itself.
        max_request_body_size=MAX_BODY_BYTES,
    )


def serve_until_closed(server: Any) -> None:
    """Run a server from :func:`create_server` until ``server.close()`` is called
    (from a signal handler or another thread), then return quietly."""
    try:
        server.run()
    except (OSError, ValueError):
        # close() pulls the socket out from under the running loop; that is the stop.
        pass


def stop_server(server: Any, *, timeout: float = 5) -> None:
    """Stop a server running in another thread: let in-flight requests finish, then close.

    Closing first would pull the socket from under a worker still answering,
    which waitress reports as an error.
    """
    server.task_dispatcher.shutdown(cancel_pending=False, timeout=timeout)
    server.close()


@contextmanager
def serving_in_background(services: Services) -> Iterator[str]:
    """Run the whole app on a free local port in a thread; yields its base URL.

    For the offline demo and the tests: the same app and server as ``syncbot serve``.
    """
    from handlers.app import create_app

    server = create_server(create_wsgi_app(create_app(services), services), host="127.0.0.1", port=0)
    thread = threading.Thread(target=serve_until_closed, args=(server,), name="syncbot-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop_server(server)
        thread.join(timeout=5)

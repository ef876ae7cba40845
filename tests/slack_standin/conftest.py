"""Fixtures for the Slack stand-in's own tests: a running stand-in, a client, a served Bolt app."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.slack_standin import DEFAULT_BOT_TOKEN, SlackRequestSender, SlackWebApiStandIn

SIGNING_SECRET = "standin-test-signing-secret"


@pytest.fixture
def signing_secret() -> str:
    """The secret the served Bolt apps verify with (and ``serve_app``'s senders sign with)."""
    return SIGNING_SECRET


@pytest.fixture
def web_api() -> Iterator[SlackWebApiStandIn]:
    with SlackWebApiStandIn() as standin:
        yield standin


@pytest.fixture
def client(web_api: SlackWebApiStandIn) -> WebClient:
    return WebClient(token=DEFAULT_BOT_TOKEN, base_url=web_api.api_url, timeout=5)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@dataclass(frozen=True)
class CapturedRequest:
    """A request exactly as it reached the capture server."""

    path: str
    headers: dict[str, str]
    body: bytes


@pytest.fixture
def capture() -> Iterator[tuple[str, list[CapturedRequest]]]:
    """An HTTP server that answers 200 to every POST and keeps the raw requests."""
    captured: list[CapturedRequest] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            captured.append(CapturedRequest(self.path, dict(self.headers.items()), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", captured
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def served(app: App) -> Iterator[str]:
    """Serve a Bolt app over HTTP on localhost; yields its base URL."""
    server = make_server(
        "127.0.0.1", 0, SlackRequestHandler(app), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def serve_app(web_api: SlackWebApiStandIn) -> Iterator[Callable[[App], SlackRequestSender]]:
    """Serve Bolt apps for one test; each call returns a sender signed with the app's secret."""
    with ExitStack() as stack:

        def start(app: App) -> SlackRequestSender:
            url = stack.enter_context(served(app))
            return SlackRequestSender(url, SIGNING_SECRET, web_api=web_api)

        yield start

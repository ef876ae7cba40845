"""A recording fake of Slack's Web API, served over HTTP on localhost.

Point the bot at it with ``SLACK_API_URL=<stand-in>.api_url`` (or
``WebClient(base_url=...)``): it answers the way Slack does, records every call
for tests to inspect, can be told to fail or rate-limit chosen methods, and
also serves the ``response_url`` endpoints that slash commands and button
clicks carry.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from .answers import DEFAULT_TRIGGER_ID_TTL, WebApiAnswers, error
from .faults import FaultPlan
from .files import FileStore, UploadedFile
from .ids import IdMinter
from .records import RecordedCall, Recorder, ResponsePost
from .request_parsing import parse_api_call, parse_json_object
from .socket_mode import DEFAULT_APP_TOKEN, SocketModeStandIn
from .workspace import WorkspaceDirectory, WorkspaceIdentity, channel_object, user_object

logger = logging.getLogger(__name__)

DEFAULT_BOT_TOKEN = "xoxb-standin-0000-token"
DEFAULT_SCOPES = (
    "commands", "chat:write", "users:read", "channels:read", "groups:read", "channels:join",
    "channels:history", "groups:history", "files:write", "im:write",
)
# Scopes Slack asks of methods outside ``files.*`` (those check their own); ``conversations.open``
# takes any of channels:manage, groups:write, im:write and mpim:write, and a direct message needs im:write.
_REQUIRED_SCOPES = {"conversations.open": "im:write"}

# Methods Slack serves without a bearer token (they authenticate otherwise).
_UNAUTHENTICATED_METHODS = frozenset({"api.test", "oauth.access", "oauth.v2.access", "oauth.v2.exchange"})


class SlackWebApiStandIn:
    """Slack's Web API and response_url endpoints, faked on ``127.0.0.1``.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        token: str = DEFAULT_BOT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        identity: WorkspaceIdentity | None = None,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        trigger_id_ttl: float | None = DEFAULT_TRIGGER_ID_TTL,
    ) -> None:
        """Prepare a stand-in that accepts ``token``; nothing listens until :meth:`start`.

        ``trigger_id_ttl`` is how long a trigger id from :meth:`new_trigger_id`
        may be used to open a view (None: forever).
        """
        self.identity = identity or WorkspaceIdentity()
        self.token = token  # the bot token to configure the app with (SLACK_BOT_TOKEN)
        self._host = host
        self._port = port
        self._accepted_tokens = {token}
        self._scopes = set(scopes)
        self._ids = IdMinter()
        self._directory = WorkspaceDirectory(self.identity)
        self._answers = WebApiAnswers(self.identity, self._directory, self._ids, trigger_id_ttl=trigger_id_ttl)
        self._files = FileStore(self.identity, self._directory, self._ids, base_url=lambda: self.base_url)
        self._faults = FaultPlan()
        self._calls: Recorder[RecordedCall] = Recorder("Web API calls")
        self._responses: Recorder[ResponsePost] = Recorder("response_url posts")
        self._server: _StandInHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._socket_mode: SocketModeStandIn | None = None

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> Self:
        """Bind the port and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("the Slack Web API stand-in is already running")
        self._server = _StandInHTTPServer((self._host, self._port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-web-api-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (safe to call twice)."""
        if self._socket_mode is not None:
            self._socket_mode.stop()
            self._socket_mode = None
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (only while running)."""
        if self._server is None:
            raise RuntimeError("the Slack Web API stand-in is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL, ``http://127.0.0.1:PORT/api/`` (the value for ``SLACK_API_URL``)."""
        return f"{self.base_url}/api/"

    def enable_socket_mode(self, app_token: str = DEFAULT_APP_TOKEN) -> SocketModeStandIn:
        """Start the Socket Mode server; ``apps.connections.open`` with ``app_token`` then
        answers its ``ws://127.0.0.1`` URL. Stopped with the stand-in."""
        if self._socket_mode is None:
            self._socket_mode = SocketModeStandIn(self, app_token=app_token).start()
            self._accepted_tokens.add(app_token)
        return self._socket_mode

    # -- configuration ------------------------------------------------------------

    @property
    def accepted_tokens(self) -> frozenset[str]:
        """Tokens the stand-in accepts; any other gets ``invalid_auth``."""
        return frozenset(self._accepted_tokens)

    def accept_token(self, token: str) -> None:
        """Accept another token as well (a second bot, a user token)."""
        self._accepted_tokens.add(token)

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        is_admin: bool = False,
        is_owner: bool = False,
        team_id: str | None = None,
        real_name: str | None = None,
        email: str | None = None,
        deleted: bool = False,
    ) -> dict[str, Any]:
        """Add a member that ``users.info`` will know; returns the user object."""
        user = user_object(
            user_id,
            name=name,
            team_id=team_id or self.identity.team_id,
            is_admin=is_admin,
            is_owner=is_owner,
            real_name=real_name,
            email=email,
            deleted=deleted,
        )
        self._directory.add_user(user)
        return user

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
    ) -> dict[str, Any]:
        """Add a channel that ``conversations.*`` will know (``C0001`` #general exists already).

        ``is_member`` says whether the bot is in it: posting needs membership, a
        public channel can be joined, a private one the bot is not in is invisible.
        """
        channel = channel_object(
            channel_id, name=name, is_private=is_private, is_member=is_member, is_archived=is_archived
        )
        self._directory.add_channel(channel)
        return channel

    def archive_channel(self, channel_id: str) -> None:
        """Archive a known channel: posts to it fail with ``is_archived``."""
        self._directory.update_channel(channel_id, is_archived=True)

    def remove_bot_from_channel(self, channel_id: str) -> None:
        """Take the bot out of a known channel (as ``/kick @syncbot`` would): ``not_in_channel``."""
        self._directory.update_channel(channel_id, is_member=False)

    def delete_channel(self, channel_id: str) -> None:
        """Delete a channel: from now on every call naming it gets ``channel_not_found``."""
        self._directory.delete_channel(channel_id)

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        """What a conversation shows: every message posted there (thread replies too), oldest first.

        A DM posted to with a user id is the conversation ``D`` + the id without its first letter.
        """
        return self._answers.conversations.messages(channel_id)

    def post_as_another_app(self, channel_id: str, text: str, *, metadata: dict[str, Any] | None = None,
                            bot_id: str = "B0OTHER", app_id: str = "A0OTHER") -> str:
        """A message posted into a channel by another app installed in the workspace; returns its ts."""
        message: dict[str, Any] = {"text": text, "user": "U0OTHERBOT", "bot_id": bot_id, "app_id": app_id}
        if metadata is not None:
            message["metadata"] = metadata
        return self._answers.conversations.add_foreign(channel_id, message)

    def delete_message(self, channel_id: str, ts: str) -> None:
        """Delete a posted message, as someone in the channel would: ``chat.update`` of it then
        answers ``message_not_found``."""
        if not self._answers.conversations.delete(channel_id, ts):
            raise KeyError(f"no message {ts} in {channel_id}")

    def user(self, user_id: str) -> dict[str, Any] | None:
        """The user ``users.info`` would return for ``user_id``, or None."""
        return self._directory.user(user_id)

    def channel(self, channel_id: str) -> dict[str, Any] | None:
        """The channel ``conversations.info`` would return for ``channel_id``, or None."""
        return self._directory.channel(channel_id)

    def grant_scope(self, scope: str) -> None:
        """Give the bot token one more scope (as reinstalling the app with it would)."""
        self._scopes.add(scope)

    def revoke_scope(self, scope: str) -> None:
        """Take a scope away: methods needing it answer ``missing_scope`` (e.g. ``files:write``)."""
        self._scopes.discard(scope)

    # -- fault switches -------------------------------------------------------------

    def fail_method(self, method: str, error: str = "channel_not_found", times: int | None = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with ``{"ok": false, "error": error}`` (None: always)."""
        self._faults.fail(method, error=error, times=times)

    def rate_limit(self, method: str, times: int | None = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429 and ``Retry-After: retry_after``."""
        self._faults.rate_limit(method, retry_after=retry_after, times=times)

    def server_error(
        self, method: str, status: int = 503, times: int | None = 1, *, processed: bool = False
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP ``status``; with ``processed``,
        carry each call out first (a message is posted, and the client cannot tell)."""
        self._faults.server_error(method, status=status, times=times, processed=processed)

    def hang_up(self, method: str, times: int | None = 1, *, processed: bool = True) -> None:
        """Drop the connection of the next ``times`` calls of ``method`` without an answer; by
        default after carrying the call out, like a reply lost on the way back."""
        self._faults.hang_up(method, times=times, processed=processed)

    def clear_faults(self) -> None:
        """Disarm every fault switch."""
        self._faults.clear()

    # -- what was recorded --------------------------------------------------------

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Recorded Web API calls in arrival order, optionally of one method only."""
        return self._calls.items(None if method is None else (lambda call: call.method == method))

    def responses(self, url_id: str | None = None) -> list[ResponsePost]:
        """Recorded response_url posts in arrival order, optionally to one URL only."""
        return self._responses.items(None if url_id is None else (lambda post: post.url_id == url_id))

    def clear(self) -> None:
        """Forget recorded calls and response_url posts (configuration and faults stay)."""
        self._calls.clear()
        self._responses.clear()

    def uploaded_files(self) -> list[UploadedFile]:
        """Files whose upload was completed (``files_upload_v2``), in order, deleted ones included."""
        return self._files.files()

    def wait_for(
        self, method: str, predicate: Callable[[RecordedCall], bool] | None = None, timeout: float = 5.0
    ) -> RecordedCall:
        """The first call of ``method`` matching ``predicate``, already recorded or arriving within ``timeout`` s.

        Raises AssertionError listing every recorded call if none arrives;
        :meth:`clear` first to wait for a call made from now on only.
        """
        wanted = f"{method!r} call" + (" matching the predicate" if predicate else "")
        return self._calls.wait_for(
            lambda call: call.method == method and (predicate is None or predicate(call)),
            timeout=timeout,
            wanted=wanted,
        )

    def wait_for_response(
        self, predicate: Callable[[ResponsePost], bool] | None = None, timeout: float = 5.0
    ) -> ResponsePost:
        """The first response_url post matching ``predicate``, waiting up to ``timeout`` s."""
        wanted = "response_url post" + (" matching the predicate" if predicate else "")
        return self._responses.wait_for(predicate or (lambda post: True), timeout=timeout, wanted=wanted)

    # -- ids handed to the bot through requests ---------------------------------------

    def new_response_url(self) -> str:
        """A fresh ``response_url`` on this stand-in; posts to it are recorded."""
        return f"{self.base_url}/response/{self._ids.response_url_id()}"

    def new_trigger_id(self) -> str:
        """A trigger id that opens one view, within ``trigger_id_ttl`` seconds."""
        return self._answers.new_trigger_id()

    # -- request handling (called from the server threads) ---------------------------------

    def _handle_api_call(self, method: str, verb: str, query: str, body: bytes, headers: dict[str, str]) -> _Reply:
        try:
            parsed = parse_api_call(query=query, body=body, headers=headers)
        except ValueError:
            reply = _Reply(200, error("invalid_form_data"))
            self._calls.append(RecordedCall(method, {}, None, headers, verb, reply.status, reply.body))
            return reply
        reply = self._reply_to(method, parsed.args, parsed.token)
        self._calls.append(RecordedCall(method, parsed.args, parsed.token, headers, verb, reply.status, reply.body))
        return reply

    def _reply_to(self, method: str, args: dict[str, Any], token: str | None) -> _Reply:
        # Like Slack, no token -> not_authed and an unknown token -> invalid_auth;
        # checked before faults so an unauthenticated call never uses one up.
        if method not in _UNAUTHENTICATED_METHODS:
            if not token:
                return _Reply(200, error("not_authed"))
            if token not in self._accepted_tokens:
                return _Reply(200, error("invalid_auth"))
        fault = self._faults.take(method)
        if fault is not None:
            if fault.processed:
                self._answers.answer(method, args)
            return _Reply(fault.status, dict(fault.body), fault.headers, hang_up=fault.hang_up)
        if method == "apps.connections.open":
            # Only an app-level token opens a connection, as with Slack.
            if self._socket_mode is None or token != self._socket_mode.app_token:
                return _Reply(200, error("not_allowed_token_type" if token and not token.startswith("xapp-")
                                         else "invalid_auth"))
            return _Reply(200, self._socket_mode.open_connection())
        headers = {"x-oauth-scopes": ",".join(sorted(self._scopes))}
        needed = _REQUIRED_SCOPES.get(method)
        if needed is not None and needed not in self._scopes:
            return _Reply(200, error("missing_scope", needed=needed, provided=",".join(sorted(self._scopes))), headers)
        answer = self._files.answer(method, args, frozenset(self._scopes)) or self._files.check_blocks(method, args)
        return _Reply(200, answer or self._answers.answer(method, args), headers)

    def _handle_response_post(self, url_id: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        try:
            payload = parse_json_object(body)
        except ValueError:
            return HTTPStatus.BAD_REQUEST, "invalid_payload"
        self._responses.append(ResponsePost(url_id, payload, headers))
        return HTTPStatus.OK, "ok"


@dataclass(frozen=True)
class _Reply:
    """Status, JSON body and extra headers of one Web API answer."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    hang_up: bool = False


class _StandInHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], standin: SlackWebApiStandIn) -> None:
        self.standin = standin
        super().__init__(address, _StandInRequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-request are normal in tests; keep stderr quiet.
        logger.debug("error while serving %s", client_address, exc_info=True)


class _StandInRequestHandler(BaseHTTPRequestHandler):
    server: _StandInHTTPServer
    server_version = "SlackStandIn/1.0"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        logger.debug("%s " + format, self.client_address[0], *args)

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        standin = self.server.standin
        try:
            if split.path.startswith("/api/") and len(split.path) > len("/api/"):
                method = split.path[len("/api/") :]
                reply = standin._handle_api_call(method, self.command, split.query, body, headers)
                if reply.hang_up:
                    self.close_connection = True
                    return
                self._send(reply.status, json.dumps(reply.body), "application/json; charset=utf-8", reply.headers)
            elif split.path.startswith("/upload/") and self.command == "POST":
                status, text = standin._files.receive_upload(split.path[len("/upload/") :], body)
                self._send(status, text, "text/plain; charset=utf-8")
            elif split.path.startswith("/response/") and self.command == "POST":
                status, text = standin._handle_response_post(split.path[len("/response/") :], body, headers)
                self._send(status, text, "text/plain; charset=utf-8")
            else:
                self._send(HTTPStatus.NOT_FOUND, "Not Found", "text/plain; charset=utf-8")
        except Exception:
            logger.exception("the Slack stand-in failed to answer %s %s", self.command, self.path)
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, json.dumps(error("standin_internal_error")), "application/json")

    def _send(self, status: int, text: str, content_type: str, headers: dict[str, str] | None = None) -> None:
        payload = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

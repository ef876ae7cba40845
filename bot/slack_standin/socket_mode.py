"""Slack's Socket Mode, faked on ``127.0.0.1``: a WebSocket server that delivers envelopes.

An app in Socket Mode calls ``apps.connections.open`` with its app-level token (``xapp-``)
and gets a ``wss://`` URL; it connects, receives ``hello``, then one envelope per slash
command, interaction or event, and acknowledges each with ``{"envelope_id": ...}`` plus
the answer's payload. This stand-in answers ``apps.connections.open`` (through the Web API
stand-in) with a ``ws://127.0.0.1`` URL of its own and speaks just enough RFC 6455 for
slack_sdk's built-in client, which is what Bolt's ``SocketModeHandler`` uses: the opening
handshake, masked client frames, text, ping/pong and close.

    with SlackWebApiStandIn() as slack:
        socket_mode = slack.enable_socket_mode()        # SLACK_APP_TOKEN=socket_mode.app_token
        ...start the app...
        socket_mode.wait_for_connection()
        ack = socket_mode.wait_for_ack(socket_mode.slash_command("help"))

Every wait is bounded, every socket has a timeout, and nothing listens beyond loopback.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import socket
import struct
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, urlsplit

from .outgoing import SlackPayloads
from .records import Recorder, SocketAck

if TYPE_CHECKING:
    from .web_api import SlackWebApiStandIn

logger = logging.getLogger(__name__)

DEFAULT_APP_TOKEN = "xapp-1-A0001-standin-app-token"
_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
_OP_CONTINUATION, _OP_TEXT, _OP_BINARY, _OP_CLOSE, _OP_PING, _OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_MAX_HEAD = 16 * 1024
_MAX_FRAME = 4 * 1024 * 1024
_IO_TIMEOUT = 0.2  # seconds a blocked read waits before looking whether the server stops


@dataclass
class _Connection:
    """One app connected over WebSocket."""

    sock: socket.socket
    ticket: str
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    closed: threading.Event = field(default_factory=threading.Event)
    # Who ended it: "app" (close frame or dropped socket) or "server".
    ended_by: str | None = None

    def send(self, opcode: int, payload: bytes) -> None:
        """Send one unmasked frame (servers never mask, RFC 6455 section 5.1)."""
        length = len(payload)
        if length < 126:
            head = struct.pack("!BB", 0x80 | opcode, length)
        elif length < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 126, length)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, length)
        with self.send_lock:
            self.sock.sendall(head + payload)


class SocketModeStandIn:
    """The Socket Mode server: tickets, connections, envelopes out and acknowledgements in."""

    def __init__(self, web_api: SlackWebApiStandIn, *, app_token: str = DEFAULT_APP_TOKEN) -> None:
        self.app_token = app_token
        self.payloads = SlackPayloads(web_api=web_api)
        self._lock = threading.Lock()
        self._tickets: set[str] = set()
        self._connections: list[_Connection] = []
        self._connected = threading.Condition(self._lock)
        self._sent_at: dict[str, float] = {}
        self.acks: Recorder[SocketAck] = Recorder("Socket Mode acknowledgements")
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> Self:
        """Listen on a free loopback port, accepting in a background thread."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(_IO_TIMEOUT)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept_loop, name="socket-mode-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every connection (with a close frame) and stop listening; safe to call twice."""
        self._stopping.set()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            self._close(conn, by="server", code=1001)
        if self._listener is not None:
            self._listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on (only while running)."""
        if self._listener is None:
            raise RuntimeError("the Socket Mode stand-in is not running")
        return int(self._listener.getsockname()[1])

    # -- apps.connections.open ----------------------------------------------------------

    def open_connection(self) -> dict[str, Any]:
        """The answer to ``apps.connections.open``: a fresh one-use URL on this server."""
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets.add(ticket)
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id=A0001"}

    # -- what Slack sends ---------------------------------------------------------------

    def slash_command(self, text: str, **fields: Any) -> str:
        """Deliver ``/sync <text>`` (keywords as for the HTTP sender); returns the envelope id."""
        return self.send_envelope("slash_commands", self.payloads.slash_command(text, **fields))

    def block_action(self, action_id: str, value: str | None = None, **fields: Any) -> str:
        """Deliver a button click; returns the envelope id."""
        return self.send_envelope("interactive", self.payloads.block_action(action_id, value, **fields))

    def view_submission(self, callback_id: str, values: Mapping[str, Mapping[str, Any]], **fields: Any) -> str:
        """Deliver a modal submission; returns the envelope id."""
        return self.send_envelope("interactive", self.payloads.view_submission(callback_id, values, **fields))

    def app_home_opened(self, *, user_id: str | None = None) -> str:
        """Deliver the ``app_home_opened`` event; returns the envelope id."""
        body = self.payloads.event(self.payloads.app_home_opened(user_id=user_id))
        return self.send_envelope("events_api", body, accepts_response_payload=False)

    def send_envelope(self, kind: str, payload: Mapping[str, Any], *, accepts_response_payload: bool = True) -> str:
        """Send one envelope to the newest connection; returns its id."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": dict(payload),
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope.update(retry_attempt=0, retry_reason="")
        conn = self._current()
        with self._lock:
            self._sent_at[envelope_id] = time.monotonic()
        conn.send(_OP_TEXT, json.dumps(envelope).encode())
        return envelope_id

    # -- waiting ------------------------------------------------------------------------------

    def wait_for_connection(self, timeout: float = 20.0) -> None:
        """Block until an app has connected (and been sent ``hello``)."""
        with self._connected:
            if not self._connected.wait_for(lambda: any(not c.closed.is_set() for c in self._connections), timeout):
                raise AssertionError(f"no app connected over Socket Mode within {timeout:g} s")

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> SocketAck:
        """The acknowledgement of one envelope, waiting up to ``timeout`` s."""
        return self.acks.wait_for(lambda ack: ack.envelope_id == envelope_id, timeout=timeout,
                                  wanted=f"acknowledgement of envelope {envelope_id}")

    def wait_for_disconnect(self, timeout: float = 10.0) -> str:
        """Block until every connection has ended; returns who ended the last one."""
        deadline = time.monotonic() + timeout
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            if not conn.closed.wait(max(deadline - time.monotonic(), 0)):
                raise AssertionError(f"the app stayed connected for {timeout:g} s")
        return connections[-1].ended_by or "" if connections else ""

    # -- the server side ---------------------------------------------------------------------------

    def _current(self) -> _Connection:
        with self._lock:
            live = [conn for conn in self._connections if not conn.closed.is_set()]
        if not live:
            raise RuntimeError("no app is connected over Socket Mode")
        return live[-1]

    def _accept_loop(self) -> None:
        listener = self._listener
        while not self._stopping.is_set() and listener is not None:
            try:
                sock, _address = listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return  # the listener was closed: stop()
            threading.Thread(target=self._serve, args=(sock,), name="socket-mode-connection", daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(5)
        try:
            conn = self._handshake(sock)
        except (OSError, ValueError) as exc:
            logger.debug("Socket Mode handshake failed: %s", exc)
            sock.close()
            return
        if conn is None:
            return
        with self._connected:
            self._connections.append(conn)
            self._connected.notify_all()
        hello = {"type": "hello", "num_connections": 1,
                 "debug_info": {"host": "standin", "approximate_connection_time": 3600},
                 "connection_info": {"app_id": self.payloads.context.api_app_id}}
        conn.send(_OP_TEXT, json.dumps(hello).encode())
        sock.settimeout(_IO_TIMEOUT)
        reader = _FrameReader(sock, self._stopping)
        try:
            while not conn.closed.is_set():
                frame = reader.next_frame()
                if frame is None:
                    self._close(conn, by="app")  # the socket was dropped (or the server stops)
                    return
                opcode, payload = frame
                if opcode == _OP_PING:
                    conn.send(_OP_PONG, payload)
                elif opcode == _OP_TEXT:
                    self._record_ack(payload)
                elif opcode == _OP_CLOSE:
                    self._close(conn, by="app", code=1000)
                    return
        except (OSError, ValueError) as exc:
            logger.debug("Socket Mode connection ended: %s", exc)
            self._close(conn, by="app")

    def _handshake(self, sock: socket.socket) -> _Connection | None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1024)
            if not chunk or len(head) > _MAX_HEAD:
                raise ValueError("incomplete handshake")
            head += chunk
        lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = {name.strip().lower(): value.strip()
                   for name, _, value in (line.partition(":") for line in lines[1:]) if name}
        ticket = (parse_qs(urlsplit(target).query).get("ticket") or [""])[0]
        with self._lock:
            known = ticket in self._tickets
            self._tickets.discard(ticket)  # a ticket opens one connection, like Slack's
        key = headers.get("sec-websocket-key", "")
        if method != "GET" or headers.get("upgrade", "").lower() != "websocket" or not key or not known:
            sock.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            sock.close()
            return None
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        sock.sendall(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )
        return _Connection(sock=sock, ticket=ticket)

    def _record_ack(self, payload: bytes) -> None:
        try:
            message = json.loads(payload.decode())
        except (UnicodeDecodeError, ValueError):
            logger.debug("ignoring a text frame that is not JSON")
            return
        envelope_id = str(message.get("envelope_id") or "")
        with self._lock:
            sent = self._sent_at.get(envelope_id)
        if sent is None:
            logger.debug("ignoring a message for no envelope: %r", message)
            return
        self.acks.append(SocketAck(envelope_id=envelope_id, payload=message.get("payload"),
                                   seconds=time.monotonic() - sent))

    def _close(self, conn: _Connection, *, by: str, code: int | None = None) -> None:
        if conn.closed.is_set():
            return
        conn.ended_by = by
        if code is not None:
            try:
                conn.send(_OP_CLOSE, struct.pack("!H", code))
            except OSError:
                pass
        try:
            conn.sock.close()
        finally:
            conn.closed.set()


class _FrameReader:
    """Reads whole messages from a client, unmasking them and joining fragments."""

    def __init__(self, sock: socket.socket, stopping: threading.Event) -> None:
        self._sock = sock
        self._stopping = stopping
        self._buffer = b""

    def next_frame(self) -> tuple[int, bytes] | None:
        """The next message as (opcode, payload); None when the socket closed or the server stops."""
        message_opcode: int | None = None
        parts: list[bytes] = []
        while True:
            head = self._read(2)
            if head is None:
                return None
            fin, opcode = head[0] & 0x80, head[0] & 0x0F
            masked, length = head[1] & 0x80, head[1] & 0x7F
            if length == 126:
                extended = self._read(2)
                if extended is None:
                    return None
                (length,) = struct.unpack("!H", extended)
            elif length == 127:
                extended = self._read(8)
                if extended is None:
                    return None
                (length,) = struct.unpack("!Q", extended)
            if length > _MAX_FRAME:
                raise ValueError(f"frame of {length} bytes")
            if not masked:
                raise ValueError("client frames must be masked (RFC 6455 section 5.1)")
            mask = self._read(4)
            data = self._read(length) if length else b""
            if mask is None or data is None:
                return None
            data = bytes(byte ^ mask[index % 4] for index, byte in enumerate(data))
            if opcode >= 0x8:  # control frames are never fragmented and may come between fragments
                return opcode, data
            if opcode != _OP_CONTINUATION:
                message_opcode = opcode
            parts.append(data)
            if fin:
                return (message_opcode if message_opcode is not None else _OP_BINARY), b"".join(parts)

    def _read(self, count: int) -> bytes | None:
        while len(self._buffer) < count:
            if self._stopping.is_set():
                return None
            try:
                chunk = self._sock.recv(65536)
            except (TimeoutError, socket.timeout):
                continue
            if not chunk:
                return None
            self._buffer += chunk
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data


__all__ = ["DEFAULT_APP_TOKEN", "SocketModeStandIn"]

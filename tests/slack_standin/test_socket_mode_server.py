"""The Socket Mode stand-in, spoken to by slack_sdk's built-in client (the one Bolt uses)."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.slack_standin import SlackWebApiStandIn


def test_envelopes_arrive_and_acknowledgements_are_recorded(web_api: SlackWebApiStandIn) -> None:
    socket_mode = web_api.enable_socket_mode()
    received: list[dict[str, Any]] = []
    arrived = threading.Event()

    def listener(client: SocketModeClient, request: SocketModeRequest) -> None:
        received.append({"type": request.type, "payload": request.payload})
        client.send_socket_mode_response(SocketModeResponse(request.envelope_id, payload={"text": "got it"}))
        arrived.set()

    client = SocketModeClient(app_token=socket_mode.app_token,
                              web_client=WebClient(base_url=web_api.api_url, timeout=5), proxy=None)
    client.socket_mode_request_listeners.append(listener)
    try:
        client.connect()
        socket_mode.wait_for_connection(timeout=10)
        ack = socket_mode.wait_for_ack(socket_mode.slash_command("status", user_id="U0001"))
        assert ack.payload == {"text": "got it"} and ack.seconds < 3
        assert received[0]["type"] == "slash_commands"
        assert received[0]["payload"]["text"] == "status"
        assert received[0]["payload"]["command"] == "/sync"
    finally:
        client.close()
    assert socket_mode.wait_for_disconnect(timeout=5) == "app"


def test_apps_connections_open_wants_the_app_token(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    web_api.enable_socket_mode()
    with pytest.raises(SlackApiError) as caught:
        client.api_call("apps.connections.open")  # with the bot token
    assert caught.value.response["error"] == "not_allowed_token_type"


def test_an_unknown_ticket_is_refused(web_api: SlackWebApiStandIn) -> None:
    socket_mode = web_api.enable_socket_mode()
    with socket.create_connection(("127.0.0.1", socket_mode.port), timeout=5) as sock:
        sock.sendall(b"GET /link/?ticket=made-up HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     b"Sec-WebSocket-Version: 13\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 401")

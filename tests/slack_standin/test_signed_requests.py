"""The sender's bodies have Slack's shapes and its signatures verify like Slack's."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.slack_standin import (
    SlackRequestSender,
    SlackWebApiStandIn,
    Signing,
    checkboxes_value,
    plain_text_value,
    state_values,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
Capture = tuple[str, list[Any]]


def _form(request: Any) -> dict[str, str]:
    return dict(parse_qsl(request.body.decode(), keep_blank_values=True))


def _payload(request: Any) -> dict[str, Any]:
    [raw] = parse_qs(request.body.decode())["payload"]
    return json.loads(raw)


@pytest.fixture
def sender(capture: Capture, web_api: SlackWebApiStandIn) -> SlackRequestSender:
    web_api.add_user("U0001", name="ada", is_admin=True)
    return SlackRequestSender(capture[0], SECRET, web_api=web_api)


def test_events_url_defaults_to_slack_events() -> None:
    assert SlackRequestSender("http://app:3000", SECRET).events_url == "http://app:3000/slack/events"
    assert SlackRequestSender("http://app:3000/", SECRET).events_url == "http://app:3000/slack/events"
    assert SlackRequestSender("http://app/hooks/slack", SECRET).events_url == "http://app/hooks/slack"


def test_slash_command_is_signed_and_carries_every_field(
    sender: SlackRequestSender, capture: Capture, web_api: SlackWebApiStandIn
) -> None:
    assert sender.slash_command("status").status_code == 200

    [request] = capture[1]
    assert request.path == "/slack/events"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert SignatureVerifier(SECRET).is_valid_request(request.body, request.headers)
    form = _form(request)
    assert set(form) >= {
        "token", "team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name",
        "command", "text", "api_app_id", "response_url", "trigger_id",
    }  # fmt: skip
    assert (form["command"], form["text"], form["team_id"]) == ("/sync", "status", "T0001")
    assert (form["user_id"], form["user_name"]) == ("U0001", "ada")
    assert (form["channel_id"], form["channel_name"]) == ("C0001", "general")
    assert form["response_url"].startswith(web_api.base_url + "/response/")
    assert form["api_app_id"] == web_api.identity.app_id


def test_slash_command_text_is_form_encoded_like_slack(sender: SlackRequestSender, capture: Capture) -> None:
    sender.slash_command("map Lead.Email work email", user_id="U0002", channel_id="C0X", team_id="T0OTHER")

    [request] = capture[1]
    assert b"text=map+Lead.Email+work+email" in request.body
    form = _form(request)
    assert (form["user_id"], form["user_name"], form["team_id"]) == ("U0002", "user-u0002", "T0OTHER")
    assert form["channel_name"] == "privategroup"  # what Slack sends for a channel it will not name


@pytest.mark.parametrize("signing", [Signing.BAD_SIGNATURE, Signing.STALE_TIMESTAMP, Signing.UNSIGNED])
def test_signing_switches_produce_requests_a_verifier_refuses(
    sender: SlackRequestSender, capture: Capture, signing: Signing
) -> None:
    sender.slash_command("status", signing=signing)

    [request] = capture[1]
    assert not SignatureVerifier(SECRET).is_valid_request(request.body, request.headers)
    has_headers = "X-Slack-Signature" in request.headers and "X-Slack-Request-Timestamp" in request.headers
    assert has_headers is (signing is not Signing.UNSIGNED)


def test_stale_timestamp_is_correctly_signed_for_its_time(sender: SlackRequestSender, capture: Capture) -> None:
    sender.slash_command("status", signing=Signing.STALE_TIMESTAMP)

    [request] = capture[1]
    timestamp = int(request.headers["X-Slack-Request-Timestamp"])

    class Then:
        def now(self) -> float:
            return float(timestamp)

    # Valid for a clock at the time it claims: only its age is wrong.
    assert SignatureVerifier(SECRET, clock=Then()).is_valid_request(request.body, request.headers)


def test_block_action_payload_has_slacks_shape(sender: SlackRequestSender, capture: Capture) -> None:
    sender.block_action("sync_fields_confirm", "yes", block_id="confirm_block", text="Create tables")

    [request] = capture[1]
    assert SignatureVerifier(SECRET).is_valid_request(request.body, request.headers)
    payload = _payload(request)
    assert payload["type"] == "block_actions"
    assert payload["team"] == {"id": "T0001", "domain": "standin"}
    assert payload["user"] == {"id": "U0001", "username": "ada", "name": "ada", "team_id": "T0001"}
    assert payload["channel"] == {"id": "C0001", "name": "general"}
    assert payload["container"]["is_ephemeral"] is True and "message" not in payload
    assert payload["trigger_id"] and payload["response_url"]
    [action] = payload["actions"]
    assert {k: action[k] for k in ("action_id", "block_id", "value", "type")} == {
        "action_id": "sync_fields_confirm",
        "block_id": "confirm_block",
        "value": "yes",
        "type": "button",
    }
    assert action["text"]["text"] == "Create tables"


def test_block_action_in_a_posted_message_carries_it(sender: SlackRequestSender, capture: Capture) -> None:
    message = {"type": "message", "ts": "1700000000.000100", "text": "Failed", "blocks": []}

    sender.block_action("retry", message=message)

    payload = _payload(capture[1][0])
    assert payload["message"] == message
    assert payload["container"] == {
        "type": "message",
        "message_ts": "1700000000.000100",
        "channel_id": "C0001",
        "is_ephemeral": False,
    }
    assert "value" not in payload["actions"][0]


def test_state_value_helpers_build_slacks_shapes() -> None:
    values = state_values(
        {"username": plain_text_value("ada@example.com"), "token": plain_text_value(None), "sandbox": checkboxes_value("sandbox")}
    )

    assert values == {
        "username": {"username": {"type": "plain_text_input", "value": "ada@example.com"}},
        "token": {"token": {"type": "plain_text_input", "value": None}},
        "sandbox": {
            "sandbox": {
                "type": "checkboxes",
                "selected_options": [{"text": {"type": "plain_text", "text": "sandbox", "emoji": True}, "value": "sandbox"}],
            }
        },
    }
    assert checkboxes_value() == {"type": "checkboxes", "selected_options": []}


def test_view_submission_payload_has_slacks_shape(sender: SlackRequestSender, capture: Capture) -> None:
    values = state_values({"username": plain_text_value("ada"), "sandbox": checkboxes_value()})

    sender.view_submission("sync_credentials", values, private_metadata="meta")

    payload = _payload(capture[1][0])
    assert payload["type"] == "view_submission"
    assert payload["user"]["id"] == "U0001" and payload["team"]["id"] == "T0001"
    view = payload["view"]
    assert (view["type"], view["callback_id"], view["private_metadata"]) == ("modal", "sync_credentials", "meta")
    assert view["state"] == {"values": values}
    assert view["id"].startswith("V") and view["team_id"] == "T0001"


def test_view_submission_of_an_opened_view_reuses_its_id_and_metadata(
    sender: SlackRequestSender, capture: Capture
) -> None:
    opened = {"id": "V0042", "type": "modal", "callback_id": "sync_credentials", "private_metadata": "T0001", "blocks": [{"type": "divider"}]}

    sender.view_submission("sync_credentials", {}, opened_view=opened)

    view = _payload(capture[1][0])["view"]
    assert (view["id"], view["private_metadata"], view["blocks"]) == ("V0042", "T0001", [{"type": "divider"}])


def test_event_and_url_verification_are_signed_json(
    sender: SlackRequestSender, capture: Capture, web_api: SlackWebApiStandIn
) -> None:
    sender.app_home_opened(user_id="U0001")
    sender.url_verification("challenge-123")

    event_request, verification_request = capture[1]
    for request in capture[1]:
        assert request.headers["Content-Type"] == "application/json"
        assert SignatureVerifier(SECRET).is_valid_request(request.body, request.headers)
    body = json.loads(event_request.body)
    assert (body["type"], body["team_id"], body["api_app_id"]) == ("event_callback", "T0001", web_api.identity.app_id)
    assert body["event"]["type"] == "app_home_opened" and body["event"]["user"] == "U0001"
    assert body["event"]["event_ts"] and body["event_id"].startswith("Ev")
    assert body["authorizations"][0]["user_id"] == web_api.identity.bot_user_id
    assert json.loads(verification_request.body) == {
        "token": "standin-verification-token",
        "challenge": "challenge-123",
        "type": "url_verification",
    }


def test_without_a_web_api_response_urls_never_reach_slack(capture: Capture) -> None:
    SlackRequestSender(capture[0], SECRET).slash_command("help")

    form = _form(capture[1][0])
    assert form["response_url"].startswith("http://127.0.0.1:")
    assert form["trigger_id"].count(".") == 2

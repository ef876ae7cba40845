"""A real Bolt app, served over HTTP, driven by the sender and answered by the Web API stand-in."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack_standin import (
    DEFAULT_BOT_TOKEN,
    SlackRequestSender,
    SlackWebApiStandIn,
    Signing,
    checkboxes_value,
    plain_text_value,
    state_values,
)

ServeApp = Callable[[App], SlackRequestSender]

CREDENTIALS_MODAL = {
    "type": "modal",
    "callback_id": "sync_credentials",
    "title": {"type": "plain_text", "text": "Salesforce login"},
    "submit": {"type": "plain_text", "text": "Verify"},
    "blocks": [
        {"type": "input", "block_id": name, "label": {"type": "plain_text", "text": name},
         "element": {"type": "plain_text_input", "action_id": name}}
        for name in ("username", "password", "security_token")
    ] + [
        {"type": "input", "block_id": "sandbox", "optional": True, "label": {"type": "plain_text", "text": "Sandbox"},
         "element": {"type": "checkboxes", "action_id": "sandbox",
                     "options": [{"text": {"type": "plain_text", "text": "Sandbox"}, "value": "sandbox"}]}}
    ],
}  # fmt: skip


class Received:
    """What the app's listeners were given, shared with the test thread."""

    def __init__(self) -> None:
        self.bodies: dict[str, dict[str, Any]] = {}
        self._arrived = threading.Condition()

    def put(self, kind: str, body: dict[str, Any]) -> None:
        with self._arrived:
            self.bodies[kind] = body
            self._arrived.notify_all()

    def get(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        with self._arrived:
            assert self._arrived.wait_for(lambda: kind in self.bodies, timeout), f"no {kind} received"
            return self.bodies[kind]


def build_app(web_api: SlackWebApiStandIn, received: Received, signing_secret: str) -> App:
    """A small app using the same Bolt features as syncbot's handlers."""
    # The token must sit on the client: Bolt ignores App(token=...) when client= is given.
    app = App(signing_secret=signing_secret, client=WebClient(token=DEFAULT_BOT_TOKEN, base_url=web_api.api_url))

    @app.command("/sync")
    def sync(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        received.put("command", body)
        if body["text"] == "credentials":
            ack()
            client.views_open(trigger_id=body["trigger_id"], view=CREDENTIALS_MODAL)
        elif body["text"] == "sync-fields":
            ack()
            button = {"type": "button", "action_id": "sync_fields_confirm", "value": "yes",
                      "text": {"type": "plain_text", "text": "Create tables"}}  # fmt: skip
            respond(text="This cannot be undone.", blocks=[{"type": "actions", "block_id": "confirm", "elements": [button]}])
        else:
            ack(text=f"Received: {body['text']}")

    @app.view("sync_credentials")
    def credentials(ack: Ack, body: dict[str, Any]) -> None:
        received.put("view_submission", body)
        ack(response_action="errors", errors={"password": "Salesforce refused this login."})

    @app.action("sync_fields_confirm")
    def confirm(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        received.put("block_actions", body)
        respond(text="Tables created.", replace_original=True)

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    return app


@pytest.fixture
def received() -> Received:
    return Received()


@pytest.fixture
def sender(
    web_api: SlackWebApiStandIn, serve_app: ServeApp, received: Received, signing_secret: str
) -> SlackRequestSender:
    web_api.add_user("U0001", name="ada", is_admin=True)
    app = build_app(web_api, received, signing_secret)
    # Bolt validates its token eagerly, when the App is constructed.
    assert [call.method for call in web_api.calls()] == ["auth.test"]
    return serve_app(app)


def test_signed_slash_command_is_acked_with_the_ack_body(sender: SlackRequestSender, received: Received) -> None:
    reply = sender.slash_command("status")

    assert reply.status_code == 200
    # ack(text=...) alone comes back as plain text (Slack shows it as an ephemeral message).
    assert reply.headers["Content-Type"].startswith("text/plain")
    assert reply.text == "Received: status"
    command = received.get("command")
    assert (command["command"], command["text"], command["user_id"], command["team_id"]) == ("/sync", "status", "U0001", "T0001")


@pytest.mark.parametrize("signing", [Signing.BAD_SIGNATURE, Signing.STALE_TIMESTAMP, Signing.UNSIGNED])
def test_bad_stale_and_missing_signatures_get_401(
    sender: SlackRequestSender, received: Received, web_api: SlackWebApiStandIn, signing: Signing
) -> None:
    reply = sender.slash_command("status", signing=signing)

    assert reply.status_code == 401
    assert reply.json() == {"error": "invalid request"}
    assert received.bodies == {} and web_api.responses() == []


def test_modal_opens_on_the_commands_trigger_and_its_submission_arrives_in_slacks_shape(
    sender: SlackRequestSender, received: Received, web_api: SlackWebApiStandIn
) -> None:
    assert sender.slash_command("credentials").status_code == 200
    opened = web_api.wait_for("views.open")
    assert opened.ok, opened.summary()
    assert opened.args["trigger_id"] == received.get("command")["trigger_id"]
    # Bolt's per-request client adds the request's team_id to every call.
    assert opened.args["team_id"] == "T0001"

    values = state_values(
        {
            "username": plain_text_value("ada@example.com"),
            "password": plain_text_value("wrong"),
            "security_token": plain_text_value(None),
            "sandbox": checkboxes_value("sandbox"),
        }
    )
    reply = sender.view_submission("sync_credentials", values, opened_view=opened.response["view"])

    assert reply.status_code == 200
    assert reply.json() == {"response_action": "errors", "errors": {"password": "Salesforce refused this login."}}
    view = received.get("view_submission")["view"]
    assert view["id"] == opened.response["view"]["id"] and view["callback_id"] == "sync_credentials"
    submitted = view["state"]["values"]
    assert submitted["username"]["username"] == {"type": "plain_text_input", "value": "ada@example.com"}
    assert [o["value"] for o in submitted["sandbox"]["sandbox"]["selected_options"]] == ["sandbox"]


def test_button_in_a_command_response_reaches_the_action_listener(
    sender: SlackRequestSender, received: Received, web_api: SlackWebApiStandIn
) -> None:
    sender.slash_command("sync-fields")
    warning = web_api.wait_for_response(lambda post: "cannot be undone" in post.text)
    button = warning.body["blocks"][0]["elements"][0]

    reply = sender.block_action(button["action_id"], button["value"], block_id="confirm")

    assert reply.status_code == 200
    body = received.get("block_actions")
    assert (body["actions"][0]["action_id"], body["actions"][0]["value"]) == ("sync_fields_confirm", "yes")
    assert body["user"]["id"] == "U0001" and body["channel"]["id"] == "C0001"
    done = web_api.wait_for_response(lambda post: post.text == "Tables created.")
    assert done.body["replace_original"] is True
    assert done.url_id != warning.url_id  # each interaction carries its own response_url


def test_app_home_opened_event_publishes_a_home_view(sender: SlackRequestSender, web_api: SlackWebApiStandIn) -> None:
    assert sender.app_home_opened(user_id="U0001").status_code == 200

    published = web_api.wait_for("views.publish")
    assert published.args["user_id"] == "U0001" and published.ok


def test_url_verification_is_answered_with_the_challenge(sender: SlackRequestSender) -> None:
    reply = sender.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")

    assert reply.status_code == 200
    assert json.loads(reply.text) == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}

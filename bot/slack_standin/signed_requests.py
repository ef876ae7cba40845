"""Sending what Slack sends: signed slash commands, interactions and events.

:class:`SlackRequestSender` posts to the app's ``/slack/events`` URL with the
same body encodings and signature headers as Slack, so the app's real request
verification and parsing run. Switches (:class:`Signing`) send the requests a
verifier must refuse.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import requests

from .ids import IdMinter
from .payloads import (
    Actor,
    SenderContext,
    block_actions_payload,
    button_action,
    event_callback_body,
    slash_command_form,
    submitted_view,
    url_verification_body,
    view_submission_payload,
)
from .signing import STALE_AFTER_SECONDS, signature_headers
from .workspace import DEFAULT_CHANNEL_ID, DEFAULT_TEAM_ID, WorkspaceIdentity

if TYPE_CHECKING:
    from .web_api import SlackWebApiStandIn

DEFAULT_USER_ID = "U0001"
EVENTS_PATH = "/slack/events"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"
SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
# Without a Web API stand-in there is nowhere to record response_url posts; this
# address refuses connections, so a bot under test never reaches real Slack.
UNREACHABLE_RESPONSE_URL = "http://127.0.0.1:9/response/unrecorded"


class Signing(Enum):
    """How a request is signed; everything but VALID must be refused with 401."""

    VALID = "valid"
    BAD_SIGNATURE = "bad_signature"  # signed with the wrong secret
    STALE_TIMESTAMP = "stale_timestamp"  # correctly signed, but over five minutes old
    UNSIGNED = "unsigned"  # no signature headers at all


class SlackRequestSender:
    """Posts Slack-signed requests to a running app and returns its HTTP answers."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        *,
        web_api: SlackWebApiStandIn | None = None,
        team_id: str | None = None,
        default_user_id: str = DEFAULT_USER_ID,
        timeout: float = 10.0,
    ) -> None:
        """Send to ``app_url`` (a base URL gets ``/slack/events`` appended).

        With ``web_api``, requests carry its team, bot and app ids, user and
        channel names from its directory, and response_urls and trigger_ids it
        minted (so posts are recorded and trigger expiry is enforced).
        """
        split = urlsplit(app_url)
        self.events_url = app_url if split.path not in ("", "/") else app_url.rstrip("/") + EVENTS_PATH
        self._signing_secret = signing_secret
        self._web_api = web_api
        self._default_user_id = default_user_id
        self._timeout = timeout
        self._ids = IdMinter()
        identity = web_api.identity if web_api is not None else WorkspaceIdentity()
        self._context = SenderContext(
            team_id=team_id or (identity.team_id if web_api is not None else DEFAULT_TEAM_ID),
            team_domain=identity.team_domain,
            api_app_id=identity.app_id,
            bot_id=identity.bot_id,
            bot_user_id=identity.bot_user_id,
        )

    # -- what Slack sends --------------------------------------------------------------

    def slash_command(
        self,
        text: str,
        *,
        user_id: str | None = None,
        command: str = "/sync",
        channel_id: str = DEFAULT_CHANNEL_ID,
        team_id: str | None = None,
        response_url: str | None = None,
        trigger_id: str | None = None,
        signing: Signing = Signing.VALID,
    ) -> requests.Response:
        """Send ``/sync <text>`` (or another ``command``) as typed by ``user_id``."""
        ctx = dataclasses.replace(self._context, team_id=team_id) if team_id else self._context
        fields = slash_command_form(
            ctx,
            self._actor(user_id),
            command=command,
            text=text,
            channel_id=channel_id,
            channel_name=self._channel_name(channel_id),
            response_url=response_url or self._new_response_url(),
            trigger_id=trigger_id or self._new_trigger_id(),
        )
        return self.post(urlencode(fields).encode(), FORM_CONTENT_TYPE, signing=signing)

    def block_action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        block_id: str | None = None,
        text: str | None = None,
        user_id: str | None = None,
        channel_id: str = DEFAULT_CHANNEL_ID,
        response_url: str | None = None,
        trigger_id: str | None = None,
        message: Mapping[str, Any] | None = None,
        signing: Signing = Signing.VALID,
    ) -> requests.Response:
        """Click the button ``action_id`` (with ``value``) in a message.

        Without ``message`` the button sits in an ephemeral message, such as a
        slash command's response; pass the posted message to click in that.
        """
        payload = block_actions_payload(
            self._context,
            self._actor(user_id),
            actions=[button_action(action_id, value, block_id=block_id or self._ids.block_id(), text=text)],
            channel_id=channel_id,
            channel_name=self._channel_name(channel_id),
            response_url=response_url or self._new_response_url(),
            trigger_id=trigger_id or self._new_trigger_id(),
            message=message,
        )
        return self.send_interaction(payload, signing=signing)

    def view_submission(
        self,
        callback_id: str,
        values: Mapping[str, Mapping[str, Any]],
        *,
        private_metadata: str | None = None,
        user_id: str | None = None,
        opened_view: Mapping[str, Any] | None = None,
        signing: Signing = Signing.VALID,
    ) -> requests.Response:
        """Submit the modal ``callback_id`` with ``values`` as ``view.state.values``.

        ``values`` has Slack's shape, ``{block_id: {action_id: element state}}``
        (see :func:`~bot.slack_standin.payloads.state_values`). Pass the view the
        bot opened (``call.response["view"]`` of a recorded ``views.open``) as
        ``opened_view`` to submit that very view, with its id and blocks.
        """
        opened = dict(opened_view or {})
        view = submitted_view(
            self._context,
            callback_id,
            values,
            view_id=str(opened.get("id") or self._ids.view_id()),
            private_metadata=private_metadata if private_metadata is not None else str(opened.get("private_metadata", "")),
            opened_view=opened,
        )
        payload = view_submission_payload(
            self._context, self._actor(user_id), view=view, trigger_id=self._new_trigger_id()
        )
        return self.send_interaction(payload, signing=signing)

    def event(self, event: Mapping[str, Any], *, signing: Signing = Signing.VALID) -> requests.Response:
        """Deliver ``event`` (e.g. ``{"type": "app_home_opened", ...}``) in an ``event_callback``."""
        body = event_callback_body(self._context, event, event_id=self._ids.event_id())
        return self.send_json(body, signing=signing)

    def app_home_opened(self, *, user_id: str | None = None, tab: str = "home") -> requests.Response:
        """Deliver the ``app_home_opened`` event for ``user_id`` opening the app's Home tab."""
        user = user_id or self._default_user_id
        return self.event({"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": tab})

    def url_verification(self, challenge: str, *, signing: Signing = Signing.VALID) -> requests.Response:
        """Send the handshake Slack makes when the Events API URL is configured."""
        return self.send_json(url_verification_body(self._context, challenge), signing=signing)

    # -- transport -------------------------------------------------------------------------

    def send_interaction(self, payload: Mapping[str, Any], *, signing: Signing = Signing.VALID) -> requests.Response:
        """Post an interaction payload as Slack does: form field ``payload`` holding JSON."""
        body = urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()
        return self.post(body, FORM_CONTENT_TYPE, signing=signing)

    def send_json(self, body: Mapping[str, Any], *, signing: Signing = Signing.VALID) -> requests.Response:
        """Post a JSON body (Events API) with Slack's signature."""
        return self.post(json.dumps(body).encode(), JSON_CONTENT_TYPE, signing=signing)

    def post(self, body: bytes, content_type: str, *, signing: Signing = Signing.VALID) -> requests.Response:
        """Post raw ``body`` to the app, signed as ``signing`` says."""
        headers = {"Content-Type": content_type, "User-Agent": SLACK_USER_AGENT, **self._signature(body, signing)}
        # A fresh session per request keeps the sender usable from many threads
        # at once; trust_env=False stops proxy variables rerouting local traffic.
        with requests.Session() as session:
            session.trust_env = False
            return session.post(self.events_url, data=body, headers=headers, timeout=self._timeout)

    def _signature(self, body: bytes, signing: Signing) -> dict[str, str]:
        if signing is Signing.UNSIGNED:
            return {}
        if signing is Signing.BAD_SIGNATURE:
            return signature_headers("not-" + self._signing_secret, body)
        if signing is Signing.STALE_TIMESTAMP:
            return signature_headers(self._signing_secret, body, timestamp=int(time.time()) - STALE_AFTER_SECONDS - 60)
        return signature_headers(self._signing_secret, body)

    # -- details taken from the Web API stand-in when there is one ------------------------------

    def _actor(self, user_id: str | None) -> Actor:
        uid = user_id or self._default_user_id
        user = self._web_api.user(uid) if self._web_api is not None else None
        return Actor(user_id=uid, user_name=str(user["name"]) if user else f"user-{uid.lower()}")

    def _channel_name(self, channel_id: str) -> str:
        channel = self._web_api.channel(channel_id) if self._web_api is not None else None
        return str(channel["name"]) if channel else "privategroup"

    def _new_response_url(self) -> str:
        return self._web_api.new_response_url() if self._web_api is not None else UNREACHABLE_RESPONSE_URL

    def _new_trigger_id(self) -> str:
        return self._web_api.new_trigger_id() if self._web_api is not None else self._ids.trigger_id()


def ack_text(response: requests.Response) -> str:
    """The text a user sees from an app's acknowledgement: Bolt sends a bare text as
    ``text/plain`` and anything with blocks as JSON."""
    if response.headers.get("Content-Type", "").startswith("application/json"):
        return str(response.json().get("text", ""))
    return response.text

"""Sending what Slack sends: signed slash commands, interactions and events.

:class:`SlackRequestSender` posts to the app's ``/slack/events`` URL with the
same body encodings and signature headers as Slack, so the app's real request
verification and parsing run. Switches (:class:`Signing`) send the requests a
verifier must refuse.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import requests

from .outgoing import DEFAULT_USER_ID, SlackPayloads
from .payloads import url_verification_body
from .signing import STALE_AFTER_SECONDS, signature_headers
from .workspace import DEFAULT_CHANNEL_ID

if TYPE_CHECKING:
    from .web_api import SlackWebApiStandIn

EVENTS_PATH = "/slack/events"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"
SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


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
        self._timeout = timeout
        self.payloads = SlackPayloads(web_api=web_api, team_id=team_id, default_user_id=default_user_id)

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
        fields = self.payloads.slash_command(
            text, user_id=user_id, command=command, channel_id=channel_id, team_id=team_id,
            response_url=response_url, trigger_id=trigger_id,
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
        payload = self.payloads.block_action(
            action_id, value, block_id=block_id, text=text, user_id=user_id, channel_id=channel_id,
            response_url=response_url, trigger_id=trigger_id, message=message,
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
        payload = self.payloads.view_submission(
            callback_id, values, private_metadata=private_metadata, user_id=user_id, opened_view=opened_view
        )
        return self.send_interaction(payload, signing=signing)

    def event(self, event: Mapping[str, Any], *, signing: Signing = Signing.VALID) -> requests.Response:
        """Deliver ``event`` (e.g. ``{"type": "app_home_opened", ...}``) in an ``event_callback``."""
        return self.send_json(self.payloads.event(event), signing=signing)

    def app_home_opened(self, *, user_id: str | None = None, tab: str = "home") -> requests.Response:
        """Deliver the ``app_home_opened`` event for ``user_id`` opening the app's Home tab."""
        return self.event(self.payloads.app_home_opened(user_id=user_id, tab=tab))

    def url_verification(self, challenge: str, *, signing: Signing = Signing.VALID) -> requests.Response:
        """Send the handshake Slack makes when the Events API URL is configured."""
        return self.send_json(url_verification_body(self.payloads.context, challenge), signing=signing)

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


def ack_text(response: requests.Response) -> str:
    """The text a user sees from an app's acknowledgement: Bolt sends a bare text as
    ``text/plain`` and anything with blocks as JSON."""
    if response.headers.get("Content-Type", "").startswith("application/json"):
        return str(response.json().get("text", ""))
    return response.text

"""What Slack sends an app, as plain payloads: shared by the HTTP sender and the Socket Mode server.

:class:`SlackPayloads` fills in the workspace, the user and channel names, and fresh
response_urls and trigger ids (minted by the Web API stand-in when there is one), so that
both transports deliver exactly the same bodies; only the wrapping differs (a signed HTTP
POST, or a Socket Mode envelope).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .ids import IdMinter
from .payloads import (
    Actor,
    SenderContext,
    block_actions_payload,
    button_action,
    event_callback_body,
    slash_command_form,
    submitted_view,
    view_submission_payload,
)
from .workspace import DEFAULT_CHANNEL_ID, DEFAULT_TEAM_ID, WorkspaceIdentity

if TYPE_CHECKING:
    from .web_api import SlackWebApiStandIn

DEFAULT_USER_ID = "U0001"
# Without a Web API stand-in there is nowhere to record response_url posts; this
# address refuses connections, so a bot under test never reaches real Slack.
UNREACHABLE_RESPONSE_URL = "http://127.0.0.1:9/response/unrecorded"


class SlackPayloads:
    """Builds slash command forms, interaction payloads and event callbacks in Slack's shapes."""

    def __init__(
        self,
        *,
        web_api: SlackWebApiStandIn | None = None,
        team_id: str | None = None,
        default_user_id: str = DEFAULT_USER_ID,
    ) -> None:
        self._web_api = web_api
        self.default_user_id = default_user_id
        self.ids = IdMinter()
        identity = web_api.identity if web_api is not None else WorkspaceIdentity()
        self.context = SenderContext(
            team_id=team_id or (identity.team_id if web_api is not None else DEFAULT_TEAM_ID),
            team_domain=identity.team_domain,
            api_app_id=identity.app_id,
            bot_id=identity.bot_id,
            bot_user_id=identity.bot_user_id,
        )

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
    ) -> dict[str, str]:
        """The form fields of ``/sync <text>`` (or another ``command``) typed by ``user_id``."""
        ctx = dataclasses.replace(self.context, team_id=team_id) if team_id else self.context
        return slash_command_form(
            ctx,
            self.actor(user_id),
            command=command,
            text=text,
            channel_id=channel_id,
            channel_name=self.channel_name(channel_id),
            response_url=response_url or self.new_response_url(),
            trigger_id=trigger_id or self.new_trigger_id(),
        )

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
    ) -> dict[str, Any]:
        """The ``block_actions`` payload of a click on button ``action_id`` (see the sender)."""
        return block_actions_payload(
            self.context,
            self.actor(user_id),
            actions=[button_action(action_id, value, block_id=block_id or self.ids.block_id(), text=text)],
            channel_id=channel_id,
            channel_name=self.channel_name(channel_id),
            response_url=response_url or self.new_response_url(),
            trigger_id=trigger_id or self.new_trigger_id(),
            message=message,
        )

    def view_submission(
        self,
        callback_id: str,
        values: Mapping[str, Mapping[str, Any]],
        *,
        private_metadata: str | None = None,
        user_id: str | None = None,
        opened_view: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The ``view_submission`` payload of the modal ``callback_id`` with ``values``."""
        opened = dict(opened_view or {})
        view = submitted_view(
            self.context,
            callback_id,
            values,
            view_id=str(opened.get("id") or self.ids.view_id()),
            private_metadata=private_metadata if private_metadata is not None else str(opened.get("private_metadata", "")),
            opened_view=opened,
        )
        return view_submission_payload(self.context, self.actor(user_id), view=view, trigger_id=self.new_trigger_id())

    def event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """An ``event_callback`` body wrapping ``event``."""
        return event_callback_body(self.context, event, event_id=self.ids.event_id())

    def app_home_opened(self, *, user_id: str | None = None, tab: str = "home") -> dict[str, Any]:
        """The ``app_home_opened`` event of ``user_id`` opening the app's Home tab."""
        user = user_id or self.default_user_id
        return {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": tab}

    # -- details taken from the Web API stand-in when there is one ------------------------------

    def actor(self, user_id: str | None) -> Actor:
        """The member acting, with the name the stand-in's directory gives them."""
        uid = user_id or self.default_user_id
        user = self._web_api.user(uid) if self._web_api is not None else None
        return Actor(user_id=uid, user_name=str(user["name"]) if user else f"user-{uid.lower()}")

    def channel_name(self, channel_id: str) -> str:
        """The channel's name as Slack sends it along."""
        channel = self._web_api.channel(channel_id) if self._web_api is not None else None
        return str(channel["name"]) if channel else "privategroup"

    def new_response_url(self) -> str:
        """A response_url whose posts the stand-in records (or one that refuses connections)."""
        return self._web_api.new_response_url() if self._web_api is not None else UNREACHABLE_RESPONSE_URL

    def new_trigger_id(self) -> str:
        """A trigger id (one the stand-in enforces the expiry of, when there is one)."""
        return self._web_api.new_trigger_id() if self._web_api is not None else self.ids.trigger_id()

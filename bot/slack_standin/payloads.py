"""The bodies Slack sends to an app, built in Slack's exact shapes.

Slash commands arrive form-encoded; interactions (button clicks, modal
submissions) arrive form-encoded too, as one ``payload`` field holding JSON;
Events API callbacks arrive as a JSON body. The helpers at the bottom build
``view.state.values`` entries the way Slack reports each input element.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SenderContext:
    """The workspace and app a request claims to come from."""

    team_id: str
    team_domain: str
    api_app_id: str
    bot_id: str
    bot_user_id: str
    # The deprecated verification token still travels in every body.
    verification_token: str = "standin-verification-token"


@dataclass(frozen=True)
class Actor:
    """The member who typed the command or clicked."""

    user_id: str
    user_name: str


# -- slash commands -------------------------------------------------------------


def slash_command_form(
    ctx: SenderContext,
    actor: Actor,
    *,
    command: str,
    text: str,
    channel_id: str,
    channel_name: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """The form fields Slack posts for a slash command, in Slack's order."""
    return {
        "token": ctx.verification_token,
        "team_id": ctx.team_id,
        "team_domain": ctx.team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": actor.user_id,
        "user_name": actor.user_name,
        "command": command,
        "text": text,
        "api_app_id": ctx.api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


# -- interactions -------------------------------------------------------------------


def _user(ctx: SenderContext, actor: Actor) -> dict[str, str]:
    return {"id": actor.user_id, "username": actor.user_name, "name": actor.user_name, "team_id": ctx.team_id}


def button_action(action_id: str, value: str | None, *, block_id: str, text: str | None = None) -> dict[str, Any]:
    """One entry of ``actions`` for a button click."""
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text or action_id, "emoji": True},
        "type": "button",
        "action_ts": f"{time.time():.6f}",
    }
    if value is not None:
        action["value"] = value
    return action


def block_actions_payload(
    ctx: SenderContext,
    actor: Actor,
    *,
    actions: list[dict[str, Any]],
    channel_id: str,
    channel_name: str,
    response_url: str,
    trigger_id: str,
    message: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload for a click in a message.

    Without ``message`` it is a click in an ephemeral message (what a slash
    command's response is): Slack then sends no ``message``, only a container
    marked ``is_ephemeral``.
    """
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": str(message["ts"]) if message and "ts" in message else f"{time.time():.6f}",
        "channel_id": channel_id,
        "is_ephemeral": message is None,
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(ctx, actor),
        "api_app_id": ctx.api_app_id,
        "token": ctx.verification_token,
        "container": container,
        "trigger_id": trigger_id,
        "team": {"id": ctx.team_id, "domain": ctx.team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": actions,
    }
    if message is not None:
        payload["message"] = dict(message)
    return payload


def submitted_view(
    ctx: SenderContext,
    callback_id: str,
    values: Mapping[str, Mapping[str, Any]],
    *,
    view_id: str,
    private_metadata: str = "",
    opened_view: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``view`` of a submission: the view as opened, plus the entered ``state``."""
    view: dict[str, Any] = {
        "type": "modal",
        "blocks": [],
        "title": {"type": "plain_text", "text": "Modal", "emoji": True},
        "close": None,
        "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "external_id": "",
        "previous_view_id": None,
        **dict(opened_view or {}),
    }
    view.update(
        id=view_id,
        team_id=ctx.team_id,
        callback_id=callback_id,
        private_metadata=private_metadata,
        state={"values": {block: dict(actions) for block, actions in values.items()}},
        hash=view.get("hash") or f"{int(time.time())}.standin",
        root_view_id=view.get("root_view_id") or view_id,
        app_id=ctx.api_app_id,
        app_installed_team_id=ctx.team_id,
        bot_id=ctx.bot_id,
    )
    return view


def view_submission_payload(ctx: SenderContext, actor: Actor, *, view: dict[str, Any], trigger_id: str) -> dict[str, Any]:
    """A ``view_submission`` payload for a modal's submit button."""
    return {
        "type": "view_submission",
        "team": {"id": ctx.team_id, "domain": ctx.team_domain},
        "user": _user(ctx, actor),
        "api_app_id": ctx.api_app_id,
        "token": ctx.verification_token,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


# -- Events API -------------------------------------------------------------------------


def event_callback_body(ctx: SenderContext, event: Mapping[str, Any], *, event_id: str) -> dict[str, Any]:
    """An ``event_callback`` body wrapping ``event`` (``event_ts`` is filled in if absent)."""
    now = time.time()
    inner = {"event_ts": f"{now:.6f}", **dict(event)}
    return {
        "token": ctx.verification_token,
        "team_id": ctx.team_id,
        "api_app_id": ctx.api_app_id,
        "event": inner,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(now),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ctx.team_id,
                "user_id": ctx.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def url_verification_body(ctx: SenderContext, challenge: str) -> dict[str, Any]:
    """The body Slack sends when the Events API request URL is set."""
    return {"token": ctx.verification_token, "challenge": challenge, "type": "url_verification"}


# -- view.state.values entries ------------------------------------------------------------


def plain_text_value(value: str | None) -> dict[str, Any]:
    """A ``plain_text_input``'s state; Slack sends ``None`` for an empty optional input."""
    return {"type": "plain_text_input", "value": value}


def checkboxes_value(*selected: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A ``checkboxes`` element's state with the options of these values ticked."""
    options = [
        {"text": {"type": "plain_text", "text": (labels or {}).get(value, value), "emoji": True}, "value": value}
        for value in selected
    ]
    return {"type": "checkboxes", "selected_options": options}


def state_values(elements: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``view.state.values`` for inputs whose ``action_id`` equals their ``block_id``.

    ``state_values({"username": plain_text_value("a"), "sandbox": checkboxes_value("sandbox")})``
    gives ``{"username": {"username": {...}}, "sandbox": {"sandbox": {...}}}``.
    """
    return {block_id: {block_id: dict(element)} for block_id, element in elements.items()}

"""Choosing the alert channel (``/sync channel``): find it, make sure the bot can post, test it.

Nothing is saved unless a test message went through, so a channel that would swallow
alerts is never chosen; whoever chose it is remembered, to be told if it stops working.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.alerts.delivery import error_code
from bot.errors import ChannelUnusable, UserInputError
from bot.messages import MSG
from bot.runtime import Services
from bot.setup.controls import set_alert_channel
from bot.setup.progress import require_owner

# Slack escapes "#sales-ops" as "<#C0123ABCD|sales-ops>" (or "<#C0123ABCD|>", "<#C0123ABCD>").
_ESCAPED = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|([^>]*))?>$")
_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
# Unescaped, it arrives as typed: "#sales-ops".
_NAME = re.compile(r"^#([a-z0-9][a-z0-9_\-]{0,79})$")
_LIST_PAGE = 200


@dataclass(frozen=True)
class ChosenChannel:
    """The channel alerts now go to."""

    channel_id: str
    name: str
    joined: bool


def choose_alert_channel(
    services: Services, client: WebClient, *, team_id: str, user_id: str, reference: str
) -> ChosenChannel:
    """Make ``reference`` (as Slack sent it) the alert channel of the workspace.

    Raises :class:`ChannelUnusable` saying what to do when the bot cannot post there;
    nothing changes then.
    """
    channel_id, name = _parse(reference)
    # Before the test post: a workspace that cannot use this database has no alerts to send.
    require_owner(services, team_id)
    try:
        if channel_id is None:
            channel_id = _find_by_name(client, name or "")
        channel = _info(client, channel_id, name)
        name = str(channel.get("name") or name or channel_id)
        if channel.get("is_archived"):
            raise ChannelUnusable(MSG.channel_archived.format(name=name))
        joined = False
        if not channel.get("is_member"):
            if channel.get("is_private"):
                raise ChannelUnusable(MSG.channel_invite.format(name=name))
            _join(client, channel_id, name)
            joined = True
        _test_post(client, channel_id, name, user_id)
    except SlackApiError as exc:
        raise ChannelUnusable(MSG.channel_slack_error.format(error=error_code(exc))) from None
    set_alert_channel(services, team_id, channel_id, chosen_by=user_id)
    return ChosenChannel(channel_id=channel_id, name=name, joined=joined)


def _parse(reference: str) -> tuple[str | None, str | None]:
    escaped = _ESCAPED.match(reference)
    if escaped:
        return escaped.group(1), escaped.group(2) or None
    if _ID.match(reference):
        return reference, None
    named = _NAME.match(reference.lower())
    if named:
        return None, named.group(1)
    raise UserInputError(MSG.channel_bad)


def _find_by_name(client: WebClient, name: str) -> str:
    cursor: str | None = None
    while True:
        page = client.conversations_list(
            types="public_channel,private_channel", exclude_archived=False, limit=_LIST_PAGE, cursor=cursor
        )
        for channel in page.get("channels") or []:
            if channel.get("name") == name:
                return str(channel["id"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            raise ChannelUnusable(MSG.channel_unknown_name.format(name=name))


def _info(client: WebClient, channel_id: str, name: str | None) -> dict[str, object]:
    try:
        return dict(client.conversations_info(channel=channel_id)["channel"])
    except SlackApiError as exc:
        if error_code(exc) == "channel_not_found":
            raise ChannelUnusable(MSG.channel_not_found.format(name=name or channel_id)) from None
        raise


def _join(client: WebClient, channel_id: str, name: str) -> None:
    try:
        client.conversations_join(channel=channel_id)
    except SlackApiError as exc:
        code = error_code(exc)
        if code == "is_archived":
            raise ChannelUnusable(MSG.channel_archived.format(name=name)) from None
        if code == "method_not_supported_for_channel_type":
            raise ChannelUnusable(MSG.channel_invite.format(name=name)) from None
        raise ChannelUnusable(MSG.channel_join_failed.format(name=name, error=code)) from None


def _test_post(client: WebClient, channel_id: str, name: str, user_id: str) -> None:
    try:
        client.chat_postMessage(channel=channel_id, text=MSG.channel_test.format(user=user_id))
    except SlackApiError as exc:
        code = error_code(exc)
        if code == "not_in_channel":
            raise ChannelUnusable(MSG.channel_invite.format(name=name)) from None
        raise ChannelUnusable(MSG.channel_post_failed.format(name=name, error=code)) from None

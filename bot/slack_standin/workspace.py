"""The pretend workspace behind the stand-in: who the bot is, who the users are.

Objects are built in the shape Slack's Web API returns them (``users.info``'s
``user``, ``conversations.info``'s ``channel``), trimmed to the fields a bot
plausibly reads.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

DEFAULT_TEAM_ID = "T0001"
DEFAULT_CHANNEL_ID = "C0001"


@dataclass(frozen=True)
class WorkspaceIdentity:
    """The workspace and the bot installed in it, as ``auth.test`` reports them."""

    team_id: str = DEFAULT_TEAM_ID
    team_name: str = "Stand-in Workspace"
    team_domain: str = "standin"
    bot_user_id: str = "U0BOT"
    bot_user_name: str = "syncbot"
    bot_id: str = "B0001"
    app_id: str = "A0001"

    @property
    def url(self) -> str:
        """The workspace URL, like ``https://standin.slack.com/``."""
        return f"https://{self.team_domain}.slack.com/"


def user_object(
    user_id: str,
    *,
    name: str,
    team_id: str,
    is_admin: bool = False,
    is_owner: bool = False,
    is_primary_owner: bool = False,
    is_bot: bool = False,
    deleted: bool = False,
    real_name: str | None = None,
    email: str | None = None,
) -> dict[str, Any]:
    """A user as ``users.info`` returns it."""
    real = real_name or name
    profile: dict[str, Any] = {"real_name": real, "display_name": name, "team": team_id}
    if email is not None:
        profile["email"] = email
    return {
        "id": user_id,
        "team_id": team_id,
        "name": name,
        "real_name": real,
        "deleted": deleted,
        "is_admin": is_admin,
        "is_owner": is_owner,
        "is_primary_owner": is_primary_owner,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": is_bot,
        "is_app_user": False,
        "tz": "Europe/London",
        "updated": int(time.time()),
        "profile": profile,
    }


def channel_object(
    channel_id: str, *, name: str, is_private: bool = False, is_member: bool = True, is_archived: bool = False
) -> dict[str, Any]:
    """A public or private channel as ``conversations.info`` returns it."""
    return {
        "id": channel_id,
        "name": name,
        "is_channel": not is_private,
        "is_group": False,
        "is_im": False,
        "is_private": is_private,
        "is_archived": is_archived,
        "is_general": name == "general",
        "is_member": is_member,
        "created": int(time.time()),
    }


class WorkspaceDirectory:
    """The users and channels the stand-in knows, safe to change while serving.

    Channel ids the directory was never told about are taken as they come (a
    test may post anywhere); a channel that was deleted is gone for good.
    """

    def __init__(self, identity: WorkspaceIdentity) -> None:
        self._identity = identity
        self._lock = threading.Lock()
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._deleted: set[str] = set()
        # Real workspaces always contain the bot's own user and #general; a bot
        # that looks itself up, or a test that uses the default channel, works.
        self.add_user(user_object(identity.bot_user_id, name=identity.bot_user_name, team_id=identity.team_id, is_bot=True))
        self.add_channel(channel_object(DEFAULT_CHANNEL_ID, name="general"))

    def add_user(self, user: dict[str, Any]) -> None:
        """Add or replace a user (as built by :func:`user_object`)."""
        with self._lock:
            self._users[user["id"]] = user

    def user(self, user_id: str) -> dict[str, Any] | None:
        """The user with this id, or None."""
        with self._lock:
            return self._users.get(user_id)

    def add_channel(self, channel: dict[str, Any]) -> None:
        """Add or replace a channel (as built by :func:`channel_object`)."""
        with self._lock:
            self._channels[channel["id"]] = channel

    def channel(self, channel_id: str) -> dict[str, Any] | None:
        """The channel with this id, or None."""
        with self._lock:
            channel = self._channels.get(channel_id)
            return dict(channel) if channel else None

    def channels(self) -> list[dict[str, Any]]:
        """Every known channel, in the order they were added."""
        with self._lock:
            return [dict(channel) for channel in self._channels.values()]

    def update_channel(self, channel_id: str, **changes: Any) -> dict[str, Any]:
        """Change fields of a known channel (``is_archived``, ``is_member``...); KeyError if unknown."""
        with self._lock:
            channel = self._channels[channel_id]
            channel.update(changes)
            return dict(channel)

    def delete_channel(self, channel_id: str) -> None:
        """Forget a channel for good: from now on it is ``channel_not_found``."""
        with self._lock:
            self._channels.pop(channel_id, None)
            self._deleted.add(channel_id)

    def is_deleted(self, channel_id: str) -> bool:
        """True for a channel that :meth:`delete_channel` removed."""
        with self._lock:
            return channel_id in self._deleted

    def channel_id_for(self, channel: str) -> str:
        """The id Slack answers with for a ``channel`` argument.

        Slack accepts ``#name`` and user ids (a DM) as well as channel ids, but
        always answers with the conversation id.
        """
        if channel.startswith("#"):
            with self._lock:
                for known in self._channels.values():
                    if known["name"] == channel[1:]:
                        return str(known["id"])
        if channel[:1] in ("U", "W"):
            return "D" + channel[1:]
        return channel

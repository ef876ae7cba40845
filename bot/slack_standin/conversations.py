"""Channels and messages: the ``conversations.*`` and ``chat.*`` methods of the stand-in.

The stand-in keeps every posted message per conversation, with its metadata and
thread, so a bot can read back what it posted (``conversations.history`` and
``conversations.replies``, as after a crash) and tests can see what a channel shows.
Posting follows Slack's rules for a bot without ``chat:write.public``: the bot must
be a member, and archived or deleted channels refuse.
"""

from __future__ import annotations

import threading
from typing import Any

from .shapes import Answer, error, missing_argument
from .ids import IdMinter
from .workspace import WorkspaceDirectory, WorkspaceIdentity

DEFAULT_PAGE = 100
MAX_PAGE = 999


def _flag(value: Any) -> bool:
    """Slack's boolean arguments arrive as JSON booleans or as "true"/"1" in forms."""
    return value is True or str(value).lower() in ("true", "1")


def _page(items: list[dict[str, Any]], args: dict[str, Any], key: str) -> Answer:
    """One page of ``items`` by Slack's cursor paging (the cursor is an offset here)."""
    try:
        limit = min(int(args.get("limit") or DEFAULT_PAGE), MAX_PAGE)
        start = int(args.get("cursor") or 0)
    except ValueError:
        return error("invalid_cursor")
    chunk = items[start : start + limit]
    following = start + limit if start + limit < len(items) else None
    return {
        "ok": True,
        key: chunk,
        "has_more": following is not None,
        "response_metadata": {"next_cursor": str(following) if following is not None else ""},
    }


class ConversationAnswers:
    """Answers the conversation and message methods from the directory and the posted messages."""

    def __init__(self, identity: WorkspaceIdentity, directory: WorkspaceDirectory, minter: IdMinter) -> None:
        self._identity = identity
        self._directory = directory
        self._ids = minter
        self._lock = threading.Lock()
        self._messages: dict[str, list[dict[str, Any]]] = {}  # conversation id -> messages, oldest first

    def table(self) -> dict[str, Any]:
        """Method name -> answering function."""
        return {
            "conversations.info": self._info,
            "conversations.list": self._list,
            "conversations.join": self._join,
            "conversations.open": self._open,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
        }

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        """Every message posted to a conversation, thread replies included, oldest first."""
        with self._lock:
            return [dict(message) for message in self._messages.get(channel_id, [])]

    def add_foreign(self, channel_id: str, message: dict[str, Any]) -> str:
        """Post ``message`` as someone other than this bot (a person, another app); returns its ts."""
        ts = self._ids.message_ts()
        with self._lock:
            self._messages.setdefault(channel_id, []).append({"type": "message", **message, "ts": ts})
        return ts

    def delete(self, channel_id: str, ts: str) -> bool:
        """Delete one message (as a person deleting it in Slack would); False if there is none."""
        with self._lock:
            posted = self._messages.get(channel_id, [])
            kept = [message for message in posted if message["ts"] != ts]
            self._messages[channel_id] = kept
            return len(kept) < len(posted)

    # -- conversations ------------------------------------------------------------

    def _visible(self, channel_id: str) -> dict[str, Any] | None:
        # A private channel the bot is not in does not exist as far as the bot can tell.
        channel = self._directory.channel(channel_id)
        if channel is None or (channel["is_private"] and not channel["is_member"]):
            return None
        return channel

    def _info(self, args: dict[str, Any]) -> Answer:
        channel_id = args.get("channel")
        if not channel_id:
            return missing_argument("channel")
        channel = self._visible(str(channel_id))
        return {"ok": True, "channel": channel} if channel else error("channel_not_found")

    def _list(self, args: dict[str, Any]) -> Answer:
        types = {part.strip() for part in str(args.get("types") or "public_channel").split(",")}
        listed = [
            channel
            for channel in self._directory.channels()
            if ("private_channel" if channel["is_private"] else "public_channel") in types
            and (not channel["is_private"] or channel["is_member"])
            and not (channel["is_archived"] and _flag(args.get("exclude_archived")))
        ]
        return _page(listed, args, "channels")

    def _join(self, args: dict[str, Any]) -> Answer:
        channel_id = args.get("channel")
        if not channel_id:
            return missing_argument("channel")
        channel = self._visible(str(channel_id))
        if channel is None:
            return error("channel_not_found")
        if channel["is_private"]:
            return error("method_not_supported_for_channel_type")
        if channel["is_archived"]:
            return error("is_archived")
        if channel["is_member"]:
            return {"ok": True, "channel": channel, "warning": "already_in_channel"}
        return {"ok": True, "channel": self._directory.update_channel(channel["id"], is_member=True)}

    def _open(self, args: dict[str, Any]) -> Answer:
        users = str(args.get("users") or "")
        if not users:
            return missing_argument("users")
        user = self._directory.user(users.split(",")[0])
        if user is None:
            return error("user_not_found")
        return {"ok": True, "channel": {"id": "D" + user["id"][1:]}}

    def _readable(self, channel_id: str) -> str | None:
        """Why the bot cannot read a conversation's messages, or None when it can."""
        channel = self._directory.channel(channel_id)
        if channel is None:
            # An id the directory never knew is readable once something was posted there (or a DM).
            with self._lock:
                posted = channel_id in self._messages
            readable = not self._directory.is_deleted(channel_id) and (posted or channel_id.startswith("D"))
            return None if readable else "channel_not_found"
        if channel["is_private"] and not channel["is_member"]:
            return "channel_not_found"
        return None if channel["is_member"] else "not_in_channel"

    def _shown(self, message: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        # Like Slack, metadata comes back only to a caller who asks for it.
        if _flag(args.get("include_all_metadata")):
            return dict(message)
        return {key: value for key, value in message.items() if key != "metadata"}

    def _history(self, args: dict[str, Any]) -> Answer:
        channel_id = str(args.get("channel") or "")
        if not channel_id:
            return missing_argument("channel")
        problem = self._readable(channel_id)
        if problem:
            return error(problem)
        inclusive = _flag(args.get("inclusive"))
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or "inf")
        with self._lock:
            top_level = [
                message
                for message in self._messages.get(channel_id, [])
                if message.get("thread_ts") in (None, message["ts"])
                and (oldest <= float(message["ts"]) <= latest if inclusive else oldest < float(message["ts"]) < latest)
            ]
        newest_first = [self._shown(message, args) for message in reversed(top_level)]
        return _page(newest_first, args, "messages")

    def _replies(self, args: dict[str, Any]) -> Answer:
        channel_id, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        if not channel_id:
            return missing_argument("channel")
        if not ts:
            return missing_argument("ts")
        problem = self._readable(channel_id)
        if problem:
            return error(problem)
        with self._lock:
            thread = [
                message
                for message in self._messages.get(channel_id, [])
                if message["ts"] == ts or message.get("thread_ts") == ts
            ]
        if not thread:
            return error("thread_not_found")
        return _page([self._shown(message, args) for message in thread], args, "messages")

    # -- messages -------------------------------------------------------------------

    def _postable(self, channel: str) -> tuple[str, str | None]:
        """The conversation id a ``channel`` argument names, and why posting there fails (or None)."""
        channel_id = self._directory.channel_id_for(channel)
        if self._directory.is_deleted(channel_id) or (channel.startswith("#") and channel_id == channel):
            return channel_id, "channel_not_found"
        known = self._directory.channel(channel_id)
        if known is None:
            return channel_id, None
        if known["is_private"] and not known["is_member"]:
            return channel_id, "channel_not_found"
        if known["is_archived"]:
            return channel_id, "is_archived"
        return channel_id, None if known["is_member"] else "not_in_channel"

    def _post_message(self, args: dict[str, Any]) -> Answer:
        if not args.get("channel"):
            return error("channel_not_found")
        if not any(args.get(key) for key in ("text", "blocks", "attachments")):
            return error("no_text")
        channel_id, problem = self._postable(str(args["channel"]))
        if problem:
            return error(problem)
        ts = self._ids.message_ts()
        message = self._message(args, ts)
        with self._lock:
            self._messages.setdefault(channel_id, []).append(message)
        return {"ok": True, "channel": channel_id, "ts": ts, "message": message}

    def _post_ephemeral(self, args: dict[str, Any]) -> Answer:
        if not args.get("channel"):
            return error("channel_not_found")
        if not args.get("user"):
            return missing_argument("user")
        if not any(args.get(key) for key in ("text", "blocks", "attachments")):
            return error("no_text")
        return {"ok": True, "message_ts": self._ids.message_ts()}

    def _update(self, args: dict[str, Any]) -> Answer:
        if not args.get("channel"):
            return error("channel_not_found")
        if not args.get("ts"):
            return missing_argument("ts")
        channel_id = self._directory.channel_id_for(str(args["channel"]))
        ts = str(args["ts"])
        message = self._message(args, ts)
        with self._lock:
            posted = self._messages.get(channel_id, [])
            index = next((i for i, known in enumerate(posted) if known["ts"] == ts), None)
            if index is not None:
                message = {**posted[index], **message}
                posted[index] = message
        if index is None:
            return error("message_not_found")
        return {"ok": True, "channel": channel_id, "ts": ts, "text": args.get("text", ""), "message": message}

    def _message(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        ident = self._identity
        message: dict[str, Any] = {
            "type": "message",
            "text": args.get("text", ""),
            "user": ident.bot_user_id,
            "bot_id": ident.bot_id,
            "app_id": ident.app_id,
            "team": ident.team_id,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key) is not None:
                message[key] = args[key]
        return message

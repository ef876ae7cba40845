"""Slack-shaped answers to the Web API methods the bot uses.

Each answer follows Slack's documented response for the method, including the
error names a client has to handle (``user_not_found``, ``channel_not_found``,
``expired_trigger_id``...). Methods without a dedicated answer get
``{"ok": true}`` so the bot can call anything without the stand-in in the way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from .conversations import ConversationAnswers
from .ids import IdMinter
from .shapes import Answer, error, missing_argument
from .workspace import WorkspaceDirectory, WorkspaceIdentity

__all__ = ["DEFAULT_TRIGGER_ID_TTL", "Answer", "WebApiAnswers", "error", "missing_argument"]

# Slack lets a trigger_id open one view, within 3 seconds of the interaction.
DEFAULT_TRIGGER_ID_TTL = 3.0


class WebApiAnswers:
    """Answers Web API calls from the workspace's state, keeping views and messages."""

    def __init__(
        self,
        identity: WorkspaceIdentity,
        directory: WorkspaceDirectory,
        minter: IdMinter,
        *,
        trigger_id_ttl: float | None = DEFAULT_TRIGGER_ID_TTL,
    ) -> None:
        self._identity = identity
        self._directory = directory
        self._ids = minter
        self._trigger_id_ttl = trigger_id_ttl
        self._lock = threading.Lock()
        self._triggers: dict[str, float] = {}  # trigger id -> when it was minted
        self._views: dict[str, dict[str, Any]] = {}
        self._home_view_ids: dict[str, str] = {}  # user id -> their App Home view id
        self.conversations = ConversationAnswers(identity, directory, minter)
        self._table: dict[str, Callable[[dict[str, Any]], Answer]] = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            **self.conversations.table(),
        }

    def answer(self, method: str, args: dict[str, Any]) -> Answer:
        """The answer to one authenticated call of ``method``."""
        handler = self._table.get(method)
        return handler(args) if handler else {"ok": True}

    def new_trigger_id(self) -> str:
        """A trigger id that ``views.open``/``views.push`` accept once, within the TTL.

        Trigger ids the stand-in did not mint are accepted without checks, so
        tests may call the Web API directly with any value.
        """
        trigger_id = self._ids.trigger_id()
        with self._lock:
            self._triggers[trigger_id] = time.monotonic()
        return trigger_id

    # -- auth and users ------------------------------------------

    def _auth_test(self, args: dict[str, Any]) -> Answer:
        # Bolt builds its AuthorizeResult from these: user_id becomes the bot
        # user id for xoxb- tokens, bot_id is used to ignore the bot's own events.
        ident = self._identity
        return {
            "ok": True,
            "url": ident.url,
            "team": ident.team_name,
            "user": ident.bot_user_name,
            "team_id": ident.team_id,
            "user_id": ident.bot_user_id,
            "bot_id": ident.bot_id,
            "is_enterprise_install": False,
        }

    def _users_info(self, args: dict[str, Any]) -> Answer:
        user_id = args.get("user")
        if not user_id:
            return missing_argument("user")
        user = self._directory.user(str(user_id))
        return {"ok": True, "user": user} if user else error("user_not_found")

    # -- views ----------------------------------------------------------------

    def _views_open(self, args: dict[str, Any]) -> Answer:
        if not args.get("trigger_id"):
            return missing_argument("trigger_id")
        if not isinstance(args.get("view"), dict):
            return missing_argument("view")
        problem = self._use_trigger(str(args["trigger_id"]))
        if problem:
            return error(problem)
        return {"ok": True, "view": self._store_view(args["view"], view_id=self._ids.view_id())}

    def _views_update(self, args: dict[str, Any]) -> Answer:
        if not isinstance(args.get("view"), dict):
            return missing_argument("view")
        view_id = self._find_view_id(args.get("view_id"), args.get("external_id"))
        if view_id is None:
            if not args.get("view_id") and not args.get("external_id"):
                return missing_argument("view_id")
            return error("not_found")
        with self._lock:
            current_hash = self._views[view_id]["hash"]
        if args.get("hash") and args["hash"] != current_hash:
            return error("hash_conflict")
        return {"ok": True, "view": self._store_view(args["view"], view_id=view_id)}

    def _views_publish(self, args: dict[str, Any]) -> Answer:
        user_id = args.get("user_id")
        if not user_id:
            return missing_argument("user_id")
        if not isinstance(args.get("view"), dict):
            return missing_argument("view")
        with self._lock:
            # Each user has one App Home view whose id survives republishing.
            view_id = self._home_view_ids.setdefault(str(user_id), self._ids.view_id())
        return {"ok": True, "view": self._store_view(args["view"], view_id=view_id)}

    def _use_trigger(self, trigger_id: str) -> str | None:
        with self._lock:
            minted_at = self._triggers.get(trigger_id)
            if minted_at is None:
                return None
            if minted_at < 0:
                return "exchanged_trigger_id"
            self._triggers[trigger_id] = -1.0  # used: a second view.open is refused
        if self._trigger_id_ttl is not None and time.monotonic() - minted_at > self._trigger_id_ttl:
            return "expired_trigger_id"
        return None

    def _find_view_id(self, view_id: Any, external_id: Any) -> str | None:
        with self._lock:
            if view_id:
                return str(view_id) if view_id in self._views else None
            if external_id:
                for known_id, view in self._views.items():
                    if view.get("external_id") == external_id:
                        return known_id
        return None

    def _store_view(self, view: dict[str, Any], *, view_id: str) -> dict[str, Any]:
        ident = self._identity
        stored = {
            "id": view_id,
            "team_id": ident.team_id,
            "type": view.get("type", "modal"),
            "callback_id": "",
            "private_metadata": "",
            "external_id": "",
            "blocks": [],
            **view,
            "state": {"values": {}},
            "hash": self._ids.view_hash(),
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": ident.app_id,
            "app_installed_team_id": ident.team_id,
            "bot_id": ident.bot_id,
        }
        with self._lock:
            self._views[view_id] = stored
        return stored

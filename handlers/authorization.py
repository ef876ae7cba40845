"""Who may run changing commands: ``SYNCBOT_ADMINS``, else the workspace's admins and owners."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import NotAuthorized
from bot.messages import MSG

log = logging.getLogger(__name__)

# How long a users.info answer is trusted: long enough that a setup session of several
# commands asks Slack once, short enough that a demoted admin loses access within a minute.
ADMIN_CACHE_SECONDS = 60.0
# Bounds the cache of a large workspace; expired entries are dropped before it grows past this.
_CACHE_LIMIT = 10_000


class AdminCheck:
    """Decides who may change things, keeping Slack's answers briefly per team and user.

    Thread-safe: Bolt runs listeners on several threads at once. Only answers are kept;
    a failed lookup is never cached and never counts as allowed.
    """

    def __init__(
        self,
        admins: frozenset[str],
        *,
        ttl: float = ADMIN_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._admins = admins
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._known: dict[tuple[str, str], tuple[bool, float]] = {}

    def require(self, client: WebClient, *, team_id: str, user_id: str, command: str) -> None:
        """Raise :class:`NotAuthorized` unless ``user_id`` of ``team_id`` may run ``/sync command``."""
        if self._admins:
            if user_id not in self._admins:
                raise NotAuthorized(MSG.not_admin.format(command=command))
            return
        if not self._is_workspace_admin(client, team_id, user_id):
            raise NotAuthorized(MSG.not_admin.format(command=command))

    def allows(self, client: WebClient, *, team_id: str, user_id: str) -> bool:
        """Whether ``user_id`` is an admin, for reads that serve admins differently; when Slack
        cannot say, False (the member's way, which is the careful one)."""
        try:
            self.require(client, team_id=team_id, user_id=user_id, command="")
        except NotAuthorized:
            return False
        return True

    def _is_workspace_admin(self, client: WebClient, team_id: str, user_id: str) -> bool:
        key = (team_id, user_id)
        now = self._clock()
        with self._lock:
            cached = self._known.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        allowed = _ask_slack(client, user_id)
        with self._lock:
            if len(self._known) >= _CACHE_LIMIT:
                self._known = {k: v for k, v in self._known.items() if v[1] > now}
            self._known[key] = (allowed, now + self._ttl)
        return allowed


def _ask_slack(client: WebClient, user_id: str) -> bool:
    """Whether Slack says the user is an admin or owner; any failure refuses (try again)."""
    try:
        user: Any = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
        log.warning("users.info failed for %s: %s", user_id, error)
        raise NotAuthorized(MSG.admin_lookup_failed.format(error=error)) from None
    except Exception as exc:  # a timeout, a dropped connection, an answer without a user
        log.warning("users.info failed for %s: %s", user_id, type(exc).__name__)
        raise NotAuthorized(MSG.admin_lookup_failed.format(error=type(exc).__name__)) from None
    if not isinstance(user, dict) or user.get("deleted"):
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))

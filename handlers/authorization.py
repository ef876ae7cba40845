"""Who may run changing commands: ``SYNCBOT_ADMINS``, else the workspace's admins and owners."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import NotAuthorized
from bot.messages import MSG

log = logging.getLogger(__name__)


def require_admin(client: WebClient, admins: frozenset[str], user_id: str, command: str) -> None:
    """Raise :class:`NotAuthorized` unless ``user_id`` may run ``/sync command``."""
    if admins:
        if user_id not in admins:
            raise NotAuthorized(MSG.not_admin.format(command=command))
        return
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
        log.warning("users.info failed for %s: %s", user_id, error)
        raise NotAuthorized(MSG.admin_lookup_failed.format(error=error)) from None
    if not (user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")):
        raise NotAuthorized(MSG.not_admin.format(command=command))

"""What people are told when their read of Salesforce was served from an earlier one
(``bot.read_guard``): how old that is, and why Salesforce was not asked this time."""

from __future__ import annotations

from datetime import datetime

from bot.messages import MSG
from bot.read_guard import FRESH_EVERY, Held, Permit, ReadKind
from handlers.blocks import escape
from handlers.formatting import ago, slack_date


def held_notice(permit: Permit, kind: ReadKind, *, kept_at: datetime | None, quota: int, now: datetime) -> str:
    """The sentences for a read that did not ask Salesforce ("" for one that did); ``kept_at``
    is when what is shown instead was read (None: nothing to show)."""
    if permit.granted:
        return ""
    last = permit.last
    if permit.held is Held.QUOTA and permit.usage is not None:
        usage = permit.usage
        why = MSG.read_quota.format(ago=ago(usage.seen_at, now), used=usage.used, max=usage.maximum,
                                    percent=usage.percent, quota=quota)
    elif permit.held is Held.RUNNING and last is not None and last.started_at is not None:
        why = MSG.read_running.format(ago=ago(last.started_at, now))
    elif last is not None and last.error:
        # The words may quote Salesforce: shown as text, never as markup.
        when = last.finished_at or last.started_at or now
        why = MSG.read_failed.format(ago=ago(when, now), error=escape(last.error))
        if permit.next_at is not None:
            why += " " + MSG.read_next.format(when=slack_date(permit.next_at))
    elif kept_at is not None:
        return MSG.read_recent[kind].format(ago=ago(kept_at, now)) + " " + MSG.read_every.format(
            minutes=int(FRESH_EVERY.total_seconds() // 60))
    else:
        why = ""
    shown = MSG.read_kept[kind].format(ago=ago(kept_at, now)) if kept_at else MSG.read_nothing_kept[kind]
    return f"{why} {shown}".strip()

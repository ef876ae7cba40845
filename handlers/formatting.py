"""How times and durations read in Slack: one way, everywhere the bot says them."""

from __future__ import annotations

from datetime import datetime

from bot.messages import MSG


def slack_date(when: datetime) -> str:
    """A time that every reader sees in their own time zone (UTC in the fallback)."""
    stamp = int(when.timestamp())
    return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{when:%Y-%m-%d %H:%M} UTC>"


def duration(seconds: float) -> str:
    """``45 s``, ``12 min``, ``2 h 5 min``, ``3 days 4 h``: the two largest units that matter."""
    left = max(round(seconds), 0)
    parts: list[str] = []
    for size, words in zip((86_400, 3_600, 60, 1), MSG.alert_duration_units):
        amount, left = divmod(left, size)
        if amount and len(parts) < 2:
            parts.append(f"{amount} {words[0] if amount == 1 else words[1]}")
        elif parts:
            break  # "2 h 5 min", never "2 h 0 min 30 s"
    return " ".join(parts) or f"0 {MSG.alert_duration_units[-1][1]}"


# Below this, "just now": a clock a few seconds apart must not read "-2 s ago".
_JUST_NOW = 10
_DAYS_FROM = 2 * 86_400


def ago(when: datetime, now: datetime) -> str:
    """``just now``, ``42 s ago``, ``3 min ago``, ``2 h 5 min ago``, ``3 days ago``."""
    seconds = (now - when).total_seconds()
    if seconds < _JUST_NOW:
        return MSG.ago_just_now
    if seconds >= _DAYS_FROM:
        return MSG.ago_days.format(days=int(seconds // 86_400))
    # "3 min ago", not "3 min 1 s ago": a relative time is as precise as a glance needs.
    return MSG.ago.format(duration=duration(seconds if seconds < 60 else round(seconds / 60) * 60))

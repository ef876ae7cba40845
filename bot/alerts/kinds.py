"""The kinds of alert, and the plain values (facts) each is written from.

Rules store facts, not sentences: the words are chosen when the alert is posted
(``handlers.alerts``), so the outbox stays free of Slack formatting.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class AlertKind(StrEnum):
    """What an outbox row announces; stored in ``alert_outbox.kind``."""

    FAILED = "failed"                            # the state became Failed, or its kind of failure changed
    STILL_FAILING = "still_failing"              # a daily reminder, in the failure's thread
    RECOVERED = "recovered"                      # the state left Failed
    RECORD_ERRORS = "record_errors"              # records a cycle could not sync
    LAGGING = "lagging"                          # no cycle succeeded for SYNCBOT_LAG_ALERT intervals
    CAUGHT_UP = "caught_up"                      # ... and now one did
    STARTED = "started"                          # `/sync start`
    INITIAL_LOAD = "initial_load"                # the first cycle that succeeded
    PAUSED = "paused"
    RESUMED = "resumed"
    CREDENTIALS_CHANGED = "credentials_changed"
    DIGEST = "digest"
    CHANNEL_BROKEN = "channel_broken"            # to the admin: the alert channel stopped working
    LOAD_PROGRESS = "load_progress"              # the first load's live message, edited in place as it goes
    DRIFT = "drift"                              # fields added, removed or changed; what a reconciliation repaired


def iso(when: datetime | None) -> str | None:
    """A time as facts keep it (ISO 8601, UTC)."""
    return when.isoformat() if when else None


def parse_iso(text: str | None) -> datetime | None:
    """A time kept by :func:`iso`."""
    return datetime.fromisoformat(text) if text else None

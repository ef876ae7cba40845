"""The shape of Web API answers: ``{"ok": true, ...}`` or ``{"ok": false, "error": ...}``."""

from __future__ import annotations

from typing import Any

Answer = dict[str, Any]


def error(name: str, **extra: Any) -> Answer:
    """A Slack error answer, ``{"ok": false, "error": name}``."""
    return {"ok": False, "error": name, **extra}


def missing_argument(name: str) -> Answer:
    """Slack's answer when a required argument is absent."""
    return error("invalid_arguments", response_metadata={"messages": [f"[ERROR] missing required field: {name}"]})

"""What ``GET /healthz`` reports."""

from __future__ import annotations

from typing import Any

from bot.runtime import Services
from storage.migrate import current_revision, head_revision


def check(services: Services) -> dict[str, Any]:
    """``ok`` is True when the database answers; the schema revision comes along."""
    if not services.db.ping():
        return {"ok": False, "database": "unreachable"}
    try:
        revision = current_revision(services.db)
    except Exception:  # a broken schema table still means the database answers
        revision = None
    return {"ok": True, "database": services.db.dialect, "schema": revision, "schema_head": head_revision()}

"""``/sync pause`` and ``/sync resume``: control of the scheduled cycles."""

from __future__ import annotations

from bot.messages import MSG
from bot.setup.controls import set_paused
from handlers.commands import Invocation, Reply, subcommand


@subcommand("pause", usage="pause", admin=True)
def run_pause(inv: Invocation) -> Reply:
    """Stop scheduled cycles."""
    inv.arguments("pause")
    set_paused(inv.services, inv.team_id, True, user_id=inv.user_id)
    return Reply(text=MSG.paused)


@subcommand("resume", usage="resume", admin=True)
def run_resume(inv: Invocation) -> Reply:
    """Restart scheduled cycles."""
    inv.arguments("resume")
    set_paused(inv.services, inv.team_id, False, user_id=inv.user_id)
    return Reply(text=MSG.resumed)

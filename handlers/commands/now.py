"""``/sync now``: run a sync cycle at once."""

from __future__ import annotations

from bot.messages import MSG
from bot.sync.requests import request_cycle
from handlers.commands import Invocation, Reply, subcommand


@subcommand("now", usage="now", admin=True)
def run(inv: Invocation) -> Reply:
    """Ask the scheduler for a cycle now."""
    inv.arguments("now")
    request_cycle(inv.services, inv.team_id, inv.user_id)
    return Reply(text=MSG.now_requested)

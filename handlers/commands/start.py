"""``/sync start [yes]``: start the persistent sync; mappings freeze."""

from __future__ import annotations

from bot.messages import MSG
from bot.setup import start as start_setup
from handlers.blocks import confirm_prompt
from handlers.commands import Invocation, Reply, subcommand

USAGE = "start [yes]"


@subcommand("start", usage=USAGE, admin=True)
def run(inv: Invocation) -> Reply:
    """Warn with a confirm button, or (with ``yes``) start the sync."""
    if not inv.confirmed(USAGE):
        start_setup.check(inv.services, inv.team_id)
        return Reply.of(confirm_prompt("start", MSG.start_warning))
    start_setup.start(inv.services, inv.team_id, inv.user_id)
    return Reply(text=MSG.start_result)

"""``/sync unhide Object.Field``: bring a hidden field back into the sync (before ``sync-fields`` only)."""

from __future__ import annotations

from handlers.commands import Invocation, Reply, subcommand
from handlers.commands.hide import set_hidden_reply

USAGE = "unhide Object.Field"


@subcommand("unhide", usage=USAGE, admin=True)
def run(inv: Invocation) -> Reply:
    """Bring a hidden field back into the sync."""
    return set_hidden_reply(inv, USAGE, False)

"""``/sync hide Object.Field``: leave a field out of the sync (before ``sync-fields`` only)."""

from __future__ import annotations

from bot.messages import MSG
from bot.setup import fields as field_setup
from handlers.commands import Invocation, Reply, subcommand
from handlers.mrkdwn import escaped

USAGE = "hide Object.Field"


def set_hidden_reply(inv: Invocation, usage: str, hidden: bool) -> Reply:
    """Hide or unhide the one ``Object.Field`` argument and say what it is now (shared with ``unhide``)."""
    (target,) = inv.arguments(usage, least=1, most=1)
    name, view = escaped(field_setup.set_hidden(inv.services, inv.team_id, target, hidden))
    template = MSG.field_hidden if hidden else MSG.field_unhidden
    return Reply(text=template.format(field=f"{name}.{view.name}"))


@subcommand("hide", usage=USAGE, admin=True)
def run(inv: Invocation) -> Reply:
    """Leave a field out of the sync."""
    return set_hidden_reply(inv, USAGE, True)

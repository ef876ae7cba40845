"""``/sync help``: every subcommand, and the next setup step."""

from __future__ import annotations

from bot.messages import MSG
from bot.setup import progress
from handlers.blocks import context, section
from handlers.commands import REGISTRY, Invocation, Reply, subcommand
from handlers.mrkdwn import escape


def help_reply(inv: Invocation, *, prefix: str | None = None) -> Reply:
    """The help text, optionally after a line saying what went wrong."""
    state = progress.current(inv.services, inv.team_id)
    lines = []
    for usage, text in MSG.help_lines.items():
        registered = REGISTRY.get(usage.split()[0])
        # "channel <#channel>" is to be read, not a link to a channel named "channel".
        lines.append(f"`/sync {escape(usage)}` — {text}" + (" _(admin)_" if registered and registered.admin else ""))
    step = state.next_step
    next_line = MSG.help_next_step.format(step=step.value) if step else MSG.help_all_set
    if state.foreign:
        next_line = MSG.database_owned.format(owner=state.owner)
    head = [section(prefix)] if prefix else []
    return Reply.of(
        [*head, section(MSG.help_header), section(next_line), section("\n".join(lines)), context(MSG.help_admin_note)]
    )


@subcommand("help", usage="help", admin=False, inline=True)
def run(inv: Invocation) -> Reply:
    """List the subcommands and the next setup step."""
    return help_reply(inv)

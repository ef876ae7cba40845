"""``/sync sync-fields [yes]``: create the local tables, for good."""

from __future__ import annotations

from bot.messages import MSG
from bot.setup import fields as field_setup
from handlers.blocks import confirm_prompt, line_sections, section
from handlers.commands import Invocation, Reply, subcommand
from handlers.commands.fields import summary_lines
from handlers.mrkdwn import escaped

USAGE = "sync-fields [yes]"


@subcommand("sync-fields", usage=USAGE, admin=True)
def run(inv: Invocation) -> Reply:
    """Warn with a confirm button, or (with ``yes``) create the tables."""
    if not inv.confirmed(USAGE):
        plan = escaped(field_setup.plan(inv.services, inv.team_id))
        lines = summary_lines(plan)
        return Reply.of(confirm_prompt("sync-fields", MSG.sync_fields_warning, line_sections(lines)))
    created = field_setup.sync_fields(inv.services, inv.team_id)
    count = sum(1 for obj in created.objects if obj.gets_table)
    header = MSG.sync_fields_result.format(count=count, tables="table" if count == 1 else "tables")
    lines = summary_lines(escaped(created))
    next_line = MSG.status_next.format(step="confirm-credentials")
    return Reply.of([section(header), *line_sections(lines), section(next_line)])

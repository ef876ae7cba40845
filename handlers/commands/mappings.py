"""``/sync mappings [Object]`` and ``/sync map Object.Field column``."""

from __future__ import annotations

from bot.messages import MSG
from bot.setup import mappings as mapping_setup
from bot.setup.start import is_started
from handlers.blocks import context, line_sections, section
from handlers.commands import Invocation, Reply, subcommand
from handlers.mrkdwn import escaped


@subcommand("mappings", usage="mappings [Object]", admin=False)
def run_mappings(inv: Invocation) -> Reply:
    """Show Salesforce field -> local column."""
    args = inv.arguments("mappings [Object]", most=1)
    lines = []
    for mapping in escaped(mapping_setup.mappings(inv.services, inv.team_id, args[0] if args else None)):
        lines.append(MSG.mappings_object.format(name=mapping.object_name, table=mapping.table))
        lines.extend(MSG.mapping_line.format(field=view.name, column=view.column) for view in mapping.fields)
    footer = MSG.mappings_frozen if is_started(inv.services, inv.team_id) else MSG.mappings_footer
    return Reply.of([section(MSG.mappings_header), *line_sections(lines), context(footer)])


@subcommand("map", usage="map Object.Field column", admin=True)
def run_map(inv: Invocation) -> Reply:
    """Rename the local column of a field."""
    target, column = inv.arguments("map Object.Field column", least=2, most=2)
    obj, view, old = escaped(mapping_setup.rename(inv.services, inv.team_id, target, column))
    return Reply(text=MSG.map_result.format(field=f"{obj}.{view.name}", column=view.column, old=old))

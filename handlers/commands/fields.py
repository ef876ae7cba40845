"""``/sync fields [Object]``: what the sync user can see, per object or for one object."""

from __future__ import annotations

from bot.messages import MSG
from bot.setup import fields as field_setup
from bot.setup.fields import FieldView, Overview
from handlers.blocks import context, line_sections, section
from handlers.commands import Invocation, Reply, subcommand
from handlers.mrkdwn import escaped


def summary_lines(overview: Overview) -> list[str]:
    """One line per object with its counts, then the objects the setting and the catalog disagree on
    (``overview`` escaped for mrkdwn)."""
    lines = []
    for obj in overview.objects:
        if not obj.configured:
            lines.append(MSG.fields_object_unconfigured.format(name=obj.name, table=obj.table))
            continue
        if not obj.available:
            lines.append(MSG.fields_object_unavailable.format(name=obj.name))
            continue
        extra = MSG.fields_unsyncable_count.format(count=obj.unsyncable) if obj.unsyncable else ""
        lines.append(
            MSG.fields_object_line.format(
                name=obj.name, table=obj.table, visible=obj.visible, hidden=obj.hidden, extra=extra
            )
        )
    lines.extend(MSG.fields_object_dropped.format(name=name) for name in overview.dropped)
    lines.extend(MSG.fields_object_added_late.format(name=name) for name in overview.missing)
    return lines


def field_line(view: FieldView) -> str:
    """One field with its tags (``view`` escaped for mrkdwn)."""
    line = MSG.field_line.format(name=view.name, label=view.label, type=view.type)
    if view.required:
        line += MSG.field_tag_required
    elif view.unsyncable_reason:
        line += MSG.field_tag_unsyncable.format(reason=view.unsyncable_reason)
    elif view.hidden:
        line += MSG.field_tag_hidden
    return line


@subcommand("fields", usage="fields [Object]", admin=False)
def run_fields(inv: Invocation) -> Reply:
    """Describe the objects (before sync-fields) and show the counts or one object's fields."""
    args = inv.arguments("fields [Object]", most=1)
    dropped: tuple[str, ...] = ()
    if args:
        # Listing one object reads the catalog that the overview just refreshed.
        field_setup.ensure_described(inv.services, inv.team_id)
    else:
        dropped = field_setup.refresh(inv.services, inv.team_id)
    synced = field_setup.tables_created(inv.services, inv.team_id)
    footer = MSG.fields_footer_after if synced else MSG.fields_footer_before
    if args:
        # Labels are Salesforce's free text: escaped with every other word of the views.
        name, views = escaped(field_setup.object_fields(inv.services, inv.team_id, args[0]))
        header = MSG.fields_object_header.format(name=name, count=len(views))
        lines = [field_line(view) for view in views]
    else:
        header = MSG.fields_header
        lines = summary_lines(escaped(field_setup.overview(inv.services, inv.team_id, dropped)))
    return Reply.of([section(header), *line_sections(lines), context(footer)])

"""``/sync fields [Object]``: what the sync user can see, per object or for one object."""

from __future__ import annotations

from bot.messages import MSG
from bot.read_guard import ReadKind
from bot.setup import fields as field_setup
from bot.setup.fields import FieldView, ObjectSummary, Overview
from handlers.blocks import Block, context, line_sections, section
from handlers.commands import Invocation, Reply, subcommand
from handlers.mrkdwn import escaped
from handlers.read_notice import held_notice
from storage.types import utcnow


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
        extra = (MSG.fields_unsyncable_count.format(count=obj.unsyncable, fields=_unsyncable(obj))
                 if obj.unsyncable else "")
        lines.append(
            MSG.fields_object_line.format(
                name=obj.name, table=obj.table, visible=obj.visible, hidden=obj.hidden, extra=extra
            )
        )
    lines.extend(MSG.fields_object_dropped.format(name=name) for name in overview.dropped)
    lines.extend(MSG.fields_object_added_late.format(name=name) for name in overview.missing)
    return lines


def _unsyncable(obj: ObjectSummary) -> str:
    """``Address`` (compound field: ...); fields that share a reason are named together."""
    by_reason: dict[str, list[str]] = {}
    for name, reason in obj.unsyncable_fields:
        by_reason.setdefault(reason, []).append(f"`{name}`")
    return "; ".join(MSG.fields_unsyncable_reason.format(fields=", ".join(names), reason=reason)
                     for reason, names in by_reason.items())


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
    """Describe the objects (before sync-fields, as often as ``bot.read_guard`` allows) and
    show the counts or one object's fields."""
    args = inv.arguments("fields [Object]", most=1)
    described = field_setup.describe_for_reading(inv.services, inv.team_id, admin=inv.is_admin, overview=not args)
    notice = held_notice(described.permit, ReadKind.DESCRIBE, kept_at=described.described_at,
                         quota=inv.services.settings.api_quota, now=utcnow()) if described.permit else ""
    if described.described_at is None and notice:
        return Reply(text=notice)
    dropped = described.dropped
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
    # Fields described earlier say so first, before anyone reads them as fresh.
    blocks: list[Block] = [section(header), *([context(notice)] if notice else []), *line_sections(lines)]
    return Reply.of([*blocks, context(footer)])

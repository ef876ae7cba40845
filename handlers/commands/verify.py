"""``/sync verify [fix]``: is the local copy right, and (admins) repair it now."""

from __future__ import annotations

from datetime import datetime

from bot.messages import MSG
from bot.read_guard import ReadKind
from bot.sync import verify as verification
from handlers.blocks import Block, context, line_sections, section
from handlers.commands import Invocation, Reply, subcommand
from handlers.formatting import slack_date
from handlers.mrkdwn import escape, escaped
from handlers.read_notice import held_notice
from storage.types import utcnow


@subcommand("verify", usage="verify [fix]", admin=False)
def run(inv: Invocation) -> Reply:
    """Counts and newest changes on both sides; ``fix`` repairs first (admins only).

    A member's check may be one made a few minutes ago (``bot.read_guard``); the answer says so.
    """
    args = inv.arguments("verify [fix]", most=1)
    lines: list[str] = []
    if args:
        if args[0].lower() != "fix":
            return Reply(text=MSG.usage.format(usage="verify [fix]"))
        inv.admin_check().require(inv.client, team_id=inv.team_id, user_id=inv.user_id, command="verify fix")
        run_record = verification.fix(inv.services, inv.team_id)
        if run_record.status != "succeeded" and run_record.error:
            lines.append(MSG.verify_fix_failed.format(error=escape(run_record.error)))
        lines.append(MSG.verify_fixed.format(
            added=run_record.fields_added, columns=_plural(run_record.fields_added, "column", "columns"),
            backfilled=run_record.rows_backfilled,
            values=_plural(run_record.rows_backfilled, "value", "values"), removed=run_record.fields_removed,
            fields=_plural(run_record.fields_removed, "field", "fields"), purged=run_record.rows_purged,
            rows=_plural(run_record.rows_purged, "row", "rows"), repaired=run_record.rows_repaired,
            rerows=_plural(run_record.rows_repaired, "row", "rows"), formulas=run_record.formulas_changed,
            frows=_plural(run_record.formulas_changed, "row", "rows")))
    # After a fix the person is an admin already; otherwise ask who it is only when it matters.
    answer = verification.verify(inv.services, inv.team_id, admin=lambda: bool(args) or inv.is_admin())
    notice = held_notice(answer.permit, ReadKind.VERIFY, kept_at=answer.checked_at,
                         quota=inv.services.settings.api_quota, now=utcnow())
    result = escaped(answer.verification)  # a refusal is in Salesforce's words
    if result is None:
        return Reply(text=notice)
    if not result.objects:
        return Reply(text=MSG.verify_no_tables)
    for check in result.objects:
        if check.error is not None:
            lines.append(MSG.verify_refused.format(object=check.object_name, error=check.error))
            continue
        lines.append(MSG.verify_line.format(
            mark=":white_check_mark:" if check.agrees else ":x:", object=check.object_name,
            remote=check.remote_count or 0, local=check.local_count,
            remote_newest=_when(check.remote_newest), local_newest=_when(check.local_newest)))
    wrong = [check for check in result.objects if not check.agrees]
    lines.append(MSG.verify_agree if not wrong else MSG.verify_disagree.format(
        count=len(wrong), objects=_plural(len(wrong), "object", "objects")))
    lines.append(MSG.verify_reconciled.format(when=slack_date(result.reconciled_at)) if result.reconciled_at
                 else MSG.verify_never_reconciled)
    # A result kept from earlier says so first, before anyone reads it as fresh.
    blocks: list[Block] = [section(MSG.verify_header), *([context(notice)] if notice else []), *line_sections(lines)]
    return Reply.of(blocks)


def _when(moment: datetime | None) -> str:
    return slack_date(moment) if moment is not None else MSG.verify_nothing


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many

"""``/sync verify [fix]``: is the local copy right, and (admins) repair it now."""

from __future__ import annotations

from datetime import datetime

from bot.messages import MSG
from bot.sync import verify as verification
from handlers.authorization import AdminCheck
from handlers.blocks import line_sections, section
from handlers.commands import Invocation, Reply, subcommand
from handlers.formatting import slack_date
from handlers.mrkdwn import escape, escaped


@subcommand("verify", usage="verify [fix]", admin=False)
def run(inv: Invocation) -> Reply:
    """Counts and newest changes on both sides; ``fix`` repairs first (admins only)."""
    args = inv.arguments("verify [fix]", most=1)
    lines: list[str] = []
    if args:
        if args[0].lower() != "fix":
            return Reply(text=MSG.usage.format(usage="verify [fix]"))
        AdminCheck(inv.services.settings.admins).require(inv.client, team_id=inv.team_id, user_id=inv.user_id,
                                                         command="verify fix")
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
    result = escaped(verification.verify(inv.services, inv.team_id))  # a refusal is in Salesforce's words
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
    return Reply.of([section(MSG.verify_header), *line_sections(lines)])


def _when(moment: datetime | None) -> str:
    return slack_date(moment) if moment is not None else MSG.verify_nothing


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many

"""``/sync history``, ``/sync errors`` and ``/sync duplicates``: what the sync has done."""

from __future__ import annotations

from bot import history as sync_history
from bot.messages import MSG
from handlers.blocks import line_sections, section
from handlers.commands import Invocation, Reply, subcommand
from handlers.commands.status import duration, slack_date


def _listing(header: str, empty: str, lines: list[str]) -> Reply:
    """A titled list, or the sentence saying there is nothing to list."""
    if not lines:
        return Reply(text=empty)
    return Reply.of([section(header), *line_sections(lines)])


@subcommand("history", usage="history", admin=False)
def run_history(inv: Invocation) -> Reply:
    """Recent sync runs with their counts."""
    inv.arguments("history")
    lines = [
        MSG.history_line.format(
            started=slack_date(run.started_at),
            trigger=run.trigger,
            status=run.status,
            inserted=run.records_inserted,
            updated=run.records_updated,
            deleted=run.records_deleted,
            methods=run.methods,
            calls=run.api_calls,
            took=duration(run.seconds) if run.seconds is not None else MSG.history_still_running,
            errors=MSG.history_errors.format(count=run.record_errors) if run.record_errors else "",
            error=f" — {run.error}" if run.error else "",
        )
        for run in sync_history.recent_runs(inv.services, inv.team_id)
    ]
    return _listing(MSG.history_header, MSG.history_empty, lines)


@subcommand("errors", usage="errors", admin=False)
def run_errors(inv: Invocation) -> Reply:
    """Recent record-level and job-level errors."""
    inv.arguments("errors")
    lines = [
        MSG.errors_line.format(
            when=slack_date(error.occurred_at),
            kind=error.kind,
            where=f" {error.object_name}" + (f" {error.record_id}" if error.record_id else "")
            if error.object_name else "",
            message=error.message,
        )
        for error in sync_history.recent_errors(inv.services, inv.team_id)
    ]
    return _listing(MSG.errors_header, MSG.errors_empty, lines)

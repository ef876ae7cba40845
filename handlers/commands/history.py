"""``/sync history`` and ``/sync errors``: what the sync has done, readable at a glance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot import history as sync_history
from bot.error_report import ERRORS_CSV_FILENAME, errors_csv
from bot.errors import UserInputError
from bot.history import ErrorView, RunView
from bot.messages import MSG
from handlers.alerts import plural
from handlers.blocks import Block, context, section
from handlers.commands import Invocation, Reply, subcommand
from handlers.formatting import ago, duration, slack_date
from handlers.files import send_file_privately
from handlers.mrkdwn import escaped, shortened
from storage.types import utcnow

ERRORS_USAGE = "errors [csv]"
# An error's words are cut to this in the list; the CSV file has them whole.
MESSAGE_CHARS = 300


@subcommand("history", usage="history", admin=False)
def run_history(inv: Invocation) -> Reply:
    """Recent sync runs: when, why, how they ended, what they changed and what they cost."""
    inv.arguments("history")
    views = escaped(sync_history.recent_runs(inv.services, inv.team_id))  # errors quote Salesforce
    if not views:
        return Reply(text=MSG.history_empty)
    now = utcnow()
    # One width per count across the listed runs, so the numbers line up in monospace.
    widths = [max(len(f"{count:,}") for count in column)
              for column in zip(*((v.records_inserted, v.records_updated, v.records_deleted) for v in views))]
    blocks: list[Block] = [section(MSG.history_title)]
    for view in views:
        blocks += _run_blocks(view, now, widths)
    return Reply.of(blocks)


def _run_blocks(view: RunView, now: datetime, widths: list[int]) -> list[Block]:
    counts = [f"{count:>{width},}" for count, width in
              zip((view.records_inserted, view.records_updated, view.records_deleted), widths)]
    how = MSG.history_how.format(
        methods=view.methods, calls=view.api_calls,
        took=duration(view.seconds) if view.seconds is not None else MSG.history_still_running,
    )
    if view.record_errors:
        how += " · " + plural(view.record_errors, MSG.history_record_errors)
    text = MSG.history_run.format(
        status=MSG.history_statuses.get(view.status, view.status),
        ago=ago(view.started_at, now),
        trigger=MSG.history_triggers.get(view.trigger, view.trigger),
        inserted=counts[0], updated=counts[1], deleted=counts[2], how=how,
    )
    notes = [MSG.history_started.format(when=slack_date(view.started_at))]
    if view.repairs:
        notes.append(MSG.history_repairs.format(counts=repair_counts(view.repairs)))
    if view.error:
        notes.append(view.error)
    return [section(text), context(" · ".join(notes))]


def repair_counts(repairs: Sequence[Sequence[Any]]) -> str:
    """``2 fields added, 10 rows back-filled``: the drift checks' counts in words."""
    return ", ".join(plural(int(count), MSG.repair_counts[name]) for name, count in repairs
                     if name in MSG.repair_counts)


@subcommand("errors", usage=ERRORS_USAGE, admin=False)
def run_errors(inv: Invocation) -> Reply:
    """Recent record-level and job-level errors; ``csv`` sends every one as a file, by direct message."""
    args = inv.arguments(ERRORS_USAGE, most=1)
    if args:
        if args[0].lower() != "csv":
            raise UserInputError(MSG.usage.format(usage=ERRORS_USAGE))
        # Records' Ids and Salesforce's words: the file goes to the person who asked, not to the channel.
        with errors_csv(inv.services, inv.team_id) as export:
            return Reply(text=send_file_privately(inv.client, inv.user_id, ERRORS_CSV_FILENAME, export,
                                                  MSG.errors_csv_title))
    views = escaped(sync_history.recent_errors(inv.services, inv.team_id))  # Salesforce's words, record ids
    if not views:
        return Reply(text=MSG.errors_empty)
    now = utcnow()
    blocks: list[Block] = [section(MSG.errors_title)]
    for view in views:
        blocks += _error_blocks(view, now)
    return Reply.of([*blocks, context(MSG.errors_more)])


def _error_blocks(view: ErrorView, now: datetime) -> list[Block]:
    where = [MSG.error_whole_cycle] if not view.object_name else [
        MSG.error_record.format(object=view.object_name, record_id=view.record_id)
        if view.record_id else view.object_name
    ]
    if view.field_name:
        where.append(MSG.error_field.format(field=view.field_name))
    title = MSG.error_title.format(kind=MSG.error_kinds.get(view.kind, view.kind), where=" · ".join(where),
                                   ago=ago(view.occurred_at, now))
    # One quote line per line of the message, so a multi-line error stays quoted.
    lines = shortened(view.message, MESSAGE_CHARS).splitlines()
    quoted = "\n".join(MSG.error_message.format(message=line) for line in lines or [""])
    return [section(f"{title}\n{quoted}"), context(slack_date(view.occurred_at))]

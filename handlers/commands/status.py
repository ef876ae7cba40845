"""``/sync status``: the sync state, first line one of the contract's four words."""

from __future__ import annotations

from bot import status as sync_status
from bot.messages import MSG
from bot.status import ObjectProgress, SyncState, SyncStatus
from handlers.blocks import context, section
from handlers.commands import Invocation, Reply, subcommand
from handlers.formatting import duration, slack_date
from handlers.mrkdwn import escaped

_METHODS = {"rest": "REST", "bulk": "Bulk"}


def status_lines(current: SyncStatus) -> list[str]:
    """The status as lines; the first holds exactly one of the four states.

    ``current`` has been through :func:`handlers.mrkdwn.escaped`: it quotes Salesforce
    (the org's name, the failure's words).
    """
    state = current.progress
    if current.state is SyncState.NOT_STARTED:
        first = MSG.status_not_started
    elif current.state is SyncState.LAST_SYNCED and current.last_synced_at:
        first = MSG.status_last_synced.format(when=slack_date(current.last_synced_at))
    elif current.state is SyncState.FAILED:
        first = MSG.status_failed.format(failure=current.failure or "")
    else:
        first = MSG.status_in_progress
    lines = [first]
    if current.state is SyncState.NOT_STARTED and state.foreign:
        lines.append(MSG.database_owned.format(owner=state.owner))
    elif current.state is SyncState.NOT_STARTED and state.next_step:
        lines.append(MSG.status_next.format(step=state.next_step.value))
    if current.state is SyncState.IN_PROGRESS:
        lines += [_progress_line(item) for item in current.running]
        if current.waiting:
            lines.append(MSG.status_waiting.format(objects=", ".join(current.waiting)))
        if current.running_since:
            lines.append(MSG.status_running_since.format(when=slack_date(current.running_since)))
        if current.last_synced_at is None:
            lines.append(MSG.status_first_cycle)
        else:
            lines.append(MSG.status_previous_sync.format(when=slack_date(current.last_synced_at)))
    if current.state is SyncState.LAST_SYNCED:
        lines.append(_changes_line(current))
    if current.state is SyncState.FAILED:
        if current.failing_since:
            lines.append(
                MSG.status_failing_since.format(when=slack_date(current.failing_since),
                                                last=slack_date(current.last_synced_at))
                if current.last_synced_at else
                MSG.status_failing_since_never.format(when=slack_date(current.failing_since))
            )
        if current.failure_kind:
            lines.append(MSG.status_todo.format(hint=MSG.failure_advice[current.failure_kind.value]))
    if current.sync_requested and current.state is not SyncState.IN_PROGRESS:
        lines.append(MSG.status_sync_requested)
    if state.paused:
        lines.append(MSG.status_paused)
    if state.org_id:
        kind = MSG.org_kind_sandbox if state.sandbox else MSG.org_kind_production
        lines.append(
            MSG.status_org.format(org_name=state.org_name, org_id=state.org_id, kind=kind, username=state.username)
        )
    return lines


def _progress_line(item: ObjectProgress) -> str:
    method = _METHODS.get(item.method, item.method)
    if item.finished:
        return MSG.status_progress_done.format(object=item.object_name, method=method, done=item.rows_done)
    return MSG.status_object_progress.format(
        object=item.object_name,
        method=method,
        done=item.rows_done,
        of=MSG.status_progress_of.format(expected=item.rows_expected) if item.rows_expected is not None else "",
        rate=MSG.status_progress_rate.format(rate=item.rate) if item.rate else "",
        left=MSG.status_progress_left.format(left=duration(item.seconds_left)) if item.seconds_left is not None else "",
    )


def _changes_line(current: SyncStatus) -> str:
    if not current.changes:
        return MSG.status_no_changes
    parts = [MSG.status_object_changes.format(object=item.object_name, inserted=item.inserted,
                                              updated=item.updated, deleted=item.deleted)
             for item in current.changes]
    return MSG.status_changes.format(changes="; ".join(parts))


@subcommand("status", usage="status", admin=False, inline=True)
def run(inv: Invocation) -> Reply:
    """Show the sync state."""
    inv.arguments("status")
    lines = status_lines(escaped(sync_status.current(inv.services, inv.team_id)))
    return Reply.of([section(lines[0]), *(context(line) for line in lines[1:])])

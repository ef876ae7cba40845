"""``/sync status``: the sync state, first line one of the contract's four words."""

from __future__ import annotations

from datetime import datetime

from bot import status as sync_status
from bot.messages import MSG
from bot.status import SyncState, SyncStatus
from handlers.blocks import context, section
from handlers.commands import Invocation, Reply, subcommand


def slack_date(when: datetime) -> str:
    """A time that every reader sees in their own time zone."""
    stamp = int(when.timestamp())
    return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{when:%Y-%m-%d %H:%M} UTC>"


def status_lines(current: SyncStatus) -> list[str]:
    """The status as lines; the first holds exactly one of the four states."""
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
    if current.state is SyncState.NOT_STARTED and state.next_step:
        lines.append(MSG.status_next.format(step=state.next_step.value))
    if current.state is SyncState.IN_PROGRESS and current.last_synced_at is None:
        lines.append(MSG.status_first_cycle)
    if state.paused:
        lines.append(MSG.status_paused)
    if state.org_id:
        kind = MSG.org_kind_sandbox if state.sandbox else MSG.org_kind_production
        lines.append(
            MSG.status_org.format(org_name=state.org_name, org_id=state.org_id, kind=kind, username=state.username)
        )
    return lines


@subcommand("status", usage="status", admin=False, inline=True)
def run(inv: Invocation) -> Reply:
    """Show the sync state."""
    inv.arguments("status")
    lines = status_lines(sync_status.current(inv.services, inv.team_id))
    return Reply.of([section(lines[0]), *(context(line) for line in lines[1:])])

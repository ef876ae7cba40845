"""App Home: the setup checklist until the sync is started, then the dashboard.

The dashboard shows the state line of ``/sync status``, the last cycle, live rows per
object, the cycles of the last 24 hours as a chart (an uploaded image; as sparklines
of text when Slack refuses files) and the recent errors.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import charts
from bot import dashboard as sync_dashboard
from bot import status as sync_status
from bot.dashboard import Cycle, Dashboard
from bot.messages import MSG
from bot.runtime import Services
from bot.setup.progress import Step
from bot.status import SyncStatus
from handlers.blocks import Block, context, plain, section
from handlers.commands.status import status_lines
from handlers.formatting import duration, slack_date
from handlers.home_chart import ChartFile, HomeCharts
from handlers.mrkdwn import escaped

log = logging.getLogger(__name__)


def home_view(current: SyncStatus) -> dict[str, Any]:
    """The Home tab before the sync is started: each setup step done, next, or still to do,
    then the state."""
    current = escaped(current)  # everyone sees the org's name and Salesforce's words here
    state = current.progress
    lines = []
    for step in Step:
        label = MSG.home_steps[step.value]
        if state.done(step):
            lines.append(MSG.home_step_done.format(label=label))
        elif step is state.next_step:
            lines.append(MSG.home_step_next.format(label=label, command=step.value))
        else:
            lines.append(MSG.home_step_todo.format(label=label))
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": plain(MSG.home_title)},
            section("\n".join(lines)),
            {"type": "divider"},
            *_state_blocks(current),
        ],
    }


def dashboard_view(board: Dashboard, chart: ChartFile | None) -> dict[str, Any]:
    """The Home tab of a started sync; ``chart`` is the uploaded chart of its cycles, if any."""
    board = escaped(board)  # everyone sees the org's name and Salesforce's words here
    setup = " · ".join(MSG.home_step_done.format(label=MSG.home_steps_short[step.value]) for step in Step)
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": plain(MSG.home_dashboard_title)},
            *_state_blocks(board.status),
            section(_last_cycle(board.last_cycle)),
            {"type": "divider"},
            section("\n".join([MSG.home_rows_header, *_rows(board)])),
            {"type": "divider"},
            *_cycle_blocks(board, chart),
            {"type": "divider"},
            section("\n".join([MSG.home_errors_header, *_errors(board)])),
            context(MSG.home_more),
            section(MSG.home_setup_line.format(steps=setup)),
        ],
    }


def publish(client: WebClient, services: Services, home_charts: HomeCharts, team_id: str, user_id: str) -> None:
    """Publish the Home tab of one person; a chart Slack refuses is replaced by text."""
    current = sync_status.current(services, team_id)
    if current.progress.started_at is None:
        _publish(client, user_id, home_view(current))
        return
    board = sync_dashboard.load(services, team_id, current)
    chart = home_charts.chart(client, board, team_id, _alt_text(board))
    try:
        client.views_publish(user_id=user_id, view=dashboard_view(board, chart))
    except SlackApiError as exc:
        error = _error(exc)
        if chart is None or not chart.file_id or error != "invalid_blocks":
            log.warning("views.publish failed: %s", error)
            return
        # Slack may not have finished with a fresh file, or lost it: text for these cycles.
        home_charts.refused(client, team_id, chart, error)
        _publish(client, user_id, dashboard_view(board, ChartFile(key=chart.key, error=error)))


def register(app: App, services: Services) -> None:
    """Publish the Home tab whenever a user opens it."""
    home_charts = HomeCharts()

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        team_id = body.get("team_id") or event.get("view", {}).get("team_id", "")
        publish(client, services, home_charts, team_id, event["user"])


def _state_blocks(current: SyncStatus) -> list[Block]:
    status = status_lines(current)
    return [section(MSG.home_state.format(state=status[0])), *(context(line) for line in status[1:])]


def _last_cycle(cycle: Cycle | None) -> str:
    if cycle is None:
        return MSG.home_no_cycle
    return MSG.home_last_cycle.format(
        when=slack_date(cycle.started_at), trigger=cycle.trigger, status=cycle.status,
        written=f"{cycle.records_written:,}", deleted=f"{cycle.records_deleted:,}",
        duration=duration(cycle.seconds), error=f" — {cycle.error}" if cycle.error else "",
    )


def _rows(board: Dashboard) -> list[str]:
    if not board.rows:
        return [MSG.home_rows_none]
    return [MSG.home_rows_line.format(table=rows.table, object=rows.object_name, rows=f"{rows.live_rows:,}")
            for rows in board.rows]


def _cycle_blocks(board: Dashboard, chart: ChartFile | None) -> list[Block]:
    if not board.cycles:
        return [section(MSG.home_cycles_none)]
    header = section(MSG.home_cycles_header.format(
        count=len(board.cycles), failed=sum(cycle.failed for cycle in board.cycles),
        written=f"{sum(cycle.records_written for cycle in board.cycles):,}",
    ))
    if chart is not None and chart.file_id:
        image = {"type": "image", "slack_file": {"id": chart.file_id}, "alt_text": _alt_text(board),
                 "title": plain(MSG.chart_title)}
        return [header, image]
    lines = charts.sparklines(board.cycles)
    reason = MSG.home_chart_no_scope if chart and chart.error == "missing_scope" else (
        MSG.home_chart_unavailable.format(error=chart.error) if chart and chart.error else "")
    return [
        header,
        section("\n".join([
            MSG.home_spark_written.format(line=lines.written, most=f"{lines.most_written:,}"),
            MSG.home_spark_seconds.format(line=lines.seconds, longest=duration(lines.longest_seconds)),
        ])),
        context(" ".join(part for part in (MSG.home_spark_legend.format(mark=charts.FAILED_MARK), reason) if part)),
    ]


def _errors(board: Dashboard) -> list[str]:
    if not board.errors:
        return [MSG.errors_empty]
    return [
        MSG.errors_line.format(
            when=slack_date(error.occurred_at), kind=error.kind,
            where=(f" {error.object_name}" + (f" {error.record_id}" if error.record_id else ""))
            if error.object_name else "",
            message=error.message,
        )
        for error in board.errors
    ]


def _alt_text(board: Dashboard) -> str:
    return MSG.chart_alt.format(
        count=len(board.cycles), written=f"{sum(cycle.records_written for cycle in board.cycles):,}",
        failed=sum(cycle.failed for cycle in board.cycles),
        longest=duration(max((cycle.seconds for cycle in board.cycles), default=0.0)),
    )


def _publish(client: WebClient, user_id: str, view: dict[str, Any]) -> None:
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("views.publish failed: %s", _error(exc))


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error")) if exc.response is not None else str(exc)

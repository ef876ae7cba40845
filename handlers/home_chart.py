"""The cycles chart of App Home as a Slack file: drawn and uploaded once per set of
charted cycles, shown again from the same file until a new cycle finishes.

The uploaded file ids are kept in this process only: after a restart, or on another
replica, the first opening of App Home uploads the chart once more.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from slack_sdk import WebClient

from bot import charts
from bot.dashboard import Dashboard
from bot.messages import MSG
from handlers.files import delete_file, upload_private_image

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChartFile:
    """The chart of one set of cycles: the uploaded file, or why there is none."""

    key: tuple[int, int]
    file_id: str | None = None
    error: str | None = None


class HomeCharts:
    """One chart per workspace, replaced (and the old file deleted) when the cycles change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._team_locks: dict[str, threading.Lock] = {}
        self._charts: dict[str, ChartFile] = {}

    def chart(self, client: WebClient, dashboard: Dashboard, team_id: str, alt_text: str) -> ChartFile | None:
        """The chart for the dashboard's cycles, uploading it if these cycles have none yet
        (None: no cycle to draw)."""
        key = dashboard.chart_key
        if key is None:
            return None
        # One upload per workspace at a time: two people opening App Home together share it.
        with self._team_lock(team_id):
            known = self._charts.get(team_id)
            if known is not None and known.key == key:
                return known
            fresh = self._upload(client, dashboard, key, alt_text)
            self._charts[team_id] = fresh
        if fresh.file_id and known is not None and known.file_id:
            delete_file(client, known.file_id)
        return fresh

    def refused(self, client: WebClient, team_id: str, chart: ChartFile, error: str) -> None:
        """Slack would not show the file (``invalid_blocks``): use text for these cycles."""
        with self._team_lock(team_id):
            if self._charts.get(team_id) == chart:
                self._charts[team_id] = ChartFile(key=chart.key, error=error)
        if chart.file_id:
            delete_file(client, chart.file_id)

    def _upload(self, client: WebClient, dashboard: Dashboard, key: tuple[int, int], alt_text: str) -> ChartFile:
        try:
            png = charts.cycles_png(dashboard.cycles, dashboard.since, dashboard.now)
        except Exception:  # noqa: BLE001 - a chart that can't be drawn falls back to text
            log.exception("could not draw the cycles chart")
            return ChartFile(key=key, error="chart_failed")
        upload = upload_private_image(client, f"sync-cycles-{key[1]}.png", png, MSG.chart_title, alt_text)
        return ChartFile(key=key, file_id=upload.file_id, error=upload.error)

    def _team_lock(self, team_id: str) -> threading.Lock:
        with self._lock:
            return self._team_locks.setdefault(team_id, threading.Lock())

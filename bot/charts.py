"""Pictures of the recent sync cycles: a PNG chart, and a text sparkline for when no
image can be shown.

matplotlib is imported on the first chart only, so that commands which draw nothing
do not pay for loading it. Charts are drawn on a bare :class:`Figure` with the Agg
canvas, never through pyplot, whose global state is not safe across Bolt's threads.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.dashboard import Cycle
from bot.messages import MSG

SPARK_BLOCKS = "▁▂▃▄▅▆▇█"
FAILED_MARK = "✕"
# A sparkline wider than this wraps on a phone; more cycles share a character.
SPARK_WIDTH = 48

_OK_COLOUR = "#2f6fb0"
_FAILED_COLOUR = "#d0342c"


@dataclass(frozen=True)
class Sparklines:
    """The cycles as two lines of block characters, oldest first."""

    written: str
    seconds: str
    most_written: int
    longest_seconds: float


def sparklines(cycles: Sequence[Cycle]) -> Sparklines:
    """Records written and duration per cycle (a failed cycle shows as ✕); consecutive
    cycles are merged when there are more than fit on one line."""
    buckets = _buckets(cycles)
    written = [sum(c.records_written for c in bucket) for bucket in buckets]
    seconds = [max(c.seconds for c in bucket) for bucket in buckets]
    failed = [any(c.failed for c in bucket) for bucket in buckets]
    return Sparklines(
        written=_spark(written, failed),
        seconds=_spark(seconds, failed),
        most_written=max(written, default=0),
        longest_seconds=max(seconds, default=0.0),
    )


def cycles_png(cycles: Sequence[Cycle], since: datetime, until: datetime) -> bytes:
    """A chart of records written (bars) and duration (line) per cycle over a time window,
    failed cycles in red."""
    from matplotlib import dates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    # Naive UTC times: matplotlib's date axis then labels them without a zone shift.
    starts = [cycle.started_at.replace(tzinfo=None) for cycle in cycles]
    colours = [_FAILED_COLOUR if cycle.failed else _OK_COLOUR for cycle in cycles]
    width = (until - since).total_seconds() / 86400 / 300  # in days: ~5 minutes on a 24 h axis

    top.bar(starts, [cycle.records_written for cycle in cycles], width=width, color=colours, align="edge")
    failed = [(start, cycle.records_written) for start, cycle in zip(starts, cycles) if cycle.failed]
    if failed:
        top.scatter([s for s, _ in failed], [w for _, w in failed], marker="x", color=_FAILED_COLOUR,
                    zorder=3, label=MSG.chart_failed_label)
        # Above the plot, by the title, where it hides no bar.
        top.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, borderaxespad=0.0)
    top.set_ylabel(MSG.chart_written_axis)
    top.set_title(MSG.chart_title, loc="left")

    bottom.plot(starts, [cycle.seconds for cycle in cycles], color=_OK_COLOUR, linewidth=1)
    bottom.scatter(starts, [cycle.seconds for cycle in cycles], c=colours, s=12, zorder=3)
    bottom.set_ylabel(MSG.chart_seconds_axis)
    bottom.set_xlim(since.replace(tzinfo=None), until.replace(tzinfo=None))
    bottom.xaxis.set_major_formatter(dates.DateFormatter("%H:%M"))
    for axes in (top, bottom):
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", alpha=0.3)
        axes.spines[["top", "right"]].set_visible(False)

    buffer = io.BytesIO()
    # No metadata: the same cycles always give the same bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _buckets(cycles: Sequence[Cycle]) -> list[list[Cycle]]:
    size = -(-len(cycles) // SPARK_WIDTH) if cycles else 1  # ceiling division
    return [list(cycles[start:start + size]) for start in range(0, len(cycles), size)]


def _spark(values: Sequence[float], failed: Sequence[bool]) -> str:
    top = max(values, default=0) or 1
    steps = len(SPARK_BLOCKS) - 1
    return "".join(
        FAILED_MARK if bad else SPARK_BLOCKS[round(value / top * steps)]
        for value, bad in zip(values, failed)
    )

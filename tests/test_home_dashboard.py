"""App Home once the sync is started: state, last cycle, live rows, errors, and the last
24 hours of cycles as an uploaded chart (or as text when Slack takes no files)."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from typing import Any

from storage.models import SyncError, SyncRun
from tests.support.harness import MEMBER, RunningBot
from tests.support.mirror_rows import add_rows, build_people_tables

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def _open_home(bot: RunningBot) -> dict[str, Any]:
    """Open App Home and return the view it shows (the last one published successfully)."""
    bot.slack.clear()
    bot.sender.app_home_opened(user_id=MEMBER)
    bot.slack.wait_for("views.publish", lambda call: call.ok, timeout=20)
    return [call for call in bot.slack.calls("views.publish") if call.ok][-1].args["view"]


def _text(view: dict[str, Any]) -> str:
    parts = []
    for block in view["blocks"]:
        if block.get("text"):
            parts.append(block["text"]["text"])
        parts.extend(element["text"] for element in block.get("elements", []))
    return "\n".join(parts)


def _images(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [block for block in view["blocks"] if block["type"] == "image"]


def _cycle(minutes_ago: int, *, status: str = "succeeded", written: int = 10, seconds: int = 20,
           error: str | None = None) -> SyncRun:
    started = NOW - timedelta(minutes=minutes_ago)
    return SyncRun(team_id="T0001", trigger="schedule", status=status, started_at=started,
                   finished_at=started + timedelta(seconds=seconds), records_upserted=written,
                   records_deleted=1, error=error)


def _record(bot: RunningBot, *rows: object) -> None:
    with bot.services.db.session() as session:
        session.add_all(rows)


def _started_with_data(bot: RunningBot) -> None:
    build_people_tables(bot.services)  # also one cycle 2026-11-01, outside the 24 hours
    add_rows(bot.services, "Lead", [
        {"id": "00Q000000000001AAA", "lastname": "One"}, {"id": "00Q000000000002AAA", "lastname": "Two"},
        {"id": "00Q000000000003AAA", "lastname": "Gone", "isdeleted": True},
    ])
    add_rows(bot.services, "Contact", [{"id": "003000000000001AAA", "lastname": "Three"}])
    _record(bot,
            _cycle(180, written=1200, seconds=95),
            _cycle(120, status="failed", written=0, error="Salesforce answered with a server error (HTTP 503)."),
            _cycle(60, written=40, seconds=12),
            SyncError(team_id="T0001", object_name="Lead", record_id="00Q000000000009AAA", kind="record",
                      message="value too long for <column>", occurred_at=NOW - timedelta(minutes=120)))


def test_the_dashboard_with_its_chart(any_bot: RunningBot) -> None:
    bot = any_bot
    _started_with_data(bot)

    view = _open_home(bot)

    text = _text(view)
    assert view["blocks"][0]["text"]["text"] == "syncbot"
    assert "*Sync state:* Last Synced <!date^" in text
    assert "*Last cycle:* <!date^" in text and "schedule · *succeeded* · 40 written, 1 deleted in 12 s" in text
    assert "*Live rows per object*\n`sf_contact` Contact: 1\n`sf_lead` Lead: 2" in text
    assert "*Cycles in the last 24 hours:* 3 · failed: 1 · records written: 1,240" in text
    assert "record Lead 00Q000000000009AAA: value too long for &lt;column&gt;" in text
    assert text.count(":white_check_mark:") == 4
    [uploaded] = bot.slack.uploaded_files()
    assert uploaded.content is not None and uploaded.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert uploaded.shared_to == ()  # private to the bot: shown in App Home only
    assert uploaded.filename.startswith("sync-cycles-") and uploaded.title == "Sync cycles, last 24 hours (UTC)"
    [image] = _images(view)
    assert image["slack_file"] == {"id": uploaded.id}
    assert image["alt_text"] == (
        "Chart of 3 sync cycles in the last 24 hours: 1,240 records written, 1 failed, longest 1 min 35 s."
    )

    # Nothing new: the same file is shown again, not uploaded again.
    again = _open_home(bot)
    assert _images(again) == [image] and len(bot.slack.uploaded_files()) == 1

    # A new cycle: a new chart replaces the old one, which is deleted.
    _record(bot, _cycle(5, written=7))
    fresh = _open_home(bot)
    first, second = bot.slack.uploaded_files()
    assert first.deleted and not second.deleted
    assert _images(fresh)[0]["slack_file"] == {"id": second.id}
    assert "*Cycles in the last 24 hours:* 4 · failed: 1 · records written: 1,247" in _text(fresh)


def test_without_file_uploads_the_cycles_are_text(bot: RunningBot) -> None:
    bot.slack.revoke_scope("files:write")
    _started_with_data(bot)

    view = _open_home(bot)

    assert _images(view) == [] and bot.slack.uploaded_files() == []
    text = _text(view)
    assert "*Cycles in the last 24 hours:* 3 · failed: 1 · records written: 1,240" in text
    assert "Records written `█✕▁` (most in one: 1,200)" in text
    assert "Duration `█✕▂` (longest: 1 min 35 s)" in text
    assert "✕ marks a failed cycle. Add Slack's `files:write` permission to the app to see this as a chart." in text
    # The refusal is remembered for these cycles: no new attempt on every opening.
    _open_home(bot)
    assert bot.slack.calls("files.getUploadURLExternal") == []


def test_a_chart_slack_will_not_show_gives_way_to_text(bot: RunningBot) -> None:
    _started_with_data(bot)
    bot.slack.fail_method("views.publish", "invalid_blocks")

    view = _open_home(bot)

    assert _images(view) == []
    assert "The chart could not be shown (Slack said `invalid_blocks`)." in _text(view)
    [uploaded] = bot.slack.uploaded_files()
    assert uploaded.deleted
    assert _images(_open_home(bot)) == [] and len(bot.slack.uploaded_files()) == 1


def test_before_the_first_cycle_and_before_start(bot: RunningBot) -> None:
    assert "*Sync state:* Not started" in _text(_open_home(bot))
    build_people_tables(bot.services, synced=False)

    text = _text(_open_home(bot))

    assert "*Sync state:* Sync in Progress" in text
    assert "*Last cycle:* none has finished yet." in text
    assert "*Cycles in the last 24 hours:* none finished yet." in text
    assert "No sync errors recorded." in text
    assert bot.slack.uploaded_files() == []


def test_matplotlib_is_loaded_only_to_draw() -> None:
    # The app, every subcommand and the dashboard's text parts load without it.
    code = (
        "import sys, bot.cli, handlers.app, handlers.commands, handlers.home; handlers.commands.load_all(); "
        "print('matplotlib' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"

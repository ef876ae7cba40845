"""What `/sync status`, `history` and `errors` show once sync runs are recorded."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from storage import workspaces
from storage.models import SyncRun
from tests.support.harness import MEMBER, RunningBot

T0 = datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)


def _start(bot: RunningBot) -> None:
    with bot.services.db.session() as session:
        workspaces.ensure(session, "T0001")
        for step in workspaces.STEP_COLUMNS:
            workspaces.claim_step(session, "T0001", step)


def _record(bot: RunningBot, *rows: object) -> None:
    with bot.services.db.session() as session:
        session.add_all(rows)


def test_status_follows_the_latest_run(bot: RunningBot) -> None:
    _start(bot)
    assert bot.ask("status", user_id=MEMBER).splitlines()[:2] == [
        "Sync in Progress", "The first sync cycle has not finished yet."
    ]
    _record(bot, SyncRun(team_id="T0001", trigger="schedule", status="succeeded", started_at=T0,
                         finished_at=T0 + timedelta(seconds=12), records_upserted=40, records_deleted=2))
    first = bot.ask("status", user_id=MEMBER).splitlines()[0]
    assert first.startswith("Last Synced <!date^") and "2026-11-01 09:30 UTC" in first
    _record(bot, SyncRun(team_id="T0001", trigger="schedule", status="running", started_at=T0 + timedelta(minutes=5)))
    assert bot.ask("status", user_id=MEMBER).splitlines()[0] == "Sync in Progress"
    with bot.services.db.session() as session:
        run = session.query(SyncRun).filter_by(status="running").one()
        run.status, run.error = "failed", "Salesforce answered with a server error (HTTP 503)."
    assert bot.ask("status", user_id=MEMBER).splitlines()[0] == (
        "Failed: Salesforce answered with a server error (HTTP 503)."
    )


def test_engine_commands_say_they_are_not_there_yet(bot: RunningBot) -> None:
    assert bot.reply("duplicates", user_id=MEMBER).startswith("Duplicates are looked for in the synced Leads and Contacts")
    # `now` works once the sync is started.
    assert bot.reply("now") == "Do `/sync credentials` first: it is the next setup step."

"""CSV exports attached in Slack: the error list, and where the file goes when it can't go
where the command was typed."""

from __future__ import annotations

from datetime import datetime, timezone

from slack_sdk import WebClient

from bot.error_report import ERRORS_CSV_FILENAME, errors_csv
from bot.messages import MSG
from handlers.files import upload_csv
from storage.models import SyncError, SyncRun
from tests.support.harness import MEMBER, RunningBot

T0 = datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)


def _client(bot: RunningBot) -> WebClient:
    return WebClient(token=bot.slack.token, base_url=bot.slack.api_url)


def _attach_errors(bot: RunningBot, channel_id: str | None = "C0001") -> str:
    content = errors_csv(bot.services, "T0001")
    return upload_csv(_client(bot), channel_id, MEMBER, ERRORS_CSV_FILENAME, content, MSG.errors_csv_title)


def test_the_error_list_as_a_csv_file(bot: RunningBot) -> None:
    with bot.services.db.session() as session:
        run = SyncRun(team_id="T0001", trigger="schedule", status="failed", started_at=T0)
        session.add(run)
        session.flush()
        session.add_all([
            SyncError(team_id="T0001", run_id=run.id, object_name="Lead", record_id="00Q000000000001AAA",
                      kind="record", field_name="Email", message="value too long, for column", occurred_at=T0),
            SyncError(team_id="T0001", run_id=run.id, kind="job", message="=cmd|' /C calc'!A0", occurred_at=T0),
            SyncError(team_id="T0002", kind="job", message="another workspace", occurred_at=T0),
        ])
        run_id = run.id

    assert _attach_errors(bot) == "The full list is attached below as `sync-errors.csv`."

    [uploaded] = bot.slack.uploaded_files()
    assert (uploaded.filename, uploaded.title, uploaded.shared_to) == ("sync-errors.csv", "syncbot sync errors", ("C0001",))
    assert uploaded.text.splitlines() == [
        "occurred_at,kind,object,record_id,field,message,run_id",
        # Newest first; a cell that a spreadsheet would run as a formula opens as text.
        f"2026-11-01T09:30:00Z,job,,,,'=cmd|' /C calc'!A0,{run_id}",
        f'2026-11-01T09:30:00Z,record,Lead,00Q000000000001AAA,Email,"value too long, for column",{run_id}',
    ]


def test_a_channel_the_bot_is_not_in_gets_the_file_by_direct_message(bot: RunningBot) -> None:
    bot.slack.add_channel("C0OTHER", name="other", is_member=False)

    assert _attach_errors(bot, "C0OTHER") == (
        "I can't post files in this conversation, so I sent `sync-errors.csv` to you in a direct message."
    )
    assert bot.slack.uploaded_files()[0].shared_to == (MEMBER,)
    assert bot.slack.uploaded_files()[0].text == "occurred_at,kind,object,record_id,field,message,run_id\r\n"


def test_refused_uploads_say_why(bot: RunningBot) -> None:
    bot.slack.revoke_scope("files:write")
    assert _attach_errors(bot) == (
        "I couldn't attach `sync-errors.csv`: syncbot lacks Slack's `files:write` permission. An admin can add "
        "it to the app (see `manifest.yml`) and reinstall it."
    )
    bot.slack.grant_scope("files:write")
    bot.slack.fail_method("files.completeUploadExternal", "internal_error")
    assert _attach_errors(bot) == "I couldn't attach `sync-errors.csv` (Slack said `internal_error`). Try again in a minute."
    assert bot.slack.uploaded_files() == []

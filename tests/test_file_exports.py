"""CSV exports sent in Slack: the error list, which goes to the person who asked and no one
else, and what they are told when Slack refuses it."""

from __future__ import annotations

from datetime import datetime, timezone

from slack_sdk import WebClient

from bot.error_report import ERRORS_CSV_FILENAME, errors_csv
from bot.messages import MSG
from handlers.files import send_file_privately
from storage.models import SyncError, SyncRun
from tests.support.harness import MEMBER, RunningBot

T0 = datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)


def _client(bot: RunningBot) -> WebClient:
    return WebClient(token=bot.slack.token, base_url=bot.slack.api_url)


SENT = ("I sent `sync-errors.csv` to you in a direct message: it holds records' details, so it goes only to "
        "the person who asked.")


def _attach_errors(bot: RunningBot) -> str:
    content = errors_csv(bot.services, "T0001")
    return send_file_privately(_client(bot), MEMBER, ERRORS_CSV_FILENAME, content, MSG.errors_csv_title)


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

    assert _attach_errors(bot) == SENT

    [uploaded] = bot.slack.uploaded_files()
    assert (uploaded.filename, uploaded.title, uploaded.shared_to) == ("sync-errors.csv", "syncbot sync errors",
                                                                      ("DMEMBER001",))
    assert uploaded.text.splitlines() == [
        "occurred_at,kind,object,record_id,field,message,run_id",
        # Newest first; a cell that a spreadsheet would run as a formula opens as text.
        f"2026-11-01T09:30:00Z,job,,,,'=cmd|' /C calc'!A0,{run_id}",
        f'2026-11-01T09:30:00Z,record,Lead,00Q000000000001AAA,Email,"value too long, for column",{run_id}',
    ]


def test_the_file_goes_to_the_direct_message_whatever_the_channel(bot: RunningBot) -> None:
    bot.slack.add_channel("C0OTHER", name="other", is_member=False)
    bot.sender.slash_command("errors csv", user_id=MEMBER, channel_id="C0OTHER")
    assert bot.slack.wait_for_response().text == SENT
    assert bot.slack.uploaded_files()[0].shared_to == ("DMEMBER001",)
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
    bot.slack.revoke_scope("im:write")
    assert _attach_errors(bot) == (
        "I couldn't attach `sync-errors.csv`: syncbot lacks Slack's `im:write` permission. An admin can add "
        "it to the app (see `manifest.yml`) and reinstall it."
    )
    assert bot.slack.uploaded_files() == []

"""CSV exports sent in Slack: the error list, which goes to the person who asked and no one
else, and what they are told when Slack refuses it."""

from __future__ import annotations

import io
import tracemalloc
from datetime import datetime, timezone

from slack_sdk import WebClient
from sqlalchemy import insert

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
    with errors_csv(bot.services, "T0001") as export:
        return send_file_privately(_client(bot), MEMBER, ERRORS_CSV_FILENAME, export, MSG.errors_csv_title)


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


def test_the_error_export_streams_rows_from_the_database_into_a_file(any_bot: RunningBot) -> None:
    bot = any_bot
    count, message = 20_000, "x" * 1_000
    with bot.services.db.session() as session:
        session.execute(insert(SyncError), [
            {"team_id": "T0001", "object_name": "Lead", "record_id": f"00Q{n:015d}", "kind": "record",
             "field_name": "Email", "message": f"{n} {message}", "occurred_at": T0} for n in range(count)
        ])

    tracemalloc.start()
    try:
        with errors_csv(bot.services, "T0001") as export:
            _, peak = tracemalloc.get_traced_memory()
            size = export.seek(0, io.SEEK_END)
            export.seek(0)
            header, newest = export.readline(), export.readline()
            lines = 2 + sum(1 for _ in export)
    finally:
        tracemalloc.stop()

    # 20 MB of errors: loaded whole (rows, then text, then bytes) they took several times that.
    assert size > 20_000_000
    assert peak < 8_000_000, f"peak {peak:,} bytes"
    assert header == b"occurred_at,kind,object,record_id,field,message,run_id\r\n"
    assert newest.startswith(b"2026-11-01T09:30:00Z,record,Lead,00Q000000000019999,Email,19999 xxx")
    assert lines == count + 1


class _BlockReader(io.BytesIO):
    """A file that remembers how much each read asked for."""

    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.asked: list[int | None] = []

    def read(self, size: int | None = -1) -> bytes:
        self.asked.append(size)
        return super().read(size)


def test_an_upload_reads_the_file_in_blocks(bot: RunningBot) -> None:
    content = b"occurred_at,kind\r\n" + b"2026-11-01T09:30:00Z,record\r\n" * 200_000
    body = _BlockReader(content)

    sent = send_file_privately(_client(bot), MEMBER, ERRORS_CSV_FILENAME, body, MSG.errors_csv_title)

    assert sent == SENT
    assert bot.slack.uploaded_files()[0].content == content
    assert body.asked and all(size is not None and 0 < size <= 65_536 for size in body.asked), body.asked[:5]
    assert bot.slack.calls("files.getUploadURLExternal")[0].args["length"] == str(len(content))

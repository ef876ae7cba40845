"""`/sync history`, `/sync errors` and `/sync errors csv` as a member sees them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from storage import workspaces
from storage.models import SyncError, SyncRun, SyncRunObject
from storage.types import utcnow
from tests.support.harness import MEMBER, RunningBot


def _start(bot: RunningBot) -> None:
    with bot.services.db.session() as session:
        workspaces.ensure(session, "T0001")
        for step in workspaces.STEP_COLUMNS:
            workspaces.claim_step(session, "T0001", step)


def _answer(bot: RunningBot, text: str) -> dict[str, Any]:
    """The body of what ``/sync <text>`` answers through response_url."""
    bot.slack.clear()
    bot.command(text, user_id=MEMBER)
    return bot.slack.wait_for_response().body


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [block["text"]["text"] if block["type"] == "section" else block["elements"][0]["text"]
            for block in blocks]


def _date(when: datetime) -> str:
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{when:%Y-%m-%d %H:%M} UTC>"


def test_history_lines_up_each_run_with_when_why_what_and_how(bot: RunningBot) -> None:
    _start(bot)
    now = utcnow().replace(microsecond=0)
    first, failed, running = now - timedelta(hours=50), now - timedelta(minutes=3), now - timedelta(minutes=2)
    with bot.services.db.session() as session:
        load = SyncRun(team_id="T0001", trigger="start", status="succeeded", started_at=first,
                       finished_at=first + timedelta(minutes=10), records_inserted=12_000, records_upserted=12_000,
                       api_calls=31)
        session.add(load)
        session.flush()
        session.add_all([SyncRunObject(run_id=load.id, object_name="Lead", method="bulk", started_at=first),
                         SyncRunObject(run_id=load.id, object_name="User", method="rest", started_at=first)])
        session.add(SyncRun(team_id="T0001", trigger="schedule", status="failed", started_at=failed,
                            finished_at=failed + timedelta(seconds=12), records_inserted=3, records_updated=40,
                            records_upserted=43, records_deleted=2, record_errors=1, api_calls=4,
                            error="Salesforce answered with a server error (HTTP 503) <!channel>."))
        session.add(SyncRun(team_id="T0001", trigger="now", status="running", started_at=running))

    blocks = _answer(bot, "history")["blocks"]
    assert [block["type"] for block in blocks] == ["section"] + ["section", "context"] * 3
    assert _texts(blocks) == [
        "*Recent sync runs*, newest first",
        ":hourglass_flowing_sand: *Running* 2 min ago · `/sync now`\n"
        "`     0 new  0 updated 0 deleted` — · 0 API calls · still running",
        f"Started {_date(running)}",
        ":x: *Failed* 3 min ago · scheduled\n"
        "`     3 new 40 updated 2 deleted` — · 4 API calls · 12 s · 1 record error",
        f"Started {_date(failed)} · Salesforce answered with a server error (HTTP 503) &lt;!channel&gt;.",
        ":white_check_mark: *Succeeded* 2 days ago · `/sync start`\n"
        "`12,000 new  0 updated 0 deleted` REST + Bulk · 31 API calls · 10 min",
        f"Started {_date(first)}",
    ]


def test_errors_show_kind_object_record_field_and_message_newest_first(bot: RunningBot) -> None:
    _start(bot)
    now = utcnow().replace(microsecond=0)
    with bot.services.db.session() as session:
        session.add_all([
            SyncError(team_id="T0001", object_name="Lead", record_id="00Q000000000001AAA", kind="record",
                      field_name="Email", message="Lead.Email: value too long for column",
                      occurred_at=now - timedelta(minutes=7)),
            SyncError(team_id="T0001", object_name="Contact", kind="job",
                      message="Salesforce refused the request (INVALID_FIELD):\nNo such column 'Title' <b>",
                      occurred_at=now - timedelta(minutes=3)),
            SyncError(team_id="T0001", kind="job", message="x" * 400, occurred_at=now - timedelta(hours=2)),
            SyncError(team_id="T0002", kind="job", message="another workspace's", occurred_at=now),
        ])

    answer = _answer(bot, "errors")
    assert _texts(answer["blocks"]) == [
        "*Recent sync errors*, newest first",
        "*Job* · the whole cycle · 2 h ago\n> " + "x" * 299 + "…",
        _date(now - timedelta(hours=2)),
        "*Job* · Contact · 3 min ago\n> Salesforce refused the request (INVALID_FIELD):\n"
        "> No such column 'Title' &lt;b&gt;",
        _date(now - timedelta(minutes=3)),
        "*Record* · Lead `00Q000000000001AAA` · field `Email` · 7 min ago\n> Lead.Email: value too long for column",
        _date(now - timedelta(minutes=7)),
        "`/sync errors csv` sends you the full list as a file, by direct message.",
    ]
    assert answer["text"].startswith("*Recent sync errors*, newest first\n*Job* · the whole cycle")


def test_errors_csv_sends_every_error_to_the_member_alone_and_other_arguments_get_the_usage(bot: RunningBot) -> None:
    _start(bot)
    when = utcnow().replace(microsecond=0)
    with bot.services.db.session() as session:
        session.add_all([
            SyncError(team_id="T0001", object_name="Lead", record_id="00Q000000000001AAA", kind="record",
                      field_name="Email", message="value too long, for column", occurred_at=when),
            SyncError(team_id="T0001", kind="job", message="boom", occurred_at=when),
        ])

    sent = ("I sent `sync-errors.csv` to you in a direct message: it holds records' details, so it goes only to "
            "the person who asked.")
    answer = _answer(bot, "errors csv")
    assert answer["text"] == sent and answer.get("response_type", "ephemeral") == "ephemeral"
    # Only the member who asked gets the file: in their direct message, not in the channel.
    [uploaded] = bot.slack.uploaded_files()
    assert (uploaded.filename, uploaded.shared_to) == ("sync-errors.csv", ("DMEMBER001",))
    assert bot.slack.messages("C0001") == []
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert uploaded.text.splitlines() == [
        "occurred_at,kind,object,record_id,field,message,run_id",
        f"{stamp},job,,,,boom,",
        f'{stamp},record,Lead,00Q000000000001AAA,Email,"value too long, for column",',
    ]
    assert bot.reply("errors CSV", user_id=MEMBER) == sent
    assert bot.reply("errors all", user_id=MEMBER) == "Usage: `/sync errors [csv]`"
    assert bot.reply("errors csv now", user_id=MEMBER) == "Usage: `/sync errors [csv]`"
    assert len(bot.slack.uploaded_files()) == 2
    assert ("`/sync errors [csv]` — recent record-level and job-level errors; `csv` sends you the full list as a "
            "file, by direct message") in (
        bot.ask("help", user_id=MEMBER))


def test_nothing_yet_is_one_sentence_and_another_workspace_s_runs_stay_its_own(bot: RunningBot) -> None:
    assert bot.reply("history", user_id=MEMBER) == "No sync runs yet."
    assert bot.reply("errors", user_id=MEMBER) == "No sync errors recorded."
    assert bot.reply("errors csv", user_id=MEMBER).startswith("I sent `sync-errors.csv` to you in a direct message")
    assert bot.slack.uploaded_files()[0].text == "occurred_at,kind,object,record_id,field,message,run_id\r\n"
    with bot.services.db.session() as session:
        session.add(SyncRun(team_id="T0001", trigger="schedule", status="succeeded", started_at=utcnow()))
    bot.slack.clear()
    assert bot.sender.slash_command("history", user_id=MEMBER, team_id="T0002").status_code == 200
    assert bot.slack.wait_for_response().text == "No sync runs yet."

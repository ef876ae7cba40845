"""Hostile input in every subcommand argument and modal field: refused with a clear message
or shown escaped, never executed, never rendered as markup or mentions, and nothing changes."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import unquote

from sqlalchemy import inspect, text

from bot.messages import MSG
from bot.simulator import DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME, SalesforceSimulator
from bot.setup.credentials import CredentialsForm
from handlers.credentials_modal import submission_values
from tests.support.harness import ADMIN, RunningBot

HOSTILE = [
    "<!channel>",
    "<!here|here>",
    "<@UADMIN0001>",
    "<#C0001|<!channel>>",
    "*bold*_it_~no~",
    "&lt;b&gt;&amp;",
    "`x`",
    "Lead';DROP TABLE workspaces;--",
    "x'OR'1'='1",
    "Email\"--",
    "Name!='')OR(Id!=''",
    "A" * 3000,
    "Ünïcødé.Fïëld",
    "日本語.フィールド🙂",
    "\x00\x01\x1b[31mred",
    "\u202eevil\u200b",
]
# Each command with {} where the hostile text goes (one word: Slack splits on spaces).
COMMANDS = [
    "{}", "fields {}", "hide {}", "hide Lead.{}", "unhide Contact.{}", "mappings {}", "map Lead.{} notes",
    "map Lead.Email {}", "channel {}", "start {}", "sync-fields {}", "confirm-credentials {}", "status {}",
]
MENTIONS = ("<!channel", "<!here", "<!everyone", "<@U", "<#C0001")


def _snapshot(bot: RunningBot) -> dict[str, Any]:
    with bot.services.db.engine.connect() as conn:
        tables = {name: [col["name"] for col in inspect(conn).get_columns(name)]
                  for name in inspect(conn).get_table_names()}
        workspace = conn.execute(text("SELECT * FROM workspaces")).all()
        fields = conn.execute(text(
            "SELECT object_name, field_name, hidden, column_name FROM object_fields ORDER BY 1, 2"
        )).all()
        logins = conn.execute(text("SELECT team_id, username, org_id FROM salesforce_credentials")).all()
    return {"tables": tables, "workspace": workspace, "fields": fields, "logins": logins}


def _answer(bot: RunningBot, command: str) -> str:
    seen = len(bot.slack.responses())
    response = bot.command(command)
    assert response.status_code == 200
    ack = response.json().get("text", "") if response.headers.get("Content-Type", "").startswith(
        "application/json") else response.text
    if ack and ack != MSG.working:
        return ack
    bot.slack.wait_for_response(lambda _post: len(bot.slack.responses()) > seen)
    return bot.slack.responses()[seen].text


def _assert_harmless(answer: str, command: str) -> None:
    assert answer and answer != MSG.internal_error, command
    for mention in MENTIONS:
        assert mention not in answer, (command, answer)
    # Inline code stays balanced, so nothing typed can break out of it into markup.
    assert answer.count("`") % 2 == 0, (command, answer)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") and ch != "\n" for ch in answer), (command, answer)
    assert len(answer) < 2500, (command, len(answer))  # the help text at most, never the input


def _never_sent_to_salesforce(salesforce: SalesforceSimulator, words: list[str]) -> None:
    for entry in salesforce.request_log.entries():
        sent = unquote(entry.path + "?" + entry.query_string)
        for word in words:
            assert word not in sent, (word, sent)


def test_hostile_arguments_are_refused_or_escaped_and_change_nothing(
    sf_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    sf_bot.submit_credentials()
    sf_bot.reply("fields")
    before = _snapshot(sf_bot)
    salesforce.request_log.clear()
    sf_bot.slack.clear()
    for hostile in HOSTILE:
        for template in COMMANDS:
            command = template.format(hostile)
            _assert_harmless(_answer(sf_bot, command), command)
    assert _snapshot(sf_bot) == before
    _never_sent_to_salesforce(salesforce, ["DROP TABLE", "'1'='1", "Name!=''"])


def test_echoed_input_is_shown_as_typed_not_as_markup(sf_bot: RunningBot) -> None:
    sf_bot.submit_credentials()
    assert sf_bot.reply("hide Lead.<!channel>") == (
        "There is no field `Lead.&lt;!channel&gt;` visible to the sync user."
    )
    assert sf_bot.ask("<@UADMIN0001>").startswith("`/sync &lt;@uadmin0001&gt;` is not a subcommand.")
    assert sf_bot.reply("hide *bold*") == "`*bold*` is not of the form `Object.Field`, e.g. `Lead.Email`."
    long = sf_bot.reply("fields " + "A" * 3000)
    assert long.startswith("There is no object `" + "A" * 79 + "…`")
    assert sf_bot.reply("hide Lead.a`b").startswith("There is no field `Lead.aˋb` visible")


def test_hostile_modal_fields_are_refused_and_nothing_is_stored(
    sf_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    sf_bot.slack.clear()
    sf_bot.command("credentials", user_id=ADMIN)
    opened = sf_bot.slack.wait_for("views.open").response["view"]
    good = {"username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD, "security_token": DEFAULT_SECURITY_TOKEN}
    for hostile in HOSTILE + ["sync@acme.example<!channel>", "</password><x>&amp;", "sync@acme.example'--"]:
        for field in ("username", "password", "security_token"):
            form = CredentialsForm(**{**good, field: hostile})
            response = sf_bot.sender.view_submission(
                "sync_credentials", submission_values(form), opened_view=opened, user_id=ADMIN
            )
            assert response.status_code == 200
            answer = response.json()
            assert answer["response_action"] == "errors", (field, hostile, answer)
            (block, message), = answer["errors"].items()
            assert block in ("username", "password", "security_token")
            assert message != MSG.internal_error and hostile not in message, (field, hostile, message)
    with sf_bot.services.db.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM salesforce_credentials")).scalar_one() == 0
    _never_sent_to_salesforce(salesforce, ["DROP TABLE", "'1'='1"])

"""What Salesforce says is shown as text: an org name, a field label, an error message or a
record value holding Slack markup never pings anyone, never becomes a link, never formats
the message around it, wherever syncbot shows it (alerts, answers, App Home)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from bot.alerts.kinds import AlertKind, iso
from bot.alerts.sender import send_pending
from bot.error_report import ERRORS_CSV_FILENAME
from bot.messages import MSG
from bot.setup.fields import FieldView
from bot.simulator import SalesforceSimulator
from bot.slack_standin import SlackWebApiStandIn
from bot.status import SyncState
from handlers.mrkdwn import escaped
from storage import alerts
from tests.support.alerting import finish_run
from tests.support.harness import ADMIN, MEMBER, RunningBot, running_bot, settings_env
from tests.support.sync import TEAM, cycle

ALERTS = "C0SYNCALERTS"
# The proven attack: an org renamed to this (80 characters at most) pinged the whole
# channel with a phishing link.
PHISHING = "<!channel> <https://evil.example/sf-login|Session expired - log in again>"
# What a label or a first name may hold (40 characters at most).
LABEL = "<!here> <https://evil.example|Log in> &"
# Salesforce's words in an error, with every kind of markup, an entity and a bidi override.
HOSTILE = PHISHING + " & <@UEVIL00001> <#CEVIL00001> <!subteam^SEVIL00001|@sales> &amp; *bold*\u202e"


def shown(value: str) -> str:
    """How a value reads in mrkdwn once escaped: as Slack asks, and nothing invisible."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\u202e", "\ufffd")


# The markup syncbot writes itself: dates, the people and channel it names, links to records.
OURS = re.compile(
    r"<!date\^\d+\^[^|<>]*\|[^<>]*>|<@(?:UADMIN0001|UMEMBER001)>|<#C0SYNCALERTS>"
    r"|<https://acme\.my\.salesforce\.com/\w{15,18}\|[^<>]*>"
)
DOUBLE_ESCAPED = ("&amp;lt;", "&amp;gt;", "&amp;amp;amp;")


def _strings(payload: Any, *, plain: bool = False) -> Iterator[tuple[str, bool]]:
    """Every string in a recorded payload, and whether Slack shows it as plain text."""
    if isinstance(payload, dict):
        inside_plain = plain or payload.get("type") == "plain_text"
        for key, value in payload.items():
            if key not in ("url", "image_url", "response_url", "private_metadata"):
                yield from _strings(value, plain=inside_plain)
    elif isinstance(payload, list):
        for item in payload:
            yield from _strings(item, plain=plain)
    elif isinstance(payload, str):
        yield payload, plain


def assert_harmless(payload: Any, where: str) -> None:
    """No markup but syncbot's own in any text of ``payload``; nothing escaped twice; nothing invisible."""
    for value, plain in _strings(payload):
        context = f"{where}: {value[:300]!r}"
        assert not any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\t" for ch in value), context
        if plain:
            # Slack shows plain_text as it is: an escape there would show as "&lt;".
            assert "&lt;" not in value and "&gt;" not in value, context
            continue
        assert "<" not in OURS.sub("", value), context
        assert not any(twice in value for twice in DOUBLE_ESCAPED), context


class Seen:
    """Everything the bot showed in Slack during a test: acks, response_url posts, Web API calls."""

    def __init__(self, bot: RunningBot) -> None:
        self.bot = bot
        self.acks: list[tuple[str, Any]] = []

    def ask(self, command: str, *, user_id: str = MEMBER) -> str:
        """Run ``/sync command`` and return the text of its answer (ack, or the response_url post)."""
        slack = self.bot.slack
        before = len(slack.responses())
        response = self.bot.command(command, user_id=user_id)
        assert response.status_code == 200, response.text
        json_ack = response.headers.get("Content-Type", "").startswith("application/json")
        ack = response.json() if json_ack else {"text": response.text}
        self.acks.append((command, ack))
        if ack.get("blocks") or (ack.get("text") and ack["text"] != MSG.working):
            return str(ack["text"])
        slack.wait_for_response(lambda _post: len(slack.responses()) > before, timeout=20)
        return slack.responses()[before].text

    def all(self) -> Iterator[tuple[str, Any]]:
        yield from ((f"ack of /sync {command}", ack) for command, ack in self.acks)
        yield from ((f"response {post.url_id}", post.body) for post in self.bot.slack.responses())
        yield from ((f"{call.method}", call.args) for call in self.bot.slack.calls())

    def assert_harmless(self) -> None:
        for where, payload in self.all():
            assert_harmless(payload, where)


@pytest.fixture
def hostile_bot(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, sqlite_url: str,
                secret_key: str) -> Iterator[RunningBot]:
    """A bot with an alert channel, wired to an org whose admin typed markup everywhere they could."""
    org = salesforce.org
    org.rename(PHISHING)
    org.relabel_object("Lead", LABEL)
    org.change_field("Lead", "Email", label=LABEL)
    org.add_custom_field("Contact", "Notes", "string", label=LABEL)
    for first, last in ((LABEL, "Doe"), ("Max", PHISHING)):
        org.create("Lead", FirstName=first, LastName=last, Company=HOSTILE, Email="r&d@acme.example")
        org.create("Contact", FirstName=first, LastName=last, Email="r&d@acme.example")
    slack.add_channel(ALERTS, name="sync-alerts")
    env = settings_env(slack=slack, database_url=sqlite_url, salesforce_url=salesforce.url, secret_key=secret_key,
                       extra={"SYNCBOT_ALERT_CHANNEL": ALERTS, "SYNCBOT_OBJECTS": "Lead,Contact"})
    with running_bot(env, slack=slack, salesforce=salesforce) as running:
        yield running


def _alerts(bot: RunningBot) -> list[str]:
    send_pending(bot.services)
    return [message.get("text", "") for message in bot.slack.messages(ALERTS)]


def _open_home(bot: RunningBot) -> dict[str, Any]:
    before = len(bot.slack.calls("views.publish"))
    bot.sender.app_home_opened(user_id=MEMBER)
    bot.slack.wait_for("views.publish", lambda call: len(bot.slack.calls("views.publish")) > before, timeout=20)
    return dict(bot.slack.calls("views.publish")[-1].args["view"])


def test_a_renamed_org_cannot_ping_the_channel_or_phish(hostile_bot: RunningBot,
                                                          salesforce: SalesforceSimulator) -> None:
    bot, seen = hostile_bot, Seen(hostile_bot)
    salesforce.org.rename("Acme Corp")
    assert bot.submit_credentials().get("response_action") == "update"
    assert seen.ask("sync-fields yes", user_id=ADMIN).startswith("Created ")
    assert seen.ask("confirm-credentials yes", user_id=ADMIN).startswith("This workspace is now bound")
    assert seen.ask("start yes", user_id=ADMIN).startswith("The sync is started.")
    assert cycle(bot).status == "succeeded"
    _alerts(bot)
    salesforce.org.rename(PHISHING)  # in Setup, by anyone who may edit the company's details
    bot.submit_credentials()  # an admin logs in again: the org's name comes back changed
    changed = [posted for posted in _alerts(bot) if "changed the Salesforce credentials" in posted]
    assert changed == [f":key: <@{ADMIN}> changed the Salesforce credentials (org *{shown(PHISHING)}*)."]
    seen.assert_harmless()


def test_field_labels_are_text_in_fields_object(hostile_bot: RunningBot) -> None:
    bot, seen = hostile_bot, Seen(hostile_bot)
    assert bot.submit_credentials().get("response_action") == "update"
    assert f"\n`Email` {shown(LABEL)} (email)\n" in seen.ask("fields Lead")
    assert f"\n`Notes__c` {shown(LABEL)} (string)" in seen.ask("fields Contact")
    seen.ask("sync-fields yes", user_id=ADMIN)
    assert f"\n`Email` {shown(LABEL)} (email)\n" in seen.ask("fields Lead")  # from the stored catalog now
    seen.assert_harmless()


def test_markup_from_salesforce_is_text_in_every_answer_alert_and_app_home(
        hostile_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    bot, seen = hostile_bot, Seen(hostile_bot)
    org, label = shown(PHISHING), shown(LABEL)
    seen.ask("status")
    _open_home(bot)
    assert bot.submit_credentials().get("response_action") == "update"
    assert org in seen.ask("status")  # everyone sees the org's name, in status and App Home
    assert org in str(_open_home(bot))
    seen.ask("fields Lead")
    seen.ask("fields")
    salesforce.fail_next_requests(1000, status=400, error_code="INSUFFICIENT_ACCESS", message=HOSTILE)
    # An admin's look is always fresh (a member's may be the one kept from minutes ago):
    # the describe is refused, and said in Salesforce's words.
    assert shown(HOSTILE) in seen.ask("fields", user_id=ADMIN)
    salesforce.clear_faults()
    seen.ask("sync-fields", user_id=ADMIN)
    seen.ask("sync-fields yes", user_id=ADMIN)
    assert org in seen.ask("confirm-credentials", user_id=ADMIN)
    assert org in seen.ask("confirm-credentials yes", user_id=ADMIN)
    seen.ask("mappings")
    seen.ask("mappings Lead")
    seen.ask("start yes", user_id=ADMIN)
    assert cycle(bot).status == "succeeded"  # the first load: its live message, then the summary
    duplicates = seen.ask("duplicates")
    # In a link's words a "|" would end them early: it shows as a look-alike.
    assert f"`r&amp;d@acme.example` — Lead <https://acme.my.salesforce.com/" in duplicates
    assert f"|{label.replace('|', '¦')} Doe>" in duplicates and f"|Max {org.replace('|', '¦')}>" in duplicates
    seen.ask("verify")
    seen.ask("history")
    # Salesforce refuses every request, with markup in its words: the cycle fails.
    salesforce.fail_next_requests(1000, status=400, error_code="INSUFFICIENT_ACCESS", message=HOSTILE)
    assert cycle(bot).status == "failed"
    assert any("failing" in posted for posted in _alerts(bot))
    assert shown(HOSTILE) in seen.ask("errors")
    assert shown(HOSTILE) in seen.ask("verify", user_id=ADMIN)  # an admin's check is always fresh
    assert shown(HOSTILE) in str(_open_home(bot))
    # A cycle that failed as a whole in Salesforce's words, recorded as the engine records it.
    finish_run(bot.services, status="failed", started=datetime.now(timezone.utc), error=HOSTILE,
               failure_kind="unavailable")
    assert any(shown(HOSTILE) in posted for posted in _alerts(bot) if "failing" in posted)
    assert seen.ask("status").startswith(f"Failed: {shown(HOSTILE)}\n")
    assert shown(HOSTILE) in str(_open_home(bot))
    seen.ask("history")
    seen.ask("errors csv")
    (errors_file,) = [file for file in bot.slack.uploaded_files() if file.filename == ERRORS_CSV_FILENAME]
    assert HOSTILE in errors_file.text  # a CSV file is not mrkdwn: Salesforce's words as they are
    salesforce.clear_faults()
    assert cycle(bot).status == "succeeded"  # recovered
    seen.ask("pause", user_id=ADMIN)
    seen.ask("resume", user_id=ADMIN)
    _alerts(bot)
    seen.ask("help")
    seen.assert_harmless()


def _every_kind(started: datetime) -> dict[AlertKind, dict[str, Any]]:
    """Facts of every alert kind, each string in them markup (names, Salesforce's words)."""
    when = iso(started)
    failed = {"failure_kind": "refused", "error": HOSTILE, "since": when, "last_ok": when, "field": HOSTILE,
              "api_used": 10, "api_max": 100, "other_kind": False}
    return {
        AlertKind.FAILED: failed,
        AlertKind.STILL_FAILING: {"error": HOSTILE, "since": when, "cycles": 3},
        AlertKind.RECOVERED: {"since": when, "until": when, "objects": [[HOSTILE, 5]]},
        AlertKind.RECORD_ERRORS: {"count": 2, "when": when, "top": [[2, HOSTILE, HOSTILE]]},
        AlertKind.LAGGING: {"seconds": 900, "intervals": 3, "last_ok": when, "first_load": False},
        AlertKind.CAUGHT_UP: {"seconds": 900},
        AlertKind.STARTED: {"user": ADMIN},
        AlertKind.INITIAL_LOAD: {"seconds": 60, "objects": [[HOSTILE, 3]], "live": False},
        AlertKind.PAUSED: {"user": ADMIN},
        AlertKind.RESUMED: {"user": ADMIN},
        AlertKind.CREDENTIALS_CHANGED: {"user": ADMIN, "org_name": HOSTILE},
        AlertKind.DIGEST: {"until": when, "runs": 3, "failed": 1, "objects": [[HOSTILE, 4]], "errors": [[HOSTILE, 2]],
                           "api_calls": 5, "api_used": 10, "api_max": 100, "repairs": [["fields_added", 1]]},
        AlertKind.CHANNEL_BROKEN: {"channel": ALERTS, "error": "not_in_channel", "first": True,
                                   "alert_kind": "failed", "alert_facts": failed},
        AlertKind.LOAD_PROGRESS: {"state": "failed", "error": HOSTILE, "began": when, "finished": when, "objects": [
            {"name": HOSTILE, "method": "bulk", "state": "failed", "done": 3, "expected": 10, "rate": None,
             "left": None}]},
        AlertKind.DRIFT: {"added": [[HOSTILE, "notes__c"]], "removed": [[HOSTILE, "email"]], "other": [HOSTILE],
                          "backfilled": 2, "reconciled": None, "pause_days": None, "purged": 0, "repaired": 0,
                          "formulas": 0},
    }


def test_every_alert_kind_shows_salesforce_words_as_text(hostile_bot: RunningBot) -> None:
    bot = hostile_bot
    facts = _every_kind(datetime.now(timezone.utc) - timedelta(hours=1))
    assert set(facts) == set(AlertKind)  # a new kind gets its hostile facts here
    with bot.services.db.session() as session:
        for kind, kind_facts in facts.items():
            alerts.enqueue(session, TEAM, kind, kind_facts)
    posted = _alerts(bot)
    assert len(posted) == len(facts), posted
    for message in bot.slack.calls("chat.postMessage"):
        assert_harmless(message.args, "chat.postMessage")
    assert sum(shown(HOSTILE) in message for message in posted) == len(facts) - 5  # all but five without words


def test_a_view_is_escaped_whole_and_a_value_without_a_way_to_show_it_is_refused() -> None:
    view = FieldView(name="Email", label=LABEL, type="email", hidden=False, unsyncable_reason="a\u202e<b>",
                     column="email", synced=True)
    facts = {"objects": [[PHISHING, 3]], "state": SyncState.FAILED, "views": (view,), "seconds": 1.5}
    assert escaped(facts) == {
        "objects": [[shown(PHISHING), 3]], "state": SyncState.FAILED, "seconds": 1.5,
        "views": (FieldView(name="Email", label=shown(LABEL), type="email", hidden=False,
                            unsyncable_reason="a\ufffd&lt;b&gt;", column="email", synced=True),),
    }
    assert escaped("line one\n\tline two") == "line one\n\tline two"  # line breaks and tabs stay
    with pytest.raises(TypeError):
        escaped({"row": object()})  # a view holding something else says how it is shown

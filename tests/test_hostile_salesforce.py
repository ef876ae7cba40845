"""What Salesforce says is shown as text: an org name, a field label, an error message or a
record value holding Slack markup never pings anyone, never becomes a link, never formats
the message around it, wherever syncbot shows it (alerts, answers, App Home)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest

from bot.messages import MSG
from bot.setup.fields import FieldView
from bot.simulator import SalesforceSimulator
from bot.slack_standin import SlackWebApiStandIn
from bot.status import SyncState
from handlers.mrkdwn import escaped
from tests.support.harness import ADMIN, MEMBER, RunningBot, running_bot, settings_env

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
            assert "&lt;" not in value and "&amp;" not in value, context
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

    def texts(self) -> str:
        return "\n".join(value for _where, payload in self.all() for value, _plain in _strings(payload))


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


def test_field_labels_are_text_in_fields_object(hostile_bot: RunningBot) -> None:
    bot, seen = hostile_bot, Seen(hostile_bot)
    assert bot.submit_credentials().get("response_action") == "update"
    assert f"\n`Email` {shown(LABEL)} (email)\n" in seen.ask("fields Lead")
    assert f"\n`Notes__c` {shown(LABEL)} (string)" in seen.ask("fields Contact")
    seen.ask("sync-fields yes", user_id=ADMIN)
    assert f"\n`Email` {shown(LABEL)} (email)\n" in seen.ask("fields Lead")  # from the stored catalog now
    seen.assert_harmless()


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

"""``syncbot demo``: the whole product offline.

The built-in Salesforce simulator stands in for the org and the Slack stand-in for
the workspace; the real bot runs between them over HTTP, exactly as in production.
This module is the runner: it starts the pieces, types commands as an admin would
and prints what Slack would show, the alert channel included. The scenario itself
is :mod:`bot.demo_script`; ``syncbot demo --serve`` is :mod:`bot.demo_serve`.
"""

from __future__ import annotations

import html
import re
import tempfile
import textwrap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bot.alerts.sender import send_pending
from bot.config import Settings
from bot.errors import UserInputError
from bot.messages import MSG
from bot.runtime import Services, build_services
from bot.simulator import (DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME, SalesforceSimulator, SimClock,
                           build_large_demo_org)
from bot.setup.credentials import CredentialsForm
from bot.slack_standin import SlackRequestSender, SlackWebApiStandIn, ack_text
from handlers.credentials_modal import submission_values
from handlers.web import serving_in_background
from storage.types import running_on

ADMIN = "UDEMOADMIN"
ADMIN_NAME = "ada"
ALERT_CHANNEL = "C0DEMOALRT"
ALERT_CHANNEL_NAME = "sales-ops"
_SIGNING_SECRET = "demo-signing-secret"
_WAIT = 30.0
# Answers longer than this are cut in the terminal (Slack folds them behind "Show more").
LONG_ANSWER = 14


def terminal_text(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn as a terminal shows it: dates, links, channels and people by their
    fallbacks or names (``names``: ids to names), and Slack's escapes undone."""
    names = names or {}
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text)
    text = re.sub(r"<#([A-Z0-9]+)(?:\|([^>]*))?>", lambda m: f"#{m.group(2) or names.get(m.group(1), m.group(1))}",
                  text)
    text = re.sub(r"<@([A-Z0-9]+)>", lambda m: f"@{names.get(m.group(1), m.group(1))}", text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]*)>", r"\2", text)
    return html.unescape(text)


@dataclass
class Demo:
    """The running pieces and how to talk to them, as the admin and as the channel's reader."""

    slack: SlackWebApiStandIn
    sender: SlackRequestSender
    salesforce: SalesforceSimulator
    services: Services
    say: Callable[[str], None]
    database: Path
    # The demo's day: Salesforce and syncbot both read it; the script moves it between scenes.
    clock: SimClock
    # Channel messages already printed, by ts, with the text they had (an edited one prints again).
    _printed: dict[str, str] = field(default_factory=dict)

    @property
    def team_id(self) -> str:
        """The stand-in workspace's team id."""
        return self.slack.identity.team_id

    def narrate(self, text: str) -> None:
        """A heading between the scenes."""
        self.say(f"\n{MSG.demo_scene_mark} {text}")

    def note(self, text: str) -> None:
        """What happens off-screen, in brackets, as a stage direction."""
        self.say(f"  [{text}]")

    def show(self, text: str, prefix: str = "    ", limit: int | None = None, tail: int = 0) -> None:
        """Print Slack text as the terminal shows it; past ``limit`` lines, only the first
        ``limit`` and the last ``tail`` ones."""
        lines = terminal_text(text, self._names()).splitlines() or [""]
        if limit is not None and len(lines) > limit + tail + 1:
            cut = len(lines) - limit - tail
            lines = [*lines[:limit], MSG.demo_more_lines.format(count=cut), *lines[len(lines) - tail:]]
        for line in lines:
            self.say(textwrap.indent(line, prefix) if line else "")

    def command(self, text: str, *, limit: int | None = LONG_ANSWER, tail: int = 0) -> str:
        """Type ``/sync <text>``, print the acknowledgement and the answer that follows; returns the answer."""
        self.say(f"\n> /sync {text}")
        seen = len(self.slack.responses())
        ack = ack_text(self.sender.slash_command(text, user_id=ADMIN))
        if ack:
            self.show(ack, limit=limit, tail=tail)
        if ack and ack != MSG.working:
            return ack  # answered in the acknowledgement itself
        self.slack.wait_for_response(lambda _post: len(self.slack.responses()) > seen, timeout=_WAIT)
        answer = self.slack.responses()[seen]
        self.show(answer.text, limit=limit, tail=tail)
        self._show_buttons(answer.body)
        return answer.text

    def click(self, value: str) -> None:
        """Click the confirm button of the last answer."""
        self.note(MSG.demo_clicks)
        seen = len(self.slack.responses())
        self.sender.block_action("confirm_step", value, user_id=ADMIN)
        self.slack.wait_for_response(lambda _post: len(self.slack.responses()) > seen, timeout=_WAIT)
        self.show(self.slack.responses()[seen].text)

    def credentials(self, password: str = DEFAULT_PASSWORD, security_token: str = DEFAULT_SECURITY_TOKEN,
                    *, filled: str = MSG.demo_modal_filled) -> None:
        """Open the modal, fill it in like the admin would (``filled`` says how), and submit it."""
        self.say("\n> /sync credentials")
        self.slack.clear()
        self.sender.slash_command("credentials", user_id=ADMIN)
        opened = self.slack.wait_for("views.open", timeout=_WAIT).response["view"]
        labels = [block["label"]["text"] for block in opened["blocks"] if block["type"] == "input"]
        self.note(MSG.demo_modal_opens.format(title=opened["title"]["text"], labels=", ".join(labels)))
        self.note(filled.format(username=DEFAULT_USERNAME))
        values = submission_values(CredentialsForm(
            username=DEFAULT_USERNAME, password=password, security_token=security_token
        ))
        self.sender.view_submission("sync_credentials", values, opened_view=opened, user_id=ADMIN)
        self.show(self.slack.wait_for_response(timeout=_WAIT).text)

    def channel_news(self) -> None:
        """Post the alerts that are due, as the scheduler would within 5 s, and print what
        the alert channel shows that was not printed yet (new posts, and edited ones)."""
        send_pending(self.services)
        for message in self.slack.messages(ALERT_CHANNEL):
            text = str(message.get("text") or "")
            ts = str(message["ts"])
            if self._printed.get(ts) == text:
                continue
            edited = ts in self._printed
            self._printed[ts] = text
            thread = message.get("thread_ts") not in (None, ts)
            label = MSG.demo_channel_edited if edited else MSG.demo_channel_thread if thread else MSG.demo_channel_post
            head = label.format(channel=ALERT_CHANNEL_NAME, bot=self.slack.identity.bot_user_name)
            first, *rest = terminal_text(text, self._names()).splitlines() or [""]
            self.say("")
            self.say(head + first)
            for line in rest:
                self.say(" " * len(head) + line if line else "")

    def _names(self) -> dict[str, str]:
        return {ADMIN: ADMIN_NAME, ALERT_CHANNEL: ALERT_CHANNEL_NAME}

    def _show_buttons(self, body: dict[str, Any]) -> None:
        buttons = [
            element["text"]["text"]
            for block in body.get("blocks") or []
            if block.get("type") == "actions"
            for element in block.get("elements", [])
        ]
        if buttons:
            self.say("    " + "  ".join(f"[{label}]" for label in buttons))


def run_demo(*, database: Path | None = None, say: Callable[[str], None] = print) -> int:
    """Walk the setup, the first load, everyday cycles, a failure and its recovery, offline;
    returns the process exit code."""
    from bot.demo_script import play

    if database is not None and database.exists():
        # The story starts from nothing: a database that went through it already would refuse its steps.
        raise UserInputError(MSG.demo_database_exists.format(path=database))
    path = (database or Path(tempfile.mkdtemp(prefix="syncbot-demo-")) / "syncbot.db").resolve()
    with running_demo(path, say) as demo:
        play(demo, kept=database is not None)
    return 0


@contextmanager
def running_demo(path: Path, say: Callable[[str], None]) -> Iterator[Demo]:
    """The simulator with the demo's org, the Slack stand-in with its admin and alert
    channel, and the real bot between them on the SQLite database at ``path``.

    Salesforce and syncbot share one clock that runs from now and that the script moves on
    by minutes between scenes, so every time printed reads as it would in a real day."""
    clock = SimClock(datetime.now(timezone.utc), frozen=False)
    with (SalesforceSimulator(orgs=[build_large_demo_org(clock=clock)], clock=clock) as salesforce,
          SlackWebApiStandIn() as slack, running_on(clock.now)):
        slack.add_user(ADMIN, name=ADMIN_NAME, is_admin=True)
        # A public channel the bot is not in yet: `/sync channel` joins it.
        slack.add_channel(ALERT_CHANNEL, name=ALERT_CHANNEL_NAME, is_member=False)
        settings = Settings.from_env({
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_SIGNING_SECRET": _SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": f"sqlite:///{path}",
            "SYNCBOT_SECRET_KEY": Fernet.generate_key().decode(),
            "SYNCBOT_SALESFORCE_URL": salesforce.url,
        })
        services = build_services(settings)
        try:
            with serving_in_background(services) as url:
                yield Demo(slack=slack, sender=SlackRequestSender(url, _SIGNING_SECRET, web_api=slack),
                           salesforce=salesforce, services=services, say=say, database=path,
                           clock=clock)
        finally:
            services.db.dispose()

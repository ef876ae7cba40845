"""``syncbot demo``: the whole product offline.

The built-in Salesforce simulator stands in for the org and the Slack stand-in for
the workspace; the real bot runs between them over HTTP, exactly as in production.
The demo walks the setup steps as an admin would type them and prints what Slack
would show.
"""

from __future__ import annotations

import re
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bot.config import Settings
from bot.messages import MSG
from bot.runtime import Services, build_services
from bot.simulator import DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME, SalesforceSimulator
from bot.setup.credentials import CredentialsForm
from bot.slack_standin import SlackRequestSender, SlackWebApiStandIn, ack_text
from handlers.credentials_modal import submission_values
from handlers.web import serving_in_background
from storage import mirror

ADMIN = "UDEMOADMIN"
_SIGNING_SECRET = "demo-signing-secret"
_WAIT = 30.0


def terminal_text(text: str) -> str:
    """Slack mrkdwn as a terminal shows it: dates and channel links by their fallbacks."""
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text)
    text = re.sub(r"<#([A-Z0-9]+)(?:\|([^>]*))?>", lambda m: f"#{m.group(2) or m.group(1)}", text)
    return text


@dataclass
class _Demo:
    """The running pieces and how to talk to them."""

    slack: SlackWebApiStandIn
    sender: SlackRequestSender
    salesforce: SalesforceSimulator
    services: Services
    say: Callable[[str], None]

    def show(self, text: str, prefix: str = "    ") -> None:
        for line in terminal_text(text).splitlines() or [""]:
            self.say(textwrap.indent(line, prefix) if line else "")

    def command(self, text: str) -> None:
        """Type ``/sync <text>`` and print the acknowledgement and the answer that follows."""
        self.say(f"\n> /sync {text}")
        seen = len(self.slack.responses())
        ack = ack_text(self.sender.slash_command(text, user_id=ADMIN))
        if ack:
            self.show(ack)
        if ack and ack != MSG.working:
            return  # answered in the acknowledgement itself
        self.slack.wait_for_response(lambda _post: len(self.slack.responses()) > seen, timeout=_WAIT)
        answer = self.slack.responses()[seen]
        self.show(answer.text)
        self._show_buttons(answer.body)

    def click(self, value: str) -> None:
        """Click the confirm button of the last answer."""
        self.say('  [clicks "Yes, go ahead"]')
        seen = len(self.slack.responses())
        self.sender.block_action("confirm_step", value, user_id=ADMIN)
        self.slack.wait_for_response(lambda _post: len(self.slack.responses()) > seen, timeout=_WAIT)
        self.show(self.slack.responses()[seen].text)

    def credentials(self) -> None:
        """Open the modal, fill it in like the admin would, and submit it."""
        self.say("\n> /sync credentials")
        self.slack.clear()
        self.sender.slash_command("credentials", user_id=ADMIN)
        opened = self.slack.wait_for("views.open", timeout=_WAIT).response["view"]
        labels = [block["label"]["text"] for block in opened["blocks"] if block["type"] == "input"]
        self.say(f'  [a modal "{opened["title"]["text"]}" opens with: {", ".join(labels)}]')
        self.say(f"  [the admin enters {DEFAULT_USERNAME}, the password and the security token, and submits]")
        values = submission_values(CredentialsForm(
            username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD, security_token=DEFAULT_SECURITY_TOKEN
        ))
        self.sender.view_submission("sync_credentials", values, opened_view=opened, user_id=ADMIN)
        self.show(self.slack.wait_for_response(timeout=_WAIT).text)

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
    """Walk the whole setup offline; returns the process exit code."""
    with _workspace(database) as path, _running(path, say) as demo:
        org = demo.salesforce.org
        say("syncbot demo: the whole setup, offline.")
        say(f"Salesforce: the built-in simulator, org {org.name} ({org.org_id}), "
            f"{sum(org.count(name) for name in ('Lead', 'Contact', 'Account', 'Opportunity'))} people and deals.")
        say("Slack: a local stand-in; an admin types the commands below.")
        demo.command("help")
        demo.command("status")
        demo.credentials()
        demo.command("fields")
        demo.command("fields Lead")
        demo.command("hide Lead.Description")
        demo.command("sync-fields")
        demo.click("sync-fields")
        demo.command("confirm-credentials yes")
        demo.command("mappings Lead")
        demo.command("map Lead.Email email_address")
        demo.command("start")
        demo.click("start")
        demo.command("status")
        tables = _tables(demo.services)
        say(f"\nThe local database ({path}) now has {len(tables)} synced tables: {', '.join(tables)}.")
        if database is None:
            say("It was a temporary file; run `syncbot demo --database demo.db` to keep it.")
    return 0


def _tables(services: Services) -> list[str]:
    with services.db.engine.connect() as connection:
        return mirror.existing_tables(connection)


@contextmanager
def _workspace(database: Path | None) -> Iterator[Path]:
    if database is not None:
        yield database.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="syncbot-demo-") as folder:
        yield Path(folder) / "syncbot.db"


@contextmanager
def _running(path: Path, say: Callable[[str], None]) -> Iterator[_Demo]:
    with SalesforceSimulator() as salesforce, SlackWebApiStandIn() as slack:
        slack.add_user(ADMIN, name="ada", is_admin=True)
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
                yield _Demo(slack=slack, sender=SlackRequestSender(url, _SIGNING_SECRET, web_api=slack),
                            salesforce=salesforce, services=services, say=say)
        finally:
            services.db.dispose()

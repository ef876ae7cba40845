"""A running syncbot (Bolt app behind the real HTTP server) wired to the stand-ins."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.runtime import Services, build_services
from bot.scheduler import scheduler_running
from bot.simulator import DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME
from bot.setup.credentials import CredentialsForm
from bot.slack_standin import SlackRequestSender, SlackWebApiStandIn, ack_text
from handlers.credentials_modal import submission_values
from handlers.web import serving_in_background

SIGNING_SECRET = "test-signing-secret"
ADMIN = "UADMIN0001"
MEMBER = "UMEMBER001"


@dataclass
class RunningBot:
    """Everything a scenario test touches."""

    url: str
    services: Services
    slack: SlackWebApiStandIn
    sender: SlackRequestSender
    salesforce: Any

    def command(self, text: str, *, user_id: str = ADMIN) -> Any:
        """Send ``/sync <text>`` and return the HTTP response (the acknowledgement)."""
        return self.sender.slash_command(text, user_id=user_id)

    def ask(self, text: str, *, user_id: str = ADMIN) -> str:
        """Send ``/sync <text>`` and return the text its acknowledgement shows."""
        response = self.command(text, user_id=user_id)
        assert response.status_code == 200, response.text
        return ack_text(response)


    def reply(self, text: str, *, user_id: str = ADMIN) -> str:
        """Send ``/sync <text>`` and return what it answers through response_url."""
        self.slack.clear()
        self.command(text, user_id=user_id)
        return self.slack.wait_for_response(lambda post: post.text != "").text

    def click(self, action_id: str, value: str, *, user_id: str = ADMIN) -> str:
        """Click a button of an ephemeral answer and return what replaces it."""
        self.slack.clear()
        self.sender.block_action(action_id, value, user_id=user_id)
        return self.slack.wait_for_response().text

    def submit_credentials(
        self,
        *,
        username: str = DEFAULT_USERNAME,
        password: str = DEFAULT_PASSWORD,
        security_token: str = DEFAULT_SECURITY_TOKEN,
        sandbox: bool = False,
        user_id: str = ADMIN,
    ) -> dict[str, Any]:
        """Open the credentials modal with /sync credentials, fill it in and submit it;
        returns the JSON answer to the submission (``{}`` when the modal just closes)."""
        self.slack.clear()
        self.command("credentials", user_id=user_id)
        opened = self.slack.wait_for("views.open").response["view"]
        values = submission_values(
            CredentialsForm(username=username, password=password, security_token=security_token, sandbox=sandbox)
        )
        response = self.sender.view_submission("sync_credentials", values, opened_view=opened, user_id=user_id)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json() if response.content else {}
        if answer.get("response_action") == "update":
            # The channel is told after the modal is answered: wait, so that the
            # next command's answer is not mistaken for this one.
            self.slack.wait_for_response(lambda post: post.text.startswith("Logged in"))
        return answer


def settings_env(*, slack: SlackWebApiStandIn, database_url: str, salesforce_url: str | None,
                 secret_key: str | None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a test bot runs with."""
    env = {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": database_url,
    }
    if salesforce_url:
        env["SYNCBOT_SALESFORCE_URL"] = salesforce_url
    if secret_key:
        env["SYNCBOT_SECRET_KEY"] = secret_key
    env.update(extra or {})
    return env


@contextmanager
def running_bot(env: Mapping[str, str], *, slack: SlackWebApiStandIn, salesforce: Any = None,
                scheduler: bool = False) -> Iterator[RunningBot]:
    """Start the app on a free port with the given environment; stop it afterwards.

    Without ``scheduler`` no cycle runs by itself: tests run them with ``run_cycle``.
    """
    services = build_services(Settings.from_env(env))
    try:
        with scheduler_running(services, enabled=scheduler), serving_in_background(services) as url:
            yield RunningBot(
                url=url,
                services=services,
                slack=slack,
                sender=SlackRequestSender(url, SIGNING_SECRET, web_api=slack),
                salesforce=salesforce,
            )
    finally:
        services.db.dispose()

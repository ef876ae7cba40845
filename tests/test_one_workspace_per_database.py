"""One database mirrors one org for one Slack workspace; a second workspace is told which one owns it."""

from __future__ import annotations

from sqlalchemy import text

from bot.simulator import DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME
from bot.setup.credentials import CredentialsForm
from bot.slack_standin import SlackRequestSender
from handlers.credentials_modal import submission_values
from tests.support.harness import ADMIN, SIGNING_SECRET, RunningBot

OWNED = (
    "This syncbot database belongs to the Slack workspace `T0001`: one deployment serves one Slack "
    "workspace and one Salesforce org (the `sf_*` tables have no workspace column). To connect this "
    "workspace, run a second syncbot deployment with its own `DATABASE_URL`."
)


def _logins(bot: RunningBot) -> list[str]:
    with bot.services.db.engine.connect() as conn:
        return list(conn.execute(text("SELECT team_id FROM salesforce_credentials")).scalars())


def test_a_second_workspace_is_told_which_one_owns_the_database(sf_bot: RunningBot) -> None:
    sf_bot.submit_credentials()
    second = SlackRequestSender(sf_bot.url, SIGNING_SECRET, web_api=sf_bot.slack, team_id="T0002")
    sf_bot.slack.clear()
    second.slash_command("credentials", user_id=ADMIN)
    assert sf_bot.slack.wait_for_response().text == OWNED
    assert sf_bot.slack.calls("views.open") == []
    # A submission of a modal opened some other way is refused as well, before Salesforce.
    values = submission_values(CredentialsForm(username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD,
                                               security_token=DEFAULT_SECURITY_TOKEN))
    answer = second.view_submission("sync_credentials", values, user_id=ADMIN).json()
    assert answer == {"response_action": "errors", "errors": {"username": OWNED}}
    assert _logins(sf_bot) == ["T0001"]
    sf_bot.slack.clear()
    second.slash_command("sync-fields yes", user_id=ADMIN)
    assert sf_bot.slack.wait_for_response().text == "Do `/sync credentials` first: it is the next setup step."
    # The owner goes on as before.
    assert sf_bot.reply("sync-fields yes").startswith("Created 8 tables:")

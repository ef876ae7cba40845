"""One database mirrors one org for one Slack workspace; a second workspace is told which one owns it."""

from __future__ import annotations

from sqlalchemy import text

from bot.simulator import DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME
from bot.setup.credentials import CredentialsForm
from bot.messages import MSG
from bot.slack_standin import SlackRequestSender, ack_text
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
    _every_setup_step_is_refused(sf_bot, second)
    # The owner goes on as before; the second workspace is still refused at every step.
    assert sf_bot.reply("sync-fields yes").startswith("Created 8 tables:")
    _every_setup_step_is_refused(sf_bot, second)
    assert sf_bot.reply("confirm-credentials yes").startswith("This workspace is now bound to")
    assert sf_bot.reply("start yes") == "The sync is started. `/sync status` shows how it goes."
    _every_setup_step_is_refused(sf_bot, second)


# Every step of the setup, and what goes with it, in the order the README gives them.
SETUP_STEPS = (
    "fields", "fields Lead", "hide Lead.Email", "unhide Lead.Email", "sync-fields", "sync-fields yes",
    "confirm-credentials", "confirm-credentials yes", "mappings", "mappings Lead", "map Lead.Email email_address",
    "start", "start yes", "channel <#C0001|general>", "pause", "resume", "now",
)


def _every_setup_step_is_refused(bot: RunningBot, second: SlackRequestSender) -> None:
    """Each step the second workspace tries (typed, or as the confirm button) names the owner."""
    with bot.services.db.engine.connect() as conn:
        tables_before = sorted(conn.dialect.get_table_names(conn))
    for text_ in SETUP_STEPS:
        bot.slack.clear()
        response = second.slash_command(text_, user_id=ADMIN)
        assert response.status_code == 200
        shown = ack_text(response)
        if shown in ("", MSG.working):
            shown = bot.slack.wait_for_response(lambda post: post.text != "").text
        assert shown == OWNED, text_
    for step in ("sync-fields", "confirm-credentials", "start"):
        bot.slack.clear()
        second.block_action("confirm_step", step, user_id=ADMIN)
        assert bot.slack.wait_for_response().text == OWNED, step
    # Where there is no step to take, help and status say the same instead of naming one.
    assert OWNED in ack_text(second.slash_command("help", user_id=ADMIN)).splitlines()
    assert ack_text(second.slash_command("status", user_id=ADMIN)).splitlines()[:2] == ["Not started", OWNED]
    # Nothing changed: no workspace row for the second one, no test post, no table.
    assert bot.slack.calls("chat.postMessage") == []
    with bot.services.db.engine.connect() as conn:
        assert sorted(conn.dialect.get_table_names(conn)) == tables_before
        assert list(conn.execute(text("SELECT team_id FROM workspaces ORDER BY team_id")).scalars()) == ["T0001"]

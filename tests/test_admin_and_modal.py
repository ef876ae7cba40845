"""Who may change things, and the credentials modal as Slack shows it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.slack_standin import SlackWebApiStandIn
from tests.support.harness import ADMIN, MEMBER, RunningBot, running_bot, settings_env


def _opened_view(bot: RunningBot) -> dict:
    return bot.slack.wait_for("views.open").args["view"]


def test_credentials_opens_the_contract_modal(bot: RunningBot) -> None:
    response = bot.command("credentials", user_id=ADMIN)
    assert response.status_code == 200
    view = _opened_view(bot)
    assert view["type"] == "modal"
    assert view["callback_id"] == "sync_credentials"
    inputs = {block["block_id"]: block["element"] for block in view["blocks"] if block["type"] == "input"}
    assert list(inputs) == ["username", "password", "security_token", "sandbox"]
    for block_id, element in inputs.items():
        assert element["action_id"] == block_id
    assert inputs["username"]["type"] == inputs["password"]["type"] == "plain_text_input"
    assert inputs["security_token"]["type"] == "plain_text_input"
    assert inputs["sandbox"]["type"] == "checkboxes"
    assert [option["value"] for option in inputs["sandbox"]["options"]] == ["sandbox"]


def test_members_cannot_change_anything(bot: RunningBot) -> None:
    for text in ("credentials", "hide Lead.Email", "sync-fields yes", "confirm-credentials yes",
                 "map Lead.Email mail", "start yes", "pause", "channel C0123"):
        bot.command(text, user_id=MEMBER)
        post = bot.slack.wait_for_response(lambda post, t=text: f"`/sync {t.split()[0]}`" in post.text)
        assert post.text.startswith(f"Only syncbot admins can run `/sync {text.split()[0]}`")
    assert bot.slack.calls("views.open") == []


def test_members_may_read(bot: RunningBot) -> None:
    assert bot.ask("status", user_id=MEMBER).startswith("Not started")
    bot.command("mappings", user_id=MEMBER)
    assert "No fields are known yet" in bot.slack.wait_for_response().text


def test_owners_are_admins_too(bot: RunningBot) -> None:
    bot.slack.add_user("UOWNER0001", name="olga", is_owner=True)
    bot.command("credentials", user_id="UOWNER0001")
    assert _opened_view(bot)["callback_id"] == "sync_credentials"


def test_a_failed_admin_lookup_changes_nothing(bot: RunningBot) -> None:
    bot.slack.fail_method("users.info", error="ratelimited")
    bot.command("credentials", user_id=ADMIN)
    assert "Couldn't check whether you are an admin" in bot.slack.wait_for_response().text
    assert bot.slack.calls("views.open") == []


@pytest.fixture
def listed_admins_bot(slack: SlackWebApiStandIn, sqlite_url: str, secret_key: str) -> Iterator[RunningBot]:
    env = settings_env(slack=slack, database_url=sqlite_url, salesforce_url=None, secret_key=secret_key,
                       extra={"SYNCBOT_ADMINS": MEMBER})
    with running_bot(env, slack=slack) as running:
        yield running


def test_syncbot_admins_replaces_the_workspace_roles(listed_admins_bot: RunningBot) -> None:
    bot = listed_admins_bot
    bot.command("credentials", user_id=ADMIN)  # a workspace admin, but not listed
    assert bot.slack.wait_for_response().text.startswith("Only syncbot admins can run `/sync credentials`")
    bot.command("credentials", user_id=MEMBER)
    assert _opened_view(bot)["callback_id"] == "sync_credentials"
    assert bot.slack.calls("users.info") == []


@pytest.fixture
def keyless_bot(slack: SlackWebApiStandIn, sqlite_url: str) -> Iterator[RunningBot]:
    env = settings_env(slack=slack, database_url=sqlite_url, salesforce_url=None, secret_key=None)
    with running_bot(env, slack=slack) as running:
        yield running


def test_without_a_secret_key_credentials_are_refused_before_the_modal(keyless_bot: RunningBot) -> None:
    keyless_bot.command("credentials", user_id=ADMIN)
    text = keyless_bot.slack.wait_for_response().text
    assert "`SYNCBOT_SECRET_KEY` is not set" in text
    assert "`syncbot keygen`" in text
    assert keyless_bot.slack.calls("views.open") == []


def test_steps_out_of_order_name_the_step_to_run(bot: RunningBot) -> None:
    for text in ("sync-fields yes", "confirm-credentials yes", "start yes", "fields"):
        bot.slack.clear()
        bot.command(text, user_id=ADMIN)
        post = bot.slack.wait_for_response()
        assert post.text == "Do `/sync credentials` first: it is the next setup step.", (text, post.text)
    assert bot.ask("status").startswith("Not started")


def test_malformed_arguments_change_nothing(bot: RunningBot) -> None:
    cases = {
        "hide": "Usage: `/sync hide Object.Field`",
        "map Lead.Email": "Usage: `/sync map Object.Field column`",
        "start now": "Usage: `/sync start [yes]`",
        "channel": "Usage: `/sync channel <#channel>`",
        "channel general": "Name a channel, e.g. `/sync channel #sales-ops`.",
    }
    for text, expected in cases.items():
        bot.slack.clear()
        bot.command(text, user_id=ADMIN)
        assert bot.slack.wait_for_response().text == expected


def test_channel_is_set_from_a_channel_mention(bot: RunningBot) -> None:
    bot.slack.add_channel("C0ALERTS", name="sales-ops")
    bot.command("channel <#C0ALERTS|sales-ops>", user_id=ADMIN)
    assert bot.slack.wait_for_response().text == "Alerts will be posted to <#C0ALERTS>. I posted a test message there."


def test_app_home_shows_the_checklist(bot: RunningBot) -> None:
    bot.sender.app_home_opened(user_id=MEMBER)
    call = bot.slack.wait_for("views.publish")
    assert call.args["user_id"] == MEMBER
    view = call.args["view"]
    text = "\n".join(block["text"]["text"] for block in view["blocks"] if block.get("text"))
    assert ":arrow_right: *Enter the Salesforce sync user's credentials* — `/sync credentials`" in text
    assert "*Sync state:* Not started" in text

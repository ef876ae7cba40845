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
        "channel": "Usage: `/sync channel &lt;#channel&gt;`",  # shown as typed, not a channel link
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


def _answer(bot: RunningBot, text: str, user_id: str) -> str:
    """Send ``/sync <text>`` and return its answer, keeping what the stand-in recorded so far."""
    seen = len(bot.slack.responses())
    bot.command(text, user_id=user_id)
    bot.slack.wait_for_response(lambda _post: len(bot.slack.responses()) > seen)
    return bot.slack.responses()[seen].text


def test_admin_answers_are_kept_for_a_minute(bot: RunningBot) -> None:
    bot.slack.add_channel("C0ALERTS", name="sales-ops")
    bot.slack.add_channel("C0OTHER", name="revops")
    bot.slack.clear()
    chosen = "Alerts will be posted to <#{}>. I posted a test message there."
    assert _answer(bot, "channel <#C0ALERTS|sales-ops>", ADMIN) == chosen.format("C0ALERTS")
    assert _answer(bot, "channel <#C0OTHER|revops>", ADMIN) == chosen.format("C0OTHER")
    assert _answer(bot, "pause", MEMBER).startswith("Only syncbot admins can run `/sync pause`")
    assert _answer(bot, "resume", MEMBER).startswith("Only syncbot admins can run `/sync resume`")
    assert sorted(call.args["user"] for call in bot.slack.calls("users.info")) == [ADMIN, MEMBER]


def test_a_failed_admin_lookup_is_not_allowed_and_not_remembered(bot: RunningBot) -> None:
    bot.slack.add_channel("C0ALERTS", name="sales-ops")
    bot.slack.fail_method("users.info", error="fatal_error")
    bot.command("channel <#C0ALERTS|sales-ops>", user_id=ADMIN)
    refused = bot.slack.wait_for_response().text
    assert refused.startswith("Couldn't check whether you are an admin (Slack said `fatal_error`), so this is not allowed")
    assert refused.endswith("Try again in a minute.")
    bot.slack.clear()
    bot.command("channel <#C0ALERTS|sales-ops>", user_id=ADMIN)
    assert bot.slack.wait_for_response().text == "Alerts will be posted to <#C0ALERTS>. I posted a test message there."
    assert len(bot.slack.calls("users.info")) == 1


def test_the_admin_cache_expires_and_is_kept_per_team() -> None:
    from typing import Any

    from bot.errors import NotAuthorized
    from handlers.authorization import AdminCheck

    class Directory:
        def __init__(self) -> None:
            self.asked: list[str] = []
            self.admin = True

        def users_info(self, *, user: str) -> dict[str, Any]:
            self.asked.append(user)
            return {"user": {"id": user, "is_admin": self.admin}}

    now = [1000.0]
    check = AdminCheck(frozenset(), ttl=60, clock=lambda: now[0])
    slack = Directory()
    check.require(slack, team_id="T1", user_id="U1", command="pause")  # type: ignore[arg-type]
    now[0] += 59
    check.require(slack, team_id="T1", user_id="U1", command="pause")  # type: ignore[arg-type]
    assert slack.asked == ["U1"]
    check.require(slack, team_id="T2", user_id="U1", command="pause")  # type: ignore[arg-type]
    assert slack.asked == ["U1", "U1"]
    slack.admin = False
    now[0] += 2  # T1's answer is now 61 s old: asked again, and the demotion counts
    with pytest.raises(NotAuthorized):
        check.require(slack, team_id="T1", user_id="U1", command="pause")  # type: ignore[arg-type]
    assert slack.asked == ["U1", "U1", "U1"]

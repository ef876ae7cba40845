"""``/sync channel``: both forms Slack sends, every way a channel can be unusable, and alerts
to a channel that stopped working reaching the admin who chose it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.alerts.sender import send_pending
from bot.setup.controls import set_paused
from bot.slack_standin import SlackWebApiStandIn
from storage import workspaces
from tests.support.alerting import start_workspace
from tests.support.harness import ADMIN, RunningBot, running_bot, settings_env

TEST_POST = ":wave: <@UADMIN0001> chose this channel for syncbot's alerts: sync failures, recoveries and a daily digest."
PAUSED = ":double_vertical_bar: <@UADMIN0001> paused the scheduled sync cycles. `/sync resume` restarts them."
RESUMED = ":arrow_forward: <@UADMIN0001> resumed the scheduled sync cycles."


def _alert_channel(bot: RunningBot) -> str | None:
    with bot.services.db.session() as session:
        workspace = workspaces.get(session, "T0001")
        return workspace.alert_channel if workspace else None


def _texts(bot: RunningBot, channel: str) -> list[str]:
    return [message["text"] for message in bot.slack.messages(channel)]


def test_an_escaped_channel_is_tested_and_chosen(bot: RunningBot) -> None:
    bot.slack.add_channel("C0ALERTS", name="sync-alerts")
    assert bot.reply("channel <#C0ALERTS|sync-alerts>") == (
        "Alerts will be posted to <#C0ALERTS>. I posted a test message there."
    )
    assert _texts(bot, "C0ALERTS") == [TEST_POST]
    assert _alert_channel(bot) == "C0ALERTS"


def test_a_plain_name_is_looked_up_page_by_page_and_joined(bot: RunningBot) -> None:
    for n in range(450):
        bot.slack.add_channel(f"C0{n:05d}", name=f"team-{n}", is_member=False)
    bot.slack.add_channel("C0SALESOPS", name="sales-ops", is_member=False)
    assert bot.reply("channel #sales-ops") == (
        "Alerts will be posted to <#C0SALESOPS>: I joined it and posted a test message."
    )
    assert len(bot.slack.calls("conversations.list")) == 3
    assert bot.slack.channel("C0SALESOPS")["is_member"] is True  # type: ignore[index]
    assert _texts(bot, "C0SALESOPS") == [TEST_POST]


@pytest.mark.parametrize(
    ("reference", "answer"),
    [
        ("#nowhere", "I can't find a channel named #nowhere. If it is private, `/invite @syncbot` there first, "
                     "then try again."),
        ("#secret", "I can't find a channel named #secret. If it is private, `/invite @syncbot` there first, "
                    "then try again."),
        ("<#C0SECRET|secret>", "I can't see the channel secret: it was deleted, or it is private and I am not in "
                               "it. For a private channel, `/invite @syncbot` there first. Nothing changed."),
        ("<#C0OLD|old>", "#old is archived, so I can't post there. Pick another channel; nothing changed."),
        ("<#C0GONE>", "I can't see the channel C0GONE: it was deleted, or it is private and I am not in it. "
                      "For a private channel, `/invite @syncbot` there first. Nothing changed."),
        ("<#C0QUIET|announcements>", "I couldn't post to #announcements (Slack said `restricted_action`), so it "
                                     "isn't the alert channel."),
    ],
)
def test_a_channel_the_bot_cannot_post_to_is_refused_and_nothing_changes(
    bot: RunningBot, reference: str, answer: str
) -> None:
    bot.slack.add_channel("C0FIRST", name="first")
    bot.reply("channel <#C0FIRST|first>")
    bot.slack.add_channel("C0SECRET", name="secret", is_private=True, is_member=False)
    bot.slack.add_channel("C0OLD", name="old", is_archived=True)
    bot.slack.add_channel("C0GONE", name="gone")
    bot.slack.delete_channel("C0GONE")
    bot.slack.add_channel("C0QUIET", name="announcements")
    if "QUIET" in reference:
        bot.slack.fail_method("chat.postMessage", "restricted_action")

    assert bot.reply(f"channel {reference}") == answer
    assert _alert_channel(bot) == "C0FIRST"


@pytest.fixture
def both_backends_bot(slack: SlackWebApiStandIn, database_url: str, secret_key: str) -> Iterator[RunningBot]:
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=None, secret_key=secret_key)
    with running_bot(env, slack=slack) as running:
        yield running


def test_alerts_to_a_channel_that_stopped_working_reach_the_admin_who_chose_it(both_backends_bot: RunningBot) -> None:
    bot = both_backends_bot
    start_workspace(bot.services)
    bot.slack.add_channel("C0ALERTS", name="sync-alerts")
    bot.reply("channel <#C0ALERTS|sync-alerts>")
    bot.slack.archive_channel("C0ALERTS")

    set_paused(bot.services, "T0001", True, user_id=ADMIN)
    set_paused(bot.services, "T0001", False, user_id=ADMIN)
    send_pending(bot.services)

    dm = _texts(bot, "D" + ADMIN[1:])
    assert dm == [
        ":warning: I can't post alerts to <#C0ALERTS>: Slack says `is_archived` (it is archived). Choose a working "
        "channel with `/sync channel #channel`; until then I send alerts to you here. This one:\n" + PAUSED,
        "Not posted to <#C0ALERTS> either (`is_archived`):\n" + RESUMED,
    ]
    assert _texts(bot, "C0ALERTS") == [TEST_POST]

    bot.slack.add_channel("C0NEW", name="sync-alerts-2")
    bot.reply("channel <#C0NEW|sync-alerts-2>")
    set_paused(bot.services, "T0001", True, user_id=ADMIN)
    send_pending(bot.services)
    assert _texts(bot, "C0NEW") == [TEST_POST, PAUSED]
    assert len(_texts(bot, "D" + ADMIN[1:])) == 2

"""Reads of Salesforce that every member may ask for, `/sync verify` and `/sync fields`
before `sync-fields`, cost the org's shared API allowance at most once per ten minutes
per workspace and nothing at or past the quota; through signed requests into the
running app, the real client and the simulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select

from bot.read_guard import FRESH_EVERY
from bot.simulator import DEFAULT_USERNAME, SalesforceSimulator
from storage.models import SalesforceRead
from tests.support.harness import MEMBER, RunningBot
from tests.support.sync import cycle, latest_run, start_sync

# Eight objects, two queries each, five queries per Composite request.
ONE_CHECK = 4


def _logins(salesforce: SalesforceSimulator) -> int:
    return salesforce.request_log.count(kind="login")


def _api_calls(salesforce: SalesforceSimulator) -> int:
    return salesforce.request_log.count(kind="rest") + salesforce.request_log.count(kind="bulk")


def _spent(salesforce: SalesforceSimulator) -> int:
    return len(salesforce.request_log)


def _age_reads(bot: RunningBot, by: timedelta = FRESH_EVERY + timedelta(seconds=1)) -> None:
    """Move the last reads back, as if ``by`` had passed."""
    with bot.services.db.session() as session:
        for read in session.scalars(select(SalesforceRead)):
            for name in ("started_at", "finished_at", "checked_at", "usage_seen_at"):
                if getattr(read, name) is not None:
                    setattr(read, name, getattr(read, name) - by)


def _many(bot: RunningBot, text: str, count: int, *, user_id: str = MEMBER) -> list[str]:
    """Send ``/sync <text>`` ``count`` times at once; the answers, in arrival order."""
    bot.slack.clear()
    with ThreadPoolExecutor(max_workers=count) as pool:
        acks = list(pool.map(lambda _: bot.command(text, user_id=user_id), range(count)))
    assert all(ack.status_code == 200 for ack in acks)
    deadline = time.monotonic() + 60
    while len(bot.slack.responses()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return [post.text for post in bot.slack.responses()]


def test_twenty_verifies_by_a_member_cost_one_login_and_one_check(sf_bot: RunningBot,
                                                                    salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    salesforce.request_log.clear()

    answers = _many(sf_bot, "verify", 20)

    assert len(answers) == 20
    assert (_logins(salesforce), _api_calls(salesforce)) == (1, ONE_CHECK)
    fresh = [answer for answer in answers if "Every object agrees." in answer and "Checked" not in answer]
    kept = [answer for answer in answers if "Checked just now; here is that result." in answer]
    waiting = [answer for answer in answers if "is still under way; ask again in a minute." in answer]
    assert len(fresh) == 1 and len(fresh) + len(kept) + len(waiting) == 20
    assert all("Every object agrees." in answer for answer in kept)
    assert all("Members make Salesforce answer at most once every 10 minutes per workspace" in answer
               for answer in kept)

    # Ten minutes on, one member's check asks again, and only one.
    _age_reads(sf_bot)
    salesforce.request_log.clear()
    assert "Checked" not in sf_bot.reply("verify", user_id=MEMBER)
    assert "Checked just now" in sf_bot.reply("verify", user_id=MEMBER)
    assert (_logins(salesforce), _api_calls(salesforce)) == (1, ONE_CHECK)
    # Admins ask Salesforce whenever they ask.
    assert "Checked" not in sf_bot.reply("verify")
    assert (_logins(salesforce), _api_calls(salesforce)) == (2, 2 * ONE_CHECK)


def test_a_members_verify_at_the_quota_spends_nothing_and_says_why(sf_bot: RunningBot,
                                                                  salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    assert "Every object agrees." in sf_bot.reply("verify", user_id=MEMBER)
    _age_reads(sf_bot)
    org.reset_api_usage(int(org.api_daily_max * 0.95))
    assert cycle(sf_bot).status == "failed"  # the guard stops the cycles
    used = latest_run(sf_bot)[0].api_used
    assert used == 14_251
    salesforce.request_log.clear()

    answers = [sf_bot.reply("verify", user_id=MEMBER) for _ in range(30)]

    assert _spent(salesforce) == 0  # no login, no API call
    assert all(answer == answers[0] for answer in answers)
    assert ("Salesforce was not asked: when last seen (just now), the org had used 14,251 of its 15,000 daily API "
            "requests (95%); from 80% on (`SYNCBOT_API_QUOTA`) syncbot leaves the rest to the org's other "
            "integrations. Here is the last check, from 10 min ago.") in answers[0]
    assert "Every object agrees." in answers[0]
    # An admin's check stops like a cycle: after the one answer that shows the usage.
    stopped = sf_bot.reply("verify")
    assert stopped.startswith("syncbot stopped reading at 80% of the org's daily API requests (14,252 of 15,000")
    assert (_logins(salesforce), _api_calls(salesforce)) == (1, 1)


def test_a_refused_login_is_not_tried_again_by_every_member(sf_bot: RunningBot,
                                                            salesforce: SalesforceSimulator) -> None:
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    salesforce.find_user(DEFAULT_USERNAME)[1].password = "changed-in-salesforce"
    salesforce.request_log.clear()

    first = sf_bot.reply("verify", user_id=MEMBER)
    again = [sf_bot.reply("verify", user_id=MEMBER) for _ in range(5)]

    assert first.startswith("Salesforce refused the stored login: INVALID_LOGIN (")
    # Salesforce locks a user out after a few refused logins: members do not add to them.
    assert _logins(salesforce) == 1
    assert all(answer.startswith("The last look at Salesforce, just now, failed: Salesforce refused the stored "
                                 "login: INVALID_LOGIN (") for answer in again)
    assert "Members may make Salesforce answer again from <!date^" in again[0]
    assert "There is no earlier check to show." in again[0]


def test_fields_before_sync_fields_describe_at_most_every_ten_minutes(sf_bot: RunningBot,
                                                                      salesforce: SalesforceSimulator) -> None:
    sf_bot.submit_credentials()
    salesforce.request_log.clear()

    first = sf_bot.reply("fields", user_id=MEMBER)
    spent = _spent(salesforce)
    later = [sf_bot.reply(text, user_id=MEMBER) for text in ("fields", "fields Lead", "fields", "fields Contact")]

    assert "*Lead* → `sf_lead`" in first and "described them" not in first
    assert _logins(salesforce) == 1 and _spent(salesforce) == spent
    overviews, objects = later[0::2], later[1::2]
    assert all("These are the fields as Salesforce described them just now." in answer for answer in overviews)
    # One object's fields are read from what the overview described (only an empty catalog asks).
    assert "`Email` Email (email)" in objects[0] and "`Email` Email (email)" in objects[1]
    # Admins (setting up) see Salesforce as it is now.
    assert "described them" not in sf_bot.reply("fields")
    assert _logins(salesforce) == 2


def test_fields_at_the_quota_spend_nothing_for_members(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    org = salesforce.org
    sf_bot.submit_credentials()
    org.reset_api_usage(int(org.api_daily_max * 0.95))
    salesforce.request_log.clear()

    stopped = sf_bot.reply("fields")
    assert stopped.startswith("syncbot stopped reading at 80% of the org's daily API requests (14,251 of 15,000")
    assert (_logins(salesforce), _api_calls(salesforce)) == (1, 1)  # the list of objects, no object's describe
    _age_reads(sf_bot)
    salesforce.request_log.clear()

    held = sf_bot.reply("fields", user_id=MEMBER)

    assert _spent(salesforce) == 0
    assert held == ("Salesforce was not asked: when last seen (10 min ago), the org had used 14,251 of its 15,000 "
                    "daily API requests (95%); from 80% on (`SYNCBOT_API_QUOTA`) syncbot leaves the rest to the "
                    "org's other integrations. The fields have not been described yet.")

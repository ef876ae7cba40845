"""Step 2 in depth: what the sync user may see, objects the org lacks, and the
scheduler that picks up started workspaces."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import inspect

from storage import schedule
from storage.types import utcnow
from bot.simulator import SalesforceSimulator
from bot.slack_standin import SlackWebApiStandIn
from tests.support.harness import RunningBot, running_bot, settings_env


def test_fields_hidden_by_field_level_security_are_not_offered(
    sf_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    salesforce.org.hide_field("Lead", "AnnualRevenue", "sync@acme.example")
    sf_bot.submit_credentials()
    listing = sf_bot.reply("fields Lead")
    assert "`AnnualRevenue`" not in listing
    assert "`Email`" in listing
    assert sf_bot.reply("hide Lead.AnnualRevenue").startswith("There is no field `Lead.AnnualRevenue` visible")
    sf_bot.reply("sync-fields yes")
    with sf_bot.services.db.engine.connect() as conn:
        columns = {col["name"] for col in inspect(conn).get_columns("sf_lead")}
    assert "annualrevenue" not in columns and "email" in columns


def test_custom_fields_are_offered_with_their_types(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    salesforce.org.add_custom_field("Contact", "Loyalty_Tier__c", "picklist", label="Loyalty Tier", length=40)
    sf_bot.submit_credentials()
    assert "`Loyalty_Tier__c` Loyalty Tier (picklist)" in sf_bot.reply("fields Contact")
    sf_bot.reply("sync-fields yes")
    with sf_bot.services.db.engine.connect() as conn:
        columns = {col["name"]: str(col["type"]) for col in inspect(conn).get_columns("sf_contact")}
    assert columns["loyalty_tier__c"] == "VARCHAR(40)"


def test_unsyncable_binary_fields_are_shown_but_get_no_column(sf_bot: RunningBot) -> None:
    sf_bot.submit_credentials()
    overview = sf_bot.reply("fields")
    binary_objects = [line for line in overview.splitlines() if "can't be synced" in line]
    assert binary_objects, overview
    # Which fields, and why, in the overview itself.
    [contact] = [line for line in binary_objects if line.startswith("*Contact*")]
    assert "can't be synced: " in contact
    assert "`Photo__c` (binary content (base64) is not returned by queries of many rows)" in contact
    listing = sf_bot.reply("fields Contact")
    assert "`Photo__c` Photo (base64) — _can't be synced: binary content (base64)" in listing
    assert sf_bot.reply("hide Contact.Photo__c").startswith("`Contact.Photo__c` is not synced anyway")
    sf_bot.reply("sync-fields yes")
    with sf_bot.services.db.engine.connect() as conn:
        columns = {col["name"] for col in inspect(conn).get_columns("sf_contact")}
    assert "photo__c" not in columns and "email" in columns


@pytest.fixture
def odd_objects_bot(
    slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, sqlite_url: str, secret_key: str
) -> Iterator[RunningBot]:
    env = settings_env(slack=slack, database_url=sqlite_url, salesforce_url=salesforce.url, secret_key=secret_key,
                       extra={"SYNCBOT_OBJECTS": "Lead,Invoice__c"})
    with running_bot(env, slack=slack, salesforce=salesforce) as running:
        yield running


def test_objects_the_sync_user_cannot_see_are_left_out(odd_objects_bot: RunningBot) -> None:
    bot = odd_objects_bot
    bot.submit_credentials()
    overview = bot.reply("fields")
    assert "*Invoice__c*: not visible to the sync user (left out)" in overview
    assert bot.reply("sync-fields yes").startswith("Created 1 table:")
    with bot.services.db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert "sf_lead" in tables and "sf_invoice__c" not in tables


def _due(bot: RunningBot) -> list[str]:
    with bot.services.db.session(write=False) as session:
        return schedule.due_team_ids(session, now=utcnow(), interval=bot.services.settings.sync_interval)


def test_only_started_unpaused_workspaces_are_due(sf_bot: RunningBot) -> None:
    assert _due(sf_bot) == []
    sf_bot.submit_credentials()
    sf_bot.reply("sync-fields yes")
    sf_bot.reply("confirm-credentials yes")
    assert _due(sf_bot) == []
    sf_bot.reply("start yes")
    assert _due(sf_bot) == ["T0001"]
    assert sf_bot.reply("pause") == "Scheduled sync cycles are paused. `/sync resume` restarts them."
    assert "paused" in sf_bot.ask("status")
    assert _due(sf_bot) == []
    assert sf_bot.reply("pause") == "Scheduled sync cycles are already paused."
    assert sf_bot.reply("resume") == "Scheduled sync cycles run again."
    assert _due(sf_bot) == ["T0001"]


def _bot_with_objects(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, url: str, key: str,
                      objects: str):  # type: ignore[no-untyped-def]
    env = settings_env(slack=slack, database_url=url, salesforce_url=salesforce.url, secret_key=key,
                       extra={"SYNCBOT_OBJECTS": objects})
    return running_bot(env, slack=slack, salesforce=salesforce)


def _tables(bot: RunningBot) -> set[str]:
    with bot.services.db.engine.connect() as conn:
        return {name for name in inspect(conn).get_table_names() if name.startswith("sf_")}


def test_an_object_dropped_from_the_setting_is_reported_and_gets_no_table(
    slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, database_url: str, secret_key: str
) -> None:
    with _bot_with_objects(slack, salesforce, database_url, secret_key, "Lead,Contact") as first:
        first.submit_credentials()
        assert "*Contact* → `sf_contact`" in first.reply("fields")
    with _bot_with_objects(slack, salesforce, database_url, secret_key, "Lead") as second:
        answer = second.reply("sync-fields yes")
        assert answer.startswith("Created 1 table:")
        assert "*Contact*: no longer in `SYNCBOT_OBJECTS`, so it was left out" in answer
        assert _tables(second) == {"sf_lead"}
    # Once the tables exist, an object dropped later keeps its table and says so.
    with _bot_with_objects(slack, salesforce, database_url, secret_key, "Contact") as third:
        overview = third.reply("fields")
        assert "*Lead* → `sf_lead`: no longer in `SYNCBOT_OBJECTS`; its table is kept as it is" in overview
        assert "*Contact*: added to `SYNCBOT_OBJECTS` after `/sync sync-fields`; it has no table" in overview


def test_an_object_no_longer_visible_to_the_sync_user_gets_no_table(
    sf_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    sf_bot.submit_credentials()
    assert "*Campaign* → `sf_campaign`" in sf_bot.reply("fields")
    salesforce.org.object("Campaign").queryable = False  # a permission set was taken away
    answer = sf_bot.reply("sync-fields yes")
    assert answer.startswith("Created 7 tables:")
    assert "*Campaign*: not visible to the sync user (left out)" in answer
    assert "sf_campaign" not in _tables(sf_bot)

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

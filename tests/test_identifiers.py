"""Names the product makes for tables, indexes and columns fit PostgreSQL's 63 characters and stay distinct."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import inspect

from bot.simulator import SalesforceSimulator
from bot.simulator.schema import FieldDef
from bot.slack_standin import SlackWebApiStandIn
from storage import mirror
from tests.support.custom_objects import add_custom_object
from tests.support.harness import RunningBot, running_bot, settings_env

LONG_OBJECT = "npsp__General_Accounting_Unit_Allocation__c"
# Two fields whose names agree in their first 63 characters (cut there, they would be one column).
SHARED = "npsp__" + "Allocation_Percentage_Of_The_General_Accounting_Unit_Amount_"
FIELD_ONE = SHARED + "Current__c"
FIELD_TWO = SHARED + "Previous__c"


@pytest.fixture
def long_names_bot(
    slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, database_url: str, secret_key: str
) -> Iterator[RunningBot]:
    add_custom_object(salesforce.org, LONG_OBJECT, [
        FieldDef("Name", "string", length=80, label="Name"),
        FieldDef("npsp__Percent__c", "percent", precision=5, scale=2, custom=True, label="Percent"),
    ])
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=salesforce.url, secret_key=secret_key,
                       extra={"SYNCBOT_OBJECTS": f"Lead,{LONG_OBJECT}"})
    with running_bot(env, slack=slack, salesforce=salesforce) as running:
        yield running


def test_sync_fields_works_for_objects_with_long_names(long_names_bot: RunningBot) -> None:
    # ix_sf_<object>_systemmodstamp is 65 characters here: PostgreSQL refused it every time.
    bot = long_names_bot
    bot.submit_credentials()
    assert bot.reply("sync-fields yes").startswith("Created 2 tables:")
    table = "sf_" + LONG_OBJECT.lower()
    with bot.services.db.engine.connect() as conn:
        inspector = inspect(conn)
        assert table in inspector.get_table_names()
        assert {"id", "isdeleted", "systemmodstamp", "name", "npsp__percent__c"} == {
            col["name"] for col in inspector.get_columns(table)
        }
        indexes = inspector.get_indexes(table)
    assert [index["column_names"] for index in indexes] == [["systemmodstamp"]]
    assert all(len(index["name"]) <= 63 for index in indexes)


def test_fields_whose_names_agree_in_63_characters_get_distinct_columns(
    sf_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    salesforce.org.add_custom_field("Lead", FIELD_ONE, "percent", label="Percentage")
    salesforce.org.add_custom_field("Lead", FIELD_TWO, "percent", label="Previous percentage")
    sf_bot.submit_credentials()
    assert sf_bot.reply("sync-fields yes").startswith("Created 8 tables:")
    with sf_bot.services.db.engine.connect() as conn:
        columns = [col["name"] for col in inspect(conn).get_columns("sf_lead")]
    long_columns = [name for name in columns if name.startswith(SHARED.lower()[:40])]
    assert len(long_columns) == 2 and len(set(long_columns)) == 2
    assert all(len(name) <= 63 for name in columns)
    sf_bot.reply("confirm-credentials yes")
    mapped = sf_bot.reply("mappings Lead")
    for column in long_columns:
        assert f"→ `{column}`" in mapped


def test_identifiers_fit_and_stay_distinct() -> None:
    assert mirror.table_name("Lead") == "sf_lead"
    assert mirror.table_name(LONG_OBJECT) == "sf_" + LONG_OBJECT.lower()
    huge = "ns__" + "x" * 70 + "__c"
    assert len(mirror.table_name(huge)) == 63
    assert mirror.table_name(huge) == mirror.table_name(huge)  # stable
    assert mirror.table_name(huge) != mirror.table_name(huge.replace("ns__", "nt__"))
    assert len(mirror.index_name(mirror.table_name(LONG_OBJECT))) <= 63
    columns = mirror.default_columns(["Id", "IsDeleted", "SystemModstamp", "Email", FIELD_ONE, FIELD_TWO])
    assert columns["Id"] == "id" and columns["Email"] == "email"
    assert len({columns[FIELD_ONE], columns[FIELD_TWO]}) == 2
    assert all(len(name) <= 63 for name in columns.values())

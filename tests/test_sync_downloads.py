"""Downloads under real-world conditions, through whole cycles against the simulator on
both databases: NUL characters in text, connections dropped mid-download, pages cut
short, and query locators that expire while other objects are read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.simulator import SalesforceSimulator
from bot.slack_standin import SlackWebApiStandIn
from tests.support.harness import MEMBER, RunningBot, running_bot, settings_env
from tests.support.sync import cycle, differences, latest_run, local_rows, start_sync

# Longer than the 8 KiB chunks a download is read in: a chunk of nothing but NULs.
NULS = "\x00" * 20_000


@pytest.fixture
def bulk_bot(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, database_url: str,
             secret_key: str) -> Iterator[RunningBot]:
    """A running bot that reads every object of more than 50 rows with Bulk API 2.0."""
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=salesforce.url,
                       secret_key=secret_key, extra={"SYNCBOT_BULK_THRESHOLD": "50"})
    with running_bot(env, slack=slack, salesforce=salesforce) as running:
        yield running


def _others_equal(bot: RunningBot, salesforce: SalesforceSimulator, object_name: str, *skipped: str) -> None:
    # Every difference but the text of the records that held NULs (compared exactly by the test).
    problems = differences(bot, salesforce.org, object_name)
    assert [problem for problem in problems
            if not any(problem.startswith(f"{object_name} {record_id} description:") for record_id in skipped)] == []


# ----- NUL characters ---------------------------------------------------------------------


def _with_nuls(salesforce: SalesforceSimulator) -> tuple[str, str]:
    # One text with NULs inside it, one of nothing but NULs.
    org = salesforce.org
    inside, only = org.ids("Lead")[5], org.ids("Lead")[6]
    org.update("Lead", inside, Description="before" + NULS + "after\x00")
    org.update("Lead", only, Description=NULS)
    return inside, only


def test_nul_characters_read_by_bulk_are_removed_and_cost_no_other_record(
    bulk_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    salesforce.org.generate("Lead", 2_000)
    inside, only = _with_nuls(salesforce)
    start_sync(bulk_bot)
    assert cycle(bulk_bot).status == "succeeded"
    _, items = latest_run(bulk_bot)
    assert items["Lead"].method == "bulk" and items["Lead"].errors == 0
    local = local_rows(bulk_bot, "Lead")
    assert len(local) == salesforce.org.count("Lead", include_deleted=True)
    assert local[inside]["description"] == "beforeafter"
    assert local[only]["description"] is None
    _others_equal(bulk_bot, salesforce, "Lead", inside, only)


def test_nul_characters_read_by_rest_are_removed_and_the_record_syncs(
    sf_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    inside, only = _with_nuls(salesforce)
    start_sync(sf_bot)
    assert cycle(sf_bot).status == "succeeded"
    _, items = latest_run(sf_bot)
    assert items["Lead"].method == "rest" and items["Lead"].errors == 0
    local = local_rows(sf_bot, "Lead")
    assert local[inside]["description"] == "beforeafter"
    assert local[only]["description"] is None
    _others_equal(sf_bot, salesforce, "Lead", inside, only)
    assert sf_bot.ask("status", user_id=MEMBER).startswith("Last Synced")

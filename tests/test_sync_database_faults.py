"""The sync engine when the local database itself fails: a mirror table locked by another
session past ``lock_timeout``, a full disk, and a cycle whose lock connection died while
another replica took the workspace over. Nothing may be lost, and no row may go back
to an older version."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from bot.slack_standin import SlackWebApiStandIn
from bot.sync.convert import RowConverter, is_text
from bot.sync.plan import Column
from storage import drift
from storage.mirror_writer import MirrorWriter, WriteResult
from tests.support.harness import RunningBot, running_bot, settings_env
from tests.support.mirror_rows import PEOPLE_FIELDS, build_people_tables
from tests.support.sync import local_rows


LEAD = "00Q000000000001AAA"


@pytest.fixture
def any_bot(slack: SlackWebApiStandIn, database_url: str, secret_key: str) -> Iterator[RunningBot]:
    """A running bot without Salesforce, once per database backend."""
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=None, secret_key=secret_key)
    with running_bot(env, slack=slack) as running:
        yield running


def _lead(stamp: str, last_name: str, *, deleted: bool = False) -> dict[str, Any]:
    return {"Id": LEAD, "IsDeleted": deleted, "SystemModstamp": stamp, "FirstName": "Ada",
            "LastName": last_name, "Name": f"Ada {last_name}", "Email": "ada@example.com"}


def _write(bot: RunningBot, record: dict[str, Any], *, all_new: bool = False) -> WriteResult:
    """Write one Lead as a cycle does: converted from REST's JSON, through the mirror writer."""
    columns = [Column(name, name.lower(), sf_type) for name, sf_type, _length in PEOPLE_FIELDS]
    converter = RowConverter(columns, source="json", dialect="sqlite" if bot.services.db.dialect == "sqlite"
                             else "postgresql")
    writer = MirrorWriter("sf_lead", [column.column for column in converter.columns],
                          dialect=bot.services.db.dialect,
                          empty_is_null=[column.column for column in converter.columns if is_text(column)])
    with bot.services.db.session() as session:
        return writer.write(session, [converter.convert(record)], all_new=all_new)


def test_a_row_is_never_replaced_by_an_older_version(any_bot: RunningBot) -> None:
    bot = any_bot
    build_people_tables(bot.services, objects=("Lead",))
    assert _write(bot, _lead("2026-11-02T10:00:00.250+0000", "Newer")).inserted == 1
    # A batch read before that change and committed after it (a replica that lost its lock):
    # older by a millisecond, across a second's boundary.
    older = _lead("2026-11-02T10:00:00.249+0000", "Older")
    assert dataclasses.astuple(_write(bot, older)) == (0, 0, 1, 0, [])
    # Even where the stored stamps are not read first (a fresh Bulk job into a table it
    # found empty), the statement itself keeps the newer row.
    assert dataclasses.astuple(_write(bot, older, all_new=True)) == (0, 0, 1, 0, [])
    assert dataclasses.astuple(_write(bot, _lead("2026-11-02T09:59:59.999Z", "Oldest"), all_new=True)) \
        == (0, 0, 1, 0, [])
    assert local_rows(bot, "Lead")[LEAD]["lastname"] == "Newer"
    # The same stamp again is the same version: unchanged, unless it brings back a row the
    # reconciliation marked deleted (gone from the sync user's sight, then back).
    assert dataclasses.astuple(_write(bot, _lead("2026-11-02T10:00:00.250+0000", "Newer"))) == (0, 0, 1, 0, [])
    with bot.services.db.session() as session:
        assert drift.mark_deleted(session, "sf_lead", [LEAD]) == 1
    assert dataclasses.astuple(_write(bot, _lead("2026-11-02T10:00:00.250+0000", "Newer"))) == (0, 1, 0, 0, [])
    assert local_rows(bot, "Lead")[LEAD]["isdeleted"] is False
    # A newer version replaces it, by a millisecond too.
    assert dataclasses.astuple(_write(bot, _lead("2026-11-02T10:00:00.251+0000", "Newest"))) == (0, 1, 0, 0, [])
    assert local_rows(bot, "Lead")[LEAD]["lastname"] == "Newest"

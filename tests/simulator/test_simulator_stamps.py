"""Modification stamps: every change gets a later SystemModstamp, even under a frozen clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from simple_salesforce import Salesforce

from bot.simulator import SalesforceSimulator, SimClock, SimulatedOrg

MS = timedelta(milliseconds=1)


def test_each_change_gets_a_later_stamp_under_a_frozen_clock(clock: SimClock, now: datetime) -> None:
    org = SimulatedOrg(clock=clock)
    lead = org.create("Lead", LastName="Frozen", Company="Clock")
    seen = [org.get("Lead", lead)["SystemModstamp"]]
    org.update("Lead", lead, Title="One")
    seen.append(org.get("Lead", lead)["SystemModstamp"])
    org.update("Lead", lead, Title="Two")
    seen.append(org.get("Lead", lead)["SystemModstamp"])
    org.delete("Lead", lead)
    seen.append(org.get("Lead", lead)["SystemModstamp"])
    org.undelete("Lead", lead)
    seen.append(org.get("Lead", lead)["SystemModstamp"])
    assert seen == [now + MS * step for step in range(5)]
    stored = org.get("Lead", lead)
    assert stored["LastModifiedDate"] == stored["SystemModstamp"] and stored["CreatedDate"] == now
    other = org.create("Contact", LastName="Same org, same sequence")
    assert org.get("Contact", other)["SystemModstamp"] == now + 5 * MS


def test_clock_moving_on_wins_over_the_sequence(clock: SimClock, now: datetime) -> None:
    org = SimulatedOrg(clock=clock)
    first = org.create("Lead", LastName="A", Company="Co")
    org.create("Lead", LastName="B", Company="Co")
    clock.advance(10)
    org.update("Lead", first, Title="Later")
    assert org.get("Lead", first)["SystemModstamp"] == now + timedelta(seconds=10)
    clock.set(now)  # the clock going back never makes a stamp go back
    org.update("Lead", first, Title="Back")
    assert org.get("Lead", first)["SystemModstamp"] == now + timedelta(seconds=10) + MS


def test_touch_false_keeps_the_stamp(clock: SimClock, now: datetime) -> None:
    org = SimulatedOrg(clock=clock)
    lead = org.create("Lead", LastName="Quiet", Company="Co")
    org.update("Lead", lead, touch=False, Custom_Score__c=5)
    assert org.get("Lead", lead)["SystemModstamp"] == now


def test_explicit_stamps_are_kept_and_later_ones_follow_them(clock: SimClock, now: datetime) -> None:
    org = SimulatedOrg(clock=clock)
    past = now - timedelta(days=3)
    old = org.create("Lead", LastName="Old", Company="Co", CreatedDate=past - timedelta(days=1), SystemModstamp=past)
    stored = org.get("Lead", old)
    assert (stored["CreatedDate"], stored["LastModifiedDate"], stored["SystemModstamp"]) == (
        past - timedelta(days=1), past, past)
    future = now + timedelta(hours=1)
    org.update("Lead", old, SystemModstamp=future, LastModifiedDate=future)
    assert org.get("Lead", old)["SystemModstamp"] == future
    fresh = org.create("Lead", LastName="After", Company="Co")
    assert org.get("Lead", fresh)["SystemModstamp"] == future + MS


def test_generated_rows_have_distinct_stamps_unless_told_to_share(clock: SimClock, now: datetime) -> None:
    org = SimulatedOrg(clock=clock)
    ids = org.generate("Lead", 50)
    assert [org.get("Lead", lead)["SystemModstamp"] for lead in ids] == [now + MS * i for i in range(50)]
    shared = org.generate("Lead", 20, SystemModstamp=now, LastModifiedDate=now, CreatedDate=now)
    assert {org.get("Lead", lead)["SystemModstamp"] for lead in shared} == {now}
    spread = org.generate("Lead", 5000, spread=timedelta(seconds=1))  # more rows than milliseconds
    stamps = [org.get("Lead", lead)["SystemModstamp"] for lead in spread]
    assert stamps == sorted(set(stamps)) and stamps[0] < now


def test_a_cursor_on_system_modstamp_misses_no_edit(sim: SalesforceSimulator, sf: Salesforce) -> None:
    # The incremental-sync pattern: remember the greatest stamp, ask for everything after it.
    cursor = sf.query("SELECT SystemModstamp FROM Lead ORDER BY SystemModstamp DESC LIMIT 1")
    last = cursor["records"][0]["SystemModstamp"]
    edited = sim.org.ids("Lead")[0]
    sf.Lead.update(edited, {"Title": "Edited while the clock stands still"})
    created = sf.Lead.create({"LastName": "New", "Company": "Co"})["id"]
    sim.org.update("Lead", edited, Title="Edited again")
    rows = sf.query_all(f"SELECT Id, SystemModstamp FROM Lead WHERE SystemModstamp > {last} "
                        "ORDER BY SystemModstamp, Id")["records"]
    assert [row["Id"] for row in rows] == [created, edited]
    assert rows[0]["SystemModstamp"] < rows[1]["SystemModstamp"]

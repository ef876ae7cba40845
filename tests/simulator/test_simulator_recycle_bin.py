"""Records deleted for good: hard deletes, emptying the recycle bin, and its 15-day expiry."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from simple_salesforce import Salesforce

from bot.simulator import SalesforceSimulator, SimClock, SimulatedOrg, UnknownRecordError

WAIT = 0.01


def _everywhere(sim: SalesforceSimulator, sf: Salesforce, start: datetime) -> dict[str, set[str]]:
    """Where Lead ids can still be seen: queryAll, the deleted resource, Bulk queryAll."""
    rest = {row["Id"] for row in sf.query_all("SELECT Id FROM Lead", include_deleted=True)["records"]}
    end = sim.clock.now() + timedelta(minutes=1)
    deleted = {row["id"] for row in sf.Lead.deleted(start, end)["deletedRecords"]}
    bulk = {line.split(",")[0].strip('"') for page in sf.bulk2.Lead.query_all("SELECT Id FROM Lead", wait=WAIT)
            for line in page.splitlines()[1:]}
    return {"queryAll": rest, "deleted": deleted, "bulk": bulk}


def test_hard_delete_removes_a_record_everywhere(sim: SalesforceSimulator, sf: Salesforce, now: datetime) -> None:
    soft, hard, live = sim.org.ids("Lead")[:3]
    sim.org.delete("Lead", soft)
    sim.org.delete("Lead", hard)
    sim.org.hard_delete("Lead", hard)
    sim.org.hard_delete("Lead", live)  # a live record may be hard-deleted too (Bulk hardDelete)
    seen = _everywhere(sim, sf, now - timedelta(minutes=5))
    assert soft in seen["queryAll"] and soft in seen["deleted"] and soft in seen["bulk"]
    for where in seen.values():
        assert hard not in where and live not in where
    with pytest.raises(UnknownRecordError):
        sim.org.get("Lead", hard)
    with pytest.raises(ValueError):
        sim.org.hard_delete("User", sim.org.ids("User")[0])


def test_purge_recycle_bin(sim: SalesforceSimulator, sf: Salesforce, now: datetime) -> None:
    leads, contacts = sim.org.ids("Lead")[:3], sim.org.ids("Contact")[:2]
    for lead in leads:
        sim.org.delete("Lead", lead)
    for contact in contacts:
        sim.org.delete("Contact", contact)
    assert sim.org.purge_recycle_bin("Lead") == 3
    assert sim.org.deletions("Lead") == [] and len(sim.org.deletions("Contact")) == 2
    seen = _everywhere(sim, sf, now - timedelta(minutes=5))
    assert not set(leads) & (seen["queryAll"] | seen["deleted"] | seen["bulk"])
    assert sim.org.purge_recycle_bin() == 2
    assert sim.org.count("Contact", include_deleted=True) == sim.org.count("Contact")


def test_recycle_bin_empties_itself_after_15_days(clock: SimClock, now: datetime) -> None:
    org = SimulatedOrg(clock=clock)
    early = org.create("Lead", LastName="Early", Company="Co")
    late = org.create("Lead", LastName="Late", Company="Co")
    org.delete("Lead", early)
    clock.advance(timedelta(days=10))
    org.delete("Lead", late)
    clock.advance(timedelta(days=5, minutes=1))  # just over 15 days after the first deletion
    assert org.ids("Lead", include_deleted=True) == [late]
    assert [record_id for record_id, _ in org.deletions("Lead")] == [late]
    clock.advance(timedelta(days=10))
    assert org.count("Lead", include_deleted=True) == 0 and org.deletions("Lead") == []


def test_undeleted_records_leave_the_bin(clock: SimClock, now: datetime) -> None:
    org = SimulatedOrg(clock=clock)
    lead = org.create("Lead", LastName="Back", Company="Co")
    org.delete("Lead", lead)
    org.undelete("Lead", lead)
    clock.advance(timedelta(days=20))
    assert org.get("Lead", lead)["IsDeleted"] is False


def test_created_as_deleted_goes_to_the_bin(clock: SimClock, now: datetime) -> None:
    org = SimulatedOrg(clock=clock)
    when = now - timedelta(days=2)
    lead = org.create("Lead", LastName="Gone", Company="Co", IsDeleted=True, SystemModstamp=when)
    assert org.deletions("Lead") == [(lead, when)]
    clock.advance(timedelta(days=13))
    assert org.count("Lead", include_deleted=True) == 0

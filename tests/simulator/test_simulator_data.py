"""The in-memory org: demo dataset, record API, clock, generation, concurrency."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Callable

import pytest
from simple_salesforce import Salesforce

from bot.simulator import (SalesforceSimulator, SimClock, SimulatedOrg, UnknownRecordError, build_demo_org,
                           simulate_activity)
from bot.simulator.ids import is_valid_id

Login = Callable[..., Salesforce]  # the ``login`` fixture


def test_demo_dataset_is_deterministic(now: datetime) -> None:
    first, second = build_demo_org(clock=SimClock(now)), build_demo_org(clock=SimClock(now))
    for name in ("Lead", "Contact", "Account", "Opportunity", "OpportunityContactRole", "Campaign",
                 "CampaignMember", "User"):
        assert first.records(name) == second.records(name)
    assert build_demo_org(seed=1, clock=SimClock(now)).records("Lead") != first.records("Lead")


def test_demo_dataset_size_and_links(now: datetime) -> None:
    org = build_demo_org(clock=SimClock(now))
    names = ("Account", "Contact", "Opportunity", "OpportunityContactRole", "Campaign", "CampaignMember",
             "Lead", "User")
    counts = {name: org.count(name) for name in names}
    assert 300 <= sum(counts.values()) <= 1000
    accounts, contacts = set(org.ids("Account")), set(org.ids("Contact"))
    leads, campaigns = set(org.ids("Lead")), set(org.ids("Campaign"))
    opportunities = set(org.ids("Opportunity"))
    assert all(row["AccountId"] in accounts for row in org.records("Contact"))
    assert all(row["AccountId"] in accounts for row in org.records("Opportunity"))
    for role in org.records("OpportunityContactRole"):
        assert role["OpportunityId"] in opportunities and role["ContactId"] in contacts
        opportunity = org.get("Opportunity", role["OpportunityId"])
        assert org.get("Contact", role["ContactId"])["AccountId"] == opportunity["AccountId"]
    for member in org.records("CampaignMember"):
        assert member["CampaignId"] in campaigns
        assert member.get("LeadId") in leads or member.get("ContactId") in contacts
    users = set(org.ids("User"))
    assert all(row["OwnerId"] in users for name in ("Lead", "Account") for row in org.records(name))
    assert all(is_valid_id(record_id) and len(record_id) == 18 for record_id in accounts | contacts | leads)
    assert all(row["SystemModstamp"] <= now for row in org.records("Lead"))


def test_demo_dataset_has_lead_contact_duplicates(now: datetime) -> None:
    org = build_demo_org(clock=SimClock(now))
    contact_emails = {row["Email"].lower() for row in org.records("Contact")}
    lead_emails = [row["Email"] for row in org.records("Lead")]
    duplicates = [email for email in lead_emails if email.lower() in contact_emails]
    assert len(duplicates) >= 3
    assert any(email != email.lower() for email in duplicates)  # one differs only by case


def test_create_update_delete(clock: SimClock, now: datetime) -> None:
    org = SimulatedOrg(clock=clock)
    lead = org.create("Lead", {"lastname": "Case", "Company": "Insensitive"}, Email="c@i.example")
    stored = org.get("Lead", lead)
    assert stored["LastName"] == "Case" and stored["Name"] == "Case" and stored["IsDeleted"] is False
    assert stored["CreatedDate"] == stored["SystemModstamp"] == now
    clock.advance(timedelta(minutes=5))
    org.update("Lead", lead, FirstName="Ann")
    stored = org.get("Lead", lead)
    assert stored["Name"] == "Ann Case" and stored["SystemModstamp"] == now + timedelta(minutes=5)
    assert stored["LastModifiedDate"] == stored["SystemModstamp"] and stored["CreatedDate"] == now
    clock.advance(60)
    org.update("Lead", lead, {"Custom_Score__c": 3}, touch=False)
    assert org.get("Lead", lead)["SystemModstamp"] == now + timedelta(minutes=5)
    org.delete("Lead", lead)
    assert org.count("Lead") == 0 and org.count("Lead", include_deleted=True) == 1
    assert org.get("Lead", lead)["IsDeleted"] is True
    assert org.deletions("Lead") == [(lead, now + timedelta(minutes=6))]
    org.undelete("Lead", lead)
    assert org.count("Lead") == 1 and org.deletions("Lead") == []


def test_record_api_errors(clock: SimClock) -> None:
    org = SimulatedOrg(clock=clock)
    with pytest.raises(KeyError):
        org.create("Lead", Nope__c=1)
    with pytest.raises(KeyError):
        org.create("Nope", Name="x")
    with pytest.raises(TypeError):
        org.create("Lead", LastName="x", NumberOfEmployees="many")
    with pytest.raises(ValueError):
        org.create("Lead", LastName="x", Address="1 Main St")
    with pytest.raises(ValueError):
        org.create("Lead", LastName="x", CreatedDate="2024-01-01T00:00:00")  # naive
    with pytest.raises(UnknownRecordError):
        org.update("Lead", "00Q000000000000AAA", LastName="y")
    user = org.add_user("u@x.example", "pw")
    with pytest.raises(ValueError):
        org.delete("User", user.user_id)


def test_clock(now: datetime) -> None:
    clock = SimClock()
    assert not clock.frozen
    clock.set(now)
    assert clock.now() == now and clock.frozen
    assert clock.advance(1.5) == now + timedelta(seconds=1.5)
    clock.set(now, frozen=False)
    assert now <= clock.now() < now + timedelta(seconds=5)
    clock.use_real_time()
    assert clock.now().year >= 2024


def test_generate_many_records_fast(clock: SimClock, now: datetime) -> None:
    org = build_demo_org(clock=clock, size=5)
    started = time.perf_counter()
    ids = org.generate("Lead", 10_000)
    org.generate("Contact", 2_000, spread=timedelta(days=30))
    org.generate("CampaignMember", 500)
    assert time.perf_counter() - started < 10  # about 0.3 s on a laptop
    assert len(ids) == len(set(ids)) == 10_000
    stamps = [org.get("Lead", lead)["SystemModstamp"] for lead in ids]
    assert stamps[0] == now and stamps == sorted(set(stamps))  # distinct, in row order
    contacts = org.records("Contact")[-2000:]
    spread = [row["SystemModstamp"] for row in contacts]
    assert spread == sorted(set(spread)) and spread[0] > now - timedelta(days=30) and spread[-1] == now
    accounts = set(org.ids("Account"))
    assert all(row["AccountId"] in accounts for row in contacts)
    with pytest.raises(ValueError):
        SimulatedOrg(clock=clock).generate("OpportunityContactRole", 1)


def test_second_org_and_sandbox(sim: SalesforceSimulator) -> None:
    second = sim.add_org("Globex", username="sync@globex.example", size=5, seed=3)
    sandbox = sim.add_org("Acme Corp", username="sync@acme.example.uat", is_sandbox=True)
    assert len({sim.org.org_id, second.org_id, sandbox.org_id}) == 3
    assert second.count("Account") == 5 and sandbox.count("Lead") == 0
    assert second.clock is sim.clock is sandbox.clock
    assert not set(second.ids("Account")) & set(sim.org.ids("Account"))


def test_concurrent_clients(sim: SalesforceSimulator, login: Login) -> None:
    sim.org.generate("Lead", 3000)
    expected = sim.org.count("Lead")
    errors: list[BaseException] = []
    totals: list[int] = []

    def reader() -> None:
        try:
            sf: Salesforce = login()
            totals.append(len(sf.query_all("SELECT Id FROM Lead")["records"]))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def writer() -> None:
        for _ in range(200):
            sim.org.create("Contact", LastName="Concurrent")

    threads = [threading.Thread(target=reader) for _ in range(4)] + [threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and totals == [expected] * 4


def test_simulate_activity(clock: SimClock, now: datetime) -> None:
    org = build_demo_org(clock=clock, size=10)
    clock.advance(timedelta(hours=1))
    changes = simulate_activity(org, seed=7, creates=2, updates=4, deletes=1)
    assert [len(changes[kind]) for kind in ("created", "updated", "deleted")] == [2, 4, 1]
    later = now + timedelta(hours=1)
    stamps = []
    for record_id in changes["updated"]:
        kind = "Contact" if record_id.startswith("003") else "Opportunity"
        stamps.append(org.get(kind, record_id)["SystemModstamp"])
    assert later < min(stamps) and len(set(stamps)) == 4  # each change its own stamp, after the creates
    assert org.get("Lead", changes["deleted"][0])["IsDeleted"] is True
    created = [org.get("Lead", lead)["CreatedDate"] for lead in changes["created"]]
    assert created == [later, later + timedelta(milliseconds=1)]


def test_blank_text_is_null(sim: SalesforceSimulator, sf: Salesforce) -> None:
    lead = sim.org.create("Lead", LastName="Blank", Company="Co", Title="", Email="b@x.example")
    assert "Title" not in sim.org.get("Lead", lead)
    sf.Lead.update(lead, {"Email": ""})  # clearing a field over REST, as Salesforce stores it
    assert sf.Lead.get(lead)["Email"] is None and "Email" not in sim.org.get("Lead", lead)

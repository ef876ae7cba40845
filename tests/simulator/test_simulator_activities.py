"""Tasks and Events as Salesforce keeps them: a year after they are done they are archived;
``query`` (REST, Composite, Bulk) leaves archived ones out, ``queryAll`` returns them,
and nobody sets ``IsArchived`` through the API. Also ``ORDER BY Id``, which pages in the
order of the Ids' characters (digits, then upper case, then lower case)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from bot.simulator import SalesforceSimulator, archive_activities

WAIT = 0.01


def _ids(sf: Salesforce, soql: str, *, include_deleted: bool) -> set[str]:
    return {row["Id"] for row in sf.query_all(soql, include_deleted=include_deleted)["records"]}


def _bulk_ids(sf: Salesforce, soql: str, *, include_deleted: bool) -> set[str]:
    run = sf.bulk2.Task.query_all if include_deleted else sf.bulk2.Task.query
    return {line.split(",")[0].strip('"') for page in run(soql, wait=WAIT) for line in page.splitlines()[1:]}


def test_archived_activities_are_left_out_of_query_and_kept_by_query_all(sim: SalesforceSimulator, sf: Salesforce,
                                                                         now: datetime) -> None:
    org = sim.org
    year_ago = now.date() - timedelta(days=366)
    old_done = org.create("Task", Subject="Call", Status="Completed", ActivityDate=year_ago)
    old_open = org.create("Task", Subject="Call", Status="In Progress", ActivityDate=year_ago)
    recent_done = org.create("Task", Subject="Email", Status="Completed", ActivityDate=now.date())
    old_event = org.create("Event", Subject="Meeting", StartDateTime=now - timedelta(days=400), DurationInMinutes=30)
    new_event = org.create("Event", Subject="Meeting", StartDateTime=now + timedelta(days=1), DurationInMinutes=60)
    before = org.get("Task", old_done)

    assert sorted(archive_activities(org)) == sorted([old_done, old_event])
    assert org.get("Task", old_done)["IsArchived"] is True
    after = org.get("Task", old_done)
    # Changed by an automated process: SystemModstamp moves, LastModifiedDate stays.
    assert after["SystemModstamp"] > before["SystemModstamp"]
    assert after["LastModifiedDate"] == before["LastModifiedDate"]
    assert org.get("Task", old_open)["IsArchived"] is False  # open tasks are never archived

    assert _ids(sf, "SELECT Id FROM Task", include_deleted=False) == {old_open, recent_done}
    assert _ids(sf, "SELECT Id FROM Task", include_deleted=True) == {old_done, old_open, recent_done}
    assert _ids(sf, "SELECT Id FROM Task WHERE IsArchived = true", include_deleted=False) == set()
    assert _ids(sf, "SELECT Id FROM Task WHERE IsArchived = true", include_deleted=True) == {old_done}
    assert sf.query("SELECT COUNT() FROM Event")["totalSize"] == 1
    assert _ids(sf, "SELECT Id FROM Event", include_deleted=True) == {old_event, new_event}
    assert _bulk_ids(sf, "SELECT Id FROM Task", include_deleted=False) == {old_open, recent_done}
    assert _bulk_ids(sf, "SELECT Id FROM Task", include_deleted=True) == {old_done, old_open, recent_done}
    # An archived task is a live record: read by Id through queryAll, and it can be deleted.
    sf.Task.delete(old_done)
    assert org.get("Task", old_done)["IsDeleted"] is True


def test_is_archived_cannot_be_set_through_the_api(sim: SalesforceSimulator, sf: Salesforce) -> None:
    task = sim.org.create("Task", Subject="Call")
    with pytest.raises(SalesforceMalformedRequest):
        sf.Task.update(task, {"IsArchived": True})
    assert sim.org.get("Task", task)["IsArchived"] is False


def test_task_and_event_describe_like_a_real_org(sf: Salesforce) -> None:
    task = {field["name"]: field for field in sf.Task.describe()["fields"]}
    event = {field["name"]: field for field in sf.Event.describe()["fields"]}
    for fields in (task, event):
        archived = fields["IsArchived"]
        assert (archived["type"], archived["nillable"], archived["createable"], archived["updateable"],
                archived["defaultedOnCreate"]) == ("boolean", False, False, False, True)
        assert fields["Subject"]["type"] == "combobox" and fields["WhoId"]["referenceTo"] == ["Contact", "Lead"]
    assert (task["Status"]["nillable"], task["Status"]["defaultedOnCreate"]) == (False, True)
    assert sf.Task.describe()["keyPrefix"] == "00T" and sf.Event.describe()["keyPrefix"] == "00U"


def test_closed_task_without_a_due_date_is_archived_a_year_after_its_creation(sim: SalesforceSimulator,
                                                                              now: datetime) -> None:
    org = sim.org
    old = org.create("Task", Subject="Call", Status="Completed", CreatedDate=now - timedelta(days=365))
    young = org.create("Task", Subject="Call", Status="Completed", CreatedDate=now - timedelta(days=364))
    assert archive_activities(org) == [old]
    assert org.get("Task", young)["IsArchived"] is False


def test_order_by_id_pages_in_the_order_of_the_ids_characters(sim: SalesforceSimulator, sf: Salesforce) -> None:
    ids = sim.org.generate("Task", 130, seed=3)  # counters past 9, Z and z in the last character
    headers = {"Sforce-Query-Options": "batchSize=200"}
    answered = [row["Id"] for row in sf.query_all("SELECT Id FROM Task ORDER BY Id", include_deleted=True,
                                                  headers=headers)["records"]]
    assert answered == sorted(ids)  # Python compares str by code point: 0-9 < A-Z < a-z
    assert answered != sorted(ids, key=str.lower)

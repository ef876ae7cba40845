"""REST resources other than queries: describe, limits, sessions, faults, records, replication."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest
import requests
from simple_salesforce import (Salesforce, SalesforceExpiredSession, SalesforceGeneralError,
                               SalesforceMalformedRequest, SalesforceRefusedRequest,
                               SalesforceResourceNotFound)

from bot.simulator import DEFAULT_USERNAME, SalesforceSimulator, SimClock

FIELD_KEYS = {"name", "label", "type", "length", "precision", "scale", "nillable", "createable", "updateable",
              "calculated", "custom", "unique", "externalId", "referenceTo", "relationshipName",
              "compoundFieldName", "picklistValues"}
GLOBAL_KEYS = {"name", "label", "custom", "queryable", "replicateable", "retrieveable", "createable",
               "updateable"}
SYNCED = ["Lead", "Contact", "Account", "Opportunity", "OpportunityContactRole", "Campaign", "CampaignMember",
          "User"]

Login = Callable[..., Salesforce]  # the ``login`` fixture


def test_global_describe(sf: Salesforce) -> None:
    objects = {entry["name"]: entry for entry in sf.describe()["sobjects"]}
    assert set(SYNCED) | {"Organization"} <= set(objects)
    for entry in objects.values():
        assert GLOBAL_KEYS <= set(entry)
    assert objects["Lead"]["replicateable"] is True and objects["Organization"]["replicateable"] is False


@pytest.mark.parametrize("name", SYNCED + ["Organization"])
def test_object_describe(sf: Salesforce, name: str) -> None:
    answer = getattr(sf, name).describe()
    assert answer["name"] == name
    fields = {field["name"]: field for field in answer["fields"]}
    for field in fields.values():
        assert FIELD_KEYS <= set(field)
    assert fields["Id"]["type"] == "id" and fields["SystemModstamp"]["type"] == "datetime"
    if name not in ("User", "Organization"):
        assert fields["IsDeleted"]["type"] == "boolean"


def test_describe_types(sf: Salesforce) -> None:
    lead = {field["name"]: field for field in sf.Lead.describe()["fields"]}
    assert lead["Email"]["type"] == "email" and lead["Phone"]["type"] == "phone"
    assert lead["AnnualRevenue"]["type"] == "currency" and lead["AnnualRevenue"]["precision"] == 18
    assert lead["NumberOfEmployees"]["type"] == "int"
    assert lead["Description"]["type"] == "textarea" and lead["Description"]["length"] == 32000
    assert lead["Custom_Score__c"]["custom"] is True and lead["Custom_Score__c"]["type"] == "double"
    assert "Open - Not Contacted" in [value["value"] for value in lead["Status"]["picklistValues"]]
    assert lead["Address"]["type"] == "address"
    parts = ("Street", "City", "State", "PostalCode", "Country")
    assert {lead[part]["compoundFieldName"] for part in parts} == {"Address"}
    contact = {field["name"]: field for field in sf.Contact.describe()["fields"]}
    assert contact["AccountId"]["referenceTo"] == ["Account"]
    assert contact["AccountId"]["relationshipName"] == "Account"
    assert contact["Photo__c"]["type"] == "base64"
    assert contact["Account_Name__c"]["calculated"] is True
    opportunity = {field["name"]: field for field in sf.Opportunity.describe()["fields"]}
    assert opportunity["Probability"]["type"] == "percent" and opportunity["CloseDate"]["type"] == "date"
    account = {field["name"]: field for field in sf.Account.describe()["fields"]}
    assert account["Headquarters__c"]["type"] == "location"
    assert account["External_Key__c"]["externalId"] is True


def test_hidden_fields(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.hide_field("Lead", "custom_score__c", username=DEFAULT_USERNAME)
    names = [field["name"] for field in sf.Lead.describe()["fields"]]
    assert "Custom_Score__c" not in names and "Email" in names
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query("SELECT Id, Custom_Score__c FROM Lead")
    assert failure.value.content[0]["errorCode"] == "INVALID_FIELD"
    sim.org.unhide_field("Lead", "Custom_Score__c")
    assert sf.query("SELECT Id, Custom_Score__c FROM Lead LIMIT 1")["records"]


def test_added_custom_field(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.add_custom_field("Lead", "Region", "picklist", picklist_values=("EMEA", "APAC"))
    field = next(f for f in sf.Lead.describe()["fields"] if f["name"] == "Region__c")
    assert field["custom"] is True and [v["value"] for v in field["picklistValues"]] == ["EMEA", "APAC"]
    lead = sim.org.create("Lead", LastName="New", Company="Co", Region__c="EMEA")
    rows = sf.query("SELECT Region__c FROM Lead WHERE Region__c = 'emea'")["records"]
    assert rows[0]["Region__c"] == "EMEA"
    others = sf.query(f"SELECT Region__c FROM Lead WHERE Id != '{lead}' AND Region__c != null")
    assert others["totalSize"] == 0


def test_limits_and_api_usage(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sf.describe()
    usage = sf.api_usage["api-usage"]
    assert (usage.used, usage.total) == (1, 15000)
    limits = sf.limits()
    assert limits["DailyApiRequests"] == {"Max": 15000, "Remaining": 15000 - 2}
    assert sf.api_usage["api-usage"].used == 2 == sim.org.api_requests_used
    assert sim.request_log.count(kind="rest") == 2


def test_missing_or_unknown_session_is_401(sim: SalesforceSimulator, session: requests.Session) -> None:
    for headers in ({}, {"Authorization": "Bearer 00D000000000001!nope"}):
        answer = session.get("https://acme.my.salesforce.com/services/data/v59.0/limits/", headers=headers)
        assert answer.status_code == 401
        assert answer.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_session_only_valid_on_its_instance(sf: Salesforce, session: requests.Session) -> None:
    answer = session.get("https://other.my.salesforce.com/services/data/v59.0/limits/",
                         headers={"Authorization": f"Bearer {sf.session_id}"})
    assert answer.status_code == 401


def test_expired_session_logs_in_again(sim: SalesforceSimulator, sf: Salesforce) -> None:
    old = sf.session_id
    assert sim.expire_sessions() == 1
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] > 0
    assert sf.session_id != old
    sim.expire_sessions()
    assert sf.Lead.describe()["name"] == "Lead"  # SFType retries too
    assert sim.request_log.count(kind="login") == 3
    assert sim.request_log.count(kind="rest", status=401) == 2


def test_expired_session_without_credentials_raises(sim: SalesforceSimulator, sf: Salesforce,
                                                    session: requests.Session) -> None:
    direct = Salesforce(session_id=sf.session_id, instance=sf.sf_instance, session=session)
    sim.expire_sessions()
    with pytest.raises(SalesforceExpiredSession):
        direct.query("SELECT Id FROM Lead LIMIT 1")


def test_server_errors(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.fail_next_requests(2)
    for _ in range(2):
        with pytest.raises(SalesforceGeneralError) as failure:
            sf.query("SELECT Id FROM Lead LIMIT 1")
        assert failure.value.status == 503
        message = "Server temporarily unavailable. Please try again later."
        assert failure.value.content == [{"message": message, "errorCode": "SERVER_UNAVAILABLE"}]
    assert sf.query("SELECT Id FROM Lead LIMIT 1")["records"]
    sim.fail_next_requests(1, status=500, error_code="UNABLE_TO_LOCK_ROW",
                           message="unable to obtain exclusive access to this record")
    with pytest.raises(SalesforceGeneralError):
        sf.Lead.describe()


def test_login_server_errors(sim: SalesforceSimulator, login: Login) -> None:
    from simple_salesforce import SalesforceAuthenticationFailed

    sim.fail_next_requests(1, scope="login")
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        login()
    assert failure.value.code == 503
    assert login().session_id


def test_request_limit_switch(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.set_request_limit_exceeded()
    with pytest.raises(SalesforceRefusedRequest) as failure:
        sf.query("SELECT Id FROM Lead LIMIT 1")
    assert failure.value.status == 403
    refusal = {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    assert failure.value.content == [refusal]
    sim.set_request_limit_exceeded(False)
    assert sf.query("SELECT Id FROM Lead LIMIT 1")["records"]


def test_request_limit_reached_by_usage(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.api_daily_max = 5
    for _ in range(5):
        sf.limits()
    assert sf.api_usage["api-usage"].used == 5
    with pytest.raises(SalesforceRefusedRequest):
        sf.limits()
    sim.org.reset_api_usage()
    assert sf.limits()["DailyApiRequests"]["Remaining"] == 4
    sim.org.exhaust_api_limit()
    with pytest.raises(SalesforceRefusedRequest):
        sf.Lead.describe()


def test_long_urls_are_refused(sf: Salesforce) -> None:
    fields = ", ".join(["Email"] * 2000)
    with pytest.raises(SalesforceGeneralError) as failure:
        sf.query(f"SELECT {fields} FROM Lead")
    assert failure.value.status in (414, 431)
    short = ", ".join(["Id"] + ["Email"] * 1)
    assert sf.query(f"SELECT {short} FROM Lead LIMIT 1")["records"]


def test_record_crud(sim: SalesforceSimulator, sf: Salesforce, clock: SimClock, now: datetime) -> None:
    created = sf.Lead.create({"LastName": "Api", "Company": "Rest Co", "Email": "api@rest.example"})
    assert created["success"] is True
    lead_id = created["id"]
    record = sf.Lead.get(lead_id)
    assert record["Email"] == "api@rest.example" and record["Status"] == "Open - Not Contacted"
    clock.advance(30)
    assert sf.Lead.update(lead_id, {"Email": "new@rest.example"}) == 204
    stored = sim.org.get("Lead", lead_id)
    assert stored["Email"] == "new@rest.example" and stored["SystemModstamp"] == now + timedelta(seconds=30)
    assert sf.Lead.delete(lead_id) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Lead.get(lead_id)
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.Lead.create({"Company": "No Last Name"})
    assert failure.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.Lead.create({"LastName": "x", "Company": "y", "SystemModstamp": "2024-01-01T00:00:00Z"})
    assert failure.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_updated_and_deleted(
    sim: SalesforceSimulator, sf: Salesforce, clock: SimClock, now: datetime,
) -> None:
    start = now - timedelta(minutes=1)
    fresh = sim.org.create("Lead", LastName="Fresh", Company="Co")
    doomed = sim.org.create("Lead", LastName="Doomed", Company="Co")
    clock.advance(120)
    sim.org.delete("Lead", doomed)
    end = now + timedelta(minutes=5)
    updated = sf.Lead.updated(start, end)
    assert updated["ids"] == [fresh]
    assert updated["latestDateCovered"] == "2024-06-01T12:02:00.000+0000"  # "now", not the future end
    deleted = sf.Lead.deleted(start, end)
    assert deleted["deletedRecords"] == [{"id": doomed, "deletedDate": "2024-06-01T12:02:00.000+0000"}]
    assert deleted["earliestDateAvailable"] == "2024-05-17T12:02:00.000+0000"
    assert sim.org.get("Lead", doomed)["IsDeleted"] is True
    with pytest.raises(SalesforceMalformedRequest):
        sf.Lead.updated(datetime(2024, 6, 1), datetime(2024, 6, 2))  # naive: a malformed URL
    with pytest.raises(SalesforceMalformedRequest):
        sf.Lead.updated(end, start)


def test_versions_and_unknown_resources(sf: Salesforce, session: requests.Session) -> None:
    versions = session.get("https://acme.my.salesforce.com/services/data/").json()
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions
    with pytest.raises(SalesforceResourceNotFound):
        sf.restful("sobjects/Nope__c/describe")
    with pytest.raises(SalesforceResourceNotFound):
        sf.restful("nothing/here")


def test_request_log(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sf.query("SELECT Id FROM Lead LIMIT 1", headers={"Sforce-Query-Options": "batchSize=300"})
    entry = sim.request_log.entries()[-1]
    assert entry.method == "GET" and entry.path == "/services/data/v59.0/query/"
    assert entry.forwarded_host == "acme.my.salesforce.com" and entry.username == DEFAULT_USERNAME
    assert entry.headers["sforce-query-options"] == "batchSize=300" and entry.counted
    assert "authorization" not in entry.headers
    assert entry.at.tzinfo is timezone.utc
    sim.request_log.clear()
    assert len(sim.request_log) == 0

"""The composite resources through ``sf.restful("composite", method="POST", json=...)``."""

from __future__ import annotations

from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest, SalesforceResourceNotFound

from bot.simulator import SalesforceSimulator
from bot.simulator.org import ORG_CREATED

V = "/services/data/v59.0"


def _query(reference: str, soql: str, *, all_rows: bool = False) -> dict[str, str]:
    resource = "queryAll" if all_rows else "query"
    return {"method": "GET", "url": f"{V}/{resource}/?q={quote(soql)}", "referenceId": reference}


def _composite(sf: Salesforce, subrequests: list[dict[str, Any]], **options: Any) -> list[dict[str, Any]]:
    answer = sf.restful("composite", method="POST", json={"compositeRequest": subrequests, **options})
    assert isinstance(answer, dict)
    return answer["compositeResponse"]  # type: ignore[no-any-return]


def test_several_queries_in_one_call(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.delete("Lead", sim.org.ids("Lead")[0])
    used = sim.org.api_requests_used
    answers = _composite(sf, [
        _query("Lead", "SELECT Id, IsDeleted, SystemModstamp FROM Lead ORDER BY Id", all_rows=True),
        _query("Contact", "SELECT Id, Email FROM Contact ORDER BY Id"),
        {"method": "GET", "url": f"{V}/sobjects/Account/describe", "referenceId": "AccountDescribe"},
    ], allOrNone=False)
    assert sim.org.api_requests_used == used + 1  # one API call for the lot
    assert sf.api_usage["api-usage"].used == used + 1  # Sforce-Limit-Info came once, on the outer answer
    assert [entry["referenceId"] for entry in answers] == ["Lead", "Contact", "AccountDescribe"]
    assert all(entry["httpStatusCode"] == 200 and entry["httpHeaders"] == {} for entry in answers[:2])
    standalone = sf.query_all("SELECT Id, IsDeleted, SystemModstamp FROM Lead ORDER BY Id", include_deleted=True)
    assert answers[0]["body"]["records"] == standalone["records"]
    assert answers[0]["body"]["totalSize"] == sim.org.count("Lead", include_deleted=True)
    assert answers[1]["body"] == sf.query("SELECT Id, Email FROM Contact ORDER BY Id")
    assert answers[2]["body"]["name"] == "Account"
    assert "Last-Modified" in answers[2]["httpHeaders"]


def test_next_pages_through_composite_and_on_their_own(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.generate("Lead", 2500)
    first = _composite(sf, [_query("Lead", "SELECT Id FROM Lead ORDER BY Id")])[0]["body"]
    assert first["done"] is False and len(first["records"]) == 2000
    second = _composite(sf, [{"method": "GET", "url": first["nextRecordsUrl"], "referenceId": "More"}])[0]
    assert second["httpStatusCode"] == 200
    ids = [row["Id"] for row in first["records"] + second["body"]["records"]]
    assert ids == sorted(sim.org.ids("Lead"))
    again = _composite(sf, [_query("Lead", "SELECT Id FROM Lead ORDER BY Id")])[0]["body"]
    rest = sf.query_more(again["nextRecordsUrl"], identifier_is_url=True)
    assert [row["Id"] for row in rest["records"]] == ids[2000:]


def test_limits_on_subrequests(sim: SalesforceSimulator, sf: Salesforce) -> None:
    describe = [{"method": "GET", "url": f"{V}/sobjects/Lead/describe", "referenceId": f"D{i}"} for i in range(26)]
    with pytest.raises(SalesforceMalformedRequest) as failure:
        _composite(sf, describe)
    assert failure.value.status == 400 and failure.value.content[0]["errorCode"] == "LIMIT_EXCEEDED"
    queries = [_query(f"Q{i}", "SELECT Id FROM Lead LIMIT 1") for i in range(6)]
    with pytest.raises(SalesforceMalformedRequest) as failure:
        _composite(sf, queries)
    assert "at most 5 query subrequests" in failure.value.content[0]["message"]
    more = {"method": "GET", "url": f"{V}/query/01gAAAAAAAAAAAAAAA-2000", "referenceId": "More"}
    with pytest.raises(SalesforceMalformedRequest):
        _composite(sf, queries[:5] + [more])  # a next page is a query too
    answers = _composite(sf, queries[:5] + describe[:20])  # 25 in all, 5 of them queries
    assert len(answers) == 25 and {entry["httpStatusCode"] for entry in answers} == {200}
    for broken in ([], [{"url": f"{V}/limits/", "referenceId": "NoMethod"}],
                   [{"method": "GET", "url": f"{V}/limits/", "referenceId": "has space"}],
                   [describe[0], describe[0]]):
        with pytest.raises(SalesforceMalformedRequest):
            _composite(sf, broken)


def test_failed_subrequest_carries_its_own_error(sim: SalesforceSimulator, sf: Salesforce) -> None:
    answers = _composite(sf, [
        _query("Good", "SELECT Id FROM Lead LIMIT 2"),
        _query("Bad", "SELECT Nope__c FROM Lead"),
        {"method": "GET", "url": f"{V}/sobjects/Lead/00Q000000000000AAA", "referenceId": "Missing"},
        {"method": "GET", "url": f"{V}/jobs/query", "referenceId": "Bulk"},
        _query("AlsoGood", "SELECT Id FROM Contact LIMIT 1"),
    ], allOrNone=False)
    statuses = {entry["referenceId"]: entry["httpStatusCode"] for entry in answers}
    assert statuses == {"Good": 200, "Bad": 400, "Missing": 404, "Bulk": 400, "AlsoGood": 200}
    bad = answers[1]["body"]
    assert isinstance(bad, list) and bad[0]["errorCode"] == "INVALID_FIELD" and "Nope__c" in bad[0]["message"]
    assert answers[2]["body"] == [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]


def test_references_and_all_or_none(sim: SalesforceSimulator, sf: Salesforce) -> None:
    before = sim.org.count("Lead")
    answers = _composite(sf, [
        {"method": "POST", "url": f"{V}/sobjects/Lead/", "referenceId": "NewLead",
         "body": {"LastName": "Composite", "Company": "Refs & Co"}},
        {"method": "GET", "url": f"{V}/sobjects/Lead/@{{NewLead.id}}?fields=Company", "referenceId": "Read"},
        {"method": "GET", "url": f"{V}/sobjects/Lead/@{{Nobody.id}}", "referenceId": "Dangling"},
    ])
    assert answers[0]["httpStatusCode"] == 201 and answers[0]["httpHeaders"]["Location"].endswith(
        answers[0]["body"]["id"])
    assert answers[1]["body"]["Company"] == "Refs & Co"
    assert answers[2]["httpStatusCode"] == 400 and answers[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert sim.org.count("Lead") == before + 1

    answers = _composite(sf, [
        {"method": "POST", "url": f"{V}/sobjects/Lead/", "referenceId": "Kept",
         "body": {"LastName": "Rolled", "Company": "Back"}},
        {"method": "PATCH", "url": f"{V}/sobjects/Lead/@{{Kept.id}}", "referenceId": "Broken",
         "body": {"NumberOfEmployees": "many"}},
        {"method": "GET", "url": f"{V}/limits/", "referenceId": "After"},
    ], allOrNone=True)
    assert [entry["httpStatusCode"] for entry in answers] == [400, 400, 400]
    assert answers[0]["body"][0]["errorCode"] == answers[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert answers[1]["body"][0]["errorCode"] == "JSON_PARSER_ERROR"
    assert sim.org.count("Lead") == before + 1  # the create was rolled back


def test_subrequest_headers_and_describe_304(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.generate("Lead", 300)
    since = format_datetime(ORG_CREATED, usegmt=True)
    answers = _composite(sf, [
        {"method": "GET", "url": f"{V}/sobjects/Lead/describe", "referenceId": "Cheap",
         "httpHeaders": {"If-Modified-Since": since}},
        {"method": "GET", "url": f"{V}/query/?q={quote('SELECT Id FROM Lead')}", "referenceId": "Small",
         "httpHeaders": {"Sforce-Query-Options": "batchSize=200"}},
    ])
    assert answers[0]["httpStatusCode"] == 304 and answers[0]["body"] is None
    assert len(answers[1]["body"]["records"]) == 200


def test_batch_counts_each_subrequest(sim: SalesforceSimulator, sf: Salesforce) -> None:
    used = sim.org.api_requests_used
    answer = sf.restful("composite/batch", method="POST", json={"batchRequests": [
        {"method": "GET", "url": f"v59.0/query/?q={quote('SELECT Id FROM Lead LIMIT 3')}"},
        {"method": "GET", "url": "v59.0/sobjects/Lead/describe"},
        {"method": "GET", "url": f"v59.0/query/?q={quote('SELECT Nope FROM Lead')}"},
        {"method": "PATCH", "url": f"v59.0/sobjects/Lead/{sim.org.ids('Lead')[0]}",
         "richInput": {"Title": "Batched"}},
    ]})
    assert sim.org.api_requests_used == used + 4 == sf.api_usage["api-usage"].used
    assert answer["hasErrors"] is True
    assert [result["statusCode"] for result in answer["results"]] == [200, 200, 400, 204]
    assert len(answer["results"][0]["result"]["records"]) == 3 and answer["results"][3]["result"] is None
    assert sim.org.get("Lead", sim.org.ids("Lead")[0])["Title"] == "Batched"
    halted = sf.restful("composite/batch", method="POST", json={"haltOnError": True, "batchRequests": [
        {"method": "GET", "url": "v59.0/sobjects/Nope__c/describe"},
        {"method": "GET", "url": "v59.0/limits/"},
    ]})
    assert [result["statusCode"] for result in halted["results"]] == [404, 412]
    assert halted["results"][1]["result"][0]["errorCode"] == "BATCH_PROCESSING_HALTED"


def test_batch_stops_at_the_daily_limit(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.reset_api_usage(sim.org.api_daily_max - 2)
    answer = sf.restful("composite/batch", method="POST", json={"batchRequests": [
        {"method": "GET", "url": "v59.0/limits/"} for _ in range(3)]})
    assert [result["statusCode"] for result in answer["results"]] == [200, 200, 403]
    assert answer["results"][2]["result"][0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_composite_can_be_refused(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.composite_enabled = False
    with pytest.raises(SalesforceResourceNotFound) as failure:
        _composite(sf, [_query("Lead", "SELECT Id FROM Lead")])
    assert failure.value.content[0]["errorCode"] == "NOT_FOUND"
    with pytest.raises(SalesforceResourceNotFound):
        sf.restful("composite/batch", method="POST", json={"batchRequests": []})
    sim.composite_enabled = True
    assert _composite(sf, [_query("Lead", "SELECT Id FROM Lead LIMIT 1")])[0]["httpStatusCode"] == 200


def test_expired_session_logs_in_again(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.expire_sessions()
    answers = _composite(sf, [_query("Lead", "SELECT COUNT() FROM Lead")])
    assert answers[0]["body"]["totalSize"] == sim.org.count("Lead")
    assert sim.request_log.count(path_contains="/composite", status=401) == 1

"""Bulk API 2.0 query jobs through ``sf.bulk2``."""

from __future__ import annotations

import csv
import io

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceExpiredSession, SalesforceMalformedRequest
from simple_salesforce.exceptions import SalesforceOperationError

from bot.simulator import DEFAULT_USERNAME, SalesforceSimulator

WAIT = 0.01  # seconds the client sleeps before polling


def _rows(pages: list[str]) -> list[dict[str, str]]:
    return [row for page in pages for row in csv.DictReader(io.StringIO(page))]


def test_query_in_several_csv_pages(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.generate("Lead", 2500)
    pages = list(sf.bulk2.Lead.query("SELECT Id, Email, SystemModstamp, IsDeleted, AnnualRevenue FROM Lead",
                                     max_records=1000, wait=WAIT))
    total = sim.org.count("Lead")
    assert len(pages) == -(-total // 1000)
    for page in pages:
        lines = page.split("\n")
        assert lines[0] == '"Id","Email","SystemModstamp","IsDeleted","AnnualRevenue"'
        assert all(line.startswith('"') and line.endswith('"') for line in lines if line)
    rows = _rows(pages)
    assert len(rows) == total and len({row["Id"] for row in rows}) == total
    assert rows[0]["SystemModstamp"].endswith("Z") and rows[0]["IsDeleted"] == "false"
    results = sim.request_log.entries(lambda e: e.path.endswith("/results"))
    assert [e.query_string.startswith("maxRecords=1000") for e in results] == [True] * len(pages)


def test_locator_and_record_count_headers(
    sim: SalesforceSimulator, sf: Salesforce, session: requests.Session,
) -> None:
    sim.org.generate("Contact", 30)
    job = sf.bulk2.Contact._client.create_job("query", "SELECT Id FROM Contact")
    assert job["state"] == "UploadComplete" and job["id"].startswith("750")
    assert sf.bulk2.Contact._client.get_job(job["id"], True)["state"] == "InProgress"
    info = sf.bulk2.Contact._client.get_job(job["id"], True)
    assert info["state"] == "JobComplete" and info["numberRecordsProcessed"] == sim.org.count("Contact")
    url = f"https://acme.my.salesforce.com/services/data/v59.0/jobs/query/{job['id']}/results"
    headers = {"Authorization": f"Bearer {sf.session_id}"}
    first = session.get(url, params={"maxRecords": 100}, headers=headers)
    assert first.headers["Content-Type"].startswith("text/csv")
    assert first.headers["Sforce-NumberOfRecords"] == "100" and first.headers["Sforce-Locator"] != "null"
    rest = session.get(url, params={"maxRecords": 100000, "locator": first.headers["Sforce-Locator"]},
                       headers=headers)
    assert int(rest.headers["Sforce-NumberOfRecords"]) == sim.org.count("Contact") - 100
    assert rest.headers["Sforce-Locator"] == "null"
    assert rest.text.startswith('"Id"\n')


def test_query_all_includes_deleted(sim: SalesforceSimulator, sf: Salesforce) -> None:
    doomed = sim.org.ids("Account")[0]
    sim.org.delete("Account", doomed)
    live = _rows(list(sf.bulk2.Account.query("SELECT Id FROM Account", wait=WAIT)))
    everything = _rows(list(sf.bulk2.Account.query_all("SELECT Id, IsDeleted FROM Account", wait=WAIT)))
    assert doomed not in {row["Id"] for row in live}
    assert {row["Id"] for row in everything if row["IsDeleted"] == "true"} == {doomed}


def test_failed_job(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.fail_next_bulk_job("InternalServerError : boom")
    with pytest.raises(SalesforceOperationError, match="boom"):
        list(sf.bulk2.Lead.query("SELECT Id FROM Lead", wait=WAIT))
    assert len(_rows(list(sf.bulk2.Lead.query("SELECT Id FROM Lead", wait=WAIT)))) == sim.org.count("Lead")


def test_job_in_progress_before_complete(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.bulk_polls_to_complete = 3
    client = sf.bulk2.Lead._client
    job = client.create_job("query", "SELECT Id FROM Lead")
    assert [client.get_job(job["id"], True)["state"] for _ in range(4)] == [
        "InProgress", "InProgress", "JobComplete", "JobComplete"]
    assert _rows(list(sf.bulk2.Lead.query("SELECT Id FROM Lead", wait=WAIT)))


@pytest.mark.parametrize("soql", [
    "SELECT COUNT() FROM Lead",
    "SELECT Id FROM Lead LIMIT 5 OFFSET 2",
    "SELECT Name, COUNT(Id) FROM Lead GROUP BY Name",
    "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
    "SELECT Id, Photo__c FROM Contact",
    "SELECT Id, Nope__c FROM Lead",
    "SELECT Id FROM Lead WHERE SystemModstamp > '2024-01-01T00:00:00Z'",
])
def test_refused_queries(sf: Salesforce, soql: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        list(sf.bulk2.Lead.query(soql, wait=WAIT))
    assert failure.value.status == 400


def test_abort_and_delete(sim: SalesforceSimulator, sf: Salesforce, session: requests.Session) -> None:
    client = sf.bulk2.Lead._client
    job = client.create_job("query", "SELECT Id FROM Lead")
    assert client.abort_job(job["id"], True)["state"] == "Aborted"
    assert client.get_job(job["id"], True)["state"] == "Aborted"
    # simple-salesforce's delete_job() parses the 204 body as JSON and fails; Salesforce answers 204.
    url = f"https://acme.my.salesforce.com/services/data/v59.0/jobs/query/{job['id']}"
    answer = session.delete(url, headers={"Authorization": f"Bearer {sf.session_id}"})
    assert answer.status_code == 204
    assert session.get(url, headers={"Authorization": f"Bearer {sf.session_id}"}).status_code == 404


def test_hidden_fields_and_delimiters(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.hide_field("Lead", "Email", username=DEFAULT_USERNAME)
    with pytest.raises(SalesforceMalformedRequest):
        list(sf.bulk2.Lead.query("SELECT Id, Email FROM Lead", wait=WAIT))
    page = next(sf.bulk2.Lead.query("SELECT Id, LastName FROM Lead LIMIT 2", column_delimiter="TAB",
                                    line_ending="CRLF", wait=WAIT))
    assert page.startswith('"Id"\t"LastName"\r\n') and page.count("\r\n") == 3


def test_bulk_counts_usage_but_does_not_retry(sim: SalesforceSimulator, sf: Salesforce) -> None:
    list(sf.bulk2.Lead.query("SELECT Id FROM Lead", wait=WAIT))
    assert sim.org.api_requests_used == 4  # create, two polls, one page
    sim.expire_sessions()
    with pytest.raises(SalesforceExpiredSession):
        list(sf.bulk2.Lead.query("SELECT Id FROM Lead", wait=WAIT))


@pytest.mark.parametrize("status", [503, None])
def test_a_lost_answer_still_creates_the_job(sim: SalesforceSimulator, session: requests.Session, sf: Salesforce,
                                             status: int | None) -> None:
    sim.lose_next_answer("POST", "/jobs/query", status=status)
    url = "https://acme.my.salesforce.com/services/data/v59.0/jobs/query"
    headers = {"Authorization": f"Bearer {sf.session_id}", "Content-Type": "application/json"}
    body = {"operation": "queryAll", "query": "SELECT Id FROM Lead"}
    if status is None:
        with pytest.raises(requests.ConnectionError):
            session.post(url, json=body, headers=headers)
    else:
        answer = session.post(url, json=body, headers=headers)
        assert answer.status_code == status
        assert answer.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
    # Salesforce did the work all the same: the job runs, and nobody knows its id.
    jobs = sim.bulk_query_jobs()
    assert [(job["object"], job["operation"], job["state"]) for job in jobs] == [("Lead", "queryAll", "UploadComplete")]
    assert sim.request_log.entries()[-1].status == (status or 0)
    # The switch is spent: the next creation is answered.
    assert session.post(url, json=body, headers=headers).status_code == 200
    assert len(sim.bulk_query_jobs()) == 2

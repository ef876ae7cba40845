"""Downloads as they go wrong in the field: NUL characters in text, query locators that
expire when left idle, Bulk pages cut short, and connections dropped mid-download."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from bot.simulator import SalesforceSimulator

WAIT = 0.01
BASE = "https://acme.my.salesforce.com/services/data/v59.0"


def _auth(sf: Salesforce) -> dict[str, str]:
    return {"Authorization": f"Bearer {sf.session_id}"}


def _finished_job(sf: Salesforce, soql: str) -> str:
    client = sf.bulk2.Lead._client
    job = client.create_job("query", soql)
    while client.get_job(job["id"], True)["state"] != "JobComplete":
        pass
    return str(job["id"])


def test_nul_characters_travel_as_json_escapes_and_raw_csv_bytes(
    sim: SalesforceSimulator, sf: Salesforce, session: requests.Session
) -> None:
    record_id = sim.org.ids("Lead")[0]
    sim.org.update("Lead", record_id, Description="a" + "\x00" * 20_000 + "b")
    soql = f"SELECT Id, Description FROM Lead WHERE Id = '{record_id}'"
    answer = session.get(f"{BASE}/query/", params={"q": soql}, headers=_auth(sf))
    assert b"a" + b"\\u0000" * 20_000 + b"b" in answer.content
    assert answer.json()["records"][0]["Description"] == "a" + "\x00" * 20_000 + "b"
    job_id = _finished_job(sf, soql)
    page = session.get(f"{BASE}/jobs/query/{job_id}/results", headers=_auth(sf))
    assert page.content.endswith(b'"a' + b"\x00" * 20_000 + b'b"\n')


def test_a_query_locator_left_idle_for_15_minutes_expires(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.generate("Lead", 4_500)
    first = sf.query("SELECT Id FROM Lead")
    sim.clock.advance(timedelta(minutes=14, seconds=59))
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)  # in use: kept alive
    sim.clock.advance(timedelta(minutes=15))
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query_more(second["nextRecordsUrl"], identifier_is_url=True)
    assert refused.value.status == 400
    assert refused.value.content == [{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}]
    assert sim.expire_query_locators() == 0  # the expired one is closed already


def test_the_locator_switches(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.generate("Lead", 4_500)
    sim.query_locator_idle = None  # never expire, however long the clock runs
    first = sf.query("SELECT Id FROM Lead")
    sim.clock.advance(timedelta(days=1))
    assert sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)["records"]
    again = sf.query("SELECT Id FROM Lead")
    assert sim.expire_query_locators() == 2
    with pytest.raises(SalesforceMalformedRequest):
        sf.query_more(again["nextRecordsUrl"], identifier_is_url=True)


def test_a_truncated_results_page_ends_cleanly_and_still_counts_every_row(
    sim: SalesforceSimulator, sf: Salesforce, session: requests.Session
) -> None:
    sim.org.generate("Lead", 300)
    job_id = _finished_job(sf, "SELECT Id FROM Lead")
    sim.truncate_next_results_pages(rows=7)
    url = f"{BASE}/jobs/query/{job_id}/results"
    short = session.get(url, params={"maxRecords": 100}, headers=_auth(sf))
    assert short.headers["Sforce-NumberOfRecords"] == "100"
    assert short.text.count("\n") == 1 + 7
    full = session.get(url, params={"maxRecords": 100}, headers=_auth(sf))
    assert full.text.count("\n") == 1 + 100 and full.headers["Sforce-Locator"] == short.headers["Sforce-Locator"]


def test_a_dropped_download_breaks_off_mid_body(
    sim: SalesforceSimulator, sf: Salesforce, session: requests.Session
) -> None:
    sim.org.generate("Lead", 300)
    job_id = _finished_job(sf, "SELECT Id FROM Lead")
    url = f"{BASE}/jobs/query/{job_id}/results"
    sim.drop_next_downloads(after_bytes=500, path_contains="/results")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        session.get(url, headers=_auth(sf))
    streamed = session.get(url, headers=_auth(sf), stream=True)  # the next one is whole
    assert len(streamed.raw.read()) == int(streamed.headers["Content-Length"])
    sim.drop_next_downloads(2, after_bytes=0)  # any path
    for _ in range(2):
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            session.get(f"{BASE}/query/", params={"q": "SELECT Id FROM Lead"}, headers=_auth(sf))
    assert session.get(f"{BASE}/query/", params={"q": "SELECT Id FROM Lead"}, headers=_auth(sf)).json()["done"]

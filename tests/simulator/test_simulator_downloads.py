"""Downloads as they go wrong in the field: NUL characters in text, query locators that
expire when left idle, Bulk pages cut short, and connections dropped mid-download."""

from __future__ import annotations

import requests
from simple_salesforce import Salesforce

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

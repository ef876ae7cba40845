"""Bulk API 2.0 as it behaves over a long load: jobs that take a while, compound fields that
fail the job, results kept 7 days, sessions ending mid-load, changes made while it runs."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import datetime, timedelta
from typing import Callable

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceExpiredSession, SalesforceResourceNotFound
from simple_salesforce.exceptions import SalesforceOperationError

from bot.simulator import Request, SalesforceSimulator

WAIT = 0.01
JOBS = "https://acme.my.salesforce.com/services/data/v59.0/jobs/query"
Login = Callable[..., Salesforce]


def _rows(pages: list[str]) -> list[dict[str, str]]:
    return [row for page in pages for row in csv.DictReader(io.StringIO(page))]


def test_jobs_are_in_progress_before_they_complete(sim: SalesforceSimulator, sf: Salesforce) -> None:
    client = sf.bulk2.Lead._client
    job = client.create_job("query", "SELECT Id FROM Lead")
    assert job["state"] == "UploadComplete"
    first, second = client.get_job(job["id"], True), client.get_job(job["id"], True)
    assert (first["state"], second["state"]) == ("InProgress", "JobComplete")
    assert first["numberRecordsProcessed"] == 0 and second["numberRecordsProcessed"] == sim.org.count("Lead")
    sim.request_log.clear()
    assert len(_rows(list(sf.bulk2.Lead.query("SELECT Id FROM Lead", wait=WAIT)))) == sim.org.count("Lead")
    polls = sim.request_log.entries(lambda e: e.method == "GET" and re.search(r"/jobs/query/750\w+$", e.path))
    assert len(polls) == 2  # the client's loop copes with InProgress


def test_minimum_running_time(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.bulk_min_seconds = 0.3
    started = time.monotonic()
    assert _rows(list(sf.bulk2.Lead.query("SELECT Id FROM Lead LIMIT 5", wait=0.05)))
    assert time.monotonic() - started >= 0.3
    assert sim.request_log.count(method="GET", path_contains="/jobs/query/") > 3


def test_compound_field_fails_the_job_not_its_creation(sim: SalesforceSimulator, sf: Salesforce) -> None:
    client = sf.bulk2.Lead._client
    job = client.create_job("query", "SELECT Id, Address FROM Lead")
    assert job["state"] == "UploadComplete"
    info = client.get_job(job["id"], True)
    assert info["state"] == "Failed"
    assert "Selecting compound data not supported in Bulk Query" in info["errorMessage"]
    with pytest.raises(SalesforceOperationError, match="Selecting compound data"):
        list(sf.bulk2.Account.query("SELECT Id, Headquarters__c FROM Account", wait=WAIT))


def test_results_are_kept_seven_days_and_pages_can_be_read_again(
    sim: SalesforceSimulator, sf: Salesforce, session: requests.Session,
) -> None:
    sim.org.generate("Lead", 250)
    total = sim.org.count("Lead")
    size = -(-total // 3)
    client = sf.bulk2.Lead._client
    job = client.create_job("query", "SELECT Id, LastName FROM Lead")
    client.wait_for_job(job["id"], True, WAIT)
    first = client.get_query_results(job["id"], max_records=size)
    second = client.get_query_results(job["id"], first["locator"], size)
    third = client.get_query_results(job["id"], second["locator"], size)
    assert third["locator"] == "" and third["number_of_records"] == total - 2 * size
    sim.clock.advance(timedelta(days=6, hours=23))
    sim.org.generate("Lead", 10)  # later changes do not leak into a finished job
    assert client.get_query_results(job["id"], first["locator"], size) == second
    assert client.get_query_results(job["id"], max_records=size) == first
    # The job was created a moment after the frozen clock's time: the 250 Leads made at
    # that time took stamps 1 ms apart, and Salesforce's clock is never behind its stamps.
    sim.clock.advance(timedelta(hours=1, seconds=1))
    with pytest.raises(SalesforceResourceNotFound):
        client.get_query_results(job["id"], first["locator"], size)
    with pytest.raises(SalesforceResourceNotFound):
        client.get_job(job["id"], True)


def test_more_than_500_jobs_are_kept(sim: SalesforceSimulator, sf: Salesforce) -> None:
    client = sf.bulk2.Lead._client
    first = client.create_job("query", "SELECT Id FROM Lead")
    for _ in range(505):
        client.create_job("query", "SELECT Id FROM Lead LIMIT 1")
    client.wait_for_job(first["id"], True, WAIT)
    assert client.get_query_results(first["id"])["number_of_records"] == sim.org.count("Lead")


def test_session_ends_in_the_middle_of_a_load(
    sim: SalesforceSimulator, sf: Salesforce, login: Login,
) -> None:
    sim.org.generate("Lead", 450)
    total = sim.org.count("Lead")
    sim.expire_sessions_after(2, path_contains="/results")
    pages: list[str] = []
    with pytest.raises(SalesforceExpiredSession):
        for page in sf.bulk2.Lead.query("SELECT Id FROM Lead", max_records=200, wait=WAIT):
            pages.append(page)
    assert len(pages) == 1
    assert sim.request_log.count(path_contains="/results", status=401) == 1
    # Log in again and resume the same job where it broke off (its locator is still good).
    fresh = login()
    job_id = sim.request_log.entries(lambda e: e.path.endswith("/results"))[0].path.split("/")[-2]
    client = fresh.bulk2.Lead._client
    locator = sim.request_log.entries(lambda e: e.status == 401)[-1].query_string.split("locator=")[-1]
    while locator:
        result = client.get_query_results(job_id, locator, 200)
        pages.append(result["records"])
        locator = result["locator"]
    ids = [row["Id"] for row in _rows(pages)]
    assert len(ids) == len(set(ids)) == total


def test_expiry_counts_only_matching_requests(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.expire_sessions_after(1, path_contains="/sobjects/Contact")
    sf.query("SELECT Id FROM Lead LIMIT 1")
    sf.Lead.describe()
    assert sim.request_log.count(status=401) == 0
    sf.Contact.describe()  # this one finds its session gone, logs in again and retries
    assert sim.request_log.count(status=401) == 1 and sim.request_log.count(kind="login") == 2
    with pytest.raises(ValueError):
        sim.expire_sessions_after(0)


def test_changes_while_a_load_runs(sim: SalesforceSimulator, sf: Salesforce, now: datetime) -> None:
    sim.org.generate("Lead", 600)
    edited = sim.org.ids("Lead")[-1]
    results_seen: list[str] = []
    created: list[str] = []

    def during_load(request: Request) -> None:
        if request.path.endswith("/results"):
            results_seen.append(request.query_string)
            if len(results_seen) == 3:  # after the 2nd page was answered
                sim.org.update("Lead", edited, LastName="Changed mid-load")
                created.append(sim.org.create("Lead", LastName="Born mid-load", Company="Co"))

    hook = sim.add_request_hook(during_load)
    rows = _rows(list(sf.bulk2.Lead.query("SELECT Id, LastName, SystemModstamp FROM Lead",
                                          max_records=200, wait=WAIT)))
    sim.remove_request_hook(hook)
    assert len(results_seen) == 4 and created
    by_id = {row["Id"]: row for row in rows}
    assert created[0] not in by_id and by_id[edited]["LastName"] != "Changed mid-load"  # a snapshot
    # What an incremental sync must catch next: everything stamped after the load's snapshot.
    since = max(row["SystemModstamp"] for row in rows).replace("Z", "+00:00")
    later = sf.query_all(f"SELECT Id, LastName FROM Lead WHERE SystemModstamp > {since}")["records"]
    assert {row["Id"] for row in later} == {edited, created[0]}


def test_every_bulk_answer_counts_and_says_so(sim: SalesforceSimulator, sf: Salesforce,
                                             session: requests.Session) -> None:
    auth = {"Authorization": f"Bearer {sf.session_id}", "Content-Type": "application/json"}
    used = sim.org.api_requests_used
    created = session.post(JOBS, json={"operation": "query", "query": "SELECT Id FROM Lead"}, headers=auth)
    answers = [created]
    for _ in range(2):
        answers.append(session.get(f"{JOBS}/{created.json()['id']}", headers=auth))
    answers.append(session.get(f"{JOBS}/{created.json()['id']}/results", headers=auth))
    answers.append(session.get(JOBS, headers=auth))
    refused = session.post(JOBS, json={"operation": "query", "query": "SELECT COUNT() FROM Lead"}, headers=auth)
    answers.append(refused)
    assert refused.status_code == 400
    usages = [answer.headers["Sforce-Limit-Info"] for answer in answers]
    assert usages == [f"api-usage={used + n}/15000" for n in range(1, 7)]
    assert sim.org.api_requests_used == used + 6


def test_a_large_job_reads_its_chunks_by_id_range_at_different_times(sim: SalesforceSimulator, sf: Salesforce,
                                                                     session: requests.Session, now: datetime) -> None:
    sim.org.generate("Lead", 300)
    sim.bulk_jobs.chunk_rows = 100
    ids = sorted(sim.org.ids("Lead", include_deleted=True))
    early, late = ids[0], ids[-1]
    seen: list[tuple[int, int]] = []

    def between_chunks(job_id: str, chunk: int, chunks: int) -> None:
        seen.append((chunk, chunks))
        if chunk == 1:
            sim.org.update("Lead", early, LastName="Changed after its chunk")
            sim.clock.advance(timedelta(minutes=20))
            sim.org.update("Lead", late, LastName="Changed before its chunk")

    hook = sim.bulk_jobs.add_chunk_hook(between_chunks)
    rows = _rows(list(sf.bulk2.Lead.query("SELECT Id, LastName, SystemModstamp FROM Lead", wait=WAIT)))
    sim.bulk_jobs.remove_chunk_hook(hook)
    chunks = -(-len(ids) // 100)
    assert seen == [(chunk, chunks) for chunk in range(1, chunks + 1)]
    polls = sim.request_log.entries(lambda e: e.method == "GET" and re.search(r"/jobs/query/750\w+$", e.path))
    assert len(polls) == chunks  # one Id range per poll
    by_id = {row["Id"]: row for row in rows}
    assert len(by_id) == len(ids)
    # Not a snapshot: the early chunk holds the old name, the late one the new.
    assert by_id[early]["LastName"] != "Changed after its chunk"
    assert by_id[late]["LastName"] == "Changed before its chunk"
    # The newest stamp among the rows is past the early change: only the job's creation bounds it.
    newest = max(row["SystemModstamp"] for row in rows).replace("Z", "+00:00")
    missed = sf.query_all(f"SELECT Id FROM Lead WHERE SystemModstamp > {newest}")["records"]
    assert early not in {row["Id"] for row in missed}
    info = sf.bulk2.Lead._client.get_job(polls[0].path.rsplit("/", 1)[1], True)
    # The 300 Leads made at the frozen clock's time took stamps 1 ms apart, up to .299; the
    # job's creation comes after them, as Salesforce's clock never runs behind its stamps.
    assert now.strftime("%Y-%m-%dT%H:%M:%S") == "2024-06-01T12:00:00"
    assert info["createdDate"] == "2024-06-01T12:00:00.299+0000"
    since = info["createdDate"].replace("+0000", "Z")
    caught = sf.query_all(f"SELECT Id FROM Lead WHERE SystemModstamp >= {since}")["records"]
    assert {early, late} <= {row["Id"] for row in caught}


def test_a_small_job_or_an_ordered_one_is_read_at_once(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.generate("Lead", 300)
    sim.bulk_jobs.chunk_rows = 100
    list(sf.bulk2.Lead.query("SELECT Id FROM Lead ORDER BY Id", wait=WAIT))
    sim.bulk_jobs.chunk_rows = None
    list(sf.bulk2.Lead.query("SELECT Id FROM Lead", wait=WAIT))
    polls = sim.request_log.entries(lambda e: e.method == "GET" and re.search(r"/jobs/query/750\w+$", e.path))
    assert len(polls) == 4  # two per job: InProgress, then JobComplete


def test_a_job_status_poll_can_fail_alone(sim: SalesforceSimulator, sf: Salesforce,
                                         session: requests.Session) -> None:
    auth = {"Authorization": f"Bearer {sf.session_id}", "Content-Type": "application/json"}
    sim.fail_next_requests(1, status=503, scope="bulk_poll")
    created = session.post(JOBS, json={"operation": "query", "query": "SELECT Id FROM Lead"}, headers=auth)
    assert created.status_code == 200 and sf.query("SELECT Id FROM Lead LIMIT 1")["records"]
    failed = session.get(f"{JOBS}/{created.json()['id']}", headers=auth)
    assert failed.status_code == 503 and failed.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert session.get(f"{JOBS}/{created.json()['id']}", headers=auth).json()["state"] == "InProgress"


def test_results_with_a_byte_order_mark(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.faults.bulk_results_with_bom = True
    pages = list(sf.bulk2.Contact.query("SELECT Id, LastName FROM Contact", wait=WAIT))
    assert pages[0].startswith('\ufeff"Id","LastName"\n')
    sim.clear_faults()
    assert list(sf.bulk2.Contact.query("SELECT Id FROM Contact", wait=WAIT))[0].startswith('"Id"\n')

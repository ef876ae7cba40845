"""What a sync repeats when an answer is lost, and what it must not: a read may be asked
again, a request that creates something (a Bulk job, a record) may not, since
Salesforce may have done the work before the answer was lost."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce.exceptions import SalesforceGeneralError

from bot.salesforce.gateway import SalesforceGateway
from bot.simulator import DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME, SalesforceSimulator
from tests.support.harness import RunningBot
from tests.support.sync import cycle, differences, latest_run, quick_retries, start_sync

OPEN = ("UploadComplete", "InProgress")


@pytest.mark.parametrize("lost", [503, None], ids=["503-after-creating", "connection-dropped"])
def test_a_bulk_job_whose_creation_answer_is_lost_leaves_no_orphan(bulk_bot: RunningBot,
                                                                    salesforce: SalesforceSimulator,
                                                                    lost: int | None) -> None:
    salesforce.org.generate("Lead", 300)
    start_sync(bulk_bot)
    quick = quick_retries(bulk_bot)
    jobs_before = {job["id"] for job in salesforce.bulk_query_jobs()}
    # The next job creation is carried out by Salesforce, and its answer never arrives.
    salesforce.lose_next_answer("POST", "/jobs/query", status=lost)
    assert cycle(bulk_bot, quick).status == "succeeded"
    jobs = [job for job in salesforce.bulk_query_jobs() if job["id"] not in jobs_before]
    # The job nobody heard of is not left running (and counting results for nobody)...
    assert [job["id"] for job in jobs if job["state"] in OPEN] == []
    # ...it is aborted, and the read of its object went on with one job of its own.
    aborted = [str(job["object"]) for job in jobs if job["state"] == "Aborted"]
    assert len(aborted) == 1
    assert sorted(str(job["state"]) for job in jobs if job["object"] == aborted[0]) == ["Aborted", "JobComplete"]
    assert differences(bulk_bot, salesforce.org, aborted[0]) == []
    _, items = latest_run(bulk_bot)
    assert items[aborted[0]].status == "done" and items[aborted[0]].method == "bulk"


def test_a_lost_composite_answer_is_asked_again(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    # A Composite request of queries only reads: asking again is safe, and saves the cycle.
    start_sync(sf_bot)
    quick = quick_retries(sf_bot)
    salesforce.request_log.clear()
    salesforce.lose_next_answer("POST", "/composite", status=503)
    assert cycle(sf_bot, quick).status == "succeeded"
    composites = salesforce.request_log.entries(lambda entry: entry.path.endswith("/composite"))
    assert [entry.status for entry in composites[:2]] == [503, 200]
    assert differences(sf_bot, salesforce.org, "Contact") == []


@pytest.mark.parametrize("lost", [503, None], ids=["503-after-writing", "connection-dropped"])
def test_a_write_whose_answer_is_lost_is_not_sent_again(salesforce: SalesforceSimulator, lost: int | None) -> None:
    # What two-way sync will rely on: a sync connection repeats reads, never a write.
    connection = SalesforceGateway(salesforce_url=salesforce.url, retry_backoff=0.01).login(
        username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD, security_token=DEFAULT_SECURITY_TOKEN,
        sandbox=False, for_sync=True)
    salesforce.request_log.clear()
    salesforce.lose_next_answer("POST", "/sobjects/Lead", status=lost)
    with pytest.raises((SalesforceGeneralError, requests.RequestException)):
        connection.client.Lead.create({"LastName": "Once", "Company": "Only"})
    assert len(salesforce.request_log.entries(lambda entry: entry.method == "POST")) == 1
    assert [record["Company"] for record in salesforce.org.snapshot("Lead") if record["LastName"] == "Once"] == ["Only"]

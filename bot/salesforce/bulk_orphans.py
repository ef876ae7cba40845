"""Bulk API 2.0 query jobs nobody knows of, and how they are found and stopped.

Creating a job is not safe to repeat (``transport.may_repeat``): Salesforce may create
it and then lose the answer (a 5xx after the work, a connection dropped on the way
back). Such a job runs for nobody, holds its results for 7 days and counts toward the
org's 10,000 query jobs a day; sending the creation again would make one more. The
reader therefore looks for jobs of the same object and operation that the sync user
created and that still run, aborts them, and only then creates its job again.

Called while the object's lock is held, so no other read of this object by syncbot
has a job running: every running job that matches is one nobody will read.
"""

from __future__ import annotations

import logging
from typing import Any

from simple_salesforce.bulk2 import _Bulk2Client
from simple_salesforce.util import call_salesforce

log = logging.getLogger(__name__)

# States in which a query job still runs (and can be aborted).
OPEN_STATES = frozenset({"UploadComplete", "InProgress"})
# Pages of the org's job list read at most; an org keeps its jobs 7 days.
LIST_PAGES = 20


def running_jobs(client: _Bulk2Client, *, operation: str, user_id: str) -> list[str]:
    """Ids of the query jobs of ``client``'s object and ``operation`` that ``user_id``
    created and that still run."""
    url = f"{client.bulk2_url}query"
    instance = client.bulk2_url.split("/services/", 1)[0]
    found: list[str] = []
    for _ in range(LIST_PAGES):
        page: dict[str, Any] = call_salesforce(url=url, method="GET", session=client.session,
                                               headers=client.headers).json()
        found += [str(job["id"]) for job in page.get("records") or [] if _ours(job, client, operation, user_id)]
        next_url = page.get("nextRecordsUrl")
        if page.get("done", True) or not next_url:
            return found
        url = instance + str(next_url)
    log.warning("Bulk job list longer than %d pages; looked no further for jobs left running", LIST_PAGES)
    return found


def abort(client: _Bulk2Client, job_id: str) -> None:
    """Abort a running query job (``PATCH jobs/query/<id>`` with state Aborted)."""
    client.abort_job(job_id, True)


def _ours(job: dict[str, Any], client: _Bulk2Client, operation: str, user_id: str) -> bool:
    return (str(job.get("state")) in OPEN_STATES
            and str(job.get("operation")) == operation
            and str(job.get("object", "")).lower() == client.object_name.lower()
            # 15- and 18-character forms of one Id share their first 15 characters.
            and str(job.get("createdById", ""))[:15] == user_id[:15])

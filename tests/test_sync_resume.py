"""Resume, never restart: a worker killed with SIGKILL in the middle of a Bulk load, and
one stopped with SIGTERM, leave committed rows and the job's locator behind; the next
worker continues the same job from there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from bot.simulator import SalesforceSimulator
from storage import cursors
from tests.support.harness import RunningBot
from tests.support.sync import TEAM, differences, latest_run, start_sync

LEADS = 32_000  # four results pages of 10,000 rows
ROOT = Path(__file__).resolve().parent.parent


def _worker(bot: RunningBot, salesforce: SalesforceSimulator, secret_key: str) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SYNCBOT_", "DATABASE_URL"))}
    env = {**clean, "SLACK_BOT_TOKEN": "xoxb-worker", "DATABASE_URL": bot.services.db.url,
           "SYNCBOT_SALESFORCE_URL": salesforce.url, "SYNCBOT_SECRET_KEY": secret_key,
           "SYNCBOT_BULK_THRESHOLD": "1000", "SYNCBOT_BULK_PAGE_ROWS": "10000"}
    return subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def _bulk_locator(bot: RunningBot) -> str | None:
    with bot.services.db.session(write=False) as session:
        cursor = cursors.get(session, TEAM, "Lead")
        return cursor.bulk_locator if cursor else None


def _result_pages(salesforce: SalesforceSimulator) -> int:
    return len(salesforce.request_log.entries(lambda entry: entry.path.endswith("/results")))


def _stop_after_first_page(bot: RunningBot, salesforce: SalesforceSimulator, secret_key: str,
                           how: signal.Signals) -> None:
    salesforce.org.generate("Lead", LEADS)
    start_sync(bot)
    # Slow answers, so the kill lands between pages, as it would in a long load.
    salesforce.latency = 0.15
    first = _worker(bot, salesforce, secret_key)
    try:
        _wait(lambda: _bulk_locator(bot) is not None)
    finally:
        first.send_signal(how)
        first.wait(timeout=30)
    salesforce.latency = 0.0


def _finish_with_a_new_worker(bot: RunningBot, salesforce: SalesforceSimulator, secret_key: str) -> None:
    second = _worker(bot, salesforce, secret_key)
    try:
        _wait(lambda: latest_run(bot)[0].status == "succeeded")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert second.returncode == 0, second.stderr.read() if second.stderr else ""


def test_a_killed_worker_resumes_the_bulk_job_where_it_stood(sf_bot: RunningBot, salesforce: SalesforceSimulator,
                                                             secret_key: str) -> None:
    _stop_after_first_page(sf_bot, salesforce, secret_key, signal.SIGKILL)
    with sf_bot.services.db.engine.connect() as conn:
        statuses = [row[0] for row in conn.execute(text("SELECT status FROM sync_runs ORDER BY id"))]
        kept = conn.execute(text("SELECT count(*) FROM sf_lead")).scalar()
    assert statuses == ["running"]  # nobody could close it: the process died
    assert kept and kept >= 10_000
    jobs_before = len(salesforce.request_log.entries(lambda e: e.method == "POST" and e.path.endswith("/jobs/query")))
    _finish_with_a_new_worker(sf_bot, salesforce, secret_key)
    with sf_bot.services.db.engine.connect() as conn:
        statuses = [row[0] for row in conn.execute(text("SELECT status FROM sync_runs ORDER BY id"))]
    assert statuses[:2] == ["interrupted", "succeeded"]
    # The same job went on: no new job for Lead, and well under twice the table fetched.
    jobs_after = len(salesforce.request_log.entries(lambda e: e.method == "POST" and e.path.endswith("/jobs/query")))
    assert jobs_after == jobs_before
    # At most the page being written and the one read ahead are fetched twice.
    pages = -(-salesforce.org.count("Lead", include_deleted=True) // 10_000)
    assert _result_pages(salesforce) <= pages + 2 < 2 * pages
    assert differences(sf_bot, salesforce.org, "Lead") == []


def test_a_stopped_worker_commits_its_batch_releases_its_locks_and_resumes(
    sf_bot: RunningBot, salesforce: SalesforceSimulator, secret_key: str
) -> None:
    _stop_after_first_page(sf_bot, salesforce, secret_key, signal.SIGTERM)
    run, items = latest_run(sf_bot)
    assert run.status == "interrupted" and items["Lead"].status == "interrupted"
    _finish_with_a_new_worker(sf_bot, salesforce, secret_key)
    assert differences(sf_bot, salesforce.org, "Lead") == []

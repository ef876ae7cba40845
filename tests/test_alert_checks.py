"""The lag alert and the daily digest, on a frozen clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.alerts import rules
from bot.alerts.checks import check_lag, send_digests
from bot.alerts.jobs import run_checks, schedule_alert_jobs
from bot.alerts.sender import send_pending
from bot.runtime import Services
from bot.slack_standin import SlackWebApiStandIn
from storage import workspaces
from storage.models import SyncRun
from tests.support.alerting import posted
from tests.support.alerting import T0, alerting_services, finish_run, start_workspace, texts
from tests.support.harness import ADMIN

MIN = timedelta(minutes=1)


@pytest.fixture
def services(slack: SlackWebApiStandIn, sqlite_url: str) -> Iterator[Services]:
    with alerting_services(slack, sqlite_url) as running:
        start_workspace(running)
        yield running


def test_a_sync_that_silently_stopped_is_told_once_and_again_when_it_catches_up(
    services: Services, slack: SlackWebApiStandIn
) -> None:
    finish_run(services, status="succeeded", started=T0)  # the first load, finished at 08:01
    assert check_lag(services, now=T0 + 15 * MIN) == 0  # 14 minutes: less than 3 intervals of 5
    assert check_lag(services, now=T0 + 16 * MIN) == 1
    assert check_lag(services, now=T0 + 40 * MIN) == 0
    lag = posted(services, slack)[1:]
    assert lag[0].splitlines()[0] == (
        ":hourglass_flowing_sand: *No sync cycle has succeeded for 15 min* (3 sync intervals), though none failed. "
        "Is a syncbot process running the scheduler (`syncbot serve`, `socket` or `worker`)? `/sync status` "
        "shows a cycle that is stuck."
    )
    assert lag[0].splitlines()[1].startswith("Last successful sync: <!date^")
    assert len(lag) == 1

    finish_run(services, status="succeeded", started=T0 + 45 * MIN, seconds=30)
    finish_run(services, status="succeeded", started=T0 + 50 * MIN)
    assert posted(services, slack)[2:] == [
        ":white_check_mark: *The sync has caught up*: a cycle succeeded after 44 min 30 s without one."
    ]
    assert check_lag(services, now=T0 + 55 * MIN) == 0


def test_no_lag_alert_while_paused_failing_or_just_resumed(services: Services, slack: SlackWebApiStandIn) -> None:
    finish_run(services, status="succeeded", started=T0)
    with services.db.session() as session:
        workspaces.set_paused(session, "T0001", True)
    assert check_lag(services, now=T0 + 60 * MIN) == 0
    with services.db.session() as session:
        workspaces.set_paused(session, "T0001", False)
        rules.paused(session, "T0001", ADMIN, False, at=T0 + 60 * MIN)
    assert check_lag(services, now=T0 + 70 * MIN) == 0  # 10 minutes since the resume
    finish_run(services, status="failed", started=T0 + 70 * MIN, failure_kind="unavailable", error="HTTP 503")
    assert check_lag(services, now=T0 + 200 * MIN) == 0  # the failure alert says it already
    assert [text.split(" ")[0] for text in posted(services, slack)] == [":tada:", ":arrow_forward:", ":red_circle:"]


def test_a_first_load_that_takes_long_is_told_as_such(services: Services, slack: SlackWebApiStandIn) -> None:
    assert check_lag(services, now=T0 + 20 * MIN) == 1
    assert posted(services, slack) == [
        ":hourglass_flowing_sand: *The first load has been running for 20 min* and no cycle has finished yet. "
        "A large org can take this long; if `/sync status` shows no progress, check that a syncbot process is "
        "running the scheduler."
    ]
    finish_run(services, status="succeeded", started=T0, seconds=25 * 60, objects={"Lead": (5000, 0, 0)})
    assert posted(services, slack)[1:] == [":tada: *The first load is done*, in 25 min: 5,000 records.\n"
                                            "• Lead: 5,000 records"]


def test_the_daily_digest(services: Services, slack: SlackWebApiStandIn) -> None:
    day = T0 - timedelta(hours=8)  # midnight
    # Outside the 24 hours to 09:00:
    finish_run(services, status="succeeded", started=day - timedelta(hours=16), objects={"Lead": (999, 0, 0)})
    finish_run(services, status="succeeded", started=day + 1 * MIN, objects={"Lead": (10, 5, 1)}, api_calls=12)
    finish_run(services, status="failed", started=day + 5 * MIN, failure_kind="unavailable", error="HTTP 503",
               api_calls=1)
    finish_run(services, status="succeeded", started=day + 10 * MIN, objects={"Contact": (3, 0, 0), "Lead": (0, 2, 0)},
               record_errors=[("Lead", "Email", "too long")], api_calls=7, api_used=20_000, api_max=100_000)
    send_pending(services)
    slack_before = len(texts(slack))

    assert send_digests(services, now=day + timedelta(hours=8, minutes=59)) == 0
    assert send_digests(services, now=day + timedelta(hours=9)) == 1
    assert send_digests(services, now=day + timedelta(hours=9, minutes=30)) == 0
    [digest] = posted(services, slack)[slack_before:]
    assert digest.splitlines() == [
        ":bar_chart: *Daily sync digest*, the 24 hours to <!date^1793610000^{date_short_pretty} {time}"
        "|2026-11-02 09:00 UTC>",
        "Cycles: 3 run, 1 failed.",
        "Records synced: 21.",
        "• Contact: 3 records",
        "• Lead: 18 records",
        "Errors: 1 record.",
        "API requests: syncbot made 20; the org has used 20,000 of its 100,000 daily requests (20%).",
    ]
    assert send_digests(services, now=day + timedelta(days=1, hours=9)) == 1
    assert posted(services, slack)[-1].splitlines()[1:3] == ["Cycles: 0 run, 0 failed.", "Records synced: none."]


def test_the_first_digest_comes_at_the_first_digest_hour_after_the_start(
    slack: SlackWebApiStandIn, database_url: str
) -> None:
    day = T0 - timedelta(hours=8)  # midnight; the digest hour is 09:00
    with alerting_services(slack, database_url) as services:
        # Started after today's digest hour: nothing today, whenever the checks run.
        start_workspace(services, at=day + timedelta(hours=14), team_id="T0001")
        # Started at the digest hour itself: that hour is not after the start either.
        start_workspace(services, at=day + timedelta(hours=9), team_id="T0002")
        # Started a minute before it: the digest comes a minute later.
        start_workspace(services, at=day + timedelta(hours=8, minutes=59), team_id="T0003")
        assert run_checks(services, now=day + timedelta(hours=9)) == 1
        for minutes in (14 * 60 + 1, 23 * 60 + 59, 24 * 60 + 8 * 60 + 59):
            assert send_digests(services, now=day + timedelta(minutes=minutes)) == 0
        # The next day's digest hour is the first after each start.
        assert send_digests(services, now=day + timedelta(days=1, hours=9)) == 3


def test_one_digest_a_day_with_several_replicas(slack: SlackWebApiStandIn, database_url: str) -> None:
    with alerting_services(slack, database_url) as services:
        start_workspace(services)
        written: list[int] = []
        threads = [threading.Thread(target=lambda: written.append(send_digests(services, now=T0 + 60 * MIN)))
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(written) == [0, 0, 0, 1]


def test_an_empty_digest_hour_turns_the_digest_off(slack: SlackWebApiStandIn, sqlite_url: str) -> None:
    with alerting_services(slack, sqlite_url, extra={"SYNCBOT_DIGEST_HOUR": ""}) as services:
        start_workspace(services)
        assert send_digests(services, now=T0 + 23 * 60 * MIN) == 0
        assert run_checks(services, now=T0 + 2 * MIN) == 0


def test_the_scheduler_jobs_deliver_at_once(services: Services, slack: SlackWebApiStandIn) -> None:
    with services.db.session() as session:
        rules.paused(session, "T0001", ADMIN, True)
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_alert_jobs(scheduler, services)
    assert {job.id for job in scheduler.get_jobs()} == {"alert-sender", "alert-progress", "alert-checks"}
    scheduler.start()
    try:
        deadline = time.monotonic() + 5
        while not texts(slack) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    assert texts(slack)[0].startswith(":double_vertical_bar: <@UADMIN0001> paused")


def test_the_digest_shows_what_the_drift_checks_repaired(services: Services, slack: SlackWebApiStandIn) -> None:
    day = T0 - timedelta(hours=8)
    first = finish_run(services, status="succeeded", started=day + 1 * MIN, objects={"Lead": (1, 0, 0)})
    second = finish_run(services, status="succeeded", started=day + 10 * MIN)
    with services.db.session() as session:
        counts = {first: {"fields_added": 1, "rows_backfilled": 200_000},
                  second: {"rows_purged": 3, "rows_repaired": 1, "formulas_changed": 12}}
        for run_id, values in counts.items():
            run = session.get(SyncRun, run_id)
            assert run is not None
            for name, value in values.items():
                setattr(run, name, value)
    send_pending(services)
    before = len(texts(slack))
    assert send_digests(services, now=day + timedelta(hours=9)) == 1
    [digest] = posted(services, slack)[before:]
    assert ("Drift checks: 1 field added, 200,000 rows back-filled, 3 rows marked deleted, 1 row read again, "
            "12 formula values changed.") in digest.splitlines()
    # A day without repairs says nothing of them.
    assert send_digests(services, now=day + timedelta(days=1, hours=9)) == 1
    assert "Drift checks" not in posted(services, slack)[-1]

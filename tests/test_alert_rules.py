"""Alert rules: one message per change of state, as the alert channel shows it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.alerts.kinds import AlertKind
from bot.alerts.sender import send_pending
from bot.messages import MSG
from bot.runtime import Services
from bot.slack_standin import SlackWebApiStandIn
from bot.sync.failures import FailureKind
from handlers.alerts import alert_message
from storage.alert_models import AlertOutbox
from storage.models import SyncRun
from tests.support.alerting import posted
from tests.support.alerting import services, sqlite_services  # noqa: F401  (fixtures)
from tests.support.alerting import ALERTS, T0, finish_run, texts
from tests.support.harness import ADMIN, RunningBot

MIN = timedelta(minutes=5)


def test_failure_is_told_once_a_new_kind_again_and_the_recovery_with_what_was_caught_up(
    services: Services, slack: SlackWebApiStandIn
) -> None:
    finish_run(services, status="succeeded", started=T0, seconds=600, objects={"Lead": (120, 0, 0), "Contact": (80, 0, 0)})
    [initial] = posted(services, slack)
    assert initial.startswith(":tada: *The first load is done*, in 10 min: 200 records.")
    assert "• Contact: 80 records\n• Lead: 120 records" in initial

    for n in range(3):
        finish_run(services, status="failed", started=T0 + (n + 1) * MIN, failure_kind="unavailable",
                   error="Salesforce answered with a server error (HTTP 503). Try again later.")
    failure = posted(services, slack)[1:]
    assert len(failure) == 1
    assert failure[0].splitlines()[:3] == [
        ":red_circle: *The Salesforce sync is failing:* Salesforce can't be reached.",
        "> Salesforce answered with a server error (HTTP 503). Try again later.",
        "*What to do:* Nothing: syncbot retries every cycle by itself. If it lasts, check Salesforce's status "
        "page (status.salesforce.com) and this server's connection.",
    ]
    assert "Failing since <!date^" in failure[0] and "2026-11-02 08:05 UTC" in failure[0]
    assert "Last successful sync: <!date^" in failure[0] and "2026-11-02 08:10 UTC" in failure[0]

    finish_run(services, status="failed", started=T0 + 4 * MIN, failure_kind="password_expired",
               error="Salesforce refused the stored login: INVALID_OPERATION_WITH_EXPIRED_PASSWORD (expired).")
    finish_run(services, status="failed", started=T0 + 5 * MIN, failure_kind="password_expired",
               error="Salesforce refused the stored login: INVALID_OPERATION_WITH_EXPIRED_PASSWORD (expired).")
    changed = posted(services, slack)[2:]
    assert len(changed) == 1
    assert changed[0].startswith(
        ":red_circle: *The Salesforce sync is still failing, now for another reason:* "
        "the sync user's Salesforce password has expired."
    )
    assert changed[0].count("INVALID_OPERATION_WITH_EXPIRED_PASSWORD") == 1
    assert "*What to do:* " + MSG.failure_advice["password_expired"] in changed[0]
    assert "Security Token" not in changed[0]
    assert "2026-11-02 08:05 UTC" in changed[0]  # failing since the first failure, whatever its kind

    finish_run(services, status="succeeded", started=T0 + 6 * MIN, seconds=30,
               objects={"Lead": (3, 4, 1), "Account": (0, 0, 0)})
    finish_run(services, status="succeeded", started=T0 + 7 * MIN)
    recovered = posted(services, slack)[3:]
    assert recovered == [
        ":large_green_circle: *The Salesforce sync recovered* after 25 min 30 s of failures.\n"
        "Caught up in this cycle: Lead 8."
    ]


def test_a_lasting_failure_is_recalled_once_a_day_in_its_thread(
    sqlite_services: Services, slack: SlackWebApiStandIn
) -> None:
    services = sqlite_services
    finish_run(services, status="succeeded", started=T0)
    for minutes in range(5, 24 * 60 + 60, 5):  # a day and an hour of failing cycles
        finish_run(services, status="failed", started=T0 + timedelta(minutes=minutes), failure_kind="request_limit",
                   error="The Salesforce org has used up its daily API requests.", api_used=15_000, api_max=15_000)
    send_pending(services)
    top_level = [m["text"] for m in slack.messages(ALERTS) if "thread_ts" not in m]
    assert len(top_level) == 2  # the first load, then the one failure alert
    assert "Wait: Salesforce counts API requests over a rolling 24 hours" in top_level[1]
    assert "The org has used 15,000 of its 15,000 daily API requests." in top_level[1]
    failure_ts = slack.messages(ALERTS)[1]["ts"]
    [reminder] = [m for m in slack.messages(ALERTS) if m.get("thread_ts") == failure_ts]
    assert reminder["text"].startswith(":hourglass: Still failing, since <!date^")
    assert "(289 failed cycles): The Salesforce org has used up its daily API requests." in reminder["text"]


def test_what_to_do_depends_on_the_failure(sqlite_services: Services, slack: SlackWebApiStandIn) -> None:
    services = sqlite_services
    finish_run(services, status="failed", started=T0, failure_kind="refused", job_field=("Lead", "Score__c"),
               error="Salesforce refused the request (INVALID_FIELD): No such column 'Score__c' on entity 'Lead'.")
    finish_run(services, status="failed", started=T0 + MIN, failure_kind="quota", api_used=12_100, api_max=15_000,
               error="syncbot stopped at 80% of the org's daily API requests.")
    refused, quota = posted(services, slack)
    assert "No sync has succeeded yet." in refused
    assert "*What to do:* Fix the field `Lead.Score__c` in Salesforce, or hide it from the sync user with " \
           "field-level security" in refused
    assert quota.startswith(":red_circle: *The Salesforce sync is still failing, now for another reason:* "
                            "syncbot stopped at its share of the org's daily API requests.")
    assert "syncbot pauses at `SYNCBOT_API_QUOTA` percent" in quota
    assert "The org has used 12,100 of its 15,000 daily API requests." in quota


def test_record_errors_make_one_summary_per_cycle(sqlite_services: Services, slack: SlackWebApiStandIn) -> None:
    services = sqlite_services
    finish_run(services, status="succeeded", started=T0)
    errors = [("Lead", "Email", "value too long for column")] * 4 + [("Contact", None, "duplicate Id")] * 2 + [
        ("Lead", "Phone", "not a number"), ("Account", "Name", "bad"),
    ]
    finish_run(services, status="succeeded", started=T0 + MIN, record_errors=errors)
    finish_run(services, status="succeeded", started=T0 + 2 * MIN)
    summary = posted(services, slack)[1:]
    assert len(summary) == 1
    assert summary[0].splitlines() == [
        ":warning: *8 records couldn't be synced* in the cycle of <!date^1793606700^{date_short_pretty} {time}"
        "|2026-11-02 08:05 UTC>. Most common:",
        "• 4× Lead.Email: value too long for column",
        "• 2× Contact: duplicate Id",
        "• 1× Account.Name: bad",
        "See every one with `/sync errors`.",
    ]


def test_interrupted_runs_change_nothing_and_a_broken_rule_never_breaks_the_run(
    sqlite_services: Services, slack: SlackWebApiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = sqlite_services
    finish_run(services, status="interrupted", started=T0)
    assert posted(services, slack) == []

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug in a rule")

    monkeypatch.setattr("bot.alerts.rules.alert_reports.last_success", broken)
    run_id = finish_run(services, status="failed", started=T0 + MIN, failure_kind="internal", error="boom")
    with services.db.session() as session:
        assert session.get(AlertOutbox, 1) is None
        run = session.get(SyncRun, run_id)
        assert run is not None and run.status == "failed"  # the run's close was kept


def test_notable_events_say_who(bot: RunningBot) -> None:
    from bot.alerts import rules
    from storage import workspaces

    with bot.services.db.session() as session:
        workspaces.ensure(session, "T0001")
        for step in workspaces.STEP_COLUMNS[:-1]:
            workspaces.claim_step(session, "T0001", step)
        workspaces.set_alert_channel(session, "T0001", "C0001")
        rules.credentials_changed(session, "T0001", ADMIN, "Acme Corp")  # during the setup: not told
    assert bot.reply("start yes") == "The sync is started. `/sync status` shows how it goes."
    with bot.services.db.session() as session:
        rules.credentials_changed(session, "T0001", ADMIN, "Acme Corp")
    send_pending(bot.services)
    assert texts(bot.slack, "C0001") == [
        ":rocket: <@UADMIN0001> started the Salesforce sync. The first cycle loads every record; "
        "this channel hears when it is done.",
        ":key: <@UADMIN0001> changed the Salesforce credentials (org *Acme Corp*).",
    ]


@pytest.mark.parametrize("kind", list(FailureKind))
def test_every_failure_kind_says_what_it_is_and_one_advice_for_it_once(kind: FailureKind) -> None:
    facts = {"failure_kind": str(kind), "error": "Salesforce said so.", "since": "2026-11-02T08:05:00+00:00",
             "last_ok": "2026-11-02T08:00:00+00:00", "other_kind": False}
    text = alert_message(AlertKind.FAILED, facts).text
    assert MSG.alert_what[kind] in text
    assert text.count("What to do") == 1 and text.count(MSG.failure_advice[kind]) == 1
    assert not any(advice in text for name, advice in MSG.failure_advice.items() if name != kind)
    # Posted in a channel: nothing written for the modal's "enter it here".
    assert " here" not in text

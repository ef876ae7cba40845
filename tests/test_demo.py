"""`syncbot demo`: the whole product offline, as the README's first command runs it, and
`syncbot demo --serve`, the demo's org kept running for a real Slack app."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from simple_salesforce import Salesforce
from sqlalchemy import create_engine, inspect, text

from bot.demo import run_demo, terminal_text
from bot.salesforce.gateway import API_VERSION
from bot.salesforce.transport import make_session
from bot.simulator import DEFAULT_PASSWORD, SimClock, build_large_demo_org

SETUP = ("help", "status", "credentials", "fields", "fields Lead", "hide Lead.Description", "sync-fields",
         "confirm-credentials yes", "mappings Lead", "map Lead.Email email_address", "channel #sales-ops", "start")
POST = "#sales-ops  syncbot: "


def _run_in_process(database: Path) -> str:
    lines: list[str] = []
    assert run_demo(database=database, say=lines.append) == 0
    return "\n".join(lines) + "\n"


def test_demo_walks_the_setup_the_first_load_a_failure_and_the_recovery(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    output = _run_in_process(database)
    for command in SETUP:
        assert f"\n> /sync {command}\n" in output, command
    assert "Logged in to Salesforce as *sync@acme.example*: org *Acme Corp*" in output
    assert "Created 8 tables:" in output
    assert "`Lead.Email` now maps to the column `email_address` (was `email`)." in output
    assert "Alerts will be posted to #sales-ops: I joined it and posted a test message." in output
    assert f"{POST}:wave: @ada chose this channel" in output
    # `/sync status` half-way through the first load, with an object done and one under way.
    during = output.split("== The first load", 1)[1].split("#sales-ops  syncbot (edited): ", 1)[0]
    assert "\n    Sync in Progress\n" in during
    assert re.search(r"\(REST\): [\d,]+ rows, done\n", during)
    # The load has read for a while on the demo's clock: a rate and the time left, and what comes next.
    assert re.search(r"\(REST\): [\d,]+ of about [\d,]+ rows, [\d,]+ rows/s, about \d+ s left\n", during)
    assert "\n    Not started yet: Lead, Opportunity, OpportunityContactRole, User.\n" in during
    # The live progress message the README describes: posted during the load, edited when it is done.
    assert f"{POST}:hourglass_flowing_sand: *First load from Salesforce*: 3 of 8 objects read" in during
    assert "waiting" in during and "rows/s" in during.split("> /sync status", 1)[0]
    assert "(edited): :white_check_mark: *First load from Salesforce*: all 8 objects read." in output
    assert f"{POST}:tada: *The first load is done*" in output
    # Everyday cycles: what changed, by `/sync now` and by the schedule.
    assert "Last cycle: Contact 0 new, 3 updated, 0 deleted; Lead 3 new" in output
    assert re.search(r"\*Succeeded\* (just now|\d+ s ago) · scheduled\n.*4 new.*\n.*\n.*\*Succeeded\* 5 min ago · `/sync now`\n"
                     r".*3 new.*\n.*\n.*\*Succeeded\* \d+ min ago · `/sync start`", output)
    # The expired password: one alert for two failed cycles, `/sync status` Failed, then the recovery.
    assert output.count(f"{POST}:red_circle: *The Salesforce sync is failing:*") == 1
    assert "INVALID_OPERATION_WITH_EXPIRED_PASSWORD (The users password has expired" in output
    assert "Reset My Security Token" not in output and "enter it here" not in output
    assert "\n    Failed: " in output
    assert f"{POST}:key: @ada changed the Salesforce credentials" in output
    recovered = output.index(f"{POST}:large_green_circle: *The Salesforce sync recovered*")
    assert output.index("Failed: ") < recovered
    assert "Caught up in this cycle: Contact 2, Lead" in output
    assert re.search(r"Duplicate people\* — shared emails: \*\d+\*", output)
    assert "I sent `duplicates.csv` to you in a direct message" in output
    # The file the direct message holds is where the demo says.
    saved = tmp_path / "demo-duplicates.csv"
    assert f"[the direct message holds duplicates.csv; the demo saved it as {saved.resolve()}]" in output
    assert saved.read_text(encoding="utf-8").count("@") > 194
    # Which fields can't be synced, and why.
    assert "3 can't be synced: `BillingAddress`, `ShippingAddress`, `Headquarters__c` (compound field" in output
    # It ends with the state, the database and how to look into it.
    ending = output.split("== Where things stand", 1)[1]
    assert "\n    Last Synced " in ending
    assert f"The local database {database.resolve()} has 8 synced tables" in ending
    assert f'sqlite3 {database.resolve()} "SELECT' in ending and "WHERE NOT isdeleted LIMIT 5" in ending
    # The rows add up: live records plus the deleted ones kept with isdeleted set.
    total, live, deleted = (int(n.replace(",", "")) for n in re.search(
        r"They hold ([\d,]+) rows: ([\d,]+) live records and ([\d,]+) deleted in Salesforce", ending).groups())
    assert total == live + deleted and deleted == 4
    assert DEFAULT_PASSWORD not in output and "Passw0rd" not in output
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        columns = {col["name"] for col in inspect(conn).get_columns("sf_lead")}
        leads = conn.execute(text("SELECT count(*) FROM sf_lead WHERE NOT isdeleted")).scalar_one()
    engine.dispose()
    assert "email_address" in columns and "description" not in columns
    assert leads > 3000


def _minutes(text: str) -> list[datetime]:
    return [datetime.strptime(found, "%Y-%m-%d %H:%M") for found in re.findall(r"(\d{4}-\d\d-\d\d \d\d:\d\d) UTC", text)]


def test_the_demo_moves_through_a_day_as_a_channel_would_see_it(tmp_path: Path) -> None:
    output = _run_in_process(tmp_path / "demo.db")
    everyday = output.split("== Everyday cycles", 1)[1]
    # Each `/sync status` after a cycle says a later sync: `/sync now` shows that it ran.
    synced = _minutes("".join(re.findall(r"Last Synced [^\n]*", output)))
    assert len(synced) == 4 and synced == sorted(synced) and len(set(synced)) == 4
    # The demo's clock moves by whole minutes between scenes and runs on in real time within them.
    assert synced[1] - synced[0] >= timedelta(minutes=5) and synced[2] - synced[1] >= timedelta(minutes=5)
    assert re.search(r"\*Succeeded\* 5 min ago · `/sync now`", everyday)
    # The failure: failing since one cycle after the last success, and it lasts a while.
    alert = everyday.split(f"{POST}:red_circle:", 1)[1].split("\n\n", 1)[0]
    since, last_ok = _minutes(alert.split("Failing since", 1)[1])
    assert since - last_ok >= timedelta(minutes=5)
    recovered = re.search(r"recovered\* after (\d+) min( \d+ s)? of failures", output)
    assert recovered and int(recovered.group(1)) >= 34
    # From the first load to the last status, the demo's day went on for most of an hour.
    assert synced[-1] - synced[0] >= timedelta(minutes=49)


def test_demo_refuses_a_database_that_exists(tmp_path: Path) -> None:
    database = tmp_path / "used.db"
    database.write_bytes(b"")
    result = subprocess.run([sys.executable, "-m", "bot", "demo", "--database", str(database)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(f"syncbot: {database} exists already")


def test_demo_runs_as_the_readme_says(tmp_path: Path) -> None:
    # The temporary database is left for the user to look at: here it lands in tmp_path.
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "bot", "demo"], capture_output=True, text=True, timeout=60,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("syncbot demo: the whole setup, offline.")
    assert f"{POST}:red_circle:" in result.stdout and f"{POST}:large_green_circle:" in result.stdout
    assert "has 8 synced tables" in result.stdout
    assert str(tmp_path) in result.stdout


def test_demo_serve_keeps_the_org_running_until_sigterm() -> None:
    process = subprocess.Popen([sys.executable, "-m", "bot", "demo", "--serve"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        printed = _read_until(process, "Reps change a few records")
        url = re.search(r"export SYNCBOT_SALESFORCE_URL=(\S+)", printed)
        login = {key: re.search(rf"{label}:\s+(\S+)", printed) for key, label in
                 (("username", "Username"), ("password", "Password"), ("security_token", "Security token"))}
        assert url and all(login.values()), printed
        sf = Salesforce(session=make_session(url.group(1)), version=API_VERSION,
                        **{key: match.group(1) for key, match in login.items() if match})
        assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] > 3000
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert process.stderr is not None and process.stderr.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _read_until(process: subprocess.Popen[str], marker: str, timeout: float = 30) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return "".join(lines)
    pytest.fail("no line with " + repr(marker) + " in:\n" + "".join(lines))


def test_the_demo_org_has_thousands_of_records_and_duplicate_people_typed_differently() -> None:
    org = build_large_demo_org(clock=SimClock())
    for name in ("Lead", "Contact", "Account", "Opportunity"):
        assert org.count(name) >= 1000, name
    assert org.count("Campaign") >= 100
    contacts = {row["Email"].strip().lower() for row in org.records("Contact") if row.get("Email")}
    twins = [row["Email"] for row in org.records("Lead") if (row.get("Email") or "").strip().lower() in contacts]
    assert len(twins) > 100
    assert any(email != email.strip() for email in twins)  # with spaces around
    assert any(email.strip() != email.strip().lower() for email in twins)  # in other case
    lead_emails = [(row.get("Email") or "").strip().lower() for row in org.records("Lead")]
    assert len(lead_emails) - len(set(lead_emails)) > 0  # the same lead entered twice
    again = build_large_demo_org(clock=SimClock(org.clock.now()))
    assert [row["Email"] for row in again.records("Lead")] == [row["Email"] for row in org.records("Lead")]


def test_terminal_text_shows_fallbacks() -> None:
    assert terminal_text("Last Synced <!date^1700000000^{date_short_pretty} {time}|2023-11-14 22:13 UTC>") == (
        "Last Synced 2023-11-14 22:13 UTC"
    )
    assert terminal_text("Alerts go to <#C0123|sales-ops>.") == "Alerts go to #sales-ops."
    names = {"C0123": "sales-ops", "U0042": "ada"}
    assert terminal_text("<@U0042> chose <#C0123>.", names) == "@ada chose #sales-ops."
    assert terminal_text("Lead <https://x.example/00Q1|Zoë &amp; Co> &lt;b&gt;") == "Lead Zoë & Co <b>"

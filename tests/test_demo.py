"""`syncbot demo`: the whole setup offline, as the README's first command runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect

from bot.demo import run_demo, terminal_text
from bot.simulator import SimClock, build_large_demo_org


def test_demo_walks_every_setup_step(tmp_path: Path) -> None:
    lines: list[str] = []
    database = tmp_path / "demo.db"
    assert run_demo(database=database, say=lines.append) == 0
    output = "\n".join(lines)
    for command in ("help", "status", "credentials", "fields", "fields Lead", "hide Lead.Description",
                    "sync-fields", "confirm-credentials yes", "mappings Lead", "map Lead.Email email_address",
                    "start"):
        assert f"\n> /sync {command}\n" in output + "\n", command
    assert "Logged in to Salesforce as *sync@acme.example*: org *Acme Corp*" in output
    assert "Created 8 tables:" in output
    assert "`Lead.Email` now maps to the column `email_address` (was `email`)." in output
    assert "\n    Sync in Progress\n" in output
    assert "Sync-Passw0rd!" not in output
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        columns = {col["name"] for col in inspect(conn).get_columns("sf_lead")}
    engine.dispose()
    assert "email_address" in columns and "description" not in columns


def test_demo_runs_as_the_readme_says() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "demo"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("syncbot demo: the whole setup, offline.")
    assert "now has 8 synced tables" in result.stdout
    assert result.stderr == ""


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

"""Generated and demo data are as messy as real data, and survive REST JSON and Bulk CSV intact."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Any, Callable

import pytest
from simple_salesforce import Salesforce

from bot.simulator import SalesforceSimulator, SimClock, SimulatedOrg, build_demo_org
from bot.simulator.values import to_csv

TEXT_FIELDS = ["FirstName", "LastName", "Company", "Title", "Street", "City", "State", "PostalCode",
               "Email", "Description"]
Kind = Callable[[str], bool]
KINDS: dict[str, Kind] = {
    "newline": lambda value: "\n" in value,
    "crlf": lambda value: "\r\n" in value,
    "double quote": lambda value: '"' in value,
    "comma": lambda value: "," in value,
    "apostrophe": lambda value: "'" in value,
    "non-ascii": lambda value: not value.isascii(),
    "emoji": lambda value: any(ord(char) >= 0x1F000 for char in value),
    "long text": lambda value: len(value) > 2000,
    "stray spaces": lambda value: value != value.strip(),
    "looks like data": lambda value: re.fullmatch(r"-?[\d.,e]+|\d{4}-\d\d-\d\d|NULL|Null|true|True|NaN",
                                                  value.strip()) is not None,
}


def _share(rows: list[dict[str, Any]], kind: Kind, fields: list[str]) -> float:
    hits = sum(1 for row in rows if any(isinstance(row.get(name), str) and kind(row[name]) for name in fields))
    return hits / len(rows)


def test_generated_leads_are_messy_by_a_few_percent(clock: SimClock) -> None:
    org = SimulatedOrg(clock=clock)
    org.generate("Lead", 5000, seed=11)
    rows = org.records("Lead")
    fields = [name for name in TEXT_FIELDS if name != "PostalCode"]  # postal codes are digits anyway
    for name, kind in KINDS.items():
        share = _share(rows, kind, fields)
        assert 0.003 <= share <= 0.2, f"{name}: {share:.1%} of Leads"
    emails = [row["Email"] for row in rows]
    assert all(re.fullmatch(r"[a-z0-9'][a-z0-9.'-]*@[a-z0-9]+\.example", email) for email in emails)
    assert len(set(emails)) == len(emails)


def test_messy_data_is_deterministic_by_seed(clock: SimClock) -> None:
    first, second, other = (SimulatedOrg(clock=SimClock(clock.now())) for _ in range(3))
    first.generate("Contact", 500, seed=3)
    second.generate("Contact", 500, seed=3)
    other.generate("Contact", 500, seed=4)
    assert first.records("Contact") == second.records("Contact") != other.records("Contact")


def test_values_fit_their_fields(now: datetime) -> None:
    org = build_demo_org(clock=SimClock(now), size=60)
    for name in ("Lead", "Contact", "Account", "Opportunity", "User", "Campaign"):
        obj = org.object(name)
        for row in org.records(name):
            for key, value in row.items():
                field = obj.field(key)
                assert field is not None
                if isinstance(value, str) and field.length and field.type not in ("id", "reference"):
                    assert len(value) <= field.length, (name, key, value)


def test_demo_seed_is_messy_too(now: datetime) -> None:
    org = build_demo_org(clock=SimClock(now))
    rows = [row for name in ("Lead", "Contact", "Account", "Opportunity") for row in org.records(name)]
    fields = TEXT_FIELDS + ["MailingStreet", "BillingStreet", "BillingCity", "MailingCity", "Name"]
    for kind in ("newline", "double quote", "comma", "non-ascii", "long text"):
        assert _share(rows, KINDS[kind], fields) > 0, kind


def test_messy_values_survive_rest_and_bulk(sim: SalesforceSimulator, sf: Salesforce) -> None:
    sim.org.generate("Lead", 3000, seed=5)
    names = ["Id", "FirstName", "LastName", "Company", "Title", "Street", "City", "Description", "Email"]
    stored = {row["Id"]: row for row in sim.org.records("Lead")}
    rest = sf.query_all(f"SELECT {', '.join(names)} FROM Lead")["records"]
    assert len(rest) == len(stored)
    for row in rest:
        assert all(row[name] == stored[row["Id"]].get(name) for name in names)
    for line_ending in ("LF", "CRLF"):
        pages = list(sf.bulk2.Lead.query(f"SELECT {', '.join(names)} FROM Lead", line_ending=line_ending,
                                         max_records=1000, wait=0.01))
        rows = [row for page in pages for row in csv.DictReader(io.StringIO(page, newline=""))]
        assert len(rows) == len(stored)
        for row in rows:
            assert all(row[name] == to_csv(stored[row["Id"]].get(name)) for name in names)


@pytest.mark.parametrize("delimiter", ["TAB", "SEMICOLON", "PIPE", "CARET", "BACKQUOTE"])
def test_delimiters_inside_values_are_quoted(sim: SalesforceSimulator, sf: Salesforce, delimiter: str) -> None:
    company = "Semi;colon|Pipe^Caret`Tick\tLtd, \"Inc\"\r\nSecond line"
    lead = sim.org.create("Lead", LastName="Delims", Company=company)
    page = next(sf.bulk2.Lead.query(f"SELECT Id, Company FROM Lead WHERE Id = '{lead}'",
                                    column_delimiter=delimiter, wait=0.01))
    separator = {"TAB": "\t", "SEMICOLON": ";", "PIPE": "|", "CARET": "^", "BACKQUOTE": "`"}[delimiter]
    rows = list(csv.reader(io.StringIO(page, newline=""), delimiter=separator))
    assert rows == [["Id", "Company"], [lead, company]]

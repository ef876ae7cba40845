"""The column-wise renderers give exactly what the value-by-value rules give, and stay fast."""

from __future__ import annotations

import csv
import io
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from simple_salesforce import Salesforce

from bot.simulator import SalesforceSimulator, SimClock, SimulatedOrg
from bot.simulator.query_engine import bind, execute
from bot.simulator.render import csv_page, json_records
from bot.simulator.values import compound_value, to_csv, to_json


def _all_fields(org: SimulatedOrg, name: str, *, bulk: bool) -> str:
    obj = org.object(name)
    fields = [fld.name for fld in obj.fields.values() if not bulk or not (fld.is_compound or fld.type == "base64")]
    return f"SELECT {', '.join(fields)} FROM {name}"


def test_renderers_match_the_value_rules(clock: SimClock) -> None:
    org = SimulatedOrg(clock=clock)
    org.add_custom_field("Contact", "Born", "datetime")
    org.add_custom_field("Contact", "Visits", "int")
    org.add_custom_field("Contact", "Start", "time")
    org.generate("Account", 20)
    org.generate("Contact", 400, seed=9)
    org.create("Contact", LastName="Edge", Born__c=datetime(1999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc),
               Visits__c=0, Start__c="08:30:00.000Z", Birthdate=date(2000, 2, 29), Photo__c=b"\x00\xff",
               MailingLatitude=Decimal("999.999999999999999"), MailingLongitude=-0.0, Description="")
    org.generate("Contact", 20, edge_numbers=True)
    for name in ("Contact", "Account"):
        query = bind(org, _all_fields(org, name, bulk=False), lambda _: frozenset())
        rows = execute(org, query, include_deleted=True)
        records = json_records(query, rows, "59.0")
        for row, record in zip(rows, records):
            base = f"/services/data/v59.0/sobjects/{name}/{row['Id']}"
            assert record["attributes"] == {"type": name, "url": base}
            for fld, read in zip(query.fields, query.accessors):
                value = read(row)
                expected = f"{base}/{fld.name}" if fld.type == "base64" and value is not None else to_json(value)
                assert record[fld.name] == expected, (fld.name, value)
        bulk = bind(org, _all_fields(org, name, bulk=True), lambda _: frozenset())
        rows = execute(org, bulk, include_deleted=True)
        page = csv_page(bulk, rows, ",", "\r\n")
        parsed = list(csv.reader(io.StringIO(page, newline="")))
        assert parsed[0] == [fld.name for fld in bulk.fields]
        assert parsed[1:] == [[to_csv(read(row)) for read in bulk.accessors] for row in rows]
    contact = next(record for record in org.records("Contact") if record["LastName"] == "Edge")
    address = compound_value(org.object("Contact").field("MailingAddress"), contact)
    assert address is not None and address["latitude"] == Decimal("999.999999999999999")


def test_empty_pages(clock: SimClock) -> None:
    org = SimulatedOrg(clock=clock)
    query = bind(org, "SELECT Id, Name FROM Lead", lambda _: frozenset())
    assert csv_page(query, [], ",", "\n") == '"Id","Name"\n' and json_records(query, [], "59.0") == []


def test_a_big_bulk_load_is_quick(sim: SalesforceSimulator, sf: Salesforce) -> None:
    started = time.perf_counter()
    sim.org.generate("Lead", 20_000, spread=timedelta(days=90))
    generated = time.perf_counter() - started
    soql = _all_fields(sim.org, "Lead", bulk=True)
    started = time.perf_counter()
    pages = list(sf.bulk2.Lead.query(soql, max_records=10_000, wait=0.01))
    served = time.perf_counter() - started
    rows = [row for page in pages for row in csv.DictReader(io.StringIO(page, newline=""))]
    assert len(rows) == sim.org.count("Lead")
    # About 0.4 s and 0.3 s on a laptop; the bounds only catch a return of per-cell slowness.
    assert generated < 6 and served < 6

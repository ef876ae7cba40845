"""How long `/sync duplicates` takes to query 200,000 Leads and 100,000 Contacts.

Builds the two mirror tables directly (the same DDL as `/sync sync-fields`), fills them
with generated people (some sharing emails, in other cases and with spaces around; some
deleted; some without an email), then times the email index build and the duplicates
query, on SQLite and on PostgreSQL::

    .venv/bin/python bench/duplicates.py [--leads N] [--contacts N] [--sqlite-only]

PostgreSQL is reached at ``SYNCBOT_TEST_POSTGRES_URL`` (default: user postgres on
127.0.0.1:5432); a scratch database is made and dropped.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy import MetaData, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from storage import mirror  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.duplicates import PeopleTable, create_email_index, duplicate_people  # noqa: E402
from storage.models import ObjectField  # noqa: E402

POSTGRES_URL = os.environ.get("SYNCBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
FIELDS = (
    ("Id", "id", 18), ("IsDeleted", "boolean", None), ("SystemModstamp", "datetime", None),
    ("FirstName", "string", 40), ("LastName", "string", 80), ("Name", "string", 121),
    ("Email", "email", 80), ("Company", "string", 255), ("Phone", "phone", 40), ("City", "string", 40),
)
STAMP = datetime(2026, 11, 1, tzinfo=timezone.utc)
BATCH = 5_000


def main() -> None:
    """Run the benchmark and print one block of figures per database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="timed queries per database (the best is shown)")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        bench("SQLite", f"sqlite:///{scratch}/bench.db", args)
    if not args.sqlite_only:
        url = _create_postgres_database()
        try:
            bench("PostgreSQL", url, args, settle=_vacuum_analyze)
        finally:
            _drop_postgres_database(url)


def bench(label: str, url: str, args: argparse.Namespace, settle: Callable[[Database], None] | None = None) -> None:
    """Fill one database, then time the index build and the query."""
    db = Database(url)
    tables = [_people("Lead"), _people("Contact")]
    started = time.perf_counter()
    _fill(db, args.leads, args.contacts)
    print(f"{label}: {args.leads:,} Leads and {args.contacts:,} Contacts loaded in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    for people in tables:
        with db.session() as session:
            create_email_index(session, people)
    print(f"  email indexes built (first /sync duplicates): {_ms(started)}")
    first, found = _query(db, tables)
    print(f"  query on freshly loaded tables: {first * 1000:.0f} ms")
    if settle is not None:
        settle(db)
        first, found = _query(db, tables)
        print(f"  query after VACUUM ANALYZE (what autovacuum does): {first * 1000:.0f} ms")
    timings = [_query(db, tables)[0] for _ in range(args.runs)]
    emails = len({row.email for row in found})
    print(f"  query, best of {args.runs}: {min(timings) * 1000:.0f} ms (median {sorted(timings)[len(timings) // 2] * 1000:.0f} ms)"
          f" — {emails:,} shared emails, {len(found):,} records")
    db.dispose()


def _query(db: Database, tables: list[PeopleTable]) -> tuple[float, list[Any]]:
    started = time.perf_counter()
    with db.session() as session:
        rows = duplicate_people(session, tables)
    return time.perf_counter() - started, rows


def _people(object_name: str) -> PeopleTable:
    return PeopleTable(object_name=object_name, table=mirror.table_name(object_name), email="email",
                       first_name="firstname", last_name="lastname", full_name="name")


def _fill(db: Database, leads: int, contacts: int) -> None:
    rng = random.Random(20261101)
    # Addresses several people share: within Leads, within Contacts, and across both.
    shared = [f"shared.person{n}@example.org" for n in range((leads + contacts) // 50)]
    with db.session() as session:
        fields = {name: _fields(name) for name in ("Lead", "Contact")}
        mirror.create_tables(session, fields)
        metadata = MetaData()
        for object_name, prefix, count in (("Lead", "00Q", leads), ("Contact", "003", contacts)):
            table = mirror.build_table(metadata, object_name, fields[object_name])
            batch: list[dict[str, Any]] = []
            for row in _rows(rng, prefix, count, shared):
                batch.append(row)
                if len(batch) == BATCH:
                    session.execute(table.insert(), batch)
                    batch = []
            if batch:
                session.execute(table.insert(), batch)


def _rows(rng: random.Random, prefix: str, count: int, shared: list[str]) -> Iterator[dict[str, Any]]:
    for n in range(count):
        draw = rng.random()
        email: str | None
        if draw < 0.05:
            email = None
        elif draw < 0.08:
            email = rng.choice(shared)
        else:
            email = f"{prefix.lower()}.person{n}@company{n % 997}.example.com"
        if email and rng.random() < 0.2:
            email = f"  {email.upper()} "
        first, last = f"First{n % 5000}", f"Last{n}"
        yield {
            "id": f"{prefix}{n:012d}AAA", "isdeleted": rng.random() < 0.02, "systemmodstamp": STAMP,
            "firstname": first, "lastname": last, "name": f"{first} {last}", "email": email,
            "company": f"Company {n % 997}", "phone": "+1 555 0100", "city": "Springfield",
        }


def _fields(object_name: str) -> list[ObjectField]:
    return [
        ObjectField(team_id="TBENCH", object_name=object_name, field_name=name, position=position, label=name,
                    sf_type=sf_type, length=length, hidden=False, unsyncable_reason=None, column_name=name.lower())
        for position, (name, sf_type, length) in enumerate(FIELDS)
    ]


def _vacuum_analyze(db: Database) -> None:
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE sf_lead"))
        conn.execute(text("VACUUM ANALYZE sf_contact"))


def _conninfo() -> str:
    return make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)


def _create_postgres_database() -> str:
    name = f"syncbot_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(url: str) -> None:
    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


if __name__ == "__main__":
    main()

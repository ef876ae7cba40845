"""The reconciliation's memory: peak RSS of one reconciliation of 1,000,000 rows against
one of 100,000, each in a process of its own.

    .venv/bin/python -m bench.reconcile_memory                       # 1,000,000 vs 100,000 rows
    .venv/bin/python -m bench.reconcile_memory --large 200000 --small 20000   # a quick look
    .venv/bin/python -m bench.reconcile_memory --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

For each size: the simulator runs in a process of its own (so its memory is not
counted) with one object of that many rows, made cheaply (Id and stamp only); this
process fills a mirror table with the same rows, less one in 10,000 and plus one in
10,000 that Salesforce no longer has; then ``bench.reconcile_child`` runs the product's
``reconcile`` once (a Bulk job, as for any table past ``SYNCBOT_BULK_THRESHOLD``) and
its peak RSS is read from the kernel when it exits. Prints both peaks, the ratio, the
time and API calls of each. Target: the large one under 150 MB and within 1.20 of the
small one.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.sync_load import Child

OBJECT = "Bench_Row__c"
KEY_PREFIX = "a0B"
TEAM = "T0BENCH01"
# One row in EVERY is gone from Salesforce (still live locally), one is missing locally.
EVERY = 10_000
_BASE = datetime(2024, 1, 1, tzinfo=timezone.utc)


def row_id(number: int) -> str:
    """The Id of row ``number`` (1-based), as the simulator's org hands it out."""
    from bot.simulator.ids import make_id

    return make_id(KEY_PREFIX, 1, number)


def row_stamp(number: int) -> datetime:
    """The SystemModstamp of row ``number``."""
    return _BASE + timedelta(milliseconds=number)


def in_salesforce(number: int) -> bool:
    """Whether Salesforce still has row ``number``."""
    return number % EVERY != 0


def in_table(number: int) -> bool:
    """Whether the mirror table has row ``number``."""
    return number % EVERY != EVERY // 2


def fields() -> list[Any]:
    """The catalog rows of the bench object: Id, IsDeleted and SystemModstamp."""
    from storage.models import ObjectField

    return [ObjectField(team_id=TEAM, object_name=OBJECT, field_name=name, position=position, label=name,
                        sf_type=sf_type, hidden=False, column_name=column, unsyncable_reason=None)
            for position, (name, sf_type, column) in enumerate(
                [("Id", "id", "id"), ("IsDeleted", "boolean", "isdeleted"),
                 ("SystemModstamp", "datetime", "systemmodstamp")])]


def simulator(rows: int) -> int:
    """The simulator process: one org with the bench object; prints its URL as JSON, then
    serves until stdin ends, and prints how many API requests it answered."""
    from bot.simulator import (DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME, FieldDef, ObjectDef,
                               SalesforceSimulator, SimulatedOrg)
    from bot.simulator.catalog import default_schema

    schema = default_schema()
    system = [FieldDef("Id", "id", length=18, nillable=False, createable=False, updateable=False),
              FieldDef("IsDeleted", "boolean", nillable=False, createable=False, updateable=False),
              FieldDef("SystemModstamp", "datetime", nillable=False, createable=False, updateable=False)]
    schema.add_object(ObjectDef(name=OBJECT, label=OBJECT, label_plural=OBJECT, key_prefix=KEY_PREFIX,
                                fields={field.name: field for field in system}, custom=True))
    org = SimulatedOrg("Bench Corp", schema=schema)
    org.add_user(DEFAULT_USERNAME, DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN)
    org.insert_many(OBJECT, ({"Id": row_id(number), "SystemModstamp": row_stamp(number)}
                             for number in range(1, rows + 1) if in_salesforce(number)))
    served = SalesforceSimulator(orgs=[org], clock=org.clock)
    served.start()
    print(json.dumps({"url": served.url}), flush=True)
    sys.stdin.read()
    served.stop()
    print(json.dumps({"api_requests": org.api_requests_used}), flush=True)
    return 0


def _table_rows(rows: int) -> Iterator[list[str]]:
    for number in range(1, rows + 1):
        if in_table(number):
            yield [row_id(number), "false", row_stamp(number).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"]


def prepare(database_url: str, rows: int) -> int:
    """Migrate the database, make and fill the mirror table (with the product's own
    converter and writer), and open a sync run; returns the run's id."""
    from bot.config import Settings
    from bot.runtime import build_services
    from bot.sync import plan as plans
    from bot.sync.convert import RowConverter
    from storage import mirror, runs
    from storage.mirror_writer import MirrorWriter

    services = build_services(Settings.from_env({"DATABASE_URL": database_url}))
    db = services.db
    plan = plans.build(OBJECT, fields())
    dialect = "sqlite" if db.dialect == "sqlite" else "postgresql"
    converter = RowConverter(plan.columns, source="csv", dialect=dialect,
                             header=["Id", "IsDeleted", "SystemModstamp"])
    writer = MirrorWriter(plan.table, [column.column for column in plan.columns], dialect=db.dialect)
    with db.session() as session:
        mirror.create_tables(session, {OBJECT: fields()})
    batch: list[tuple[Any, ...]] = []
    for row in _table_rows(rows):
        batch.append(converter.convert(row))
        if len(batch) == 50_000:
            with db.session() as session:
                writer.write(session, batch, all_new=True)
            batch = []
    with db.session() as session:
        writer.write(session, batch, all_new=True)
        run_id = runs.start(session, TEAM, trigger="now", holder="bench").id
    db.dispose()
    return run_id


def measure(rows: int, database_url: str) -> dict[str, Any]:
    """One size: simulator up, table filled, one reconciliation measured. Each step runs in
    a process of its own and this one stays small: the kernel starts a child's peak RSS
    from its parent's size at the fork."""
    served = Child("bench.reconcile_memory", "simulator", str(rows))
    url = served.read()["url"]
    preparing = Child("bench.reconcile_memory", "prepare", database_url, str(rows))
    run_id = preparing.read()["run_id"]
    preparing.finish()
    child = Child("bench.reconcile_child", database_url, url, str(run_id))
    report = child.read()
    report["peak_mb"] = child.finish()
    if served.process.stdin is not None:
        served.process.stdin.close()
    report["api_requests"] = served.read()["api_requests"]
    report["simulator_peak_mb"] = served.finish()
    report["rows"] = rows
    return report


def postgres_database(action: str, admin_url: str, name: str) -> int:
    """Create (or drop) a throw-away PostgreSQL database; prints its URL as JSON."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if action == "create":
            conn.execute(f'CREATE DATABASE "{name}"')
    print(json.dumps({"url": url.set(database=name).render_as_string(hide_password=False)}), flush=True)
    return 0


def _postgres(action: str, admin_url: str, name: str) -> str:
    helper = Child("bench.reconcile_memory", "postgres", action, admin_url, name)
    url = str(helper.read()["url"])
    helper.finish()
    return url


def main() -> int:
    role = sys.argv[1:2]
    if role == ["simulator"]:
        return simulator(int(sys.argv[2]))
    if role == ["prepare"]:
        print(json.dumps({"run_id": prepare(sys.argv[2], int(sys.argv[3]))}), flush=True)
        return 0
    if role == ["postgres"]:
        return postgres_database(sys.argv[2], sys.argv[3], sys.argv[4])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="use throw-away PostgreSQL databases made "
                        "through this URL instead of SQLite files")
    args = parser.parse_args()
    reports = []
    with tempfile.TemporaryDirectory(prefix="syncbot-bench-") as folder:
        for rows in (args.small, args.large):
            name = f"syncbot_bench_reconcile_{rows}"
            url = (_postgres("create", args.postgres, name) if args.postgres
                   else f"sqlite:///{Path(folder) / (name + '.db')}")
            try:
                reports.append(measure(rows, url))
            finally:
                if args.postgres:
                    _postgres("drop", args.postgres, name)
    small, large = reports
    where = "PostgreSQL" if args.postgres else "SQLite"
    print(f"reconciliation of a table against Salesforce ({where}; Bulk job, spilled and walked in Id order):")
    for report in reports:
        print(f"  {report['rows']:>9,} rows: peak RSS {report['peak_mb']:6.1f} MB ({report['before_mb']:.1f} MB "
              f"before it began), {report['seconds']:6.1f} s, {report['api_calls']} API calls, "
              f"{report['purged']:,} marked deleted, {report['repaired']:,} read again; "
              f"simulator's own peak {report['simulator_peak_mb']:,.0f} MB")
    ratio = large["peak_mb"] / small["peak_mb"]
    verdict = "met" if large["peak_mb"] < 150 and ratio <= 1.20 else "MISSED"
    print(f"  peak RSS ratio {large['rows']:,} / {small['rows']:,} rows: {ratio:.3f} "
          f"(target: under 150 MB and within 1.20): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The baseline: simple-salesforce's own Bulk 2.0 query of the same Lead fields the product
reads, the CSV parsed with the ``csv`` module, and every row inserted with one
``executemany`` into SQLite in one transaction. Prints one JSON line."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import sys
import time

from simple_salesforce import Salesforce

from bot.salesforce.transport import make_session
from bot.simulator import DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME


def main() -> int:
    url, database = sys.argv[1], sys.argv[2]
    started = time.perf_counter()
    sf = Salesforce(username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD, security_token=DEFAULT_SECURITY_TOKEN,
                    session=make_session(url), version="59.0")
    fields = [field["name"] for field in sf.Lead.describe()["fields"]
              if field["type"] not in ("address", "location", "base64")]
    soql = f"SELECT {', '.join(fields)} FROM Lead"
    rows: list[list[str]] = []
    for page in sf.bulk2.Lead.query_all(soql, max_records=50_000, wait=0.2):
        reader = csv.reader(io.StringIO(page, newline=""))
        next(reader)
        rows.extend(reader)
    connection = sqlite3.connect(database)
    columns = ", ".join(f'"{name.lower()}"' for name in fields)
    connection.execute(f"CREATE TABLE sf_lead ({columns}, PRIMARY KEY (id))")
    connection.execute("CREATE INDEX ix_sf_lead_systemmodstamp ON sf_lead (systemmodstamp)")
    with connection:
        connection.executemany(f"INSERT INTO sf_lead VALUES ({', '.join('?' for _ in fields)})", rows)
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": len(rows), "fields": len(fields), "seconds": seconds}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

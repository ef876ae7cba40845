"""The sync engine's figures, each against a baseline measured in the same run.

    .venv/bin/python -m bench.sync_load            # 200,000 Leads (about 30 fields)
    .venv/bin/python -m bench.sync_load --leads 20000 --small 5000   # a quick look

Prints: initial-load throughput of the product and of the baseline (simple-salesforce's
Bulk 2.0 query, the csv module, one ``executemany`` into SQLite in one transaction) and
their ratio; the peak memory of each process, and the product's at the small and the
large size; `/sync status` latency while the load runs; the time and API calls of cycles
with 0, 100 and 10,000 changes; the API calls of an idle cycle of the eight default
objects. The simulator runs in a process of its own, as Salesforce would.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class Simulator:
    """``bench.simulator_process`` with a given number of Leads."""

    def __init__(self, leads: int) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "bench.simulator_process", str(leads)], cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self._line()
        self.url = line.split()[1]
        self.note = line

    def send(self, command: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._line()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)

    def _line(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()


class Child:
    """A measured process: its JSON lines, and its peak memory from the kernel's accounting."""

    def __init__(self, module: str, *args: str) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        return json.loads(self.process.stdout.readline())

    def send(self, line: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.read()

    def finish(self) -> float:
        """Wait for the end; returns the peak resident memory in MB."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        _, status, usage = os.wait4(self.process.pid, 0)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        if self.process.returncode != 0:
            raise SystemExit(f"{self.process.args} exited with {self.process.returncode}")
        return usage.ru_maxrss / 1024


def _sqlite(folder: str, name: str) -> str:
    return str(Path(folder) / f"{name}.db")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=50_000)
    parser.add_argument("--pairs", type=int, default=1,
                        help="baseline/syncbot load pairs to run; the median ratio is reported (the machine drifts)")
    parser.add_argument("--postgres", metavar="URL", help="also load into this (empty) PostgreSQL database, "
                        "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/bench")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="syncbot-bench-") as folder:
        large = Simulator(args.leads)
        print(f"simulator: {large.note}")
        ratios: list[float] = []
        for pair in range(args.pairs):
            baseline = Child("bench.baseline_load", large.url, _sqlite(folder, f"baseline{pair}"))
            base = baseline.read()
            base_peak = baseline.finish()
            product = Child("bench.product_load", large.url, f"sqlite:///{_sqlite(folder, f'product{pair}')}")
            load = product.read()
            ratios.append((load["rows"] / load["seconds"]) / (base["rows"] / base["seconds"]))
            if pair < args.pairs - 1:
                product.finish()
        cycles = {}
        for changes in (0, 100, 10_000):
            large.send(f"change {changes}")
            cycles[changes] = product.send("cycle")
        product_peak = product.finish()
        postgres_load = None
        if args.postgres:
            on_postgres = Child("bench.product_load", large.url, args.postgres)
            postgres_load = on_postgres.read()
            postgres_peak = on_postgres.finish()
        large.close()

        small = Simulator(args.small)
        small_product = Child("bench.product_load", small.url, f"sqlite:///{_sqlite(folder, 'small')}")
        small_load = small_product.read()
        small_peak = small_product.finish()
        everything = Child("bench.product_load", small.url, f"sqlite:///{_sqlite(folder, 'all')}",
                           "Lead,Contact,Account,Opportunity,OpportunityContactRole,Campaign,CampaignMember,User")
        everything.read()
        idle = everything.send("cycle")
        everything.finish()
        small.close()

    base_rate = base["rows"] / base["seconds"]
    rate = load["rows"] / load["seconds"]
    print(f"initial load of {load['rows']:,} Leads x {base['fields']} fields ({load['method']}):")
    print(f"  baseline  {base['seconds']:7.1f} s  {base_rate:9,.0f} rows/s  peak {base_peak:6.0f} MB")
    print(f"  syncbot   {load['seconds']:7.1f} s  {rate:9,.0f} rows/s  peak {product_peak:6.0f} MB")
    print(f"  throughput ratio syncbot/baseline: {statistics.median(ratios):.2f}x (target >= 0.8x, aim >= 1.0x)"
          + (f"; median of {len(ratios)} pairs: " + ", ".join(f"{r:.2f}" for r in ratios) if len(ratios) > 1 else ""))
    if postgres_load is not None:
        pg_rate = postgres_load["rows"] / postgres_load["seconds"]
        print(f"  syncbot into PostgreSQL {postgres_load['seconds']:5.1f} s  {pg_rate:9,.0f} rows/s  "
              f"peak {postgres_peak:6.0f} MB  ({pg_rate / base_rate:.2f}x the SQLite baseline)")
    print(f"peak memory of syncbot: {small_peak:.0f} MB at {small_load['rows']:,} rows, {product_peak:.0f} MB at "
          f"{load['rows']:,} rows: ratio {product_peak / small_peak:.2f} (target within 1.20; below 300 MB)")
    print(f"/sync status during the load: {load['status_requests']} requests, p50 {load['status_p50_ms']:.0f} ms, "
          f"p95 {load['status_p95_ms']:.0f} ms (target p95 < 300 ms)")
    for changes, report in cycles.items():
        print(f"cycle with {changes:>6,} changes over {load['rows']:,} rows: {report['seconds']:5.2f} s, "
              f"{report['api_calls']} API calls, {report['method']}, {report['updated']:,} updated, "
              f"{report['unchanged']:,} re-read unchanged")
    print(f"idle cycle of {idle['objects']} objects: {idle['api_calls']} API calls in all, "
          f"{idle['api_calls'] / idle['objects']:.2f} per object")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The Salesforce simulator in a process of its own, so that serving CSV does not share
the measured process's interpreter lock (as a real Salesforce would not).

Prints its URL, then obeys lines on stdin: ``change N`` edits N random Leads (their
stamps move to now), ``quit`` stops. Run by ``bench.sync_load``.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import timedelta

from bot.simulator import SalesforceSimulator


def main() -> int:
    leads = int(sys.argv[1])
    simulator = SalesforceSimulator(size=1)
    started = time.perf_counter()
    simulator.org.generate("Lead", leads, seed=7, spread=timedelta(days=365))
    simulator.start()
    print(f"url {simulator.url} generated {leads} in {time.perf_counter() - started:.1f}s", flush=True)
    rng = random.Random(11)
    ids = simulator.org.ids("Lead")
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        if words[0] == "change":
            for record_id in rng.sample(ids, int(words[1])):
                simulator.org.update("Lead", record_id, Title=f"Changed {rng.randrange(1 << 30)}")
            print("changed", flush=True)
        if words[0] == "usage":
            print(f"usage {simulator.org.api_requests_used}", flush=True)
    simulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

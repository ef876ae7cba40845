"""The measured process of ``bench.reconcile_memory``: one reconciliation of the bench
object through the product's own code (login, Bulk job, scratch file, walk in Id order,
repairs), against the simulator's process. Prints one JSON line, then exits; the parent
reads this process's peak RSS from the kernel."""

from __future__ import annotations

import json
import resource
import sys
import threading
import time

from bench.reconcile_memory import OBJECT, TEAM, fields
from bot.config import Settings
from bot.runtime import build_services
from bot.salesforce.reading import RecordReader
from bot.simulator.dataset import DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME
from bot.sync import plan as plans
from bot.sync.object_sync import ObjectContext, ObjectSync
from bot.sync.reconcile import reconcile


def main() -> int:
    database_url, salesforce_url, run_id = sys.argv[1], sys.argv[2], int(sys.argv[3])
    services = build_services(Settings.from_env({"DATABASE_URL": database_url,
                                                 "SYNCBOT_SALESFORCE_URL": salesforce_url}), migrate=False)
    connection = services.gateway.login(username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD,
                                        security_token=DEFAULT_SECURITY_TOKEN, sandbox=False, for_sync=True)
    ctx = ObjectContext(services=services, team_id=TEAM, run_id=run_id, reader=RecordReader(connection),
                        usage=connection.usage, stop=threading.Event(), quota_percent=100)
    sync = ObjectSync(ctx, plans.build(OBJECT, fields()))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    result = reconcile(sync, large=True, run_id=run_id)
    print(json.dumps({"seconds": time.perf_counter() - started, "before_mb": before, "purged": result.purged,
                      "repaired": result.repaired, "api_calls": sync.api_calls}), flush=True)
    services.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

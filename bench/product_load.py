"""The product: syncbot's own initial load of the Leads, through its setup steps and one
sync cycle, with `/sync status` asked over signed HTTP requests all along. Then, for
each line ``cycle`` on stdin, one more cycle. Prints one JSON line per cycle."""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
from typing import Any

from cryptography.fernet import Fernet

from bot.config import Settings
from bot.runtime import build_services
from bot.setup import binding, fields, start
from bot.setup.credentials import CredentialsForm, verify_and_store
from bot.simulator import DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME
from bot.slack_standin import SlackRequestSender, SlackWebApiStandIn
from bot.sync.cycle import run_cycle
from handlers.web import serving_in_background
from storage.models import SyncRun, SyncRunObject

TEAM, ADMIN, SECRET = "T0001", "UBENCH0001", "bench-signing-secret"


def main() -> int:
    url, database = sys.argv[1], sys.argv[2]
    objects = sys.argv[3] if len(sys.argv) > 3 else "Lead"
    with SlackWebApiStandIn() as slack:
        slack.add_user(ADMIN, name="bench", is_admin=True)
        settings = Settings.from_env({
            "SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": database, "SYNCBOT_SECRET_KEY": Fernet.generate_key().decode(),
            "SYNCBOT_SALESFORCE_URL": url, "SYNCBOT_OBJECTS": objects,
            **({"SYNCBOT_BULK_PAGE_ROWS": os.environ["SYNCBOT_BULK_PAGE_ROWS"]} if "SYNCBOT_BULK_PAGE_ROWS" in os.environ else {}),
        })
        services = build_services(settings)
        verify_and_store(services, team_id=TEAM, user_id=ADMIN, form=CredentialsForm(
            username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD, security_token=DEFAULT_SECURITY_TOKEN))
        fields.refresh(services, TEAM)
        fields.sync_fields(services, TEAM)
        binding.confirm(services, TEAM)
        start.start(services, TEAM)
        with serving_in_background(services) as base:
            sender = SlackRequestSender(base, SECRET, web_api=slack)
            latencies: list[float] = []
            done = threading.Event()
            asker = threading.Thread(target=_ask_status, args=(sender, latencies, done), daemon=True)
            asker.start()
            print(json.dumps(_cycle(services, latencies=latencies, done=done)), flush=True)
            asker.join()
            for line in sys.stdin:
                if line.strip() == "cycle":
                    print(json.dumps(_cycle(services)), flush=True)
        services.db.dispose()
    return 0


def _cycle(services: Any, *, latencies: list[float] | None = None, done: threading.Event | None = None) -> dict:
    started = time.perf_counter()
    outcome = run_cycle(services, TEAM, force=True)
    seconds = time.perf_counter() - started
    if done is not None:
        done.set()
    with services.db.session(write=False) as session:
        run = session.get(SyncRun, outcome.run_id)
        items = session.query(SyncRunObject).filter_by(run_id=outcome.run_id).all()
    lead = next(item for item in items if item.object_name == "Lead")
    report = {"status": outcome.status, "seconds": seconds, "api_calls": run.api_calls, "method": lead.method,
              "objects": len(items), "rows": lead.rows_read, "inserted": lead.inserted, "updated": lead.updated,
              "unchanged": lead.unchanged, "deleted": lead.deleted}
    if latencies:
        ordered = sorted(latencies)
        report["status_requests"] = len(ordered)
        report["status_p50_ms"] = 1000 * statistics.median(ordered)
        report["status_p95_ms"] = 1000 * ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return report


def _ask_status(sender: SlackRequestSender, latencies: list[float], done: threading.Event) -> None:
    while not done.is_set():
        began = time.perf_counter()
        response = sender.slash_command("status", user_id=ADMIN)
        if response.status_code == 200:
            latencies.append(time.perf_counter() - began)
        time.sleep(0.5)


if __name__ == "__main__":
    raise SystemExit(main())

"""The scenario of ``syncbot demo``: what the admin types and what happens in Salesforce.

Cycles run here, one at a time, with :func:`bot.sync.cycle.run_cycle`, and alerts are
posted with :func:`bot.alerts.sender.send_pending` right after: the same code the
scheduler runs, without its timing, so the output comes in the same order every time
and the demo never waits out an interval.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import column, func, select, table, true

from bot import status as sync_status
from bot.alerts.progress import PROGRESS_EVERY, update_progress
from bot.demo import ALERT_CHANNEL_NAME, Demo
from bot.messages import MSG
from bot.simulator import DEFAULT_USERNAME, Request, simulate_activity
from bot.sync.cycle import CycleOutcome, run_cycle
from handlers.commands.status import duration
from storage import mirror

# The objects the opening line counts, as a sales team would name its data.
SHOWN_OBJECTS = ("Lead", "Contact", "Account", "Opportunity", "Campaign")
# Everyday bursts of changes between cycles: (new Leads, edits, deleted Leads).
_ROUNDS = ((3, 5, 1), (4, 6, 2))
_DURING_OUTAGE = (2, 3, 1)
_EXPIRED_PASSWORD = "INVALID_OPERATION_WITH_EXPIRED_PASSWORD"
# The demo's day: how long the admin looks at the first load before reps' edits start,
# how long after them `/sync now` is typed, and how long the admin takes to notice the
# alert and get a new password (the scheduled cycles go on failing meanwhile, unshown).
_LOAD_SO_FAR = timedelta(seconds=40)
_BEFORE_EDITS = timedelta(minutes=2)
_BEFORE_SYNC_NOW = timedelta(minutes=3)
_BEFORE_NEW_PASSWORD = timedelta(minutes=24)
# Set after the password expired (Salesforce sends a new token with every new password).
_NEW_PASSWORD = "Sync-Passw0rd-2026!"
_NEW_TOKEN = "mNoP3456qRsT7890uVwX1234"
# They log the injected failure as the warning it would be in production; here the
# alert and `/sync status` tell it, and the terminal is the demo's own.
_FAILURE_LOGGERS = ("bot.sync.cycle",)
# Where the first load is held, so that `/sync status` is seen half-way: the second
# "next page" of the load (the first object of more than one page is then done).
_HELD_PAGE = 2
_NEXT_PAGE = re.compile(r"^/services/data/v[\d.]+/query/[^/]+-\d+$")
_WAIT = 30.0


def play(demo: Demo, *, kept: bool) -> None:
    """The whole story; ``kept``: the database is the user's own file, not a temporary one."""
    opening(demo)
    setup(demo)
    first_load(demo)
    everyday_cycles(demo)
    expired_password(demo)
    recovery(demo)
    demo.narrate(MSG.demo_scene_duplicates)
    demo.command("duplicates", limit=7, tail=2)
    _save_sent_file(demo)
    ending(demo, kept=kept)


def opening(demo: Demo) -> None:
    """Who is who: the org and its data, the workspace."""
    org = demo.salesforce.org
    demo.say(MSG.demo_title)
    demo.say(MSG.demo_salesforce.format(org=org.name, org_id=org.org_id,
                                        **{name: org.count(name) for name in SHOWN_OBJECTS}))
    demo.say(MSG.demo_slack.format(channel=ALERT_CHANNEL_NAME))


def setup(demo: Demo) -> None:
    """The setup steps, the alert channel and the start, as the admin types them."""
    demo.narrate(MSG.demo_scene_setup)
    demo.command("help", limit=None)
    demo.command("status")
    demo.credentials()
    demo.command("fields")
    demo.command("fields Lead")
    demo.command("hide Lead.Description")
    demo.command("sync-fields")
    demo.click("sync-fields")
    demo.command("confirm-credentials yes")
    demo.command("mappings Lead")
    demo.command("map Lead.Email email_address")
    demo.command(f"channel #{ALERT_CHANNEL_NAME}")
    demo.channel_news()
    demo.command("start")
    demo.click("start")
    demo.channel_news()


def first_load(demo: Demo) -> None:
    """The first cycle reads everything; `/sync status` is asked while it runs."""
    demo.narrate(MSG.demo_scene_first_load)
    hold = _PageHold(_HELD_PAGE)
    demo.salesforce.add_request_hook(hold)
    outcome: list[CycleOutcome | None] = []
    loading = threading.Thread(target=lambda: outcome.append(_run(demo)), name="demo-first-load")
    loading.start()
    try:
        if hold.wait_until_held(loading) and _wait_for_rows(demo, loading):
            # A real first load reads for a while: the demo's clock moves on, so rates and time left show.
            demo.clock.advance(_LOAD_SO_FAR)
            # What the scheduler's progress job does every few seconds: the live message in the channel.
            update_progress(demo.services)
            demo.channel_news()
            demo.command("status")
    finally:
        hold.release()
        loading.join(_WAIT * 4)
        demo.salesforce.remove_request_hook(hold)
    _check(outcome[0] if outcome else None)
    # The progress job's next round, a few seconds on: the message's last edit shows every object read.
    demo.clock.advance(PROGRESS_EVERY)
    update_progress(demo.services)
    demo.channel_news()
    demo.command("status")


def everyday_cycles(demo: Demo) -> None:
    """Reps change things; `/sync now` and then the schedule bring the changes in."""
    demo.narrate(MSG.demo_scene_everyday.format(interval=duration(demo.services.settings.sync_interval)))
    demo.clock.advance(_BEFORE_EDITS)
    for number, (creates, updates, deletes) in enumerate(_ROUNDS):
        _activity(demo, seed=number, creates=creates, updates=updates, deletes=deletes)
        if number == 0:
            demo.clock.advance(_BEFORE_SYNC_NOW)
            demo.command("now")
            _check(_run(demo))
        else:
            _scheduled_cycle(demo)
        demo.command("status")
    demo.command("history")


def expired_password(demo: Demo) -> None:
    """The sync user's password expires: one alert for however many failed cycles, and Failed."""
    demo.narrate(MSG.demo_scene_failure)
    demo.salesforce.set_login_fault(DEFAULT_USERNAME, _EXPIRED_PASSWORD)
    demo.note(MSG.demo_password_expires.format(username=DEFAULT_USERNAME))
    with _quiet(_FAILURE_LOGGERS):
        _scheduled_cycle(demo, expect="failed")
        demo.channel_news()
        demo.command("status")
        _scheduled_cycle(demo, expect="failed")
    demo.note(MSG.demo_no_second_alert)
    demo.channel_news()


def recovery(demo: Demo) -> None:
    """A new password, entered with `/sync credentials`: the next cycle catches up, and says so."""
    demo.narrate(MSG.demo_scene_recovery)
    creates, updates, deletes = _DURING_OUTAGE
    _activity(demo, seed=len(_ROUNDS), creates=creates, updates=updates, deletes=deletes)
    demo.clock.advance(_BEFORE_NEW_PASSWORD)
    _new_password(demo)
    demo.note(MSG.demo_password_reset.format(username=DEFAULT_USERNAME))
    demo.credentials(password=_NEW_PASSWORD, security_token=_NEW_TOKEN, filled=MSG.demo_modal_refilled)
    demo.channel_news()
    _scheduled_cycle(demo)
    demo.channel_news()


def _new_password(demo: Demo) -> None:
    """What the admin does in Salesforce: a new password, and with it a new security token."""
    salesforce = demo.salesforce
    salesforce.set_login_fault(DEFAULT_USERNAME, None)
    user = salesforce.find_user(DEFAULT_USERNAME)[1]
    user.password, user.security_token = _NEW_PASSWORD, _NEW_TOKEN


def _save_sent_file(demo: Demo) -> None:
    """Put the file the bot just sent by direct message next to the database, and say where:
    the terminal has no Slack to open it in. An existing file is never overwritten."""
    deadline = time.monotonic() + _WAIT
    while not demo.slack.uploaded_files() and time.monotonic() < deadline:
        time.sleep(0.05)
    files = demo.slack.uploaded_files()
    if not files or files[-1].content is None:
        return
    sent = files[-1]
    path = demo.database.with_name(f"{demo.database.stem}-{sent.filename}")
    try:
        with path.open("xb") as out:
            out.write(sent.content)
    except FileExistsError:
        return
    demo.note(MSG.demo_file_saved.format(filename=sent.filename, path=path))


def ending(demo: Demo, *, kept: bool) -> None:
    """The state it is left in, and where the copy is."""
    demo.narrate(MSG.demo_scene_end)
    demo.command("status")
    with demo.services.db.engine.connect() as connection:
        tables = mirror.existing_tables(connection)
        rows = sum(connection.execute(select(func.count()).select_from(table(name))).scalar_one() for name in tables)
        # Deleted records stay as rows with isdeleted set, as Salesforce's recycle bin keeps them: said, not hidden.
        deleted = sum(connection.execute(select(func.count()).select_from(table(name))
                                         .where(column("isdeleted").is_(true()))).scalar_one() for name in tables)
    path = demo.database
    demo.say("")
    demo.say(MSG.demo_database.format(path=path, count=len(tables), tables=", ".join(tables), rows=f"{rows:,}",
                                      live=f"{rows - deleted:,}", deleted=f"{deleted:,}"))
    demo.say(MSG.demo_sqlite_hint.format(path=path))
    demo.say(MSG.demo_database_kept if kept else MSG.demo_database_temporary)


@contextmanager
def _quiet(names: tuple[str, ...]) -> Iterator[None]:
    """Hold the named loggers at ERROR for the block."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _activity(demo: Demo, *, seed: int, creates: int, updates: int, deletes: int) -> None:
    changes = simulate_activity(demo.salesforce.org, seed=seed, creates=creates, updates=updates, deletes=deletes)
    demo.note(MSG.demo_activity.format(created=len(changes["created"]), updated=len(changes["updated"]),
                                       deleted=len(changes["deleted"])))


def _scheduled_cycle(demo: Demo, *, expect: str = "succeeded") -> None:
    demo.note(MSG.demo_next_cycle)
    # The demo does not wait out SYNCBOT_SYNC_INTERVAL: its clock moves on by it, for syncbot and Salesforce.
    demo.clock.advance(demo.services.settings.sync_interval)
    _check(_run(demo), expect=expect)


def _run(demo: Demo) -> CycleOutcome | None:
    return run_cycle(demo.services, demo.team_id)


def _check(outcome: CycleOutcome | None, *, expect: str = "succeeded") -> None:
    # A demo that goes on after an unexpected turn would tell a story that did not happen.
    if outcome is None or outcome.status != expect:
        raise RuntimeError(MSG.demo_cycle_unexpected.format(
            expected=expect, got=outcome.status if outcome else None, error=outcome.error if outcome else None))


def _wait_for_rows(demo: Demo, loading: threading.Thread) -> bool:
    """Wait until the running object has written rows (its first page, while the next is held)."""
    def written() -> bool:
        current = sync_status.current(demo.services, demo.team_id)
        return any(item.rows_done and not item.finished for item in current.running)

    while loading.is_alive() and not written():
        time.sleep(0.05)
    return loading.is_alive()


class _PageHold:
    """A simulator request hook that holds the ``nth`` "next page" request of a query until
    released, so that a load can be looked at half-way."""

    def __init__(self, nth: int) -> None:
        self._nth = nth
        self._seen = 0
        self._lock = threading.Lock()
        self._held = threading.Event()
        self._released = threading.Event()

    def __call__(self, request: Request) -> None:
        if not _NEXT_PAGE.match(request.path):
            return
        with self._lock:
            self._seen += 1
            mine = self._seen == self._nth
        if mine:
            self._held.set()
            # Bounded: a demo that is stopped half-way must not leave a server thread hanging.
            self._released.wait(_WAIT)

    def wait_until_held(self, loading: threading.Thread) -> bool:
        """True once the page is held; False when the load ended without reaching it."""
        while loading.is_alive():
            if self._held.wait(0.05):
                return True
        return False

    def release(self) -> None:
        """Let the held request (and every later one) through."""
        self._released.set()

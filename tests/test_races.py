"""Setup steps racing each other on PostgreSQL (READ COMMITTED), two real sessions interleaved.

A ``sync-fields`` is held inside its transaction (between claiming the step and creating
the tables) while another step runs; the other step must wait for it and then refuse,
never slip in between and leave the catalog, the credentials and the tables disagreeing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text

from bot.errors import LoginFailed, UserInputError
from bot.messages import MSG
from bot.setup import fields as field_setup
from bot.setup.credentials import CredentialsForm, verify_and_store
from bot.simulator import DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, SalesforceSimulator
from bot.slack_standin import SlackWebApiStandIn
from storage import catalog, mirror, workspaces
from tests.support import postgres
from tests.support.harness import ADMIN, RunningBot, running_bot, settings_env

pytestmark = pytest.mark.postgres
TEAM = "T0001"


@pytest.fixture
def pg_bot(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, secret_key: str) -> Iterator[RunningBot]:
    url = postgres.create_database()
    try:
        env = settings_env(slack=slack, database_url=url, salesforce_url=salesforce.url, secret_key=secret_key)
        with running_bot(env, slack=slack, salesforce=salesforce) as running:
            yield running
    finally:
        postgres.drop_database(url)


class HeldSyncFields:
    """Runs ``sync-fields`` in a thread and holds it after the claim, before the tables exist."""

    def __init__(self, bot: RunningBot, monkeypatch: pytest.MonkeyPatch) -> None:
        self.inside = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None
        real = mirror.create_tables

        def held(session: Any, fields_by_object: Any) -> list[str]:
            self.inside.set()
            if not self.release.wait(15):
                raise TimeoutError("the test never released sync-fields")
            return real(session, fields_by_object)

        monkeypatch.setattr(mirror, "create_tables", held)
        self.thread = threading.Thread(target=self._run, args=(bot,), daemon=True)

    def _run(self, bot: RunningBot) -> None:
        try:
            field_setup.sync_fields(bot.services, TEAM)
        except BaseException as exc:  # noqa: BLE001 - checked by the test
            self.error = exc

    def __enter__(self) -> "HeldSyncFields":
        self.thread.start()
        assert self.inside.wait(15), "sync-fields never reached its transaction"
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(15)
        assert not self.thread.is_alive()


def _in_thread(action: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = action()
        except BaseException as exc:  # noqa: BLE001 - checked by the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _wait_blocked_or_done(bot: RunningBot, thread: threading.Thread, timeout: float = 10) -> None:
    """Until ``thread`` has finished or some session of this database waits for a lock."""
    deadline = time.monotonic() + timeout
    with bot.services.db.engine.connect() as conn:
        while time.monotonic() < deadline and thread.is_alive():
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )).scalar_one()
            if waiting:
                return
            conn.rollback()
            time.sleep(0.02)
    assert not thread.is_alive(), "the racing step neither finished nor waited for a lock"


def test_hide_during_sync_fields_waits_and_refuses(pg_bot: RunningBot, monkeypatch: pytest.MonkeyPatch) -> None:
    pg_bot.submit_credentials()
    pg_bot.reply("fields")
    with HeldSyncFields(pg_bot, monkeypatch) as held:
        hide, outcome = _in_thread(lambda: field_setup.set_hidden(pg_bot.services, TEAM, "Lead.Email", True))
        _wait_blocked_or_done(pg_bot, hide)
    hide.join(15)
    assert held.error is None
    assert isinstance(outcome.get("error"), UserInputError), outcome
    assert str(outcome["error"]) == MSG.hide_after_sync_fields
    with pg_bot.services.db.session() as session:
        email = next(row for row in catalog.fields(session, TEAM, "Lead") if row.field_name == "Email")
        columns = mirror.column_names(session, "Lead")
    # The catalog and the table agree: Email is synced and has its column.
    assert not email.hidden and "email" in columns
    assert "`Email` Email (email)" in pg_bot.reply("fields Lead")
    assert "_hidden_" not in pg_bot.reply("fields Lead").split("`Email`")[1].split("\n")[0]


def test_credentials_of_another_org_during_sync_fields_wait_and_are_refused(
    pg_bot: RunningBot, salesforce: SalesforceSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = salesforce.add_org("Globex", username="sync@globex.example")
    pg_bot.submit_credentials()
    pg_bot.reply("fields")
    form = CredentialsForm(username="sync@globex.example", password=DEFAULT_PASSWORD,
                           security_token=DEFAULT_SECURITY_TOKEN)
    with HeldSyncFields(pg_bot, monkeypatch) as held:
        store, outcome = _in_thread(
            lambda: verify_and_store(pg_bot.services, team_id=TEAM, user_id=ADMIN, form=form)
        )
        _wait_blocked_or_done(pg_bot, store)
    store.join(15)
    assert held.error is None
    assert isinstance(outcome.get("error"), LoginFailed), outcome
    assert str(outcome["error"]).startswith(
        f"The tables were created from the fields of the Salesforce org {salesforce.org.org_id};"
    )
    with pg_bot.services.db.session() as session:
        stored = workspaces.credentials(session, TEAM)
        assert stored is not None and stored.org_id == salesforce.org.org_id != other.org_id
    status = pg_bot.ask("status")
    assert "Acme Corp" in status and "Globex" not in status


def test_sync_fields_during_credentials_of_another_org_builds_nothing_from_the_first(
    pg_bot: RunningBot, salesforce: SalesforceSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other order: the credentials are held between their checks and their write.
    other = salesforce.add_org("Globex", username="sync@globex.example")
    other.add_custom_field("Lead", "Globex_Only", "string", label="Globex only")
    pg_bot.submit_credentials()
    pg_bot.reply("fields")
    inside, release = threading.Event(), threading.Event()
    real_save = workspaces.save_credentials

    def held_save(session: Any, row: Any) -> None:
        inside.set()
        if not release.wait(15):
            raise TimeoutError("the test never released the credentials")
        real_save(session, row)

    monkeypatch.setattr(workspaces, "save_credentials", held_save)
    form = CredentialsForm(username="sync@globex.example", password=DEFAULT_PASSWORD,
                           security_token=DEFAULT_SECURITY_TOKEN)
    store, stored = _in_thread(lambda: verify_and_store(pg_bot.services, team_id=TEAM, user_id=ADMIN, form=form))
    assert inside.wait(15)
    build, built = _in_thread(lambda: field_setup.sync_fields(pg_bot.services, TEAM))
    _wait_blocked_or_done(pg_bot, build)
    release.set()
    store.join(15)
    build.join(15)
    assert "error" not in stored, stored
    monkeypatch.setattr(workspaces, "save_credentials", real_save)
    # Whatever sync-fields did, the tables it left (if any) are Globex's, like the credentials.
    with pg_bot.services.db.engine.connect() as conn:
        tables = mirror.existing_tables(conn)
    if tables:
        with pg_bot.services.db.session() as session:
            assert "globex_only__c" in mirror.column_names(session, "Lead")
    else:
        assert isinstance(built.get("error"), UserInputError), built
        assert pg_bot.reply("sync-fields yes").startswith("Created 8 tables:")
        with pg_bot.services.db.session() as session:
            assert "globex_only__c" in mirror.column_names(session, "Lead")
    assert "Globex" in pg_bot.ask("status")

"""Storage: migrations, SQLite settings, encryption at rest, once-only setup steps."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import inspect, text

from bot.errors import SecretKeyMismatch, SecretKeyMissing
from storage import workspaces
from storage.crypto import LoginSecret, SecretBox
from storage.db import Database
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import SyncRun
from tests.support.threads import run_all

BOOKKEEPING = {
    "workspaces", "salesforce_credentials", "synced_objects", "object_fields", "sync_runs",
    "object_cursors", "sync_errors", "alert_states", "leases", "sync_run_objects", "alert_outbox", "salesforce_reads",
}


def test_migrations_create_every_table_and_run_twice(database_url: str) -> None:
    db = Database(database_url)
    assert current_revision(db) is None
    assert upgrade(db) == head_revision()
    assert upgrade(db) == head_revision()
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert BOOKKEEPING <= tables
    assert not any(name.startswith("sf_") for name in tables)
    db.dispose()


def test_migrations_match_the_models(database_url: str) -> None:
    # A model changed without a migration (or the reverse) shows up here, on each dialect.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.models import Base

    db = Database(database_url)
    upgrade(db)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        differences = [diff for diff in compare_metadata(context, Base.metadata)
                       if not (diff[0] == "remove_table" and diff[1].name == "alembic_version")]
    db.dispose()
    assert differences == []


def test_replicas_migrating_at_once_agree(database_url: str) -> None:
    def migrate() -> None:
        db = Database(database_url)
        try:
            upgrade(db)
        finally:
            db.dispose()

    run_all([migrate] * 3)
    db = Database(database_url)
    assert current_revision(db) == head_revision()
    db.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_timestamps_come_back_aware_utc(database_url: str) -> None:
    db = Database(database_url)
    upgrade(db)
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    with db.session() as session:
        session.add(SyncRun(team_id="T1", trigger="schedule", status="succeeded", started_at=when))
    with db.session() as session:
        run = session.query(SyncRun).one()
        assert run.started_at == when
        assert run.started_at.tzinfo is not None
    db.dispose()


def test_a_setup_step_is_claimed_once_under_a_race(database_url: str) -> None:
    db = Database(database_url)
    upgrade(db)
    with db.session() as session:
        workspaces.ensure(session, "T1")
    results: list[object] = []
    barrier = threading.Barrier(4, timeout=10)

    def claim() -> None:
        barrier.wait()
        with db.session() as session:
            results.append(workspaces.claim_step(session, "T1", "started_at"))

    # run_all fails on a thread that crashed or hung, so four answers must come back.
    run_all([claim] * 4)
    assert len(results) == 4
    assert sum(1 for result in results if result is not None) == 1
    db.dispose()


def test_secrets_round_trip_and_are_not_plain() -> None:
    box = SecretBox(Fernet.generate_key().decode())
    blob = box.seal(LoginSecret(password="hunter2&<pw>", security_token="TOKEN123"))
    assert b"hunter2" not in blob and b"TOKEN123" not in blob
    opened = box.open(blob)
    assert (opened.password, opened.security_token) == ("hunter2&<pw>", "TOKEN123")
    assert "hunter2" not in repr(opened) and "TOKEN123" not in repr(opened)


def test_secrets_need_the_key_they_were_sealed_with() -> None:
    blob = SecretBox(Fernet.generate_key().decode()).seal(LoginSecret(password="p", security_token="t"))
    with pytest.raises(SecretKeyMismatch):
        SecretBox(Fernet.generate_key().decode()).open(blob)
    with pytest.raises(SecretKeyMissing, match="syncbot keygen"):
        SecretBox(None).seal(LoginSecret(password="p", security_token="t"))

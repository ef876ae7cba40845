"""What syncbot leaves on disk beside a SQLite database: owner-only files, and lock
folders it trusts only when nobody else could have prepared them."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import Settings
from bot.errors import StorageError
from bot.runtime import build_services
from storage.db import Database
from storage.locks import AdvisoryLocks, workspace_lock


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems run with (files 0644 unless the program says otherwise)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_the_database_its_wal_and_its_locks_are_owner_only(tmp_path: Path, usual_umask: None) -> None:
    database = tmp_path / "syncbot.db"
    services = build_services(Settings.from_env({"DATABASE_URL": f"sqlite:///{database}"}))
    try:
        with services.db.session() as session:
            session.execute(text("CREATE TABLE sf_probe (id TEXT PRIMARY KEY)"))
            session.execute(text("INSERT INTO sf_probe VALUES ('00Q000000000001AAA')"))
        with AdvisoryLocks(services.db) as locks:
            assert locks.try_lock(workspace_lock("T1"))
            files = sorted(tmp_path.iterdir())
            assert {path.name for path in files} >= {"syncbot.db", "syncbot.db-wal", "syncbot.db-shm",
                                                     "syncbot.db.locks"}
            for path in files:
                assert _mode(path) == (0o700 if path.is_dir() else 0o600), path.name
            lock_files = list((tmp_path / "syncbot.db.locks").iterdir())
            assert lock_files and all(_mode(path) == 0o600 for path in lock_files)
    finally:
        services.db.dispose()


def test_a_database_that_exists_keeps_its_mode(tmp_path: Path, usual_umask: None) -> None:
    database = tmp_path / "shared.db"
    database.touch(mode=0o640)
    db = Database(f"sqlite:///{database}")
    try:
        with db.session() as session:
            session.execute(text("SELECT 1"))
    finally:
        db.dispose()
    assert _mode(database) == 0o640


def _prepared(tmp_path: Path, how: str) -> tuple[Path, Path]:
    """A lock folder prepared by someone else; returns (database, the place they aimed at)."""
    database = tmp_path / "syncbot.db"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder = tmp_path / "syncbot.db.locks"
    if how == "link":
        folder.symlink_to(elsewhere, target_is_directory=True)
    elif how == "file":
        folder.write_text("not a folder")
    elif how == "writable by others":
        folder.mkdir()
        folder.chmod(0o777)
    elif how == "another user's":
        folder.mkdir(mode=0o700)
        os.chown(folder, os.geteuid() + 4242, -1)
    return database, elsewhere


@pytest.mark.parametrize("how", ["link", "file", "writable by others", "another user's"])
def test_a_prepared_lock_folder_is_refused_at_start_and_nothing_is_created_through_it(
    tmp_path: Path, how: str
) -> None:
    if how == "another user's" and os.geteuid() != 0:
        pytest.fail("this test changes a folder's owner and needs root, as CI has")
    database, elsewhere = _prepared(tmp_path, how)
    with pytest.raises(StorageError) as refused:
        build_services(Settings.from_env({"DATABASE_URL": f"sqlite:///{database}"}))
    message = str(refused.value)
    assert "syncbot.db.locks" in message and "Remove it" in message

    db = Database(f"sqlite:///{database}")
    try:
        with pytest.raises(StorageError):
            with AdvisoryLocks(db) as locks:
                locks.try_lock(workspace_lock("T1"))
    finally:
        db.dispose()
    assert list(elsewhere.iterdir()) == []


def test_a_lock_file_replaced_by_a_link_is_not_followed(tmp_path: Path) -> None:
    database = tmp_path / "syncbot.db"
    db = Database(f"sqlite:///{database}")
    try:
        with AdvisoryLocks(db) as locks:
            assert locks.try_lock(workspace_lock("T1"))
        (lock_file,) = (tmp_path / "syncbot.db.locks").iterdir()
        target = tmp_path / "victim"
        lock_file.unlink()
        lock_file.symlink_to(target)
        with pytest.raises(StorageError):
            with AdvisoryLocks(db) as locks:
                locks.try_lock(workspace_lock("T1"))
        assert not target.exists()
    finally:
        db.dispose()


def test_worker_with_a_prepared_lock_folder_stops_with_one_line(tmp_path: Path) -> None:
    from tests.test_cli import syncbot

    database, _ = _prepared(tmp_path, "link")
    result = syncbot("worker", env={"DATABASE_URL": f"sqlite:///{database}", "SLACK_BOT_TOKEN": "xoxb-1"}, timeout=60)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("syncbot: The lock folder") and "is a link" in line

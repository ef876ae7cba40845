"""Schema migrations of the bookkeeping tables (Alembic), applied by ``syncbot db upgrade``
and at the start of every long-running command."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.errors import StorageError

from storage.db import Database

log = logging.getLogger(__name__)

_SCRIPT_LOCATION = Path(__file__).resolve().parent / "migrations"
# Any constant will do: replicas starting together take turns on this lock.
_PG_MIGRATION_LOCK = 0x53594E43


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPT_LOCATION))
    return config


def upgrade(db: Database, revision: str = "head") -> str | None:
    """Bring the schema to the newest revision (or ``revision``, for tests of a migration);
    safe to run again and from several replicas.

    Returns the revision the database is at afterwards.
    """
    config = _config()
    try:
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except OperationalError as exc:
        where = db.engine.url.render_as_string(hide_password=True)
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StorageError(f"Cannot reach the database {where}: {reason}") from None
    revision = current_revision(db)
    log.info("database schema at revision %s", revision)
    return revision


def current_revision(db: Database) -> str | None:
    """The revision the database is at, or None before the first upgrade."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest revision this version of syncbot knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()

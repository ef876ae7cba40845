"""Throw-away PostgreSQL databases for tests; an unreachable server fails the tests."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("SYNCBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _conninfo() -> str:
    url = make_url(ADMIN_URL)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def create_database(*, icu_locale: str | None = None) -> str:
    """Create an empty database and return its SQLAlchemy URL. ``icu_locale`` (``en-US``)
    makes it the database's default collation, as many hosted servers are set up:
    text then sorts as people read it (``a`` before ``B``), not by its bytes."""
    name = f"syncbot_test_{uuid.uuid4().hex[:12]}"
    collation = f" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}'" if icu_locale else ""
    try:
        with psycopg.connect(_conninfo(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{collation}')
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {make_url(ADMIN_URL).render_as_string()} ({exc}). "
            "Start it (.ci/run shows how) or set SYNCBOT_TEST_POSTGRES_URL; these tests never skip.",
            pytrace=False,
        )
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a database made by :func:`create_database`, closing its sessions."""
    name = make_url(url).database
    with psycopg.connect(_conninfo(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

"""Shared fixtures: databases (SQLite and PostgreSQL), the Slack stand-in, the
Salesforce simulator, and a running bot wired to all of them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

from bot.simulator import SalesforceSimulator
from bot.slack_standin import SlackWebApiStandIn
from tests.support import postgres
from tests.support.harness import ADMIN, MEMBER, RunningBot, running_bot, settings_env


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests that take a database run on both; the PostgreSQL ones are marked so
    # they can be picked out (-m postgres), never so they can be skipped.
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgresql":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each test that asks for it runs once per supported database."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database of the current backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'syncbot.db'}"
        return
    url = postgres.create_database()
    try:
        yield url
    finally:
        postgres.drop_database(url)


@pytest.fixture
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty SQLite database, for tests where the backend does not matter."""
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'syncbot.db'}"


@pytest.fixture(scope="session")
def secret_key() -> str:
    """A Fernet key for the test session."""
    return Fernet.generate_key().decode()


@pytest.fixture
def slack() -> Iterator[SlackWebApiStandIn]:
    """The Slack Web API stand-in with one workspace admin and one member."""
    with SlackWebApiStandIn() as standin:
        standin.add_user(ADMIN, name="ada", is_admin=True)
        standin.add_user(MEMBER, name="max")
        yield standin


@pytest.fixture
def bot(slack: SlackWebApiStandIn, sqlite_url: str, secret_key: str) -> Iterator[RunningBot]:
    """A running bot on SQLite without Salesforce, for the Slack-facing basics."""
    env = settings_env(slack=slack, database_url=sqlite_url, salesforce_url=None, secret_key=secret_key)
    with running_bot(env, slack=slack) as running:
        yield running


@pytest.fixture
def any_bot(slack: SlackWebApiStandIn, database_url: str, secret_key: str) -> Iterator[RunningBot]:
    """A running bot without Salesforce, once per database backend."""
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=None, secret_key=secret_key)
    with running_bot(env, slack=slack) as running:
        yield running


@pytest.fixture
def salesforce() -> Iterator[SalesforceSimulator]:
    """The Salesforce simulator with its default org, "Acme Corp"."""
    with SalesforceSimulator() as simulator:
        yield simulator


@pytest.fixture
def sf_bot(
    slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, database_url: str, secret_key: str
) -> Iterator[RunningBot]:
    """A running bot wired to the simulator, once per database backend."""
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=salesforce.url, secret_key=secret_key)
    with running_bot(env, slack=slack, salesforce=salesforce) as running:
        yield running


@pytest.fixture
def bulk_bot(
    slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, database_url: str, secret_key: str
) -> Iterator[RunningBot]:
    """Like ``sf_bot``, but reading every object of more than 50 rows with Bulk API 2.0."""
    env = settings_env(slack=slack, database_url=database_url, salesforce_url=salesforce.url,
                       secret_key=secret_key, extra={"SYNCBOT_BULK_THRESHOLD": "50"})
    with running_bot(env, slack=slack, salesforce=salesforce) as running:
        yield running

"""Fixtures for the simulator tests: a running simulator and the real simple-salesforce
client reaching it through a rewriting ``requests`` session (as ``SYNCBOT_SALESFORCE_URL`` does)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, Iterator

import pytest
import requests
from simple_salesforce import Salesforce

from bot.salesforce.transport import make_session
from bot.simulator import (DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME, SalesforceSimulator,
                           SimClock)

# A fixed "now" so that timestamps in the tests are predictable.
NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=timezone.utc)


def rewrite_session(base_url: str) -> requests.Session:
    """The product's own session for ``SYNCBOT_SALESFORCE_URL``: https:// requests go to ``base_url``."""
    return make_session(base_url)


@pytest.fixture
def now() -> datetime:
    """The simulated "now" the tests start at (the clock is frozen there)."""
    return NOW


@pytest.fixture
def clock(now: datetime) -> SimClock:
    return SimClock(now)


@pytest.fixture
def sim(clock: SimClock) -> Iterator[SalesforceSimulator]:
    with SalesforceSimulator(clock=clock) as simulator:
        yield simulator


@pytest.fixture
def session(sim: SalesforceSimulator) -> Iterator[requests.Session]:
    with rewrite_session(sim.url) as http:
        yield http


@pytest.fixture
def login(session: requests.Session) -> Callable[..., Salesforce]:
    """Log in with the real client; defaults are the demo sync user at login.salesforce.com."""

    def _login(username: str = DEFAULT_USERNAME, password: str = DEFAULT_PASSWORD,
               security_token: str = DEFAULT_SECURITY_TOKEN, domain: str = "login") -> Salesforce:
        return Salesforce(username=username, password=password, security_token=security_token,
                          domain=domain, session=session)

    return _login


@pytest.fixture
def sf(login: Callable[..., Salesforce]) -> Salesforce:
    return login()

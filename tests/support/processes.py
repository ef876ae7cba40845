"""Helpers for tests that run syncbot as a real process: a free port, waiting for it to answer."""

from __future__ import annotations

import socket
import time

import requests


def free_port() -> int:
    """A local TCP port nothing listens on (free when asked; tests bind it soon after)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 20) -> None:
    """Wait until ``url`` answers 200 (a server process starting up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not come up in {timeout}s")

"""Session ids handed out by the SOAP login and checked by every REST call."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Session:
    """Who a session id belongs to."""

    session_id: str
    org_id: str
    username: str
    created: datetime


class SessionStore:
    """Thread-safe map of live session ids."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def open(self, org_id: str, username: str, now: datetime) -> Session:
        """A new session for a user; ids look like Salesforce's (``<org id 15>!<secret>``)."""
        session_id = f"{org_id[:15]}!AQ{secrets.token_urlsafe(72)}"
        session = Session(session_id, org_id, username.lower(), now)
        with self._lock:
            self._sessions[session_id] = session
        return session

    def get(self, session_id: str) -> Session | None:
        """The live session of an id, or None (unknown or expired)."""
        with self._lock:
            return self._sessions.get(session_id)

    def expire_all(self) -> int:
        """End every session (the next REST call gets INVALID_SESSION_ID); returns how many."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
            return count

    def expire_user(self, username: str) -> int:
        """End the sessions of one user; returns how many."""
        with self._lock:
            doomed = [sid for sid, session in self._sessions.items() if session.username == username.lower()]
            for sid in doomed:
                del self._sessions[sid]
            return len(doomed)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

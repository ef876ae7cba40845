"""The orgs of a simulator, with lookups across them for logins and sessions."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    from .org import SimulatedOrg, SimulatedUser


class OrgRegistry:
    """The orgs of a simulator, by id, with lookups across them for logins and sessions."""

    def __init__(self, orgs: Iterable[SimulatedOrg] = ()) -> None:
        self._lock = threading.Lock()
        self._orgs: dict[str, SimulatedOrg] = {}
        for org in orgs:
            self.add(org)

    def add(self, org: SimulatedOrg) -> SimulatedOrg:
        """Register an org; its number (and so its id) must be unique."""
        with self._lock:
            if org.org_id in self._orgs:
                raise ValueError(f"an org with id {org.org_id} exists: give a different org_number")
            self._orgs[org.org_id] = org
        return org

    def get(self, org_id: str) -> SimulatedOrg | None:
        """An org by id."""
        with self._lock:
            return self._orgs.get(org_id)

    def next_number(self) -> int:
        """A free org number."""
        with self._lock:
            return max((org.org_number for org in self._orgs.values()), default=0) + 1

    def __iter__(self) -> Iterator[SimulatedOrg]:
        with self._lock:
            return iter(list(self._orgs.values()))

    def find_user(self, username: str) -> tuple[SimulatedOrg, SimulatedUser] | None:
        """The org and user of a username (usernames are unique across all orgs)."""
        for org in self:
            user = org.users.get(username.lower())
            if user is not None:
                return org, user
        return None

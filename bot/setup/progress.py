"""Where a workspace stands in the setup, and which step comes next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.errors import OtherWorkspace, StepOutOfOrder
from bot.messages import MSG
from storage import workspaces

if TYPE_CHECKING:
    from bot.runtime import Services


class Step(StrEnum):
    """The setup steps, named by the ``/sync`` subcommand that does them, in order."""

    CREDENTIALS = "credentials"
    SYNC_FIELDS = "sync-fields"
    CONFIRM = "confirm-credentials"
    START = "start"


@dataclass(frozen=True)
class Progress:
    """The setup state of one workspace, as read in one transaction."""

    team_id: str
    credentials_at: datetime | None = None
    fields_synced_at: datetime | None = None
    confirmed_at: datetime | None = None
    started_at: datetime | None = None
    bound_org_id: str | None = None
    org_id: str | None = None
    org_name: str | None = None
    username: str | None = None
    sandbox: bool = False
    paused: bool = False
    alert_channel: str | None = None
    # The workspace this database belongs to (None while none does): one database, one workspace.
    owner: str | None = None

    @property
    def foreign(self) -> bool:
        """True when the database belongs to another workspace: no step can be done here."""
        return self.owner is not None and self.owner != self.team_id

    def require_owner(self) -> None:
        """Raise :class:`OtherWorkspace` naming the owner when the database belongs to another workspace."""
        if self.foreign:
            raise OtherWorkspace(MSG.database_owned.format(owner=self.owner))

    def done(self, step: Step) -> bool:
        """True when the step has been carried out."""
        return {
            Step.CREDENTIALS: self.credentials_at,
            Step.SYNC_FIELDS: self.fields_synced_at,
            Step.CONFIRM: self.confirmed_at,
            Step.START: self.started_at,
        }[step] is not None

    @property
    def next_step(self) -> Step | None:
        """The first step not done yet; None once the sync is started."""
        return next((step for step in Step if not self.done(step)), None)

    def require(self, step: Step) -> None:
        """Raise :class:`StepOutOfOrder` naming the step to run when ``step`` is not done
        (:class:`OtherWorkspace` first, when no step can be done by this workspace)."""
        self.require_owner()
        if not self.done(step):
            raise StepOutOfOrder(MSG.step_missing.format(next=(self.next_step or step).value))


def current(services: "Services", team_id: str) -> Progress:
    """Read the progress of a workspace in a transaction of its own."""
    with services.db.session() as session:
        return load(session, team_id)


def require_owner(services: "Services", team_id: str) -> None:
    """Refuse a workspace other than the one this database belongs to (if it belongs to one)."""
    current(services, team_id).require_owner()


def load(session: Session, team_id: str, *, lock: bool = False) -> Progress:
    """Read the progress of a workspace (a workspace never seen is at the first step).

    With ``lock`` the workspace row stays locked until the transaction ends: a check made
    on this progress then still holds when the caller writes (no step is claimed between).
    """
    workspace = workspaces.lock(session, team_id) if lock else workspaces.get(session, team_id)
    owner = workspaces.owner(session)
    if workspace is None:
        return Progress(team_id=team_id, owner=owner)
    creds = workspaces.credentials(session, team_id)
    return Progress(
        team_id=team_id,
        credentials_at=workspace.credentials_verified_at,
        fields_synced_at=workspace.fields_synced_at,
        confirmed_at=workspace.org_confirmed_at,
        started_at=workspace.started_at,
        bound_org_id=workspace.bound_org_id,
        org_id=creds.org_id if creds else None,
        org_name=creds.org_name if creds else None,
        username=creds.username if creds else None,
        sandbox=creds.sandbox if creds else False,
        paused=workspace.paused,
        alert_channel=workspace.alert_channel,
        owner=owner,
    )

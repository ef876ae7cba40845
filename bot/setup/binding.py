"""Step 3: bind the workspace to the org of the verified credentials, for good."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import AlreadyDone, StepOutOfOrder, UserInputError
from bot.messages import MSG
from bot.runtime import Services
from bot.setup import progress
from bot.setup.progress import Step
from storage import workspaces


@dataclass(frozen=True)
class BoundOrg:
    """The org a workspace is now bound to."""

    org_id: str
    org_name: str
    username: str
    sandbox: bool


def preview(services: Services, team_id: str) -> BoundOrg:
    """The org ``confirm-credentials`` would bind to; refuses when out of order."""
    state = progress.current(services, team_id)
    state.require(Step.CREDENTIALS)
    state.require(Step.SYNC_FIELDS)
    if state.done(Step.CONFIRM):
        raise AlreadyDone(MSG.confirm_done.format(org_id=state.bound_org_id))
    if not (state.org_id and state.org_name and state.username):
        # The step is recorded but the login is gone (removed by hand): it must be entered again.
        raise StepOutOfOrder(MSG.step_missing.format(next=Step.CREDENTIALS.value))
    return BoundOrg(org_id=state.org_id, org_name=state.org_name, username=state.username, sandbox=state.sandbox)


def confirm(services: Services, team_id: str) -> BoundOrg:
    """Bind the workspace to the credentials' org; runs once whatever the clicks."""
    org = preview(services, team_id)
    with services.db.session() as session:
        creds = workspaces.credentials(session, team_id)
        if creds is None or creds.org_id != org.org_id:
            # The credentials changed between the preview and now: confirm what is stored.
            raise UserInputError(MSG.credentials_changed)
        if workspaces.claim_step(session, team_id, "org_confirmed_at", bound_org_id=creds.org_id) is None:
            raise AlreadyDone(MSG.confirm_done.format(org_id=creds.org_id))
    return org

"""Step 5: start the persistent sync; the mappings freeze from then on."""

from __future__ import annotations

from datetime import datetime

from bot.alerts import rules as alert_rules
from bot.errors import AlreadyDone
from bot.messages import MSG
from bot.runtime import Services
from bot.setup import progress
from bot.setup.progress import Step
from storage import workspaces


def is_started(services: Services, team_id: str) -> bool:
    """True once the persistent sync is started (and the mappings frozen)."""
    return progress.current(services, team_id).done(Step.START)


def check(services: Services, team_id: str) -> None:
    """Refuse when the earlier steps are not done or the sync already runs."""
    state = progress.current(services, team_id)
    state.require(Step.CONFIRM)
    if state.done(Step.START):
        raise AlreadyDone(MSG.start_done)


def start(services: Services, team_id: str, user_id: str | None = None) -> datetime:
    """Record that the persistent sync is started; once, whatever the clicks. The alert
    channel hears who started it."""
    check(services, team_id)
    with services.db.session() as session:
        started = workspaces.claim_step(session, team_id, "started_at")
        if started is not None:
            alert_rules.sync_started(session, team_id, user_id)
    if started is None:
        raise AlreadyDone(MSG.start_done)
    return started

"""Where alerts go, and whether scheduled cycles run."""

from __future__ import annotations

from bot.errors import UserInputError
from bot.messages import MSG
from bot.runtime import Services
from bot.setup import progress
from bot.setup.progress import Step
from storage import workspaces


def set_alert_channel(services: Services, team_id: str, channel_id: str) -> None:
    """Post status changes and failures of this workspace to ``channel_id``."""
    with services.db.session() as session:
        workspaces.set_alert_channel(session, team_id, channel_id)


def set_paused(services: Services, team_id: str, paused: bool) -> None:
    """Pause or resume scheduled cycles; only once the sync is started."""
    with services.db.session() as session:
        state = progress.load(session, team_id)
        state.require(Step.START)
        if state.paused == paused:
            raise UserInputError(MSG.already_paused if paused else MSG.not_paused)
        workspaces.set_paused(session, team_id, paused)

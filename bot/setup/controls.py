"""Where alerts go, and whether scheduled cycles run."""

from __future__ import annotations

from bot.alerts import rules as alert_rules
from bot.errors import UserInputError
from bot.messages import MSG
from bot.runtime import Services
from bot.setup import progress
from bot.setup.progress import Step
from storage import alerts, workspaces


def set_alert_channel(services: Services, team_id: str, channel_id: str, *, chosen_by: str) -> None:
    """Post status changes and failures of this workspace to ``channel_id``; ``chosen_by`` is
    told if it stops working (``bot.alerts.channel`` checks the channel first)."""
    with services.db.session() as session:
        workspaces.set_alert_channel(session, team_id, channel_id)
        alerts.remember_channel_chooser(session, team_id, chosen_by)


def set_paused(services: Services, team_id: str, paused: bool, *, user_id: str | None = None) -> None:
    """Pause or resume scheduled cycles; only once the sync is started. The alert channel
    hears who did it (``user_id``)."""
    with services.db.session() as session:
        state = progress.load(session, team_id)
        state.require(Step.START)
        if state.paused == paused:
            raise UserInputError(MSG.already_paused if paused else MSG.not_paused)
        workspaces.set_paused(session, team_id, paused)
        alert_rules.paused(session, team_id, user_id, paused)

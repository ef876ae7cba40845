"""`/sync now`: a cycle asked for by a person, recorded in the database so that whichever
process runs the scheduler picks it up within seconds."""

from __future__ import annotations

from bot.errors import AlreadyDone
from bot.messages import MSG
from bot.runtime import Services
from bot.setup import progress
from bot.setup.progress import Step
from storage import schedule
from storage.locks import is_held, workspace_lock
from storage.types import utcnow


def request_cycle(services: Services, team_id: str, user_id: str) -> None:
    """Ask for a cycle at once; :class:`AlreadyDone` when one is running (it is not started twice)."""
    progress.current(services, team_id).require(Step.START)
    if is_held(services.db, workspace_lock(team_id)):
        raise AlreadyDone(MSG.now_running)
    with services.db.session() as session:
        schedule.request_cycle(session, team_id, user_id, now=utcnow())

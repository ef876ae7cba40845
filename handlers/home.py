"""App Home: the setup checklist and the current sync state."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import status as sync_status
from bot.messages import MSG
from bot.runtime import Services
from bot.setup.progress import Step
from bot.status import SyncStatus
from handlers.blocks import context, section
from handlers.commands.status import status_lines

log = logging.getLogger(__name__)


def home_view(current: SyncStatus) -> dict[str, Any]:
    """The Home tab: each setup step done, next, or still to do, then the state."""
    state = current.progress
    lines = []
    for step in Step:
        label = MSG.home_steps[step.value]
        if state.done(step):
            lines.append(MSG.home_step_done.format(label=label))
        elif step is state.next_step:
            lines.append(MSG.home_step_next.format(label=label, command=step.value))
        else:
            lines.append(MSG.home_step_todo.format(label=label))
    status = status_lines(current)
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": MSG.home_title}},
            section("\n".join(lines)),
            {"type": "divider"},
            section(MSG.home_state.format(state=status[0])),
            *(context(line) for line in status[1:]),
        ],
    }


def register(app: App, services: Services) -> None:
    """Publish the Home tab whenever a user opens it."""

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        team_id = body.get("team_id") or event.get("view", {}).get("team_id", "")
        try:
            client.views_publish(user_id=event["user"], view=home_view(sync_status.current(services, team_id)))
        except SlackApiError as exc:
            log.warning("views.publish failed: %s", exc.response.get("error") if exc.response else exc)

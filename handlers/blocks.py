"""Block Kit building blocks shared by the answers, the modal and App Home."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bot.messages import MSG
from handlers.mrkdwn import escape as escape  # the one escape, also reachable from here

Block = dict[str, Any]

# Slack's limits: 3,000 characters of text in a section, 50 blocks in a message.
SECTION_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50


def section(text: str) -> Block:
    """A section of mrkdwn text (cut to Slack's limit)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


def context(text: str) -> Block:
    """Small grey text under a message."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_LIMIT]}]}


def plain(text: str) -> dict[str, Any]:
    """A plain_text object (titles, labels, button texts)."""
    return {"type": "plain_text", "text": text, "emoji": True}


def line_sections(lines: Iterable[str], *, budget: int = MESSAGE_BLOCK_LIMIT - 4) -> list[Block]:
    """Pack lines into as few sections as Slack's text limit allows.

    A list longer than ``budget`` sections ends with a line saying how much was cut.
    """
    blocks: list[Block] = []
    current: list[str] = []
    size = 0
    pending = list(lines)
    for index, line in enumerate(pending):
        if size + len(line) + 1 > SECTION_LIMIT and current:
            if len(blocks) + 1 >= budget:
                blocks.append(section("\n".join(current)))
                blocks.append(context(f"… and {len(pending) - index} more."))
                return blocks
            blocks.append(section("\n".join(current)))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        blocks.append(section("\n".join(current)))
    return blocks


def confirm_prompt(command: str, warning: str, details: Sequence[Block] = ()) -> list[Block]:
    """A warning for a step that cannot be undone, with a confirm button and the typed alternative."""
    return [
        section(warning),
        *details,
        {
            "type": "actions",
            "block_id": "confirm_step",
            "elements": [
                {
                    "type": "button",
                    "action_id": "confirm_step",
                    "text": plain(MSG.confirm_button),
                    "style": "danger",
                    "value": command,
                },
                {
                    "type": "button",
                    "action_id": "cancel_step",
                    "text": plain(MSG.cancel_button),
                    "value": command,
                },
            ],
        },
        context(MSG.confirm_hint.format(command=command)),
    ]

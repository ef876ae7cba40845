"""The ``/sync`` subcommands: one module per subcommand (or per pair), all registered here.

Each module declares its subcommands with :func:`subcommand`; ``router`` turns a
slash command or a confirm button into a call and the returned :class:`Reply`
into Slack's answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from bot.errors import UserInputError
from bot.messages import MSG
from bot.runtime import Services
from handlers.authorization import AdminCheck
from handlers.blocks import Block


@dataclass(frozen=True, kw_only=True)
class Invocation:
    """One run of a subcommand: who asked, where, and with which arguments."""

    services: Services
    client: WebClient
    team_id: str
    user_id: str
    command: str
    args: tuple[str, ...] = ()
    channel_id: str | None = None
    trigger_id: str | None = None
    response_url: str | None = None
    # The app's admin check (its answers are kept a minute); None: one made from the settings.
    admins: AdminCheck | None = None

    def admin_check(self) -> AdminCheck:
        """Who may change things (see :class:`AdminCheck`)."""
        return self.admins or AdminCheck(self.services.settings.admins)

    def is_admin(self) -> bool:
        """Whether the person is an admin; False when Slack cannot say."""
        return self.admin_check().allows(self.client, team_id=self.team_id, user_id=self.user_id)

    def arguments(self, usage: str, *, least: int = 0, most: int = 0) -> tuple[str, ...]:
        """The arguments, or a usage error when there are too few or too many."""
        if not least <= len(self.args) <= most:
            raise UserInputError(MSG.usage.format(usage=usage))
        return self.args

    def confirmed(self, usage: str) -> bool:
        """True for ``<command> yes``; False without arguments; a usage error otherwise."""
        args = self.arguments(usage, most=1)
        if args and args[0].lower() != "yes":
            raise UserInputError(MSG.usage.format(usage=usage))
        return bool(args)


@dataclass(frozen=True)
class Reply:
    """What the user sees: a fallback text and, when richer, blocks."""

    text: str
    blocks: list[Block] | None = None

    @classmethod
    def of(cls, blocks: list[Block]) -> "Reply":
        """A reply whose fallback text is the text of its blocks, so both say the same."""
        parts: list[str] = []
        for block in blocks:
            if block.get("type") == "section":
                parts.append(block["text"]["text"])
            elif block.get("type") == "context":
                parts.extend(element["text"] for element in block["elements"])
        return cls(text="\n".join(parts), blocks=blocks)

    def payload(self) -> dict[str, Any]:
        """Keyword arguments for ``ack``/``respond``."""
        return {"text": self.text, "blocks": self.blocks} if self.blocks else {"text": self.text}


Handler = Callable[[Invocation], "Reply | None"]


@dataclass(frozen=True, kw_only=True)
class Subcommand:
    """A ``/sync`` subcommand as help lists it and the router runs it."""

    name: str
    usage: str
    admin: bool
    handler: Handler
    # Answered in the acknowledgement itself: only for quick, database-only work.
    inline: bool = False


REGISTRY: dict[str, Subcommand] = {}


def subcommand(name: str, *, usage: str, admin: bool, inline: bool = False) -> Callable[[Handler], Handler]:
    """Register the decorated function as ``/sync <name>``."""

    def register(handler: Handler) -> Handler:
        REGISTRY[name] = Subcommand(name=name, usage=usage, admin=admin, handler=handler, inline=inline)
        return handler

    return register


def load_all() -> dict[str, Subcommand]:
    """Import every subcommand module (which registers it) and return the registry."""
    from handlers.commands import (  # noqa: F401  (imported for their registrations)
        channel,
        confirm_credentials,
        credentials,
        duplicates,
        fields,
        help,
        hide,
        history,
        mappings,
        now,
        pause,
        start,
        status,
        sync_fields,
        unhide,
        verify,
    )

    return REGISTRY

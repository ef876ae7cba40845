"""Turns ``/sync …`` and the confirm buttons into subcommand runs, and replies.

Every request is acknowledged before any slow work: quick read-only answers ride
on the acknowledgement itself, everything else answers through ``respond()``.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import metrics
from bot.errors import SyncbotError
from bot.messages import MSG
from bot.runtime import Services
from handlers.authorization import AdminCheck
from handlers.commands import Invocation, Reply, Subcommand, load_all
from handlers.commands.help import help_reply
from handlers.mrkdwn import code, escape

log = logging.getLogger(__name__)

# Steps that cannot be undone: they warn first and run on "yes" or the button.
CONFIRMABLE = frozenset({"sync-fields", "confirm-credentials", "start"})
# Subcommands that ask Salesforce: their acknowledgement says so, as it may take a while.
_ASKS_SALESFORCE = frozenset({"fields", "sync-fields", "verify"})


# The manifest asks Slack to escape the command text (so "#sales-ops" arrives as a channel
# id); Slack then also turns anything that looks like a link ("Lead.Email": .email is a
# domain) into "<http://Lead.Email|Lead.Email>". Links get back the text that was typed.
_LINK = re.compile(r"<(?:https?://|mailto:)[^|>]*\|([^>]*)>|<((?:https?://|mailto:)[^|>]*)>")


def _unlinked(text: str) -> str:
    return _LINK.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)


def parse(text: str) -> tuple[str, tuple[str, ...]]:
    """``"map Lead.Email email_address"`` -> ``("map", ("Lead.Email", "email_address"))``."""
    words = _unlinked(text).split()
    if not words:
        return "help", ()
    return words[0].lower(), tuple(words[1:])


def execute(sub: Subcommand, inv: Invocation, admins: AdminCheck) -> Reply | None:
    """Run a subcommand, turning every failure into a message for the person."""
    started = time.perf_counter()
    outcome = "ok"
    try:
        if sub.admin:
            admins.require(inv.client, team_id=inv.team_id, user_id=inv.user_id, command=sub.name)
        return sub.handler(inv)
    except SyncbotError as exc:
        outcome = "refused"
        # An error's words are plain text: they may quote Salesforce or what was typed.
        return Reply(text=escape(str(exc)))
    except Exception:
        outcome = "error"
        log.exception("/sync %s failed for team %s", sub.name, inv.team_id)
        return Reply(text=MSG.internal_error)
    finally:
        metrics.SUBCOMMANDS.labels(subcommand=sub.name, outcome=outcome).inc()
        metrics.SUBCOMMAND_SECONDS.labels(subcommand=sub.name).observe(time.perf_counter() - started)


def register(app: App, services: Services, admins: AdminCheck) -> None:
    """Listen for ``/sync`` and for the confirm and cancel buttons."""
    registry = load_all()

    @app.command("/sync")
    def on_sync(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        name, args = parse(body.get("text", ""))
        inv = Invocation(
            services=services,
            client=client,
            team_id=body.get("team_id", ""),
            user_id=body.get("user_id", ""),
            command=name,
            args=args,
            channel_id=body.get("channel_id"),
            trigger_id=body.get("trigger_id"),
            response_url=body.get("response_url"),
            admins=admins,
        )
        sub = registry.get(name)
        if sub is None:
            metrics.SUBCOMMANDS.labels(subcommand="unknown", outcome="refused").inc()
            ack(**help_reply(inv, prefix=MSG.unknown_subcommand.format(command=code(name))).payload())
            return
        if sub.inline:
            reply = execute(sub, inv, admins)
            ack(**(reply or Reply(text="")).payload())
            return
        if name in _ASKS_SALESFORCE:
            ack(text=MSG.working)
        else:
            ack()
        reply = execute(sub, inv, admins)
        if reply is not None:
            respond(**reply.payload())

    @app.action("confirm_step")
    def on_confirm(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        command = (body.get("actions") or [{}])[0].get("value", "")
        sub = registry.get(command)
        if command not in CONFIRMABLE or sub is None:
            respond(replace_original=True, text=MSG.unknown_subcommand.format(command=code(command)))
            return
        inv = Invocation(
            services=services,
            client=client,
            team_id=(body.get("team") or {}).get("id", ""),
            user_id=(body.get("user") or {}).get("id", ""),
            command=command,
            args=("yes",),
            channel_id=(body.get("channel") or {}).get("id"),
            trigger_id=body.get("trigger_id"),
            response_url=body.get("response_url"),
            admins=admins,
        )
        reply = execute(sub, inv, admins)
        if reply is not None:
            respond(replace_original=True, **reply.payload())

    @app.action("cancel_step")
    def on_cancel(ack: Ack, respond: Respond) -> None:
        ack()
        respond(replace_original=True, text=MSG.confirm_cancelled)

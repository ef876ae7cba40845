"""``/sync channel <#C…>``: where status changes and failures are posted."""

from __future__ import annotations

import re

from bot.errors import UserInputError
from bot.messages import MSG
from bot.setup.controls import set_alert_channel
from handlers.commands import Invocation, Reply, subcommand

# Slack turns "#sales-ops" into "<#C0123ABCD|sales-ops>" (or "<#C0123ABCD>") in command text.
_CHANNEL_REF = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


@subcommand("channel", usage="channel <#channel>", admin=True)
def run(inv: Invocation) -> Reply:
    """Set the alert channel."""
    (ref,) = inv.arguments("channel <#channel>", least=1, most=1)
    match = _CHANNEL_REF.match(ref)
    channel = match.group(1) if match else ref if _CHANNEL_ID.match(ref) else None
    if channel is None:
        raise UserInputError(MSG.channel_bad)
    set_alert_channel(inv.services, inv.team_id, channel)
    return Reply(text=MSG.channel_set.format(channel=channel))

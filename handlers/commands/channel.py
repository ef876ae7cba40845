"""``/sync channel <#channel>``: where status changes and failures are posted."""

from __future__ import annotations

from bot.alerts.channel import choose_alert_channel
from bot.messages import MSG
from handlers.commands import Invocation, Reply, subcommand


@subcommand("channel", usage="channel <#channel>", admin=True)
def run(inv: Invocation) -> Reply:
    """Set the alert channel, once a test message went through."""
    (reference,) = inv.arguments("channel <#channel>", least=1, most=1)
    chosen = choose_alert_channel(
        inv.services, inv.client, team_id=inv.team_id, user_id=inv.user_id, reference=reference
    )
    template = MSG.channel_chosen_joined if chosen.joined else MSG.channel_chosen
    return Reply(text=template.format(channel=chosen.channel_id))

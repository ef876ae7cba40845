"""``/sync confirm-credentials [yes]``: bind the workspace to the org, for good."""

from __future__ import annotations

from bot.messages import MSG
from bot.setup import binding
from handlers.blocks import confirm_prompt, section
from handlers.commands import Invocation, Reply, subcommand
from handlers.mrkdwn import escaped

USAGE = "confirm-credentials [yes]"


@subcommand("confirm-credentials", usage=USAGE, admin=True)
def run(inv: Invocation) -> Reply:
    """Warn with a confirm button, or (with ``yes``) bind the org."""
    if not inv.confirmed(USAGE):
        org = escaped(binding.preview(inv.services, inv.team_id))  # the org's name is Salesforce's free text
        warning = MSG.confirm_warning.format(org_name=org.org_name, org_id=org.org_id)
        return Reply.of(confirm_prompt("confirm-credentials", warning))
    org = escaped(binding.confirm(inv.services, inv.team_id))
    done = MSG.confirm_result.format(org_name=org.org_name, org_id=org.org_id)
    next_line = MSG.mappings_footer
    return Reply.of([section(done), section(next_line)])

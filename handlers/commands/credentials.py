"""``/sync credentials``: open the credentials modal (the login is checked on submit)."""

from __future__ import annotations

from bot.setup.credentials import require_secret_key, stored_login
from bot.setup.progress import require_owner
from handlers.commands import Invocation, Reply, subcommand
from handlers.credentials_modal import credentials_modal


@subcommand("credentials", usage="credentials", admin=True)
def run(inv: Invocation) -> Reply | None:
    """Open the modal; nothing is stored until Salesforce accepts the login."""
    inv.arguments("credentials")
    require_secret_key(inv.services)
    require_owner(inv.services, inv.team_id)
    stored = stored_login(inv.services, inv.team_id)
    inv.client.views_open(
        trigger_id=inv.trigger_id,
        view=credentials_modal(
            response_url=inv.response_url,
            username=stored.username if stored else "",
            sandbox=stored.sandbox if stored else False,
        ),
    )
    return None

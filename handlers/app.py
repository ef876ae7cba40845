"""The Bolt app, built by one factory from the settings."""

from __future__ import annotations

import logging
import secrets

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.errors import ConfigError
from bot.messages import MSG
from bot.runtime import Services
from handlers import credentials_modal, home
from handlers.authorization import AdminCheck
from handlers.commands import router

log = logging.getLogger(__name__)


class _ClientTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment on its own and then warns that
    the client's token wins; it is the same token, so the warning only confuses."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_bolt_logger = logging.getLogger("slack_bolt")
_bolt_logger.addFilter(_ClientTokenNotice())


def create_app(services: Services, *, socket_mode: bool = False) -> App:
    """A Bolt app whose every Web API call goes to ``SLACK_API_URL``.

    The bot token is checked before (:mod:`handlers.slack_check`), not here: Bolt's own
    check at start turns a Slack that cannot be reached into a crash. Bolt asks
    ``auth.test`` once, with the first request, instead.
    Over HTTP every request must carry Slack's signature, so there is no HTTP app
    without ``SLACK_SIGNING_SECRET``; with ``socket_mode`` requests arrive over the
    connection the app token opened, and there is nothing to sign.
    """
    settings = services.settings
    if socket_mode:
        # Bolt skips verification for Socket Mode requests anyway; a random secret makes
        # sure this app can never verify an HTTP request should it be served by mistake.
        signing_secret = secrets.token_hex(32)
    elif settings.slack_signing_secret:
        signing_secret = settings.slack_signing_secret
    else:
        # An empty key is a key anyone can sign with.
        raise ConfigError(MSG.signing_secret_missing)
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    # Slack answers 429 with Retry-After under load; one polite retry beats a lost reply.
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    app = App(
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=not socket_mode,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        logger=_bolt_logger,
    )
    # One cache of admin answers per app, shared by the commands and the modal.
    admins = AdminCheck(settings.admins)
    router.register(app, services, admins)
    credentials_modal.register(app, services, admins)
    home.register(app, services)
    return app


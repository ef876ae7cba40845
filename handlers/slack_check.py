"""Does Slack take the bot token? Asked once at start, and again while Slack cannot be reached.

A refused token stops the program with one line: nothing it does would reach Slack. A Slack
that cannot be reached (a DNS or network outage, Slack down) does not: the sync needs only
Salesforce and the database, and alerts wait in the outbox, so syncbot runs on and keeps
asking, with growing pauses, saying so in one log line each time.
"""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.errors import ConfigError
from bot.messages import MSG

log = logging.getLogger("syncbot")

# Pauses between two questions while Slack cannot be reached: from FIRST_PAUSE, doubled
# each time up to LONGEST_PAUSE (about twelve log lines an hour during a long outage).
FIRST_PAUSE = 5.0
LONGEST_PAUSE = 300.0
# Seconds one question may take: a black-holed address must not hold up the start for long.
_TIMEOUT = 10

# The client's own error line would say less than ours, once more: it stays quiet.
_quiet = logging.getLogger(__name__ + ".client")
_quiet.setLevel(logging.CRITICAL)
_quiet.propagate = False


def _refusal(error: str) -> ConfigError:
    """The one line a refused bot token stops the program with."""
    return ConfigError(MSG.slack_token_refused.format(error=error))


def ask_slack(settings: Settings) -> str | None:
    """Ask Slack (``auth.test``) whether it takes ``SLACK_BOT_TOKEN``.

    Returns None when it does, and the reason when Slack cannot be reached; raises
    :class:`ConfigError` when Slack answers that it does not take the token.
    """
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=_TIMEOUT,
                       logger=_quiet, retry_handlers=[])
    try:
        client.auth_test()
    except SlackApiError as exc:
        response = exc.response
        status = getattr(response, "status_code", 200)
        if status >= 500 or status == 429:
            return MSG.slack_http_status.format(status=status)
        raise _refusal(str(response.get("error", "unknown")) if response is not None else "unknown") from None
    except (OSError, http.client.HTTPException) as exc:
        return _reason(exc)
    return None


def _reason(exc: BaseException) -> str:
    """``Name or service not known`` rather than ``<urlopen error [Errno -2] Name or service not known>``."""
    cause: object = exc.reason if isinstance(exc, URLError) else exc
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    return str(cause) or type(cause).__name__


class BotTokenCheck:
    """The start-up question, and the asking again while Slack cannot be reached."""

    def __init__(self, settings: Settings, *, first_pause: float = FIRST_PAUSE,
                 longest_pause: float = LONGEST_PAUSE) -> None:
        self._settings = settings
        self._pause = first_pause
        self._longest = longest_pause

    def first(self) -> bool:
        """Ask once: True when Slack takes the token; False (said in one warning) when it
        cannot be reached. Raises :class:`ConfigError` when Slack refuses the token."""
        reason = ask_slack(self._settings)
        if reason is None:
            return True
        log.warning(MSG.slack_unreachable.format(url=self._settings.slack_api_url, reason=reason,
                                                 pause=round(self._pause)))
        return False

    def until_answered(self, stop: threading.Event) -> bool:
        """Ask until Slack answers or ``stop`` is set; True when it took the token.
        Raises :class:`ConfigError` when Slack refuses it."""
        return self.first() or self._ask_again(stop)

    @contextmanager
    def in_background(self, *, on_refused: Callable[[ConfigError], None]) -> Iterator[None]:
        """Ask now (a refusal raises); when Slack cannot be reached, keep asking in a thread
        for the duration of the block, and call ``on_refused`` should Slack refuse the token."""
        if self.first():
            yield
            return
        stop = threading.Event()

        def keep_asking() -> None:
            try:
                self._ask_again(stop)
            except ConfigError as exc:
                on_refused(exc)

        thread = threading.Thread(target=keep_asking, name="syncbot-slack-check", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=_TIMEOUT * 2)

    def _ask_again(self, stop: threading.Event) -> bool:
        """After each pause, ask again; True once Slack takes the token, False when stopped."""
        url = self._settings.slack_api_url
        while not stop.wait(self._pause):
            reason = ask_slack(self._settings)
            if reason is None:
                log.info(MSG.slack_reached.format(url=url))
                return True
            self._pause = min(self._pause * 2, self._longest)
            log.warning(MSG.slack_still_unreachable.format(url=url, reason=reason, pause=round(self._pause)))
        return False

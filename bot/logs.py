"""Logging as every syncbot process sets it up."""

from __future__ import annotations

import logging

# Their debug output prints request bodies, which can hold the credentials modal's
# password and token: these loggers never go below INFO, whatever the level asked.
_BODY_LOGGERS = ("slack_bolt", "slack_sdk", "urllib3", "simple_salesforce", "requests")


def configure_logging(level: str = "INFO", *, handler: logging.Handler | None = None) -> None:
    """Log to stderr (or ``handler``) at ``level``, with the body-printing loggers held at INFO."""
    root = logging.getLogger()
    if handler is None:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    else:
        root.addHandler(handler)
        root.setLevel(level)
    floor = max(logging.INFO, logging.getLevelName(level))
    for name in _BODY_LOGGERS:
        logging.getLogger(name).setLevel(floor)
    # Alembic narrates every step at INFO; storage.migrate logs the outcome itself.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # APScheduler logs every run of every job at INFO (the dispatcher runs every 2 s): a
    # line a second that says nothing. The cycles log their own start and end; at DEBUG
    # the scheduler's narration is back.
    asked = logging.getLevelName(level)
    logging.getLogger("apscheduler").setLevel(asked if asked <= logging.DEBUG else max(logging.WARNING, asked))

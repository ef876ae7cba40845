"""The long-lived parts of a running syncbot, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.salesforce.gateway import SalesforceGateway
from storage.crypto import SecretBox
from storage.db import Database
from storage.locks import lock_folder, prepare_lock_folder
from storage.migrate import upgrade


@dataclass(frozen=True, kw_only=True)
class Services:
    """What every domain function needs; passed explicitly, never global."""

    settings: Settings
    db: Database
    secrets: SecretBox
    gateway: SalesforceGateway


def build_services(settings: Settings, *, migrate: bool = True) -> Services:
    """Connect to the database (migrating it to the newest schema) and wire the parts."""
    db = Database(settings.database_url)
    folder = lock_folder(db)
    if folder is not None:
        # Checked at start: an unsafe lock folder is one line now, not a silent stop later.
        prepare_lock_folder(folder)
    if migrate:
        upgrade(db)
    return Services(
        settings=settings,
        db=db,
        secrets=SecretBox(settings.secret_key),
        gateway=SalesforceGateway(salesforce_url=settings.salesforce_url),
    )

"""Encryption at rest of the Salesforce secrets (Fernet, keyed by ``SYNCBOT_SECRET_KEY``).

The setting may list several keys, comma-separated: the first encrypts, every one
decrypts (``MultiFernet``), so a key is replaced by putting the new one first, running
``syncbot rotate-key``, then dropping the old one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.errors import SecretKeyMismatch, SecretKeyMissing
from bot.messages import MSG


@dataclass(frozen=True)
class LoginSecret:
    """The two secret parts of a Salesforce login; ``repr`` never shows them."""

    password: str = field(repr=False)
    security_token: str = field(repr=False)


class SecretBox:
    """Seals and opens :class:`LoginSecret` values with the keys of ``SYNCBOT_SECRET_KEY``."""

    def __init__(self, key: str | None) -> None:
        keys = [part.strip() for part in (key or "").split(",") if part.strip()]
        self._fernet = MultiFernet([Fernet(part.encode()) for part in keys]) if keys else None

    @property
    def ready(self) -> bool:
        """True when a key is configured."""
        return self._fernet is not None

    def seal(self, secret: LoginSecret) -> bytes:
        """Encrypt a secret for storage."""
        payload = json.dumps({"password": secret.password, "security_token": secret.security_token})
        return self._require().encrypt(payload.encode())

    def open(self, blob: bytes) -> LoginSecret:
        """Decrypt a stored secret."""
        try:
            data = json.loads(self._require().decrypt(blob))
        except InvalidToken:
            raise SecretKeyMismatch(MSG.secret_key_mismatch) from None
        return LoginSecret(password=data["password"], security_token=data["security_token"])

    def can_open(self, blob: bytes) -> bool:
        """True when one of the keys decrypts ``blob``."""
        try:
            self._require().decrypt(blob)
        except (InvalidToken, SecretKeyMissing):
            return False
        return True

    def rotate(self, blob: bytes) -> bytes:
        """``blob`` encrypted again with the first key (raises :class:`SecretKeyMismatch`)."""
        try:
            return self._require().rotate(blob)
        except InvalidToken:
            raise SecretKeyMismatch(MSG.secret_key_mismatch) from None

    def _require(self) -> MultiFernet:
        if self._fernet is None:
            raise SecretKeyMissing(MSG.secret_key_missing)
        return self._fernet


def new_key() -> str:
    """A fresh value for ``SYNCBOT_SECRET_KEY``."""
    return Fernet.generate_key().decode()

"""Slack's request signing (version ``v0``), as Slack applies it to every request.

Slack sends ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature: v0=<hex>``,
the hex being HMAC-SHA256, keyed with the app's signing secret, of
``v0:<timestamp>:<raw body>``. Receivers refuse timestamps more than five
minutes away from their clock, which is what :data:`STALE_AFTER_SECONDS` is for.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_VERSION = "v0"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
STALE_AFTER_SECONDS = 5 * 60


def compute_signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Slack-Signature`` value for ``body`` sent at ``timestamp``."""
    base = f"{SIGNATURE_VERSION}:{timestamp}:".encode() + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def signature_headers(signing_secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """Both signature headers for ``body``, timestamped now unless told otherwise."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: compute_signature(signing_secret, ts, body)}

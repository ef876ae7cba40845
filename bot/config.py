"""Settings read from the environment and validated once, at start.

A missing or malformed value raises :class:`~bot.errors.ConfigError` whose message
is one line naming the variable; the CLI prints it and exits, never a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError

DEFAULT_OBJECTS: tuple[str, ...] = (
    "Lead",
    "Contact",
    "Account",
    "Opportunity",
    "OpportunityContactRole",
    "Campaign",
    "CampaignMember",
    "User",
)
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///syncbot.db"
DEFAULT_DIGEST_HOUR = 9
# The drift checks' schedules, in hours: daily unless set otherwise; at most a month apart.
DEFAULT_CHECK_HOURS = 24
MAX_CHECK_HOURS = 720
# Days of history kept (errors, sent alerts, runs): a month by default; at least two, since
# the digest and App Home's chart read the last 24 hours.
DEFAULT_KEEP_DAYS = 30
MIN_KEEP_DAYS, MAX_KEEP_DAYS = 2, 3650

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_OBJECT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class PerObjectHours:
    """Hours between runs of a check: one default, and some objects on their own schedule."""

    default: int = DEFAULT_CHECK_HOURS
    # (object name in lower case, hours): names are matched without regard to case, as Salesforce does.
    objects: tuple[tuple[str, int], ...] = ()

    def of(self, object_name: str) -> int:
        """The hours between runs for ``object_name``."""
        return dict(self.objects).get(object_name.lower(), self.default)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every setting of the contract, already parsed."""

    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    # May carry a password, so it stays out of repr() like the tokens.
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    admins: frozenset[str] = frozenset()
    alert_channel: str | None = None
    sync_interval: int = 300
    # Alert when no cycle has succeeded for this many intervals.
    lag_alert: int = 3
    # Hour (UTC) of the daily digest; None: no digest.
    digest_hour: int | None = DEFAULT_DIGEST_HOUR
    objects: tuple[str, ...] = DEFAULT_OBJECTS
    salesforce_url: str | None = None
    lookback: int = 300
    bulk_threshold: int = 10_000
    bulk_page_rows: int = 10_000
    api_quota: int = 80
    # Hours between reconciliations of Ids, and between formula refreshes (per object).
    reconcile_hours: int = DEFAULT_CHECK_HOURS
    formula_hours: PerObjectHours = PerObjectHours()
    # Days of sync errors, sent alerts and sync runs kept; older ones are pruned.
    keep_days: int = DEFAULT_KEEP_DAYS
    port: int = 3000

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, require: Iterable[str] = ()
    ) -> "Settings":
        """Parse the environment; ``require`` names variables this command cannot do without."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        for name in require:
            if get(name) is None:
                raise ConfigError(f"{name} is not set; it is required for this command.")

        return cls(
            slack_bot_token=_prefixed(get("SLACK_BOT_TOKEN"), "SLACK_BOT_TOKEN", "xoxb-"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=_prefixed(get("SLACK_APP_TOKEN"), "SLACK_APP_TOKEN", "xapp-"),
            slack_api_url=_http_url(get("SLACK_API_URL"), "SLACK_API_URL", None, slash=True) or DEFAULT_SLACK_API_URL,
            database_url=_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            secret_key=_fernet_key(get("SYNCBOT_SECRET_KEY")),
            admins=_admins(get("SYNCBOT_ADMINS")),
            alert_channel=_channel(get("SYNCBOT_ALERT_CHANNEL")),
            sync_interval=_int(get("SYNCBOT_SYNC_INTERVAL"), "SYNCBOT_SYNC_INTERVAL", 300, 30, 86_400),
            lag_alert=_int(get("SYNCBOT_LAG_ALERT"), "SYNCBOT_LAG_ALERT", 3, 1, 1_000),
            digest_hour=_digest_hour(env.get("SYNCBOT_DIGEST_HOUR")),
            objects=_objects(get("SYNCBOT_OBJECTS")),
            salesforce_url=_http_url(get("SYNCBOT_SALESFORCE_URL"), "SYNCBOT_SALESFORCE_URL", None),
            lookback=_int(get("SYNCBOT_LOOKBACK"), "SYNCBOT_LOOKBACK", 300, 0, 86_400),
            bulk_threshold=_int(get("SYNCBOT_BULK_THRESHOLD"), "SYNCBOT_BULK_THRESHOLD", 10_000, 1, 100_000_000),
            bulk_page_rows=_int(get("SYNCBOT_BULK_PAGE_ROWS"), "SYNCBOT_BULK_PAGE_ROWS", 10_000, 100, 1_000_000),
            api_quota=_int(get("SYNCBOT_API_QUOTA"), "SYNCBOT_API_QUOTA", 80, 1, 100),
            reconcile_hours=_int(get("SYNCBOT_RECONCILE_HOURS"), "SYNCBOT_RECONCILE_HOURS", DEFAULT_CHECK_HOURS, 1,
                                 MAX_CHECK_HOURS),
            formula_hours=_per_object_hours(get("SYNCBOT_FORMULA_HOURS"), "SYNCBOT_FORMULA_HOURS"),
            keep_days=_int(get("SYNCBOT_KEEP_DAYS"), "SYNCBOT_KEEP_DAYS", DEFAULT_KEEP_DAYS, MIN_KEEP_DAYS,
                           MAX_KEEP_DAYS),
            port=_int(get("PORT"), "PORT", 3000, 1, 65_535),
        )


def _prefixed(value: str | None, name: str, prefix: str) -> str | None:
    if value is not None and not value.startswith(prefix):
        raise ConfigError(f"{name} must start with '{prefix}'.")
    return value


def _http_url(value: str | None, name: str, default: str | None, *, slash: bool = False) -> str | None:
    if value is None:
        return default
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an http:// or https:// URL, got {value!r}.")
    # Slack's Web API client joins method names onto the base, so it must end in '/'.
    return value if not slash or value.endswith("/") else value + "/"


def _database_url(value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL is not a database URL: {value.split('@')[-1]!r}.") from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL must point to SQLite or PostgreSQL, not {backend!r}.")
    if backend == "postgresql" and url.drivername in ("postgresql", "postgres"):
        # The package ships psycopg 3; SQLAlchemy's bare 'postgresql' means psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _fernet_key(value: str | None) -> str | None:
    """One Fernet key, or several comma-separated (the first encrypts, all decrypt)."""
    if value is None:
        return None
    keys = [part.strip() for part in value.split(",") if part.strip()]
    if not keys:
        return None
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            # Which key, never the key itself: it is a secret, however malformed.
            where = "" if len(keys) == 1 else f": key {number} of {len(keys)}"
            raise ConfigError(
                f"SYNCBOT_SECRET_KEY{where} is not a valid key; make one with `syncbot keygen`."
            ) from None
    return ",".join(keys)


def _admins(value: str | None) -> frozenset[str]:
    if value is None:
        return frozenset()
    ids = [part.strip() for part in value.split(",") if part.strip()]
    bad = [part for part in ids if not _USER_ID.match(part)]
    if bad:
        raise ConfigError(f"SYNCBOT_ADMINS must list Slack user IDs (like U012AB3CD), not {bad[0]!r}.")
    return frozenset(ids)


def _channel(value: str | None) -> str | None:
    if value is not None and not _CHANNEL_ID.match(value):
        raise ConfigError(f"SYNCBOT_ALERT_CHANNEL must be a Slack channel ID (like C012AB3CD), not {value!r}.")
    return value


def _int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}.") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {number}.")
    return number


def _per_object_hours(value: str | None, name: str) -> PerObjectHours:
    """``24``, ``Lead=6,Account=48`` or ``12,Lead=6``: a default (24 when left out) and per-object hours."""
    if value is None:
        return PerObjectHours()
    default, objects = DEFAULT_CHECK_HOURS, {}
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not parts:
        raise ConfigError(f"{name} must be hours (like 24) or per object (like Lead=6,Account=48).")
    for index, part in enumerate(parts):
        object_name, equals, hours = (piece.strip() for piece in part.partition("="))
        if not equals:
            if index:  # a bare number is the default, and only first: "Lead=6,12" is likely a typo
                raise ConfigError(f"{name}: the default hours come first, before the objects, got {part!r}.")
            default = _int(part, name, DEFAULT_CHECK_HOURS, 1, MAX_CHECK_HOURS)
            continue
        if not _OBJECT_NAME.match(object_name):
            raise ConfigError(f"{name} must name Salesforce objects by API name (like Lead=6), not {part!r}.")
        if object_name.lower() in objects:
            raise ConfigError(f"{name} names {object_name!r} twice.")
        objects[object_name.lower()] = _int(hours, f"{name} for {object_name}", DEFAULT_CHECK_HOURS, 1,
                                            MAX_CHECK_HOURS)
    return PerObjectHours(default=default, objects=tuple(sorted(objects.items())))


def _digest_hour(value: str | None) -> int | None:
    # Unset means the default hour; set but empty is how an operator turns the digest off.
    if value is None:
        return DEFAULT_DIGEST_HOUR
    if not value.strip():
        return None
    return _int(value.strip(), "SYNCBOT_DIGEST_HOUR", DEFAULT_DIGEST_HOUR, 0, 23)


def _objects(value: str | None) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_OBJECTS
    names = [part.strip() for part in value.split(",") if part.strip()]
    if not names:
        raise ConfigError("SYNCBOT_OBJECTS must name at least one Salesforce object.")
    bad = [name for name in names if not _OBJECT_NAME.match(name)]
    if bad:
        raise ConfigError(f"SYNCBOT_OBJECTS must list Salesforce API names, not {bad[0]!r}.")
    seen: dict[str, str] = {}
    for name in names:
        if name.lower() in seen:
            raise ConfigError(f"SYNCBOT_OBJECTS names {name!r} twice.")
        seen[name.lower()] = name
    return tuple(names)

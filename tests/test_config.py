"""Settings from the environment: defaults, validation, one clear line per mistake."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.config import DEFAULT_OBJECTS, Settings
from bot.errors import ConfigError


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///syncbot.db"
    assert settings.sync_interval == 300
    assert settings.lag_alert == 3
    assert settings.digest_hour == 9
    assert settings.objects == DEFAULT_OBJECTS
    assert settings.admins == frozenset()
    assert settings.port == 3000
    assert settings.secret_key is None
    assert settings.keep_days == 30


def test_full_environment() -> None:
    key = Fernet.generate_key().decode()
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "DATABASE_URL": "postgresql://u:p@db:5432/sync",
            "SYNCBOT_SECRET_KEY": key,
            "SYNCBOT_ADMINS": "U01, W02 ,",
            "SYNCBOT_ALERT_CHANNEL": "C0123",
            "SYNCBOT_SYNC_INTERVAL": "60",
            "SYNCBOT_LAG_ALERT": "5",
            "SYNCBOT_DIGEST_HOUR": "0",
            "SYNCBOT_OBJECTS": "Lead, Contact",
            "SYNCBOT_SALESFORCE_URL": "http://127.0.0.1:8/",
            "SYNCBOT_KEEP_DAYS": "90",
            "PORT": "8080",
        }
    )
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    # psycopg 3 is what ships; a bare postgresql:// URL would mean psycopg2.
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/sync"
    assert settings.admins == {"U01", "W02"}
    assert settings.objects == ("Lead", "Contact")
    assert settings.sync_interval == 60
    assert settings.lag_alert == 5
    assert settings.digest_hour == 0
    assert settings.port == 8080
    assert settings.keep_days == 90
    for secret in ("xoxb-1", "xapp-1", "u:p@db", key):
        assert secret not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-1", "SLACK_BOT_TOKEN must start with 'xoxb-'."),
        ("SLACK_APP_TOKEN", "xoxb-1", "SLACK_APP_TOKEN must start with 'xapp-'."),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL must be an http:// or https:// URL"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL must point to SQLite or PostgreSQL, not 'mysql'."),
        ("DATABASE_URL", "not a url", "DATABASE_URL is not a database URL"),
        ("SYNCBOT_SECRET_KEY", "short", "SYNCBOT_SECRET_KEY is not a valid key; make one with `syncbot keygen`."),
        ("SYNCBOT_ADMINS", "U01,alice", "SYNCBOT_ADMINS must list Slack user IDs (like U012AB3CD), not 'alice'."),
        ("SYNCBOT_ALERT_CHANNEL", "#general", "SYNCBOT_ALERT_CHANNEL must be a Slack channel ID"),
        ("SYNCBOT_SYNC_INTERVAL", "5m", "SYNCBOT_SYNC_INTERVAL must be a whole number, got '5m'."),
        ("SYNCBOT_SYNC_INTERVAL", "1", "SYNCBOT_SYNC_INTERVAL must be between 30 and 86400, got 1."),
        ("SYNCBOT_LAG_ALERT", "0", "SYNCBOT_LAG_ALERT must be between 1 and 1000, got 0."),
        ("SYNCBOT_LAG_ALERT", "three", "SYNCBOT_LAG_ALERT must be a whole number, got 'three'."),
        ("SYNCBOT_DIGEST_HOUR", "24", "SYNCBOT_DIGEST_HOUR must be between 0 and 23, got 24."),
        ("SYNCBOT_DIGEST_HOUR", "9am", "SYNCBOT_DIGEST_HOUR must be a whole number, got '9am'."),
        ("SYNCBOT_OBJECTS", "Lead,Bad-Name", "SYNCBOT_OBJECTS must list Salesforce API names, not 'Bad-Name'."),
        ("SYNCBOT_OBJECTS", "Lead,lead", "SYNCBOT_OBJECTS names 'lead' twice."),
        ("SYNCBOT_OBJECTS", " , ", "SYNCBOT_OBJECTS must name at least one Salesforce object."),
        ("SYNCBOT_SALESFORCE_URL", "ftp://x", "SYNCBOT_SALESFORCE_URL must be an http:// or https:// URL"),
        ("PORT", "99999", "PORT must be between 1 and 65535, got 99999."),
        ("SYNCBOT_RECONCILE_HOURS", "0", "SYNCBOT_RECONCILE_HOURS must be between 1 and 720, got 0."),
        ("SYNCBOT_RECONCILE_HOURS", "daily", "SYNCBOT_RECONCILE_HOURS must be a whole number, got 'daily'."),
        ("SYNCBOT_FORMULA_HOURS", "6h", "SYNCBOT_FORMULA_HOURS must be a whole number, got '6h'."),
        ("SYNCBOT_FORMULA_HOURS", "Lead=0", "SYNCBOT_FORMULA_HOURS for Lead must be between 1 and 720, got 0."),
        ("SYNCBOT_FORMULA_HOURS", "Lead=x", "SYNCBOT_FORMULA_HOURS for Lead must be a whole number, got 'x'."),
        ("SYNCBOT_FORMULA_HOURS", "Lead=6,lead=7", "SYNCBOT_FORMULA_HOURS names 'lead' twice."),
        ("SYNCBOT_FORMULA_HOURS", "Bad-Name=6", "SYNCBOT_FORMULA_HOURS must name Salesforce objects by API name"),
        ("SYNCBOT_FORMULA_HOURS", "Lead=6,12", "SYNCBOT_FORMULA_HOURS: the default hours come first"),
        ("SYNCBOT_FORMULA_HOURS", " , ", "SYNCBOT_FORMULA_HOURS must be hours (like 24) or per object"),
        ("SYNCBOT_KEEP_DAYS", "1", "SYNCBOT_KEEP_DAYS must be between 2 and 3650, got 1."),
        ("SYNCBOT_KEEP_DAYS", "30d", "SYNCBOT_KEEP_DAYS must be a whole number, got '30d'."),
    ],
)
def test_malformed_values_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({name: value})
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_check_schedules_are_daily_unless_set() -> None:
    settings = Settings.from_env({})
    assert settings.reconcile_hours == 24
    assert settings.formula_hours.of("Lead") == 24
    settings = Settings.from_env({"SYNCBOT_RECONCILE_HOURS": "48", "SYNCBOT_FORMULA_HOURS": "Lead=6, Account = 48"})
    assert settings.reconcile_hours == 48
    assert [settings.formula_hours.of(name) for name in ("Lead", "lead", "Account", "Contact")] == [6, 6, 48, 24]
    assert Settings.from_env({"SYNCBOT_FORMULA_HOURS": "12"}).formula_hours.of("Lead") == 12
    assert Settings.from_env({"SYNCBOT_FORMULA_HOURS": "12,Lead=6"}).formula_hours.of("Contact") == 12


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_digest_hour_turns_the_digest_off(value: str) -> None:
    assert Settings.from_env({"SYNCBOT_DIGEST_HOUR": value}).digest_hour is None


def test_required_variables() -> None:
    with pytest.raises(ConfigError, match="^SLACK_SIGNING_SECRET is not set"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}, require=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"))


def test_several_secret_keys_the_first_encrypts_all_decrypt() -> None:
    from storage.crypto import LoginSecret, SecretBox

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings = Settings.from_env({"SYNCBOT_SECRET_KEY": f" {new} , {old} "})
    assert settings.secret_key == f"{new},{old}"
    sealed_with_old = SecretBox(old).seal(LoginSecret(password="p", security_token="t"))
    both = SecretBox(settings.secret_key)
    assert both.open(sealed_with_old).password == "p"
    assert SecretBox(new).open(both.seal(LoginSecret(password="q", security_token="t"))).password == "q"
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"SYNCBOT_SECRET_KEY": f"{new},short"})
    assert str(caught.value) == "SYNCBOT_SECRET_KEY: key 2 of 2 is not a valid key; make one with `syncbot keygen`."
    assert "short" not in str(caught.value)

"""The Slack app manifest declares everything the bot uses."""

from __future__ import annotations

from pathlib import Path

import yaml

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"
SOCKET_MANIFEST = MANIFEST.with_name("manifest-socket.yml")


def test_manifest_declares_the_command_scopes_interactivity_home_and_socket_mode() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    features = manifest["features"]
    assert [command["command"] for command in features["slash_commands"]] == ["/sync"]
    assert features["slash_commands"][0]["url"].endswith("/slack/events")
    assert features["slash_commands"][0]["should_escape"] is True  # "#name" arrives as <#C…|name>
    assert features["app_home"]["home_tab_enabled"] is True
    # Alerts reach the admin by DM when the channel stops working: the Messages tab shows them.
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["app_home"]["messages_tab_read_only_enabled"] is True
    assert manifest["oauth_config"]["scopes"]["bot"] == [
        "commands", "chat:write", "users:read", "channels:read", "groups:read", "channels:join",
        "channels:history", "groups:history", "files:write", "im:write",
    ]
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    # manifest.yml is for `syncbot serve`; manifest-socket.yml for `syncbot socket`.
    assert settings["socket_mode_enabled"] is False
    assert settings["token_rotation_enabled"] is False
    assert settings["org_deploy_enabled"] is False


def test_the_socket_mode_manifest_is_the_same_app_without_urls() -> None:
    """Pasted as it is, it makes an app for `syncbot socket`: no URL to replace, nothing else different."""
    http = yaml.safe_load(MANIFEST.read_text())
    socket = yaml.safe_load(SOCKET_MANIFEST.read_text())
    assert "example.com" not in SOCKET_MANIFEST.read_text()
    assert socket["settings"]["socket_mode_enabled"] is True
    del http["features"]["slash_commands"][0]["url"]
    del http["settings"]["event_subscriptions"]["request_url"]
    del http["settings"]["interactivity"]["request_url"]
    http["settings"]["socket_mode_enabled"] = True
    assert socket == http
    # Each file says in its own comment which command it is for, and points to the other.
    assert "`syncbot socket`" in SOCKET_MANIFEST.read_text().splitlines()[0]
    assert "manifest-socket.yml" in MANIFEST.read_text() and "manifest.yml" in SOCKET_MANIFEST.read_text()

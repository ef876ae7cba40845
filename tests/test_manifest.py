"""The Slack app manifest declares everything the bot uses."""

from __future__ import annotations

from pathlib import Path

import yaml

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"


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
    # The manifest as shipped is for `syncbot serve`; the README says how to switch it.
    assert settings["socket_mode_enabled"] is False
    assert settings["token_rotation_enabled"] is False
    assert settings["org_deploy_enabled"] is False

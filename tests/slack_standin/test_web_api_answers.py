"""The Web API stand-in answers a real slack_sdk WebClient like Slack, and records each call."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack_standin import DEFAULT_BOT_TOKEN, SlackWebApiStandIn

MODAL = {
    "type": "modal",
    "callback_id": "sync_credentials",
    "private_metadata": "step-1",
    "title": {"type": "plain_text", "text": "Salesforce login"},
    "submit": {"type": "plain_text", "text": "Verify"},
    "blocks": [
        {
            "type": "input",
            "block_id": "username",
            "label": {"type": "plain_text", "text": "Username"},
            "element": {"type": "plain_text_input", "action_id": "username"},
        }
    ],
}


def test_auth_test_reports_the_bot_identity_bolt_reads(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    answer = client.auth_test()

    assert answer.data == {
        "ok": True,
        "url": "https://standin.slack.com/",
        "team": "Stand-in Workspace",
        "user": "syncbot",
        "team_id": "T0001",
        "user_id": "U0BOT",
        "bot_id": "B0001",
        "is_enterprise_install": False,
    }
    # Bolt takes the bot's scopes from this header of auth.test.
    assert "chat:write" in answer.headers["x-oauth-scopes"]
    [call] = web_api.calls("auth.test")
    assert call.token == DEFAULT_BOT_TOKEN
    assert call.ok


def test_users_info_answers_from_the_directory(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    web_api.add_user("U0ADMIN", name="ada", is_admin=True, email="ada@example.com")

    user = client.users_info(user="U0ADMIN")["user"]

    assert (user["id"], user["name"], user["team_id"]) == ("U0ADMIN", "ada", "T0001")
    assert (user["is_admin"], user["is_owner"], user["deleted"]) == (True, False, False)
    assert user["profile"]["email"] == "ada@example.com"
    assert web_api.calls("users.info")[0].args == {"user": "U0ADMIN"}


def test_users_info_for_an_unknown_user_is_user_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as failure:
        client.users_info(user="U0NOBODY")

    assert failure.value.response["error"] == "user_not_found"


def test_views_open_returns_the_view_with_an_id_and_records_it(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    view = client.views_open(trigger_id="12345.1.abc", view=MODAL)["view"]

    assert view["id"].startswith("V") and view["hash"]
    assert (view["callback_id"], view["private_metadata"]) == ("sync_credentials", "step-1")
    assert view["blocks"] == MODAL["blocks"]
    assert view["state"] == {"values": {}}
    call = web_api.calls("views.open")[0]
    assert call.args == {"trigger_id": "12345.1.abc", "view": MODAL}
    assert call.response["view"]["id"] == view["id"]


def test_views_update_keeps_the_id_and_unknown_ids_are_not_found(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    opened = client.views_open(trigger_id="t", view=MODAL)["view"]

    updated = client.views_update(view_id=opened["id"], view={**MODAL, "private_metadata": "step-2"})["view"]

    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert updated["private_metadata"] == "step-2"
    with pytest.raises(SlackApiError, match="not_found"):
        client.views_update(view_id="V9999", view=MODAL)


def test_views_publish_keeps_one_home_view_per_user(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}

    first = client.views_publish(user_id="U0001", view=home)["view"]
    second = client.views_publish(user_id="U0001", view=home)["view"]

    assert first["type"] == "home" and first["id"] == second["id"]
    assert web_api.calls("views.publish")[1].args == {"user_id": "U0001", "view": home}


def test_trigger_ids_from_the_stand_in_open_one_view_in_time() -> None:
    with SlackWebApiStandIn(trigger_id_ttl=0.05) as web_api:
        client = WebClient(token=DEFAULT_BOT_TOKEN, base_url=web_api.api_url)
        fresh = web_api.new_trigger_id()
        client.views_open(trigger_id=fresh, view=MODAL)
        with pytest.raises(SlackApiError, match="exchanged_trigger_id"):
            client.views_open(trigger_id=fresh, view=MODAL)

        stale = web_api.new_trigger_id()
        time.sleep(0.1)  # past the 0.05 s lifetime
        with pytest.raises(SlackApiError, match="expired_trigger_id"):
            client.views_open(trigger_id=stale, view=MODAL)


def test_chat_post_message_answers_with_channel_ts_and_message(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Failed*"}}]

    answer = client.chat_postMessage(channel="C0001", text="Sync failed", blocks=blocks)

    assert answer["channel"] == "C0001"
    assert answer["message"]["text"] == "Sync failed" and answer["message"]["blocks"] == blocks
    assert answer["message"]["bot_id"] == "B0001" and answer["message"]["ts"] == answer["ts"]
    later = client.chat_postMessage(channel="C0001", text="Recovered")
    assert float(later["ts"]) > float(answer["ts"])
    assert [c.args["text"] for c in web_api.calls("chat.postMessage")] == ["Sync failed", "Recovered"]


def test_chat_update_needs_a_posted_message(client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0001", text="v1")

    assert client.chat_update(channel="C0001", ts=posted["ts"], text="v2")["message"]["text"] == "v2"
    with pytest.raises(SlackApiError, match="message_not_found"):
        client.chat_update(channel="C0001", ts="1.000000", text="v2")


def test_post_ephemeral_and_conversations_info(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    web_api.add_channel("C0ALERTS", name="sync-alerts", is_private=True)

    assert client.chat_postEphemeral(channel="C0001", user="U0001", text="only you")["message_ts"]
    channel = client.conversations_info(channel="C0ALERTS")["channel"]
    assert (channel["name"], channel["is_private"]) == ("sync-alerts", True)
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.conversations_info(channel="C0MISSING")


def test_other_methods_answer_ok(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    assert client.reactions_add(channel="C0001", timestamp="1.0", name="tada")["ok"] is True
    assert web_api.calls("reactions.add")[0].args == {"channel": "C0001", "timestamp": "1.0", "name": "tada"}


def test_wrong_token_is_invalid_auth_and_no_token_is_not_authed(web_api: SlackWebApiStandIn) -> None:
    with pytest.raises(SlackApiError, match="invalid_auth"):
        WebClient(token="xoxb-someone-else", base_url=web_api.api_url).auth_test()
    with pytest.raises(SlackApiError, match="not_authed"):
        WebClient(base_url=web_api.api_url).auth_test()

    web_api.accept_token("xoxb-second-bot")
    assert WebClient(token="xoxb-second-bot", base_url=web_api.api_url).auth_test()["ok"]
    assert [c.token for c in web_api.calls()] == ["xoxb-someone-else", None, "xoxb-second-bot"]


def test_get_with_query_and_form_token_are_accepted(web_api: SlackWebApiStandIn) -> None:
    """Other clients send real GETs, or the token as a form field; Slack takes both."""
    web_api.add_user("U0002", name="bob")
    query = urllib.parse.urlencode({"user": "U0002", "token": DEFAULT_BOT_TOKEN})
    with urllib.request.urlopen(f"{web_api.api_url}users.info?{query}", timeout=5) as reply:
        assert json.load(reply)["user"]["name"] == "bob"
    form = urllib.parse.urlencode({"channel": "C0001", "text": "hi", "token": DEFAULT_BOT_TOKEN}).encode()
    with urllib.request.urlopen(f"{web_api.api_url}chat.postMessage", data=form, timeout=5) as reply:
        assert json.load(reply)["ok"] is True

    get_call, post_call = web_api.calls()
    assert (get_call.http_verb, get_call.args, get_call.token) == ("GET", {"user": "U0002"}, DEFAULT_BOT_TOKEN)
    assert (post_call.http_verb, post_call.args) == ("POST", {"channel": "C0001", "text": "hi"})


def test_form_encoded_views_are_decoded(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    """Form callers send ``view`` as a JSON string; records and answers hold the object."""
    client.api_call("views.open", params={"trigger_id": "t", "view": json.dumps(MODAL)})

    call = web_api.calls("views.open")[0]
    assert call.args["view"] == MODAL and call.response["view"]["callback_id"] == "sync_credentials"


def test_clear_forgets_calls(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    client.auth_test()
    web_api.clear()
    assert web_api.calls() == []

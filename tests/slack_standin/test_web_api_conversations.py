"""Channels, membership, message history and metadata, and the faults a poster must survive."""

from __future__ import annotations

from http.client import RemoteDisconnected

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack_standin import SlackWebApiStandIn


def _error(call: object) -> str:
    with pytest.raises(SlackApiError) as failure:
        call()  # type: ignore[operator]
    return str(failure.value.response["error"])


def test_conversations_list_pages_and_hides_private_channels_the_bot_is_not_in(
    web_api: SlackWebApiStandIn, client: WebClient
) -> None:
    for n in range(5):
        web_api.add_channel(f"C00PUB{n}", name=f"public-{n}", is_member=False)
    web_api.add_channel("C00PRIV", name="private-in", is_private=True)
    web_api.add_channel("C00SECRET", name="private-out", is_private=True, is_member=False)
    web_api.add_channel("C00OLD", name="old", is_archived=True)

    names: list[str] = []
    cursor = ""
    pages = 0
    while True:
        page = client.conversations_list(types="public_channel,private_channel", limit=3, cursor=cursor or None)
        names += [channel["name"] for channel in page["channels"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break

    assert pages == 3
    assert names == ["general", "public-0", "public-1", "public-2", "public-3", "public-4", "private-in", "old"]
    public = client.conversations_list(exclude_archived=True)["channels"]
    assert [channel["name"] for channel in public] == ["general"] + [f"public-{n}" for n in range(5)]


def test_join_info_and_posting_follow_membership_and_archiving(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    web_api.add_channel("C00OUT", name="outside", is_member=False)
    web_api.add_channel("C00SECRET", name="secret", is_private=True, is_member=False)
    web_api.add_channel("C00OLD", name="old", is_archived=True, is_member=False)

    assert _error(lambda: client.chat_postMessage(channel="C00OUT", text="x")) == "not_in_channel"
    assert client.conversations_join(channel="C00OUT")["channel"]["is_member"] is True
    assert client.chat_postMessage(channel="C00OUT", text="x")["ok"]
    assert client.conversations_join(channel="C00OUT")["warning"] == "already_in_channel"

    assert _error(lambda: client.conversations_info(channel="C00SECRET")) == "channel_not_found"
    assert _error(lambda: client.conversations_join(channel="C00SECRET")) == "channel_not_found"
    assert _error(lambda: client.conversations_join(channel="C00OLD")) == "is_archived"

    web_api.archive_channel("C00OUT")
    assert _error(lambda: client.chat_postMessage(channel="C00OUT", text="x")) == "is_archived"
    web_api.delete_channel("C00OUT")
    assert _error(lambda: client.chat_postMessage(channel="C00OUT", text="x")) == "channel_not_found"
    assert _error(lambda: client.conversations_info(channel="C00OUT")) == "channel_not_found"
    assert _error(lambda: client.chat_postMessage(channel="#no-such-channel", text="x")) == "channel_not_found"

    web_api.remove_bot_from_channel("C0001")
    assert _error(lambda: client.chat_postMessage(channel="C0001", text="x")) == "not_in_channel"


def test_history_is_newest_first_and_carries_metadata_only_when_asked(
    web_api: SlackWebApiStandIn, client: WebClient
) -> None:
    metadata = {"event_type": "syncbot_alert", "event_payload": {"key": "k1"}}
    first = client.chat_postMessage(channel="C0001", text="first", metadata=metadata)
    client.chat_postMessage(channel="C0001", text="reply", thread_ts=first["ts"])
    client.chat_postMessage(channel="C0001", text="second")

    plain = client.conversations_history(channel="C0001")["messages"]
    assert [message["text"] for message in plain] == ["second", "first"]
    assert "metadata" not in plain[1]
    rich = client.conversations_history(channel="C0001", include_all_metadata=True)["messages"]
    assert rich[1]["metadata"] == metadata
    newer = client.conversations_history(channel="C0001", oldest=first["ts"])["messages"]
    assert [message["text"] for message in newer] == ["second"]
    thread = client.conversations_replies(channel="C0001", ts=first["ts"])["messages"]
    assert [message["text"] for message in thread] == ["first", "reply"]
    assert [message["text"] for message in web_api.messages("C0001")] == ["first", "reply", "second"]

    web_api.add_channel("C00OUT", name="outside", is_member=False)
    assert _error(lambda: client.conversations_history(channel="C00OUT")) == "not_in_channel"


def test_a_user_id_posts_to_the_users_dm(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    web_api.add_user("U0ADA", name="ada")
    assert client.chat_postMessage(channel="U0ADA", text="psst")["channel"] == "D0ADA"
    assert client.conversations_open(users="U0ADA")["channel"]["id"] == "D0ADA"
    assert [message["text"] for message in web_api.messages("D0ADA")] == ["psst"]


def test_server_errors_and_lost_answers(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    web_api.server_error("chat.postMessage", 503)
    with pytest.raises(SlackApiError) as failure:
        client.chat_postMessage(channel="C0001", text="during the outage")
    assert failure.value.response.status_code == 503
    assert web_api.messages("C0001") == []

    web_api.server_error("chat.postMessage", 500, processed=True)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0001", text="posted all the same")
    assert [message["text"] for message in web_api.messages("C0001")] == ["posted all the same"]

    no_retry = WebClient(token=web_api.token, base_url=web_api.api_url, retry_handlers=[])
    web_api.hang_up("chat.postMessage")
    with pytest.raises(RemoteDisconnected):
        no_retry.chat_postMessage(channel="C0001", text="answer lost")
    assert [message["text"] for message in web_api.messages("C0001")][-1] == "answer lost"
    assert client.chat_postMessage(channel="C0001", text="fine again")["ok"]

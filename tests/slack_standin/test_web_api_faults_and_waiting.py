"""Fault switches, response_url recording, and waiting for asynchronous calls."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.slack_standin import DEFAULT_BOT_TOKEN, SlackWebApiStandIn


def test_fail_method_answers_the_error_the_given_number_of_times(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    web_api.fail_method("chat.postMessage", "channel_not_found", times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError) as failure:
            client.chat_postMessage(channel="C0GONE", text="alert")
        assert failure.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C0GONE", text="alert")["ok"]

    assert [call.ok for call in web_api.calls("chat.postMessage")] == [False, False, True]


def test_fail_method_until_cleared(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    web_api.fail_method("users.info", "ratelimited", times=None)
    for _ in range(3):
        with pytest.raises(SlackApiError, match="ratelimited"):
            client.users_info(user="U0BOT")

    web_api.clear_faults()
    assert client.users_info(user="U0BOT")["user"]["is_bot"] is True


def test_rate_limit_answers_429_with_retry_after(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    web_api.rate_limit("chat.postMessage", times=1, retry_after=7)

    with pytest.raises(SlackApiError) as failure:
        client.chat_postMessage(channel="C0001", text="x")  # no retry handler: the 429 surfaces

    assert failure.value.response.status_code == 429
    assert failure.value.response.headers["Retry-After"] == "7"
    assert failure.value.response["error"] == "ratelimited"


def test_rate_limit_is_honoured_by_a_retrying_client(web_api: SlackWebApiStandIn) -> None:
    client = WebClient(
        token=DEFAULT_BOT_TOKEN, base_url=web_api.api_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )
    web_api.rate_limit("chat.postMessage", times=1, retry_after=1)

    started = time.monotonic()
    answer = client.chat_postMessage(channel="C0001", text="after the wait")

    assert answer["ok"] and time.monotonic() - started >= 1.0
    assert [call.status for call in web_api.calls("chat.postMessage")] == [429, 200]


def test_response_url_posts_are_recorded(web_api: SlackWebApiStandIn) -> None:
    url = web_api.new_response_url()
    assert url.startswith(web_api.base_url + "/response/")

    reply = WebhookClient(url).send(text="Sync started", response_type="ephemeral", replace_original=True)

    assert reply.status_code == 200 and reply.body == "ok"
    [post] = web_api.responses()
    assert post.url_id == url.rsplit("/", 1)[1]
    assert post.body == {"text": "Sync started", "response_type": "ephemeral", "replace_original": True}
    assert post.text == "Sync started"
    assert web_api.responses("R-other") == []


def test_response_url_refuses_a_body_that_is_not_json(web_api: SlackWebApiStandIn) -> None:
    reply = requests.post(web_api.new_response_url(), data=b"text=hi", timeout=5)

    assert (reply.status_code, reply.text) == (400, "invalid_payload")
    assert web_api.responses() == []


def test_wait_for_returns_a_call_made_later_from_another_thread(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    threading.Timer(0.1, lambda: client.chat_postMessage(channel="C0001", text="late")).start()

    call = web_api.wait_for("chat.postMessage", lambda c: c.args.get("text") == "late", timeout=5)

    assert call.args["channel"] == "C0001"


def test_wait_for_times_out_listing_what_was_recorded(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    client.auth_test()
    client.chat_postMessage(channel="C0001", text="hello")

    started = time.monotonic()
    with pytest.raises(AssertionError) as failure:
        web_api.wait_for("views.open", timeout=0.2)

    assert 0.2 <= time.monotonic() - started < 2
    message = str(failure.value)
    assert "no 'views.open' call within 0.2 s" in message
    assert "auth.test() -> ok" in message and "chat.postMessage(channel='C0001', text='hello') -> ok" in message


def test_wait_for_response_times_out_with_the_posts_seen(web_api: SlackWebApiStandIn) -> None:
    WebhookClient(web_api.new_response_url()).send(text="first")

    with pytest.raises(AssertionError, match=r"(?s)response_url post matching the predicate.*'text': 'first'"):
        web_api.wait_for_response(lambda post: post.text == "second", timeout=0.1)


def test_unknown_paths_are_404_and_stop_is_idempotent() -> None:
    web_api = SlackWebApiStandIn().start()
    assert requests.get(web_api.base_url + "/elsewhere", timeout=5).status_code == 404
    web_api.stop()
    web_api.stop()
    with pytest.raises(RuntimeError, match="not running"):
        web_api.api_url


def test_calls_refused_for_their_token_do_not_use_up_a_fault(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    web_api.fail_method("chat.postMessage", "is_archived")

    with pytest.raises(SlackApiError, match="invalid_auth"):
        WebClient(token="xoxb-wrong", base_url=web_api.api_url).chat_postMessage(channel="C0001", text="x")
    with pytest.raises(SlackApiError, match="is_archived"):
        client.chat_postMessage(channel="C0001", text="x")

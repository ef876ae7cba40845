"""The credentials modal is answered within Slack's 3 seconds however slow Salesforce is,
and what the user sees always matches what is stored."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from bot.simulator import DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME, SalesforceSimulator
from bot.setup.credentials import CredentialsForm
from handlers.credentials_modal import submission_values
from bot.slack_standin import SlackWebApiStandIn
from tests.support.harness import ADMIN, RunningBot, running_bot, settings_env

SLACK_DEADLINE = 3.0


@pytest.fixture
def bot_sf(slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, sqlite_url: str,
           secret_key: str) -> Iterator[RunningBot]:
    """Timing does not depend on the database: SQLite only, to keep these slow tests few."""
    env = settings_env(slack=slack, database_url=sqlite_url, salesforce_url=salesforce.url, secret_key=secret_key)
    with running_bot(env, slack=slack, salesforce=salesforce) as running:
        yield running


def _stored(bot: RunningBot) -> int:
    with bot.services.db.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM salesforce_credentials")).scalar_one())


def _open(bot: RunningBot) -> dict[str, Any]:
    bot.slack.clear()
    bot.command("credentials", user_id=ADMIN)
    return bot.slack.wait_for("views.open").response["view"]


def _submit(bot: RunningBot, opened: dict[str, Any], *, password: str = DEFAULT_PASSWORD) -> tuple[dict[str, Any], float]:
    values = submission_values(CredentialsForm(username=DEFAULT_USERNAME, password=password,
                                               security_token=DEFAULT_SECURITY_TOKEN))
    started = time.perf_counter()
    response = bot.sender.view_submission("sync_credentials", values, opened_view=opened, user_id=ADMIN)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    return (response.json() if response.content else {}), elapsed


def _texts(view: dict[str, Any]) -> str:
    parts = []
    for block in view["blocks"]:
        if block.get("text"):
            parts.append(block["text"]["text"])
        parts.extend(element.get("text", "") for element in block.get("elements", []))
    return "\n".join(parts)


def _input_ids(view: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["block_id"], b["element"]["action_id"]) for b in view["blocks"] if b["type"] == "input"]


def test_a_slow_good_login_says_checking_then_connected(bot_sf: RunningBot, salesforce: SalesforceSimulator) -> None:
    opened = _open(bot_sf)
    salesforce.latency = 1.5  # login and org lookup: 3 s, past Slack's deadline on their own
    answer, elapsed = _submit(bot_sf, opened)
    assert elapsed < SLACK_DEADLINE - 0.4
    assert answer["response_action"] == "update"
    checking = answer["view"]
    assert "Checking with Salesforce…" in _texts(checking)
    # The same inputs with the same ids: Slack keeps what was typed in them.
    assert _input_ids(checking) == _input_ids(opened)
    update = bot_sf.slack.wait_for("views.update", timeout=10)
    assert update.args["view_id"] == opened["id"]
    assert "Acme Corp" in _texts(update.args["view"])
    assert _stored(bot_sf) == 1
    post = bot_sf.slack.wait_for_response(lambda p: p.text.startswith("Logged in"), timeout=5)
    assert "org *Acme Corp*" in post.text


def test_a_slow_refused_login_shows_the_error_on_its_field(
    bot_sf: RunningBot, salesforce: SalesforceSimulator
) -> None:
    opened = _open(bot_sf)
    salesforce.latency = 2.5
    answer, elapsed = _submit(bot_sf, opened, password="Wrong-" + DEFAULT_PASSWORD)
    assert elapsed < SLACK_DEADLINE - 0.4
    assert "Checking with Salesforce…" in _texts(answer["view"])
    update = bot_sf.slack.wait_for("views.update", timeout=10)
    view = update.args["view"]
    assert view["callback_id"] == "sync_credentials"
    assert _input_ids(view) == _input_ids(opened)
    ids = [block.get("block_id") for block in view["blocks"]]
    after_password = view["blocks"][ids.index("password") + 1]
    assert after_password["type"] == "context"
    assert "did not accept this username, password and security token" in after_password["elements"][0]["text"]
    assert "Checking with Salesforce" not in _texts(view)
    username = next(b for b in view["blocks"] if b.get("block_id") == "username")
    assert username["element"]["initial_value"] == DEFAULT_USERNAME
    assert DEFAULT_PASSWORD not in repr(view) and DEFAULT_SECURITY_TOKEN not in repr(view)
    assert _stored(bot_sf) == 0
    assert bot_sf.ask("status").splitlines()[0] == "Not started"
    # Corrected and submitted again, it goes through.
    salesforce.latency = 0
    answer, _ = _submit(bot_sf, opened)
    assert answer["response_action"] == "update" and "Acme Corp" in _texts(answer["view"])
    assert _stored(bot_sf) == 1


def test_a_second_submit_while_checking_is_told_to_wait(bot_sf: RunningBot, salesforce: SalesforceSimulator) -> None:
    opened = _open(bot_sf)
    salesforce.latency = 1.5
    _submit(bot_sf, opened)
    again, _ = _submit(bot_sf, opened)
    assert again == {"response_action": "errors",
                     "errors": {"username": "Still checking the last submission with Salesforce; wait for its result."}}
    bot_sf.slack.wait_for("views.update", timeout=10)
    assert _stored(bot_sf) == 1


def test_a_modal_closed_before_the_verdict_leaves_it_in_the_channel(
    bot_sf: RunningBot, salesforce: SalesforceSimulator
) -> None:
    opened = _open(bot_sf)
    bot_sf.slack.fail_method("views.update", error="not_found")
    salesforce.latency = 2.5
    _submit(bot_sf, opened, password="Wrong-" + DEFAULT_PASSWORD)
    post = bot_sf.slack.wait_for_response(timeout=10)
    assert post.text.startswith("The Salesforce login you submitted was not saved: Salesforce did not accept")
    assert post.text.endswith("Run `/sync credentials` to try again.")
    assert _stored(bot_sf) == 0


@pytest.mark.parametrize("latency", [0.9, 1.05])
def test_near_the_deadline_what_is_shown_is_what_is_stored(
    bot_sf: RunningBot, salesforce: SalesforceSimulator, latency: float
) -> None:
    opened = _open(bot_sf)
    salesforce.latency = latency  # two requests: the verdict lands right around the wait's end
    answer, elapsed = _submit(bot_sf, opened)
    assert elapsed < SLACK_DEADLINE - 0.4
    assert answer["response_action"] == "update"
    if "Checking with Salesforce…" in _texts(answer["view"]):
        shown = bot_sf.slack.wait_for("views.update", timeout=10).args["view"]
    else:
        shown = answer["view"]
        time.sleep(0.5)
        assert bot_sf.slack.calls("views.update") == []
    assert "Acme Corp" in _texts(shown)
    assert _stored(bot_sf) == 1

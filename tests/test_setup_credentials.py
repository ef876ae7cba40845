"""Step 1 in depth: every login fault, the sandbox host, the org binding, and secrets
that never show up in the database file, the logs or Slack."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot.logs import configure_logging
from bot.messages import MSG
from bot.simulator import DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, SalesforceSimulator
from bot.slack_standin import SlackWebApiStandIn
from tests.support.harness import RunningBot, running_bot, settings_env


def _stored_logins(bot: RunningBot) -> int:
    with bot.services.db.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM salesforce_credentials")).scalar_one())


@pytest.mark.parametrize(
    ("change", "block", "words"),
    [
        ({"password": "wrong-password"}, "password", "did not accept this username, password and security token"),
        ({"security_token": "WRONGTOKEN"}, "password", "use the newest security token"),
        ({"username": "nobody@acme.example"}, "password", "did not accept"),
        ({"security_token": ""}, "security_token", "This login needs the security token"),
    ],
)
def test_bad_logins_keep_the_modal_open_and_store_nothing(
    sf_bot: RunningBot, change: dict[str, str], block: str, words: str
) -> None:
    answer = sf_bot.submit_credentials(**change)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [block]
    assert words in answer["errors"][block]
    assert _stored_logins(sf_bot) == 0
    assert sf_bot.ask("status").splitlines()[0] == "Not started"
    assert "`/sync credentials`" in sf_bot.ask("status")


@pytest.mark.parametrize(
    ("fault", "block", "words"),
    [
        ("INVALID_OPERATION_WITH_EXPIRED_PASSWORD", "password", "password has expired"),
        ("API_DISABLED_FOR_ORG", "username", "API access is disabled"),
        ("LOGIN_MUST_USE_SECURITY_TOKEN", "security_token", "needs the security token"),
        ("PASSWORD_LOCKOUT", "password", "Salesforce has locked this user out after too many failed logins"),
        ("INACTIVE_OWNER_OR_USER", "username", "This user is inactive (or frozen) in Salesforce"),
        ("API_CURRENTLY_DISABLED", "username", "API access is disabled"),
        ("ORG_LOCKED", "username", "Salesforce has locked this org"),
        ("INSUFFICIENT_ACCESS", "username", "The sync user may not log in through the API"),
        ("REQUEST_LIMIT_EXCEEDED", "username", "has used up its daily API requests"),
        ("LOGIN_RATE_EXCEEDED", "username", "at most 3,600 logins an hour"),
        ("FUNCTIONALITY_NOT_ENABLED", "username", "Salesforce is unavailable"),
        ("SERVER_UNAVAILABLE", "username", "Salesforce is unavailable"),
    ],
)
def test_each_salesforce_login_fault_is_explained(
    sf_bot: RunningBot, salesforce: SalesforceSimulator, fault: str, block: str, words: str
) -> None:
    salesforce.set_login_fault("sync@acme.example", fault)
    answer = sf_bot.submit_credentials()
    assert answer == {"response_action": "errors", "errors": {block: answer["errors"][block]}}
    assert words in answer["errors"][block]
    assert _stored_logins(sf_bot) == 0


def test_form_mistakes_are_caught_before_salesforce(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    salesforce.request_log.clear()
    answer = sf_bot.submit_credentials(username="not an email")
    assert answer["errors"] == {"username": "Enter the Salesforce username, which looks like an email address."}
    assert salesforce.request_log.count() == 0


def test_salesforce_down_during_login(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    salesforce.fail_next_requests(1, scope="login", status=503)
    answer = sf_bot.submit_credentials()
    assert answer["response_action"] == "errors"
    assert "Try again" in answer["errors"]["username"]
    assert _stored_logins(sf_bot) == 0


def test_a_salesforce_incident_says_try_later_not_wrong_password(sf_bot: RunningBot,
                                                               salesforce: SalesforceSimulator) -> None:
    salesforce.fail_next_logins(1)  # HTTP 500, UNKNOWN_EXCEPTION, as during Salesforce's incidents
    answer = sf_bot.submit_credentials()
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["username"]
    message = answer["errors"]["username"]
    assert message.startswith("Salesforce is unavailable: it answered the login with UNKNOWN_EXCEPTION (An "
                              "unexpected error occurred. Please include this ErrorId if you contact support: ")
    assert message.endswith("the login itself was not refused. Try again in a few minutes.")
    assert "password" not in message and "token" not in message
    assert _stored_logins(sf_bot) == 0
    # Once the incident is over, the same values log in.
    assert sf_bot.submit_credentials()["response_action"] == "update"


def test_sandbox_logs_in_at_test_salesforce_com(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    sandbox = salesforce.add_org("Acme UAT", username="sync@acme.example.uat", is_sandbox=True)
    salesforce.request_log.clear()
    refused = sf_bot.submit_credentials(username="sync@acme.example.uat")
    assert refused["errors"]["password"].endswith("(For a sandbox org, tick Sandbox.)")
    login = salesforce.request_log.entries(lambda entry: "/Soap/" in entry.path)[-1]
    assert login.forwarded_host == "login.salesforce.com"

    answer = sf_bot.submit_credentials(username="sync@acme.example.uat", sandbox=True)
    assert answer["response_action"] == "update"
    login = salesforce.request_log.entries(lambda entry: "/Soap/" in entry.path)[-1]
    assert login.forwarded_host == "test.salesforce.com"
    assert f"org *Acme UAT* (`{sandbox.org_id}`), a sandbox." in sf_bot.slack.responses()[-1].text
    assert "a sandbox, as sync@acme.example.uat" in sf_bot.ask("status")


def test_new_credentials_must_belong_to_the_bound_org(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    other = salesforce.add_org("Globex", username="sync@globex.example")
    sf_bot.submit_credentials()
    sf_bot.reply("sync-fields yes")
    sf_bot.reply("confirm-credentials yes")
    answer = sf_bot.submit_credentials(username="sync@globex.example")
    assert answer["response_action"] == "errors"
    message = answer["errors"]["username"]
    assert salesforce.org.org_id in message and other.org_id in message
    status = sf_bot.ask("status")
    assert "Acme Corp" in status and "Globex" not in status
    # The same org's user may still change its password and token.
    assert sf_bot.submit_credentials()["response_action"] == "update"


def test_before_the_tables_another_org_may_replace_the_first(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    other = salesforce.add_org("Globex", username="sync@globex.example")
    sf_bot.submit_credentials()
    assert sf_bot.submit_credentials(username="sync@globex.example")["response_action"] == "update"
    assert "Globex" in sf_bot.ask("status")
    # Once the tables are built from Globex's fields, the credentials must stay with Globex.
    sf_bot.reply("sync-fields yes")
    answer = sf_bot.submit_credentials()
    assert answer["response_action"] == "errors"
    assert answer["errors"]["username"].startswith(
        f"The tables were created from the fields of the Salesforce org {other.org_id};"
    )
    assert "Globex" in sf_bot.ask("status")


def test_stored_credentials_that_stop_working_say_what_to_do(
    sf_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    sf_bot.submit_credentials()
    salesforce.find_user("sync@acme.example")[1].password = "changed-in-salesforce"
    answer = sf_bot.reply("fields")
    assert answer.startswith("Salesforce refused the stored login: INVALID_LOGIN (")
    assert answer.endswith(MSG.failure_advice["login"])


def test_salesforce_errors_during_describe_change_nothing(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    sf_bot.submit_credentials()
    salesforce.fail_next_requests(50, status=503)
    assert sf_bot.reply("fields").startswith("Salesforce answered with a server error (HTTP 503)")
    salesforce.clear_faults()
    salesforce.set_request_limit_exceeded(True)
    assert "used up its daily API requests" in sf_bot.reply("fields")
    salesforce.set_request_limit_exceeded(False)
    assert "*Lead* → `sf_lead`" in sf_bot.reply("fields")


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Everything every logger writes, at DEBUG, set up as the product sets logging up."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    root = logging.getLogger()
    saved = (root.level, {name: logging.getLogger(name).level for name in ("slack_bolt", "slack_sdk", "urllib3")})
    configure_logging("DEBUG", handler=handler)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


def test_secrets_never_reach_the_database_file_the_logs_or_slack(
    slack: SlackWebApiStandIn, salesforce: SalesforceSimulator, tmp_path: Path, secret_key: str,
    captured_logs: io.StringIO,
) -> None:
    database = tmp_path / "syncbot.db"
    env = settings_env(slack=slack, database_url=f"sqlite:///{database}", salesforce_url=salesforce.url,
                       secret_key=secret_key)
    with running_bot(env, slack=slack, salesforce=salesforce) as bot:
        bad = bot.submit_credentials(password="Wrong-" + DEFAULT_PASSWORD)
        assert bad["response_action"] == "errors"
        assert bot.submit_credentials()["response_action"] == "update"
        bot.reply("fields")
        bot.reply("sync-fields yes")
        bot.reply("confirm-credentials yes")
        bot.reply("start yes")
        assert "Sync in Progress" in bot.ask("status")
        assert _stored_logins(bot) == 1  # stored, encrypted: the search below is not vacuous
        slack_traffic = repr([call.args for call in slack.calls()]) + repr([post.body for post in slack.responses()])
    logs = captured_logs.getvalue()
    assert "sync@acme.example" in logs or "T0001" in logs  # the capture did see the bot at work
    # The database, its journals and its lock files (in the folder beside it).
    files = [path for path in tmp_path.rglob("*") if path.is_file() and "syncbot.db" in str(path)]
    assert files
    for secret in (DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, "Wrong-" + DEFAULT_PASSWORD):
        for path in files:
            assert secret.encode() not in path.read_bytes(), path.name
        assert secret not in logs
        assert secret not in slack_traffic


def test_a_refused_login_again_mid_session_is_a_login_failure(salesforce: SalesforceSimulator) -> None:
    from bot.errors import LoginFailed
    from bot.salesforce.gateway import SalesforceGateway

    connection = SalesforceGateway(salesforce_url=salesforce.url).login(
        username="sync@acme.example", password=DEFAULT_PASSWORD, security_token=DEFAULT_SECURITY_TOKEN,
        sandbox=False,
    )
    salesforce.find_user("sync@acme.example")[1].password = "rotated"
    salesforce.expire_sessions()
    with pytest.raises(LoginFailed) as caught:
        connection.describe(["Lead"])
    assert caught.value.code == "INVALID_LOGIN"
    assert "did not accept" in str(caught.value)


def test_another_orgs_credentials_before_the_tables_describe_that_org(
    sf_bot: RunningBot, salesforce: SalesforceSimulator
) -> None:
    other = salesforce.add_org("Globex", username="sync@globex.example")
    other.add_custom_field("Lead", "Globex_Only", "string", label="Globex only")
    sf_bot.submit_credentials()
    sf_bot.reply("hide Lead.Phone")
    assert "Globex_Only__c" not in sf_bot.reply("fields Lead")
    sf_bot.submit_credentials(username="sync@globex.example")
    # The catalog described Acme's fields; Globex's credentials must not build tables from it.
    assert "`Globex_Only__c` Globex only (string)" in sf_bot.reply("fields Lead")
    assert sf_bot.reply("sync-fields yes").startswith("Created 8 tables:")
    with sf_bot.services.db.engine.connect() as conn:
        columns = {col["name"] for col in inspect(conn).get_columns("sf_lead")}
    assert "globex_only__c" in columns
    # The hide choice was made for Acme's fields; a new org starts from its own.
    assert "phone" in columns

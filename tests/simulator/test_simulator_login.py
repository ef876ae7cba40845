"""SOAP login through the real simple-salesforce client."""

from __future__ import annotations

import logging
from html import escape
from typing import Callable

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceAuthenticationFailed

from bot.simulator import (DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_USERNAME, LOGIN_FAULTS,
                           SalesforceSimulator, SimulatedOrg)
from bot.simulator.login_faults import FAULT_MESSAGES

Login = Callable[..., Salesforce]  # the ``login`` fixture


def test_login_gives_session_and_instance(sim: SalesforceSimulator, sf: Salesforce) -> None:
    assert sf.sf_instance == "acme.my.salesforce.com"
    assert sf.session_id.startswith(sim.org.org_id[:15] + "!")
    assert sf.base_url == "https://acme.my.salesforce.com/services/data/v59.0/"
    login = sim.request_log.entries(lambda entry: entry.kind == "login")[-1]
    assert login.forwarded_host == "login.salesforce.com"
    assert login.path == "/services/Soap/u/59.0"


def test_instance_keeps_host_and_port(sim: SalesforceSimulator, login: Login) -> None:
    org = sim.add_org("Portco", username="sync@portco.example", instance_host="portco.my.salesforce.com:8443")
    sf = login(username="sync@portco.example")
    assert sf.sf_instance == "portco.my.salesforce.com:8443"
    assert sf.query("SELECT Id, Name FROM Organization")["records"][0]["Id"] == org.org_id


def _login_envelope(username: str, password: str) -> str:
    # What simple-salesforce posts (password and token already concatenated).
    return f"""<?xml version="1.0" encoding="utf-8" ?>
<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>
<n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>{username}</n1:username>
<n1:password>{password}</n1:password></n1:login></env:Body></env:Envelope>"""


def test_login_answer_carries_user_info(sim: SalesforceSimulator, session: requests.Session) -> None:
    body = _login_envelope(DEFAULT_USERNAME, DEFAULT_PASSWORD + DEFAULT_SECURITY_TOKEN)
    answer = session.post("https://login.salesforce.com/services/Soap/u/59.0", body,
                          headers={"content-type": "text/xml", "SOAPAction": "login"})
    assert answer.status_code == 200
    text = answer.text
    assert f"<organizationId>{sim.org.org_id}</organizationId>" in text
    assert f"<userName>{DEFAULT_USERNAME}</userName>" in text
    assert f"<userId>{sim.org.user(DEFAULT_USERNAME).user_id}</userId>" in text
    assert "<serverUrl>https://acme.my.salesforce.com/services/Soap/u/59.0/" in text


def test_direct_login_without_forwarded_host(sim: SalesforceSimulator) -> None:
    body = _login_envelope(DEFAULT_USERNAME, DEFAULT_PASSWORD + DEFAULT_SECURITY_TOKEN)
    with requests.Session() as direct:
        direct.trust_env = False  # no proxy from the environment between us and localhost
        answer = direct.post(sim.url + "/services/Soap/u/59.0", body, headers={"content-type": "text/xml"})
    assert answer.status_code == 200 and "<sessionId>" in answer.text


@pytest.mark.parametrize(
    ("username", "password", "token"),
    [
        (DEFAULT_USERNAME, "wrong-password", DEFAULT_SECURITY_TOKEN),
        (DEFAULT_USERNAME, DEFAULT_PASSWORD, "WRONGTOKEN"),
        ("nobody@acme.example", DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN),
    ],
)
def test_bad_credentials_are_invalid_login(login: Login, username: str, password: str, token: str) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        login(username=username, password=password, security_token=token)
    assert failure.value.code == "INVALID_LOGIN"
    assert failure.value.auth_message == "Invalid username, password, security token; or user locked out."


def test_missing_token_must_use_security_token(login: Login) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        login(security_token="")
    assert failure.value.code == "LOGIN_MUST_USE_SECURITY_TOKEN"
    assert "Reset My Security Token" in failure.value.auth_message


def test_token_optional_from_trusted_network(sim: SalesforceSimulator, login: Login) -> None:
    sim.org.user(DEFAULT_USERNAME).token_required = False
    assert login(security_token="").session_id


@pytest.mark.parametrize("code", sorted(LOGIN_FAULTS - {"UNKNOWN_EXCEPTION"}))
def test_per_user_login_fault_switches(sim: SalesforceSimulator, login: Login, code: str) -> None:
    sim.set_login_fault(DEFAULT_USERNAME, code)
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        login()
    assert failure.value.code == code
    assert failure.value.auth_message == FAULT_MESSAGES[code]
    sim.set_login_fault(DEFAULT_USERNAME, None)
    assert login().session_id


def test_an_incident_answers_logins_with_unknown_exception_and_its_error_id(
    sim: SalesforceSimulator, login: Login, session: requests.Session,
) -> None:
    sim.fail_next_logins(2)
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        login(password="wrong-password")  # an incident answers before any password is checked
    assert failure.value.code == "UNKNOWN_EXCEPTION"
    message = failure.value.auth_message
    assert message.startswith("An unexpected error occurred. Please include this ErrorId if you contact support: ")
    body = _login_envelope(DEFAULT_USERNAME, DEFAULT_PASSWORD + DEFAULT_SECURITY_TOKEN)
    answer = session.post("https://login.salesforce.com/services/Soap/u/59.0", body,
                          headers={"content-type": "text/xml", "SOAPAction": "login"})
    assert answer.status_code == 500
    assert "<faultcode>sf:UNKNOWN_EXCEPTION</faultcode>" in answer.text
    assert '<sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault">' in answer.text
    # Each internal error has an ErrorId of its own.
    assert message not in answer.text
    assert login().session_id


@pytest.mark.parametrize("status", [502, 503, 504])
def test_an_outage_page_is_html_and_the_client_reports_its_status(sim: SalesforceSimulator, login: Login,
                                                                   status: int) -> None:
    sim.fail_next_logins(code=None, status=status)
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        login()
    # Not XML: simple-salesforce gives the HTTP status as the code and the page as the message.
    assert failure.value.code == status
    assert failure.value.auth_message.startswith("<!DOCTYPE html>")
    assert login().session_id


def test_a_500_injected_into_a_login_is_a_soap_fault_not_a_json_list(sim: SalesforceSimulator,
                                                                    login: Login) -> None:
    sim.fail_next_requests(status=500, error_code="SERVER_UNAVAILABLE", message="Try later", scope="login")
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        login()
    assert (failure.value.code, failure.value.auth_message) == ("SERVER_UNAVAILABLE", "Try later")


def test_unknown_login_fault_is_refused(sim: SalesforceSimulator) -> None:
    with pytest.raises(ValueError):
        sim.set_login_fault(DEFAULT_USERNAME, "NOT_A_FAULT")


def test_production_org_refuses_the_sandbox_login_server(login: Login) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        login(domain="test")
    assert failure.value.code == "INVALID_LOGIN"


def test_sandbox_logs_in_at_test_only(sim: SalesforceSimulator, login: Login) -> None:
    sandbox = sim.add_org("Acme Corp", username="sync@acme.example.uat", is_sandbox=True, size=3)
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        login(username="sync@acme.example.uat", domain="login")
    assert failure.value.code == "INVALID_LOGIN"
    sf = login(username="sync@acme.example.uat", domain="test")
    assert sf.sf_instance == sandbox.instance_host == "acme--uat.sandbox.my.salesforce.com"
    assert sf.is_sandbox() is True
    organization = sf.query("SELECT Id, Name, IsSandbox FROM Organization")["records"][0]
    summary = (organization["Id"], organization["Name"], organization["IsSandbox"])
    assert summary == (sandbox.org_id, "Acme Corp", True)
    assert sim.org.org_id != sandbox.org_id


def test_each_session_sees_its_own_org(sim: SalesforceSimulator, login: Login) -> None:
    other = sim.add_org("Globex", username="sync@globex.example", size=2)
    acme, globex = login(), login(username="sync@globex.example")
    assert acme.query("SELECT Id FROM Organization")["records"][0]["Id"] == sim.org.org_id
    assert globex.query("SELECT Id FROM Organization")["records"][0]["Id"] == other.org_id
    assert globex.query("SELECT COUNT() FROM Account")["totalSize"] == 2


def test_password_and_token_with_xml_characters(sim: SalesforceSimulator, login: Login) -> None:
    # The client escapes the password but sends the token raw: both must still match.
    sim.org.add_user("odd@acme.example", "p<&>\"'ss", "t&k<en")
    assert login(username="odd@acme.example", password="p<&>\"'ss", security_token="t&k<en").session_id
    with pytest.raises(SalesforceAuthenticationFailed):
        login(username="odd@acme.example", password=escape("p<&>\"'ss"), security_token="t&k<en")


def test_no_secret_is_logged(
    sim: SalesforceSimulator, login: Login, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    sf = login()
    with pytest.raises(SalesforceAuthenticationFailed):
        login(password="Secret-Wrong-1")
    sf.query("SELECT Id FROM Lead LIMIT 1")
    logged = repr(sim.request_log.entries()) + caplog.text
    for secret in (DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, "Secret-Wrong-1", sf.session_id):
        assert secret not in logged
    assert repr(sim.org.user(DEFAULT_USERNAME)).count(DEFAULT_PASSWORD) == 0


def test_second_org_needs_its_own_number() -> None:
    with pytest.raises(ValueError):
        SalesforceSimulator([SimulatedOrg("A"), SimulatedOrg("B")])

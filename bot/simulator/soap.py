"""The SOAP ``login`` call (``POST /services/Soap/u/<version>``) of the partner API.

simple-salesforce builds the envelope by hand: it XML-escapes the username and the
password but appends the security token *unescaped*, so the body is not always
well-formed XML. The fields are therefore pulled out with regular expressions, not
an XML parser, and the password is compared both ways (whole text unescaped, and
escaped password part + raw token). Passwords and tokens are never logged.
"""

from __future__ import annotations

import hmac
import re
from html import escape

from .faults import FaultSwitches, InjectedFailure
from .login_faults import fault_message, fault_type, outage_page
from .org import SimulatedOrg, SimulatedUser
from .registry import OrgRegistry
from .sessions import SessionStore
from .wire import Request, Response

PRODUCTION_LOGIN_HOST = "login.salesforce.com"
SANDBOX_LOGIN_HOST = "test.salesforce.com"
SESSION_SECONDS_VALID = 7200

_XML_ENTITY_RE = re.compile(r"&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);")
_NAMED_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ENVELOPE_OPEN = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
                  'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ')
XML_CONTENT_TYPE = "text/xml;charset=UTF-8"


class LoginService:
    """Answers SOAP logins for the orgs of a registry."""

    def __init__(self, orgs: OrgRegistry, sessions: SessionStore, faults: FaultSwitches) -> None:
        self._orgs = orgs
        self._sessions = sessions
        self._faults = faults

    def handle(self, request: Request, version: str) -> tuple[Response, str | None]:
        """The answer to a login request, and the username it named (for the request log)."""
        injected = self._faults.take_failure("login")
        if injected is not None:
            return _injected_answer(injected), None
        text = request.body.decode("utf-8", errors="replace")
        username = _element(text, "username")
        password = _element(text, "password")
        if username is None or password is None:
            return _client_fault("Element {urn:partner.soap.sforce.com}login invalid at this location"), None
        username = xml_unescape(username).strip()
        found = self._orgs.find_user(username)
        if found is None:
            return login_fault("INVALID_LOGIN"), username
        org, user = found
        code = _check(org, user, password, request.forwarded_host)
        if code is not None:
            return login_fault(code), username
        session = self._sessions.open(org.org_id, user.username, org.clock.now())
        return _login_result(org, user, session.session_id, version), username


def xml_unescape(text: str) -> str:
    """Undo XML escaping (the five named entities and character references) and nothing else."""
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _NAMED_ENTITIES[name]
    return _XML_ENTITY_RE.sub(replace, text)


def login_fault(code: str, message: str | None = None) -> Response:
    """The HTTP 500 SOAP fault of a failed login, as Salesforce sends it (``message``:
    Salesforce's own words for ``code`` unless given)."""
    message = message or fault_message(code)
    detail = fault_type(code)
    body = (
        f'{_ENVELOPE_OPEN}xmlns:sf="urn:fault.partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>sf:{code}</faultcode>"
        f"<faultstring>{escape(f'{code}: {message}', quote=False)}</faultstring>"
        f'<detail><sf:{detail} xsi:type="sf:{detail}"><sf:exceptionCode>{code}</sf:exceptionCode>'
        f"<sf:exceptionMessage>{escape(message, quote=False)}</sf:exceptionMessage>"
        f"</sf:{detail}></detail>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response.text(body, XML_CONTENT_TYPE, 500)


def _injected_answer(failure: InjectedFailure) -> Response:
    # The login never answers with REST's JSON error list: a 500 is Salesforce's own SOAP
    # fault (UNKNOWN_EXCEPTION during an incident), other statuses its edge's HTML page.
    if failure.status == 500 and failure.error_code:
        return login_fault(failure.error_code, failure.message)
    return Response.text(outage_page(failure.status), "text/html;charset=UTF-8", failure.status)


def org_accepts_login_at(org: SimulatedOrg, host: str | None) -> bool:
    """Production orgs log in at login.salesforce.com, sandboxes at test.salesforce.com, both at
    their own My Domain host. Without ``X-Forwarded-Host`` (a direct call) any org accepts."""
    if host is None:
        return True
    name = host.lower().split(":")[0]
    if name == PRODUCTION_LOGIN_HOST:
        return not org.is_sandbox
    if name == SANDBOX_LOGIN_HOST:
        return org.is_sandbox
    return name == org.instance_host.lower().split(":")[0]


def _check(org: SimulatedOrg, user: SimulatedUser, password_text: str, host: str | None) -> str | None:
    """The fault code for this login attempt, or None when it succeeds."""
    if not org_accepts_login_at(org, host):
        return "INVALID_LOGIN"  # the other login server knows no such user
    with_token = _password_matches(password_text, user.password, user.security_token)
    without_token = _password_matches(password_text, user.password, "")
    if not with_token and not without_token:
        return "INVALID_LOGIN"
    if not with_token and user.token_required and user.security_token:
        return "LOGIN_MUST_USE_SECURITY_TOKEN"
    return user.login_fault


def _password_matches(sent: str, password: str, token: str) -> bool:
    expected = password + token
    candidates = [xml_unescape(sent)]
    if token and sent.endswith(token):
        # The client escapes the password but not the token: unescape the password part only.
        candidates.append(xml_unescape(sent[: -len(token)]) + token)
    return any(hmac.compare_digest(candidate.encode(), expected.encode()) for candidate in candidates)


def _element(text: str, name: str) -> str | None:
    # Any namespace prefix (n1:, urn:) or none; the content may hold a raw '&' or '<'.
    match = re.search(rf"<(?:[\w.-]+:)?{name}(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?{name}>", text, re.DOTALL)
    return match.group(1) if match else None


def _login_result(org: SimulatedOrg, user: SimulatedUser, session_id: str, version: str) -> Response:
    record = org.get("User", user.user_id)
    base = f"https://{org.instance_host}/services/Soap"
    info = {
        "currencySymbol": "$", "organizationId": org.org_id, "organizationMultiCurrency": "false",
        "organizationName": org.name, "sessionSecondsValid": str(SESSION_SECONDS_VALID),
        "userDefaultCurrencyIsoCode": None, "userEmail": record.get("Email", user.username),
        "userFullName": record.get("Name", user.username), "userId": user.user_id, "userLanguage": "en_US",
        "userLocale": "en_US", "userName": record.get("Username", user.username),
        "userTimeZone": record.get("TimeZoneSidKey", "Europe/London"), "userType": "Standard",
    }
    user_info = "".join(
        f'<{key} xsi:nil="true"/>' if value is None else f"<{key}>{escape(value, quote=False)}</{key}>"
        for key, value in info.items()
    )
    body = (
        f'{_ENVELOPE_OPEN}xmlns="urn:partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result>'
        f"<metadataServerUrl>{base}/m/{version}/{org.org_id[:15]}</metadataServerUrl>"
        f"<passwordExpired>false</passwordExpired><sandbox>{str(org.is_sandbox).lower()}</sandbox>"
        f"<serverUrl>{base}/u/{version}/{org.org_id[:15]}</serverUrl><sessionId>{session_id}</sessionId>"
        f"<userId>{user.user_id}</userId><userInfo>{user_info}</userInfo>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return Response.text(body, XML_CONTENT_TYPE)


def _client_fault(reason: str) -> Response:
    body = (
        f"{_ENVELOPE_OPEN}><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode>"
        f"<faultstring>{escape(reason, quote=False)}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response.text(body, XML_CONTENT_TYPE, 500)

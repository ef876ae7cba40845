"""The faults a SOAP login can end in, worded as Salesforce words them.

Salesforce answers a refused login with HTTP 500 and a SOAP fault whose
``sf:exceptionCode`` says why; the same shape carries its own failures
(``UNKNOWN_EXCEPTION`` during an incident). In front of it, its edge servers answer
an outage or a maintenance window with an HTML page and a 5xx status, no SOAP at all.
"""

from __future__ import annotations

import random

# Salesforce's own messages (sf:exceptionMessage; the faultstring adds "CODE: ").
FAULT_MESSAGES = {
    # The credentials, or the user behind them.
    "INVALID_LOGIN": "Invalid username, password, security token; or user locked out.",
    "INVALID_OPERATION_WITH_EXPIRED_PASSWORD":
        "The users password has expired, you must call SetPassword before attempting any other API "
        "operations",
    "LOGIN_MUST_USE_SECURITY_TOKEN":
        "Invalid username, password, security token; or user locked out. Are you at a new location? "
        "When accessing Salesforce--either via a desktop client or the API--from outside of your "
        "company’s trusted networks, you must add a security token to your password to log in. To get "
        "your new security token, log into Salesforce. From your personal settings, enter Reset My "
        "Security Token in the Quick Find box, then select Reset My Security Token.",
    "PASSWORD_LOCKOUT": "Your account has been locked out because of too many failed login attempts.",
    "INACTIVE_OWNER_OR_USER": "The user is inactive.",
    # The org, its settings, or what the user may do in it.
    "API_DISABLED_FOR_ORG": "API is not enabled for this Organization or Partner",
    "API_CURRENTLY_DISABLED": "API is disabled for this User",
    "ORG_LOCKED": "Your organization has been locked. Contact your Salesforce administrator.",
    "INSUFFICIENT_ACCESS": "The user does not have sufficient access to perform this operation.",
    # Limits. Salesforce allows a user 3,600 logins an hour and records the refusals as
    # "Login Rate Exceeded" in the Login History.
    "REQUEST_LIMIT_EXCEEDED": "TotalRequests Limit exceeded.",
    "LOGIN_RATE_EXCEEDED": "Login Rate Exceeded",
    # Salesforce itself (its incidents and maintenance).
    "UNKNOWN_EXCEPTION": "An unexpected error occurred. Please include this ErrorId if you contact support: ",
    "SERVER_UNAVAILABLE": "Server temporarily unavailable. Please try again later.",
    "FUNCTIONALITY_NOT_ENABLED": "Functionality has been temporarily disabled. Other calls may continue to work.",
}
# The faults a user's login can be switched to (SalesforceSimulator.set_login_fault).
LOGIN_FAULTS = frozenset(FAULT_MESSAGES)
# Everything but a refusal of the credentials comes as an UnexpectedErrorFault.
_LOGIN_FAULT_TYPE = frozenset({"INVALID_LOGIN", "LOGIN_MUST_USE_SECURITY_TOKEN", "PASSWORD_LOCKOUT"})


def fault_type(code: str) -> str:
    """The element that carries the fault's detail (``sf:LoginFault`` or ``sf:UnexpectedErrorFault``)."""
    return "LoginFault" if code in _LOGIN_FAULT_TYPE else "UnexpectedErrorFault"


def fault_message(code: str) -> str:
    """Salesforce's message for a fault code; an internal error gets its own ErrorId, as every one does."""
    message = FAULT_MESSAGES.get(code, "")
    if code == "UNKNOWN_EXCEPTION":
        error_id = f"{random.randint(10**8, 10**9 - 1)}-{random.randint(10**4, 10**5 - 1)}"
        message += f"{error_id} ({random.randint(-(2**31), 2**31 - 1)})"
    return message


def outage_page(status: int) -> str:
    """The HTML page Salesforce's edge answers a 5xx with (not XML: its ``<meta>`` is not closed)."""
    reason = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
              504: "Gateway Timeout"}.get(status, "Error")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{reason}</title></head><body><h1>{reason}</h1>"
        "<p>Salesforce is temporarily unavailable. We're working to restore service; "
        "check trust.salesforce.com for updates.</p></body></html>"
    )

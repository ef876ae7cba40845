"""Request and response values passed between the HTTP server and the endpoint code.

Endpoint code never touches sockets: it takes a :class:`Request`, returns a
:class:`Response`, and raises :class:`ApiError` for the JSON error answers that every
Salesforce REST endpoint shares (``[{"message": ..., "errorCode": ...}]``).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from .numbers import json_text

if TYPE_CHECKING:
    from .org import SimulatedOrg, SimulatedUser

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
# The JSON encoder writes no bare number of our making, so a Decimal goes in as a string
# between two marks, and the marks and the quotes around them come out after. The mark is
# new in every process: no text a test stores can hold it.
_MARK = f"\ue000{secrets.token_hex(8)}"


def json_dumps(payload: Any) -> str:
    """``payload`` as Salesforce's REST answers write it: compact, UTF-8 as is, and each
    ``Decimal`` as the Java double Salesforce sends (:func:`numbers.json_text`)."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=_marked_number)
    if _MARK in text:
        text = text.replace(f'"{_MARK}', "").replace(f'{_MARK}"', "")
    return text


def json_loads(text: str) -> Any:
    """JSON as Salesforce reads it: numbers with a point or an exponent as decimals."""
    return json.loads(text, parse_float=Decimal)


def _marked_number(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{_MARK}{json_text(value)}{_MARK}"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


@dataclass(frozen=True)
class Request:
    """One HTTP request as the simulator sees it (header names lower-cased)."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def forwarded_host(self) -> str | None:
        """The host the client meant to reach (set by the rewriting transport), if any."""
        return self.headers.get("x-forwarded-host")

    def header(self, name: str, default: str | None = None) -> str | None:
        """A request header, by case-insensitive name."""
        return self.headers.get(name.lower(), default)

    def params(self) -> dict[str, str]:
        """The query-string parameters, last value winning."""
        parsed = parse_qs(self.query_string, keep_blank_values=True)
        return {name: values[-1] for name, values in parsed.items()}

    def json_body(self) -> Any:
        """The body decoded as JSON; a 400 ``JSON_PARSER_ERROR`` when it is not JSON."""
        try:
            return json_loads(self.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character in request body: {exc}") from exc


@dataclass
class Response:
    """One HTTP answer."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # A fault: bytes of the body sent before the connection drops (None: the whole body).
    dropped_after: int | None = None
    # True: close the connection without sending anything (a network failure).
    dropped: bool = False

    @classmethod
    def json(cls, payload: Any, status: int = 200) -> Response:
        """A JSON answer (compact: Salesforce only pretty-prints on request, and it is slower)."""
        return cls(status, json_dumps(payload).encode("utf-8"), JSON_CONTENT_TYPE)

    @classmethod
    def text(cls, text: str, content_type: str, status: int = 200) -> Response:
        """A textual answer (XML, CSV, HTML)."""
        return cls(status, text.encode("utf-8"), content_type)

    @classmethod
    def dropped_connection(cls) -> Response:
        """No answer at all: the connection is closed once the request has been carried out.
        (The request log shows it with status 0.)"""
        return cls(0, dropped=True)

    @classmethod
    def no_content(cls) -> Response:
        """204, as Salesforce answers successful updates and deletes."""
        return cls(204)


class ApiError(Exception):
    """An error answer in Salesforce's REST shape, raised anywhere below the router."""

    def __init__(self, status: int, error_code: str, message: str, *,
                 fields: list[str] | None = None) -> None:
        super().__init__(f"{status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields

    def to_response(self) -> Response:
        """The JSON list body Salesforce sends with every REST error."""
        entry: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            entry["fields"] = self.fields
        return Response.json([entry], status=self.status)


def not_found() -> ApiError:
    """The 404 Salesforce gives for an unknown REST resource."""
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def method_not_allowed(method: str, allowed: str) -> ApiError:
    """The 405 Salesforce gives for a known resource and the wrong HTTP method."""
    return ApiError(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {allowed}")


@dataclass(frozen=True)
class RestContext:
    """An authenticated REST request: the org and user of its session, and the API version."""

    request: Request
    org: SimulatedOrg
    user: SimulatedUser
    version: str

    def hidden(self, object_name: str) -> frozenset[str]:
        """The fields of ``object_name`` this user may not see (lower-case names)."""
        return self.org.hidden_fields(self.user, object_name)

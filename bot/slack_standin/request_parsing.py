"""Turning an HTTP request to ``/api/<method>`` into one dict of arguments.

Slack accepts the same arguments in several encodings, and clients use all of
them: slack_sdk's ``WebClient`` sends every call as a POST, with a JSON body for
some methods (``views.open``, ``chat.postMessage``) and a form-encoded body for
the rest (even those it labels GET, such as ``users.info``); async clients send
real GETs with a query string; uploads are multipart. The token travels in an
``Authorization: Bearer`` header or as a ``token`` argument.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

# Arguments that hold Block Kit or other structures. Form-encoded callers must
# send them as JSON strings; they are decoded so a test sees one shape.
STRUCTURED_ARGUMENTS = frozenset({"view", "blocks", "attachments", "metadata", "user_auth_blocks"})


@dataclass(frozen=True)
class ParsedApiCall:
    """The arguments of one Web API call and the token that came with it."""

    args: dict[str, Any]
    token: str | None


def parse_api_call(*, query: str, body: bytes, headers: Mapping[str, str]) -> ParsedApiCall:
    """Merge query string and body into one argument dict; the body wins on conflicts.

    ``headers`` must have lower-case names. Raises ValueError on a body that
    cannot be decoded (the stand-in answers that with ``invalid_form_data``).
    """
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    args.update(_parse_body(body, headers.get("content-type", "")))
    token = _bearer_token(headers.get("authorization", ""))
    form_token = args.pop("token", None)
    if token is None and isinstance(form_token, str) and form_token:
        token = form_token
    for name in STRUCTURED_ARGUMENTS & args.keys():
        args[name] = _decode_json_string(args[name])
    return ParsedApiCall(args=args, token=token)


def parse_json_object(body: bytes) -> dict[str, Any]:
    """A JSON object from a request body; ValueError if it is anything else."""
    parsed = json.loads(body.decode("utf-8"))
    if not isinstance(parsed, dict):
        raise ValueError("expected a JSON object")
    return parsed


def _parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    if not body:
        return {}
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        return parse_json_object(body)
    if media_type == "multipart/form-data":
        return _parse_multipart(body, content_type)
    # Slack treats anything else as form data, and so does the stand-in.
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise ValueError("malformed multipart body")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b""
        # File parts stay bytes; plain fields become text like in a form body.
        fields[name] = payload if part.get_filename() else payload.decode("utf-8")
    return fields


def _bearer_token(authorization: str) -> str | None:
    scheme, _, credential = authorization.partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        return credential.strip()
    return None


def _decode_json_string(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value  # Slack would reject it; keep what was sent for the test to see.
    return value

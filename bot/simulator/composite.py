"""The composite resources: ``composite`` (several subrequests, one API call) and ``composite/batch``.

``POST composite`` runs up to 25 subrequests in order, at most 5 of them queries
(``query``, ``queryAll`` or a continuation ``query/<locator>``), and counts as ONE call
toward the daily limit. Each subrequest is answered by the same REST code that answers
it standalone, authenticated as the outer request. Later subrequests may use earlier
results through references (``@{Lead.records[0].Id}``). With ``allOrNone`` true the
first failure rolls every write back and the other subrequests answer PROCESSING_HALTED.

``POST composite/batch`` runs up to 25 independent subrequests (URLs start at the
version: ``v59.0/query/?q=...``) and counts EACH of them as an API call.

Error messages for malformed composite requests follow Salesforce's error shape; their
wording is the simulator's own.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .wire import (JSON_CONTENT_TYPE, ApiError, Request, Response, RestContext, json_dumps, json_loads,
                   method_not_allowed, not_found)

MAX_SUBREQUESTS = 25
MAX_QUERY_SUBREQUESTS = 5
ROLLED_BACK = {"errorCode": "PROCESSING_HALTED",
               "message": "The transaction was rolled back since another operation in the same transaction failed."}
BATCH_HALTED = {"errorCode": "BATCH_PROCESSING_HALTED", "message": "Batch processing halted per request"}
_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
_COMPOSITE_URL = re.compile(r"^/services/data/v(\d+\.\d+)(/[^?]*)?(?:\?(.*))?$")
_BATCH_URL = re.compile(r"^(?:/services/data/)?v(\d+\.\d+)(/[^?]*)?(?:\?(.*))?$")
_REFERENCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
_STEP = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")
# Resources a subrequest may not reach: composites do not nest, and Bulk jobs are not REST.
_NOT_IN_COMPOSITE = ("composite", "jobs")

# Answers an authenticated request already counted toward the limits: the REST router.
Answer = Callable[[RestContext, list[str]], Response]


class _Unresolved(Exception):
    def __init__(self, expression: str, reference_id: str) -> None:
        super().__init__(expression)
        self.error = ApiError(400, "PROCESSING_HALTED", f"Invalid reference specified. No value for "
                              f"{expression} found in {reference_id}.")


class CompositeResource:
    """``composite`` and ``composite/batch`` on top of the REST router."""

    def __init__(self, answer: Answer) -> None:
        self._answer = answer

    def handle(self, ctx: RestContext, rest: list[str]) -> Response:
        """Route ``composite[/batch]``."""
        method = ctx.request.method
        if not rest:
            if method == "GET":
                base = f"/services/data/v{ctx.version}/composite"
                return Response.json({"batch": f"{base}/batch", "sobjects": f"{base}/sobjects",
                                      "tree": f"{base}/tree"})
            if method != "POST":
                raise method_not_allowed(method, "GET, HEAD, POST")
            return self.composite(ctx)
        if rest == ["batch"]:
            if method != "POST":
                raise method_not_allowed(method, "POST")
            return self.batch(ctx)
        raise not_found()

    def composite(self, ctx: RestContext) -> Response:
        """``POST composite``: ``{"compositeRequest": [...], "allOrNone": false}``."""
        payload = _object_body(ctx)
        subrequests = _subrequests(payload, "compositeRequest")
        all_or_none = payload.get("allOrNone") is True
        for index, sub in enumerate(subrequests):
            _check(sub, index, needs_reference=True)
        ids = [sub["referenceId"] for sub in subrequests]
        duplicate = next((ref for ref in ids if ids.count(ref) > 1), None)
        if duplicate is not None:
            raise ApiError(400, "INVALID_INPUT", f"Duplicate referenceId provided in the request: {duplicate}")
        queries = sum(1 for sub in subrequests if _is_query(sub["url"]))
        if queries > MAX_QUERY_SUBREQUESTS:
            raise ApiError(400, "LIMIT_EXCEEDED", f"A composite request may have at most {MAX_QUERY_SUBREQUESTS} "
                           f"query subrequests (query, queryAll or their next pages), not {queries}")
        if not all_or_none:
            return Response.json({"compositeResponse": self._run_all(ctx, subrequests, halt=False)})
        with ctx.org.atomic() as rollback:  # nobody else writes between the subrequests
            answers = self._run_all(ctx, subrequests, halt=True)
            if any(entry["httpStatusCode"] >= 400 for entry in answers):
                rollback()
                for entry in answers:
                    if entry["httpStatusCode"] < 400:
                        entry.update(body=[ROLLED_BACK], httpHeaders={}, httpStatusCode=400)
        return Response.json({"compositeResponse": answers})

    def _run_all(self, ctx: RestContext, subrequests: list[dict[str, Any]], *, halt: bool) -> list[dict[str, Any]]:
        results: dict[str, Any] = {}  # referenceId -> body, for references
        answers: list[dict[str, Any]] = []
        failed = False
        for sub in subrequests:
            if failed:  # allOrNone: nothing after the failure runs
                answers.append(_composite_entry(sub["referenceId"], 400, [ROLLED_BACK], {}))
                continue
            response = self._run(ctx, sub, _COMPOSITE_URL, results, body_key="body")
            body = _decoded(response)
            if response.status < 400:
                results[sub["referenceId"]] = body
            answers.append(_composite_entry(sub["referenceId"], response.status, body, _passed_headers(response)))
            failed = halt and response.status >= 400
        return answers

    def batch(self, ctx: RestContext) -> Response:
        """``POST composite/batch``: ``{"batchRequests": [...], "haltOnError": false}``; each
        subrequest counts as an API call (the outer request's count covers the first)."""
        payload = _object_body(ctx)
        subrequests = _subrequests(payload, "batchRequests")
        for index, sub in enumerate(subrequests):
            _check(sub, index, needs_reference=False)
        halt = payload.get("haltOnError") is True
        results: list[dict[str, Any]] = []
        has_errors = halted = False
        usage: tuple[int, int] | None = None
        for index, sub in enumerate(subrequests):
            if halted:
                results.append({"statusCode": 412, "result": [BATCH_HALTED]})
                continue
            if index > 0 and (usage := ctx.org.count_api_request()) is None:
                response = ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.").to_response()
            else:
                response = self._run(ctx, sub, _BATCH_URL, None, body_key="richInput")
            results.append({"statusCode": response.status, "result": _decoded(response)})
            if response.status >= 400:
                has_errors = True
                halted = halt
        answer = Response.json({"hasErrors": has_errors, "results": results})
        if usage is not None:
            answer.headers["Sforce-Limit-Info"] = f"api-usage={usage[0]}/{usage[1]}"
        return answer

    def _run(self, ctx: RestContext, sub: dict[str, Any], pattern: re.Pattern[str],
             results: dict[str, Any] | None, *, body_key: str) -> Response:
        """Answer one subrequest as if it had come on its own (already authenticated and counted)."""
        url, body = sub["url"], sub.get(body_key)
        try:
            if results is not None:
                url = _resolve_text(url, results)
                body = _resolve_json(body, results)
        except _Unresolved as exc:
            return exc.error.to_response()
        match = pattern.match(url)
        if match is None:
            return not_found().to_response()
        version, path, query_string = match.group(1), match.group(2) or "", match.group(3) or ""
        segments = [part for part in path.split("/") if part]
        if segments[:1] and segments[0] in _NOT_IN_COMPOSITE:
            return ApiError(400, "INVALID_API_INPUT", f"The {segments[0]} resource cannot be used in a "
                            "composite subrequest").to_response()
        # Subrequests inherit the outer request's headers (its session), plus their own.
        headers = {name: value for name, value in ctx.request.headers.items()
                   if name not in ("content-length", "transfer-encoding")}
        headers.update({str(name).lower(): str(value) for name, value in (sub.get("httpHeaders") or {}).items()})
        request = Request(sub["method"].upper(), f"/services/data/v{version}{path}", query_string, headers,
                          b"" if body is None else json_dumps(body).encode("utf-8"))
        return self._answer(RestContext(request, ctx.org, ctx.user, version), segments)


def _object_body(ctx: RestContext) -> dict[str, Any]:
    payload = ctx.request.json_body()
    if not isinstance(payload, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    return payload


def _subrequests(payload: dict[str, Any], key: str) -> list[dict[str, Any]]:
    subrequests = payload.get(key)
    if not isinstance(subrequests, list) or not subrequests:
        raise ApiError(400, "INVALID_INPUT", f"{key} must be a non-empty list of subrequests")
    if len(subrequests) > MAX_SUBREQUESTS:
        raise ApiError(400, "LIMIT_EXCEEDED", f"A composite request may have at most {MAX_SUBREQUESTS} "
                       f"subrequests, not {len(subrequests)}")
    return subrequests


def _check(sub: Any, index: int, *, needs_reference: bool) -> None:
    if not isinstance(sub, dict) or not isinstance(sub.get("url"), str):
        raise ApiError(400, "INVALID_INPUT", f"Subrequest {index} needs a url")
    if str(sub.get("method", "")).upper() not in _METHODS:
        raise ApiError(400, "INVALID_INPUT", f"Subrequest {index} needs a method: one of {', '.join(_METHODS)}")
    if needs_reference and not _REFERENCE_ID.match(str(sub.get("referenceId", ""))):
        raise ApiError(400, "INVALID_INPUT", f"Subrequest {index} needs a referenceId of letters, digits and "
                       "underscores, starting with a letter or a digit")


def _is_query(url: str) -> bool:
    match = _COMPOSITE_URL.match(url)
    segments = [part for part in (match.group(2) or "").split("/") if part] if match else []
    return segments[:1] in (["query"], ["queryAll"])


def _decoded(response: Response) -> Any:
    if response.status in (204, 304) or not response.body:
        return None
    text = response.body.decode("utf-8")
    return json_loads(text) if response.content_type == JSON_CONTENT_TYPE else text


def _passed_headers(response: Response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name in ("Location", "Last-Modified")}


def _composite_entry(reference_id: str, status: int, body: Any, headers: dict[str, str]) -> dict[str, Any]:
    return {"body": body, "httpHeaders": headers, "httpStatusCode": status, "referenceId": reference_id}


def _resolve_text(text: str, results: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        found = _lookup(match, results)
        return found if isinstance(found, str) else json_dumps(found)
    return _REFERENCE.sub(value, text)


def _resolve_json(value: Any, results: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _REFERENCE.fullmatch(value)
        # A value that is one reference takes the referenced value with its JSON type.
        return _lookup(whole, results) if whole else _resolve_text(value, results)
    if isinstance(value, list):
        return [_resolve_json(item, results) for item in value]
    if isinstance(value, dict):
        return {key: _resolve_json(item, results) for key, item in value.items()}
    return value


def _lookup(match: re.Match[str], results: dict[str, Any]) -> Any:
    reference_id, path = match.group(1), match.group(2)
    expression = match.group(0)[2:-1]
    if reference_id not in results:
        raise _Unresolved(expression, reference_id)
    current = results[reference_id]
    for key, index in _STEP.findall(path):
        if key:
            current = current.get(key) if isinstance(current, dict) else None
        else:
            current = current[int(index)] if isinstance(current, list) and int(index) < len(current) else None
        if current is None:
            raise _Unresolved(expression, reference_id)
    return current

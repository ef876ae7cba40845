"""The per-object REST resources: describe, records (read, create, update, delete),
blobs, and the replication resources ``updated/`` and ``deleted/``.

``describe`` carries ``Last-Modified`` (the object's last metadata change) and answers
``304 Not Modified`` without a body when ``If-Modified-Since`` is at or after it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .metadata import http_date, parse_http_date
from .numbers import NumberOutOfRange
from .org import ORG_CREATED, UnknownRecordError
from .query_engine import bind, execute
from .recycle_bin import RETENTION as DELETED_RETENTION
from .render import json_records
from .schema import ObjectDef
from .values import coerce, format_datetime, parse_datetime
from .wire import ApiError, Response, RestContext, method_not_allowed, not_found


def object_resource(ctx: RestContext, obj: ObjectDef, rest: list[str]) -> Response:
    """Route ``sobjects/<Obj>[/...]``."""
    method = ctx.request.method
    if not rest:
        if method == "GET":
            info = {"objectDescribe": obj.describe_global_entry(ctx.version), "recentItems": []}
            return Response.json(info)
        if method == "POST":
            return create(ctx, obj)
        raise method_not_allowed(method, "GET, HEAD, POST")
    if rest == ["describe"]:
        if method != "GET":
            raise method_not_allowed(method, "GET, HEAD")
        return describe(ctx, obj)
    if rest[0] in ("updated", "deleted") and len(rest) == 1:
        if method != "GET":
            raise method_not_allowed(method, "GET, HEAD")
        return updated(ctx, obj) if rest[0] == "updated" else deleted(ctx, obj)
    if len(rest) == 1:
        if method == "GET":
            return read(ctx, obj, rest[0])
        if method == "PATCH":
            return update(ctx, obj, rest[0])
        if method == "DELETE":
            return delete(ctx, obj, rest[0])
        raise method_not_allowed(method, "GET, HEAD, PATCH, DELETE")
    if len(rest) == 2 and method == "GET":
        return blob(ctx, obj, rest[0], rest[1])
    raise not_found()


def describe(ctx: RestContext, obj: ObjectDef) -> Response:
    """``GET sobjects/<Obj>/describe``, conditional on ``If-Modified-Since``."""
    modified = ctx.org.metadata_modified(obj.name)
    since = parse_http_date(ctx.request.header("if-modified-since"))
    if since is not None and since >= modified:
        response = Response(304)
    else:
        response = Response.json(obj.describe(ctx.version, ctx.hidden(obj.name)))
    response.headers["Last-Modified"] = http_date(modified)
    return response


def read(ctx: RestContext, obj: ObjectDef, record_id: str) -> Response:
    """``GET sobjects/<Obj>/<id>[?fields=a,b]``: every visible field, or those asked for."""
    requested = ctx.request.params().get("fields")
    hidden = ctx.hidden(obj.name)
    names = requested.split(",") if requested else [f.name for f in obj.visible_fields(hidden)]
    stored = _stored(ctx, obj, record_id)
    query = bind(ctx.org, f"SELECT {', '.join(names)} FROM {obj.name}", ctx.hidden)
    return Response.json(json_records(query, [stored], ctx.version)[0])


def blob(ctx: RestContext, obj: ObjectDef, record_id: str, field_name: str) -> Response:
    """``GET sobjects/<Obj>/<id>/<base64 field>``: the raw bytes behind a blob URL."""
    fld = obj.field(field_name)
    if fld is None or fld.type != "base64" or fld.name.lower() in ctx.hidden(obj.name):
        raise not_found()
    value = _stored(ctx, obj, record_id).get(fld.name)
    if value is None:
        raise not_found()
    return Response(200, value, "application/octetstream")


def create(ctx: RestContext, obj: ObjectDef) -> Response:
    """``POST sobjects/<Obj>/``: 201 with the new id."""
    if not obj.createable:
        raise method_not_allowed("POST", "GET, HEAD")
    values = _writable(ctx, obj, "createable")
    missing = [fld.name for fld in obj.fields.values()
               if not fld.nillable and fld.createable and not fld.defaulted_on_create
               and fld.type != "boolean" and values.get(fld.name) is None]
    if missing:
        raise ApiError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]",
                       fields=missing)
    if obj.field("OwnerId") is not None:
        values.setdefault("OwnerId", ctx.user.user_id)
    for name in ("CreatedById", "LastModifiedById"):
        if obj.field(name) is not None:
            values[name] = ctx.user.user_id
    record_id = ctx.org.create(obj.name, values)
    response = Response.json({"id": record_id, "success": True, "errors": []}, status=201)
    response.headers["Location"] = f"/services/data/v{ctx.version}/sobjects/{obj.name}/{record_id}"
    return response


def update(ctx: RestContext, obj: ObjectDef, record_id: str) -> Response:
    """``PATCH sobjects/<Obj>/<id>``: 204."""
    values = _writable(ctx, obj, "updateable")
    stored = _stored(ctx, obj, record_id)
    if obj.field("LastModifiedById") is not None:
        values["LastModifiedById"] = ctx.user.user_id
    ctx.org.update(obj.name, stored["Id"], values)
    return Response.no_content()


def delete(ctx: RestContext, obj: ObjectDef, record_id: str) -> Response:
    """``DELETE sobjects/<Obj>/<id>``: 204; the record goes to the recycle bin."""
    if not obj.deletable:
        raise method_not_allowed("DELETE", "GET, HEAD, PATCH")
    stored = _stored(ctx, obj, record_id)
    ctx.org.delete(obj.name, stored["Id"])
    return Response.no_content()


def updated(ctx: RestContext, obj: ObjectDef) -> Response:
    """``GET sobjects/<Obj>/updated/?start=&end=``: ids whose SystemModstamp falls in the window."""
    start, end, covered = _window(ctx)
    query = bind(ctx.org, f"SELECT Id FROM {obj.name}", ctx.hidden)
    ids = [row["Id"] for row in execute(ctx.org, query, include_deleted=False)
           if start <= row["SystemModstamp"] < end]
    return Response.json({"ids": ids, "latestDateCovered": format_datetime(covered)})


def deleted(ctx: RestContext, obj: ObjectDef) -> Response:
    """``GET sobjects/<Obj>/deleted/?start=&end=``: records deleted in the window (15 days kept)."""
    start, end, covered = _window(ctx)
    earliest = _minute(max(ORG_CREATED, ctx.org.clock.now() - DELETED_RETENTION))
    rows = sorted((deleted_at, record_id) for record_id, deleted_at in ctx.org.deletions(obj.name)
                  if start <= deleted_at < end and deleted_at >= earliest)
    return Response.json({
        "deletedRecords": [{"id": record_id, "deletedDate": format_datetime(at)} for at, record_id in rows],
        "earliestDateAvailable": format_datetime(earliest),
        "latestDateCovered": format_datetime(covered),
    })


def _window(ctx: RestContext) -> tuple[datetime, datetime, datetime]:
    # Salesforce ignores the seconds; the window ends no later than "now".
    params = ctx.request.params()
    bounds = []
    for name in ("start", "end"):
        # A literal '+' in a query string decodes to a space; simple-salesforce sends %2B.
        text = params.get(name, "").replace(" ", "+")
        try:
            bounds.append(_minute(parse_datetime(text)))
        except ValueError:
            detail = (f"{name}: unable to parse '{text}' as a date-time; give an ISO 8601 date-time with a "
                      "time zone, e.g. 2024-01-01T00:00:00+00:00")
            raise ApiError(400, "MALFORMED_QUERY", detail) from None
    start, end = bounds
    if end <= start:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate by "
                       "more than one minute")
    return start, end, min(end, _minute(ctx.org.clock.now()))


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _stored(ctx: RestContext, obj: ObjectDef, record_id: str) -> dict[str, Any]:
    try:
        stored = ctx.org.get(obj.name, record_id)
    except UnknownRecordError:
        raise not_found() from None
    if stored.get("IsDeleted"):
        raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
    return stored


def _writable(ctx: RestContext, obj: ObjectDef, permission: str) -> dict[str, Any]:
    """The JSON body as field values, checked like Salesforce checks a save."""
    body = ctx.request.json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    hidden = ctx.hidden(obj.name)
    values: dict[str, Any] = {}
    for name, value in body.items():
        if name == "attributes":
            continue
        fld = obj.field(name)
        if fld is None or fld.name.lower() in hidden:
            raise ApiError(400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}")
        if not getattr(fld, permission):
            raise ApiError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                           f"Unable to create/update fields: {fld.name}. Please check the security "
                           "settings of this field and verify that it is read/write for your profile or "
                           "permission set.",
                           fields=[fld.name])
        try:
            values[fld.name] = coerce(fld, value)
        except (TypeError, ValueError) as exc:
            code = ("NUMBER_OUTSIDE_VALID_RANGE" if isinstance(exc, NumberOutOfRange)
                    else "STRING_TOO_LONG" if "too large" in str(exc) else "JSON_PARSER_ERROR")
            raise ApiError(400, code, str(exc), fields=[fld.name]) from None
    return values

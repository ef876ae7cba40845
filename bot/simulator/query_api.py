"""The REST query resources: ``query/``, ``queryAll/`` and their continuation pages.

A query runs once; its rows are kept in a server-side cursor and handed out page by
page through ``nextRecordsUrl`` (``/services/data/v59.0/query/01g...-2000``, the
suffix being the position of the next row). As in Salesforce, a user has at most
10 open cursors (opening an 11th drops the oldest), a finished cursor is closed, a
cursor left idle for 15 minutes by the org's clock expires, and an unknown or expired
locator is a 400 INVALID_QUERY_LOCATOR.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Sequence

from .ids import QUERY_LOCATOR_PREFIX, random_id
from .query_engine import BoundQuery, Record, bind, execute
from .render import json_records
from .soql import SoqlError
from .wire import ApiError, Response, RestContext

DEFAULT_BATCH_SIZE = 2000
MIN_BATCH_SIZE = 200
MAX_BATCH_SIZE = 2000
MAX_CURSORS_PER_USER = 10
# Salesforce closes a query cursor nobody asked a page of for this long.
LOCATOR_IDLE_TIMEOUT = timedelta(minutes=15)
_BATCH_SIZE_RE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


@dataclass
class _Cursor:
    locator: str
    owner: tuple[str, str]  # (org id, username)
    query: BoundQuery
    rows: Sequence[Record]
    batch_size: int
    used: datetime  # when a page of it was last handed out (the org's clock)


class QueryResource:
    """Runs REST queries and keeps their cursors; ``idle_timeout`` (None: never) is how long
    an unused cursor lives."""

    def __init__(self, *, idle_timeout: timedelta | None = LOCATOR_IDLE_TIMEOUT) -> None:
        self._lock = threading.Lock()
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self.idle_timeout = idle_timeout

    def query(self, ctx: RestContext, *, include_deleted: bool) -> Response:
        """``GET query/?q=`` (``include_deleted``: ``queryAll/``, rows with IsDeleted true too)."""
        soql = ctx.request.params().get("q")
        if not soql:
            raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
        try:
            bound = bind(ctx.org, soql, ctx.hidden)
        except SoqlError as exc:
            raise ApiError(400, exc.code, exc.message) from None
        rows = execute(ctx.org, bound, include_deleted=include_deleted)
        if bound.count_only:
            return Response.json({"totalSize": len(rows), "done": True, "records": []})
        if bound.selects_binary and len(rows) > 1:
            # Salesforce never inlines blobs in a query and limits base64 fields to one
            # record at a time; the simulator refuses multi-row results outright.
            name = next(fld.name for fld in bound.fields if fld.type == "base64")
            raise ApiError(400, "INVALID_FIELD", f"field '{name}' is a base64 field: it can only be queried "
                                                 "in a query returning a single record")
        cursor = _Cursor(random_id(QUERY_LOCATOR_PREFIX), (ctx.org.org_id, ctx.user.username), bound, rows,
                         self._batch_size(ctx, DEFAULT_BATCH_SIZE), ctx.org.clock.now())
        return self._page(ctx, cursor, 0)

    def more(self, ctx: RestContext, locator: str) -> Response:
        """``GET query/<locator>-<position>``: the next page of an open cursor."""
        cursor_id, _, position_text = locator.partition("-")
        now = ctx.org.clock.now()
        with self._lock:
            cursor = self._cursors.get(cursor_id)
            if cursor is not None and self.idle_timeout is not None and now - cursor.used >= self.idle_timeout:
                del self._cursors[cursor_id]
                cursor = None
        mine = cursor is not None and cursor.owner == (ctx.org.org_id, ctx.user.username)
        if cursor is None or not mine or not position_text.isdigit() or int(position_text) > len(cursor.rows):
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        position = int(position_text)
        cursor.batch_size = self._batch_size(ctx, cursor.batch_size)
        return self._page(ctx, cursor, position)

    def open_cursors(self) -> int:
        """How many cursors are open (for tests)."""
        with self._lock:
            return len(self._cursors)

    def expire_cursors(self) -> int:
        """Close every open cursor now, as if each had been left idle too long; returns how many."""
        with self._lock:
            closed = len(self._cursors)
            self._cursors.clear()
            return closed

    def _page(self, ctx: RestContext, cursor: _Cursor, position: int) -> Response:
        cursor.used = ctx.org.clock.now()
        end = min(position + cursor.batch_size, len(cursor.rows))
        page: dict[str, Any] = {"totalSize": len(cursor.rows), "done": end >= len(cursor.rows)}
        if page["done"]:
            with self._lock:
                self._cursors.pop(cursor.locator, None)
        else:
            self._keep(cursor)
            page["nextRecordsUrl"] = f"/services/data/v{ctx.version}/query/{cursor.locator}-{end}"
        page["records"] = json_records(cursor.query, cursor.rows[position:end], ctx.version)
        return Response.json(page)

    def _keep(self, cursor: _Cursor) -> None:
        with self._lock:
            self._cursors[cursor.locator] = cursor
            self._cursors.move_to_end(cursor.locator)
            mine = [key for key, other in self._cursors.items() if other.owner == cursor.owner]
            for key in mine[: max(0, len(mine) - MAX_CURSORS_PER_USER)]:
                del self._cursors[key]

    @staticmethod
    def _batch_size(ctx: RestContext, default: int) -> int:
        # Sforce-Query-Options: batchSize=N is a hint, clamped to 200..2000.
        options = ctx.request.header("sforce-query-options") or ""
        match = _BATCH_SIZE_RE.search(options)
        if not match:
            return default
        return max(MIN_BATCH_SIZE, min(MAX_BATCH_SIZE, int(match.group(1))))

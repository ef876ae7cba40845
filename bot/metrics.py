"""Prometheus metrics of the process, served at ``GET /metrics``."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SUBCOMMANDS = Counter(
    "syncbot_subcommands_total",
    "Slash subcommands run, by outcome (ok, refused, error).",
    ["subcommand", "outcome"],
)
SUBCOMMAND_SECONDS = Histogram(
    "syncbot_subcommand_seconds",
    "Time to run a slash subcommand, acknowledgement excluded.",
    ["subcommand"],
)
HTTP_REQUESTS = Counter(
    "syncbot_http_requests_total",
    "HTTP requests served, by path and status.",
    ["path", "status"],
)
HTTP_SECONDS = Histogram(
    "syncbot_http_request_seconds",
    "Time to answer an HTTP request (for /slack/events: until the acknowledgement).",
    ["path"],
)

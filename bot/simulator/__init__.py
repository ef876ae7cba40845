"""A local Salesforce for tests and the offline demo.

It speaks the wire formats the real simple-salesforce client uses (SOAP login, REST,
Bulk API 2.0 queries), keeps orgs in memory with a deterministic demo dataset, and
has switches to make it fail the way Salesforce does. Standard library only.

- :class:`SalesforceSimulator` - the HTTP server: ``start()``/``stop()``/``url``, orgs,
  fault switches (``expire_sessions``/``expire_sessions_after``/``fail_next_requests``/
  ``fail_next_bulk_job``/...), ``composite_enabled``, Bulk timing and chunks (``bulk_jobs``),
  request hooks and the request log.
- :func:`build_demo_org` - the seeded "Acme Corp" of the tests; :func:`build_large_demo_org`
  the bigger one of ``syncbot demo``; :func:`simulate_activity` a burst of everyday changes.
- :class:`SimulatedOrg` - one org's schema, records (``create``/``update``/``delete``/
  ``undelete``/``hard_delete``/``purge_recycle_bin``/``generate``, with ``edge_numbers=True``
  values at the corners of each number field's range), schema changes
  (``add_custom_field``/``remove_field``/``change_field``), users, field-level security,
  formula inputs and API usage.
- :func:`archive_activities` - Salesforce's archival of year-old Tasks and Events (``query``
  leaves archived ones out, ``queryAll`` has them).
- :class:`SimClock` - the clock every timestamp comes from (real time, or set and frozen);
  each org hands out strictly increasing modification stamps derived from it.

Modules: ``server`` (HTTP, routing), ``soap``/``login_faults`` (login), ``rest``/``query_api``/
``records_api``/``composite``/``bulk`` (the REST resources), ``activities`` (archival), ``soql`` and
``query_engine`` (SOQL), ``render`` (pages of JSON records and CSV), ``schema``/
``catalog`` (describe metadata), ``metadata`` (describe dates), ``org``/``org_schema``/
``recycle_bin``/``registry``/``dataset``/``messy`` (data), ``faults``, ``request_log``,
``sessions``, ``values``, ``numbers`` (decimals as Salesforce keeps and sends them), ``ids``,
``clock``, ``wire``.
"""

from .activities import archive_activities
from .clock import SimClock
from .dataset import (DEFAULT_PASSWORD, DEFAULT_SECURITY_TOKEN, DEFAULT_SIZE, DEFAULT_USERNAME, DEMO_SIZE,
                      add_retyped_people, build_demo_org, build_large_demo_org, generate_records, seed_demo_data,
                      simulate_activity)
from .faults import FaultSwitches, InjectedFailure
from .login_faults import LOGIN_FAULTS
from .org import DEFAULT_API_DAILY_MAX, SimulatedOrg, SimulatedUser, UnknownRecordError
from .request_log import LoggedRequest, RequestLog
from .schema import FieldDef, ObjectDef, Schema, custom_field
from .server import DEFAULT_MAX_URL_LENGTH, RequestHook, SalesforceSimulator
from .wire import Request

__all__ = [
    "DEFAULT_API_DAILY_MAX", "DEFAULT_MAX_URL_LENGTH", "DEFAULT_PASSWORD", "DEFAULT_SECURITY_TOKEN",
    "DEFAULT_SIZE", "DEFAULT_USERNAME", "DEMO_SIZE", "LOGIN_FAULTS", "FaultSwitches", "FieldDef", "InjectedFailure",
    "LoggedRequest", "ObjectDef", "Request", "RequestHook", "RequestLog", "SalesforceSimulator", "Schema",
    "SimClock", "SimulatedOrg", "SimulatedUser", "UnknownRecordError", "add_retyped_people", "archive_activities",
    "build_demo_org",
    "build_large_demo_org", "custom_field", "generate_records", "seed_demo_data", "simulate_activity",
]

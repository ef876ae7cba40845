"""Step 1: verify the sync user's Salesforce login, then store it encrypted."""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from dataclasses import dataclass, field

from bot.alerts import rules as alert_rules
from bot.errors import (
    LoginFailed,
    SecretKeyMismatch,
    SecretKeyMissing,
    StepOutOfOrder,
    StorageError,
)
from bot.messages import MSG
from bot.runtime import Services
from bot.salesforce.gateway import OrgInfo, SalesforceConnection
from bot.setup import progress
from bot.sync.failures import kind_of
from storage import catalog, workspaces
from storage.crypto import LoginSecret
from storage.models import SalesforceCredentials
from storage.types import utcnow

log = logging.getLogger(__name__)

# (connect, read) seconds for each request of the login and the org lookup. The modal is
# answered within Slack's 3 s whatever these are (it says "Checking…" when Salesforce is
# slower); they bound how long it may say so.
SUBMISSION_TIMEOUT = (5.0, 15.0)

# Longest values the modal accepts (its inputs enforce them too): Salesforce usernames
# have at most 80 characters, tokens are about 25 letters and digits, and no password
# policy comes near 256.
MAX_USERNAME = 80
MAX_PASSWORD = 256
MAX_TOKEN = 64
_USERNAME = re.compile(r"^[^@\s<>&`*]+@[^@\s<>&`*]+\.[^@\s<>&`*]+$")
_TOKEN = re.compile(r"^[A-Za-z0-9]*$")


@dataclass(frozen=True)
class CredentialsForm:
    """What the admin typed into the credentials modal."""

    username: str
    password: str = field(repr=False)
    security_token: str = field(repr=False)
    sandbox: bool = False

    def validate(self) -> None:
        """Raise :class:`LoginFailed` (naming the input) for values that cannot be right.

        Nothing here needs the network, so the modal is answered with the error at once.
        Usernames with Slack markup or control characters are refused (they are shown
        back later); the password is taken as typed, bar control characters.
        """
        if len(self.username) > MAX_USERNAME:
            raise LoginFailed(MSG.form_username_too_long.format(limit=MAX_USERNAME), code="FORM", field="username")
        if not _USERNAME.match(self.username) or _has_control(self.username):
            raise LoginFailed(MSG.form_username_invalid, code="FORM", field="username")
        if not self.password:
            raise LoginFailed(MSG.form_password_missing, code="FORM", field="password")
        if len(self.password) > MAX_PASSWORD:
            raise LoginFailed(MSG.form_password_too_long.format(limit=MAX_PASSWORD), code="FORM", field="password")
        if _has_control(self.password):
            raise LoginFailed(MSG.form_password_control, code="FORM", field="password")
        if len(self.security_token) > MAX_TOKEN or not _TOKEN.match(self.security_token):
            raise LoginFailed(MSG.form_token_invalid, code="FORM", field="security_token")


def _has_control(value: str) -> bool:
    """True when ``value`` holds a control or format character (NUL, escape, bidi overrides)."""
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value)


def require_secret_key(services: Services) -> None:
    """Refuse early (before the modal opens) when credentials could not be stored."""
    if not services.secrets.ready:
        raise SecretKeyMissing(MSG.secret_key_missing)


def verify_and_store(services: Services, *, team_id: str, user_id: str, form: CredentialsForm) -> OrgInfo:
    """Log in with the form's values and, only if that works, store them encrypted.

    Raises :class:`LoginFailed` with the modal input to fix, or :class:`OtherWorkspace`
    when the database belongs to another workspace; nothing is stored then.
    """
    require_secret_key(services)
    form.validate()
    progress.require_owner(services, team_id)
    started = time.monotonic()
    connection = services.gateway.login(
        username=form.username,
        password=form.password,
        security_token=form.security_token,
        sandbox=form.sandbox,
        timeout=SUBMISSION_TIMEOUT,
    )
    org = connection.org()
    log.info("verified Salesforce login for team %s in %.2fs (org %s)", team_id, time.monotonic() - started, org.org_id)
    sealed = services.secrets.seal(LoginSecret(password=form.password, security_token=form.security_token))
    with services.db.session() as session:
        # Checked again under the lock: two workspaces storing at once cannot both own it.
        workspaces.lock_ownership(session)
        progress.load(session, team_id).require_owner()
        workspaces.ensure(session, team_id)
        # Locked and read again: a sync-fields or confirm claimed meanwhile either waits for
        # this transaction or is seen by the checks below, never slips in between.
        workspace = workspaces.lock(session, team_id)
        if workspace is None:
            raise StorageError(MSG.workspace_vanished)
        if workspace.bound_org_id and workspace.bound_org_id != org.org_id:
            raise LoginFailed(
                MSG.login_other_org.format(bound=workspace.bound_org_id, new=org.org_id),
                code="OTHER_ORG",
                field="username",
            )
        previous = workspaces.credentials(session, team_id)
        if workspace.fields_synced_at and previous is not None and previous.org_id != org.org_id:
            # The tables were built from that org's fields; another org's would not fit them.
            raise LoginFailed(
                MSG.login_other_org_tables.format(tables_org=previous.org_id, new=org.org_id),
                code="OTHER_ORG",
                field="username",
            )
        if previous is not None and previous.org_id != org.org_id:
            # The catalog (and its hide choices) described the previous org's fields; the
            # tables must be built from the new org's, so it is described afresh.
            catalog.clear(session, team_id)
        workspaces.save_credentials(
            session,
            SalesforceCredentials(
                team_id=team_id,
                username=form.username,
                sandbox=form.sandbox,
                secret=sealed,
                org_id=org.org_id,
                org_name=org.org_name,
                instance_url=org.instance_url,
                verified_at=utcnow(),
                verified_by=user_id,
            ),
        )
        workspace.credentials_verified_at = utcnow()
        alert_rules.credentials_changed(session, team_id, user_id, org.org_name)
    return org


def connect(services: Services, team_id: str, *, for_sync: bool = False) -> SalesforceConnection:
    """Log in with the stored credentials of a workspace (``for_sync``: with retries)."""
    with services.db.session() as session:
        row = workspaces.credentials(session, team_id)
    if row is None:
        raise StepOutOfOrder(MSG.step_missing.format(next="credentials"))
    secret = services.secrets.open(row.secret)
    try:
        return services.gateway.login(
            username=row.username,
            password=secret.password,
            security_token=secret.security_token,
            sandbox=row.sandbox,
            for_sync=for_sync,
        )
    except LoginFailed as exc:
        # Said to whoever ran a command, outside the modal: Salesforce's words and the advice for its kind.
        text = MSG.stored_login_failed.format(answer=exc.answer, advice=MSG.failure_advice[kind_of(exc)])
        raise LoginFailed(text, code=exc.code, field=exc.field, answer=exc.answer, kind=exc.kind) from None


def key_problem(services: Services) -> str | None:
    """One line saying that ``SYNCBOT_SECRET_KEY`` opens no stored login, or None when all is well.

    Only when it opens none: one undecryptable login among readable ones is that
    workspace's own affair (``/sync credentials`` again), not a wrong key.
    """
    with services.db.session() as session:
        stored = workspaces.all_credentials(session)
    unreadable = [row.team_id for row in stored if not services.secrets.can_open(row.secret)]
    if not unreadable or len(unreadable) < len(stored):
        return None
    teams = ", ".join(unreadable)
    if not services.secrets.ready:
        return MSG.secret_key_unset_with_logins.format(teams=teams)
    return MSG.secret_keys_open_nothing.format(teams=teams)


def rotate_secret_key(services: Services) -> int:
    """Encrypt every stored login again with the first key; all or nothing.

    Returns how many were re-encrypted. Raises :class:`SecretKeyMismatch` naming the
    workspace whose login no key opens; nothing is changed then.
    """
    require_secret_key(services)
    with services.db.session() as session:
        rows = workspaces.all_credentials(session, for_update=True)
        for row in rows:
            if not services.secrets.can_open(row.secret):
                raise SecretKeyMismatch(MSG.rotate_key_unreadable.format(team=row.team_id))
            row.secret = services.secrets.rotate(row.secret)
        return len(rows)


@dataclass(frozen=True)
class StoredLogin:
    """The non-secret part of the stored login, to prefill the modal."""

    username: str
    sandbox: bool


def stored_login(services: Services, team_id: str) -> StoredLogin | None:
    """Username and sandbox flag of the stored credentials, if any."""
    with services.db.session() as session:
        row = workspaces.credentials(session, team_id)
        return StoredLogin(username=row.username, sandbox=row.sandbox) if row else None

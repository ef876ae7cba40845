"""The credentials modal: its view, and what happens when it is submitted."""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import LoginFailed, SyncbotError
from bot.messages import MSG
from bot.runtime import Services
from bot.salesforce.gateway import OrgInfo
from bot.setup.credentials import (
    MAX_PASSWORD,
    MAX_TOKEN,
    MAX_USERNAME,
    CredentialsForm,
    require_secret_key,
    verify_and_store,
)
from bot.setup import progress
from bot.setup.progress import Step
from handlers.authorization import AdminCheck
from handlers.blocks import context, plain, section
from handlers.mrkdwn import code, escape

log = logging.getLogger(__name__)

CALLBACK_ID = "sync_credentials"
BLOCKS = ("username", "password", "security_token", "sandbox")
# Slack drops a submission not answered within 3 s. Waiting at most this long for
# Salesforce leaves the rest for the network both ways and Bolt's own work.
ANSWER_WITHIN = 2.0


def credentials_modal(
    *,
    response_url: str | None,
    username: str = "",
    sandbox: bool = False,
    notice: str | None = None,
    error: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The modal of the contract: four inputs whose action_id equals their block_id.

    ``notice`` is a line above the inputs ("Checking with Salesforce…"); ``error`` is
    ``(block_id, message)``, shown right under that input. Every variant keeps the same
    block and action ids, so Slack keeps what was typed when the view is updated (the
    password and token are never sent back to Slack).
    """

    def text_input(block_id: str, label: str, *, hint: str | None = None, optional: bool = False,
                   initial: str = "", max_length: int) -> dict[str, Any]:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": block_id, "max_length": max_length}
        if initial:
            element["initial_value"] = initial
        block: dict[str, Any] = {"type": "input", "block_id": block_id, "label": plain(label), "element": element,
                                 "optional": optional}
        if hint:
            block["hint"] = plain(hint)
        return block

    option = {"text": plain(MSG.modal_sandbox_option), "value": "sandbox"}
    checkboxes: dict[str, Any] = {"type": "checkboxes", "action_id": "sandbox", "options": [option]}
    if sandbox:
        checkboxes["initial_options"] = [option]
    inputs = [
        text_input("username", MSG.modal_username, hint=MSG.modal_username_hint, initial=username,
                   max_length=MAX_USERNAME),
        text_input("password", MSG.modal_password, max_length=MAX_PASSWORD),
        text_input("security_token", MSG.modal_token, hint=MSG.modal_token_hint, optional=True,
                   max_length=MAX_TOKEN),
        {"type": "input", "block_id": "sandbox", "label": plain(MSG.modal_sandbox), "optional": True,
         "element": checkboxes},
    ]
    blocks: list[dict[str, Any]] = [section(MSG.modal_intro)]
    if notice:
        blocks.append(section(notice))
    for block in inputs:
        blocks.append(block)
        if error and block["block_id"] == error[0]:
            blocks.append(context(MSG.modal_field_error.format(message=escape(error[1]))))
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain(MSG.modal_title),
        "submit": plain(MSG.modal_submit),
        "close": plain(MSG.modal_close),
        # Where to post the result: the slash command's response_url (valid 30 minutes).
        "private_metadata": json.dumps({"response_url": response_url}),
        "blocks": blocks,
    }


def connected_view(org: OrgInfo) -> dict[str, Any]:
    """What the modal turns into after a good login."""
    return {
        "type": "modal",
        "title": plain(MSG.modal_done_title),
        "close": plain("Close"),
        "blocks": [section(saved_text(org))],
    }


def saved_text(org: OrgInfo) -> str:
    """Who logged in to which org (the org itself says whether it is a sandbox)."""
    kind = MSG.org_kind_sandbox if org.is_sandbox else MSG.org_kind_production
    return MSG.credentials_saved.format(
        username=code(org.username), org_name=code(org.org_name), org_id=org.org_id, kind=kind
    )


def read_form(view: dict[str, Any]) -> CredentialsForm:
    """The typed values, exactly as Slack sends them in ``view.state.values``."""
    values = view.get("state", {}).get("values", {})

    def text(block_id: str, *, strip: bool = True) -> str:
        value = (values.get(block_id, {}).get(block_id) or {}).get("value") or ""
        return value.strip() if strip else value

    selected = (values.get("sandbox", {}).get("sandbox") or {}).get("selected_options") or []
    return CredentialsForm(
        username=text("username"),
        # A password is taken exactly as typed; spaces may belong to it.
        password=text("password", strip=False),
        security_token=text("security_token"),
        sandbox=any(option.get("value") == "sandbox" for option in selected),
    )


def submission_values(form: CredentialsForm) -> dict[str, dict[str, Any]]:
    """``view.state.values`` as Slack sends them for a modal filled in with ``form``
    (what :func:`read_form` reads back); for the demo and the tests."""
    selected = [{"text": plain(MSG.modal_sandbox_option), "value": "sandbox"}] if form.sandbox else []

    def typed(value: str) -> dict[str, Any]:
        # Slack sends None, not "", for an optional input left empty.
        return {"type": "plain_text_input", "value": value or None}

    return {
        "username": {"username": typed(form.username)},
        "password": {"password": typed(form.password)},
        "security_token": {"security_token": typed(form.security_token)},
        "sandbox": {"sandbox": {"type": "checkboxes", "selected_options": selected}},
    }


@dataclass(frozen=True)
class Verdict:
    """How a submission ended: the org logged in to, or the input to fix and why."""

    org: OrgInfo | None = None
    field: str = "username"
    message: str = ""


class _Handoff:
    """Hands the verdict to the acknowledgement if it comes in time, else to a view update.

    Exactly one of the two shows it: the check in :meth:`deliver` and the one in
    :meth:`wait` happen under one lock, so a verdict arriving just as the wait gives up
    is not lost, nor shown twice.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._arrived = threading.Event()
        self._verdict: Verdict | None = None
        self._gave_up = False

    def deliver(self, verdict: Verdict) -> bool:
        """Offer the verdict; False when the acknowledgement has gone without it."""
        with self._lock:
            if self._gave_up:
                return False
            self._verdict = verdict
            self._arrived.set()
            return True

    def wait(self, timeout: float) -> Verdict | None:
        """The verdict, if it arrives within ``timeout`` seconds; else None, for good."""
        self._arrived.wait(max(timeout, 0.0))
        with self._lock:
            if self._verdict is None:
                self._gave_up = True
            return self._verdict


class _InFlight:
    """The modals whose submission is still being checked with Salesforce."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._views: set[str] = set()

    def begin(self, view_id: str) -> bool:
        """Mark a view as being checked; False if it already is."""
        with self._lock:
            if view_id in self._views:
                return False
            self._views.add(view_id)
            return True

    def end(self, view_id: str) -> None:
        """The view shows its verdict; it may be submitted again."""
        with self._lock:
            self._views.discard(view_id)


def register(app: App, services: Services, admins: AdminCheck) -> None:
    """Listen for submissions of the credentials modal.

    Form mistakes are answered at once with ``response_action: "errors"``. The login
    itself runs on a worker thread: when Salesforce answers within :data:`ANSWER_WITHIN`
    seconds, the answer carries the verdict (the contract's errors, or the connected
    view); otherwise the modal turns into "Checking with Salesforce…" and is updated with
    ``views.update`` once the verdict is in. Either way the verdict is shown only after
    the credentials are stored (or refused), so what the user sees is what is stored.
    """
    workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="credentials-check")
    in_flight = _InFlight()

    @app.view(CALLBACK_ID)
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        started = time.monotonic()
        team_id = (body.get("team") or {}).get("id") or view.get("team_id", "")
        user_id = body["user"]["id"]
        view_id = str(view.get("id") or "")
        response_url = _response_url(view)
        form = read_form(view)
        try:
            require_secret_key(services)
            form.validate()
        except LoginFailed as exc:
            ack(response_action="errors", errors={exc.field: str(exc)})
            return
        except SyncbotError as exc:
            ack(response_action="errors", errors={"username": str(exc)})
            return
        if not in_flight.begin(view_id):
            ack(response_action="errors", errors={"username": MSG.modal_still_checking})
            return
        handoff = _Handoff()

        def check() -> None:
            try:
                verdict = _verify(services, admins, client, team_id=team_id, user_id=user_id, form=form)
                if not handoff.deliver(verdict):
                    _show_late(services, client, team_id, view_id, response_url, form, verdict)
            finally:
                in_flight.end(view_id)

        workers.submit(check)
        verdict = handoff.wait(ANSWER_WITHIN - (time.monotonic() - started))
        if verdict is None:
            ack(response_action="update", view=credentials_modal(
                response_url=response_url, username=form.username, sandbox=form.sandbox, notice=MSG.modal_checking
            ))
            return
        if verdict.org is None:
            ack(response_action="errors", errors={verdict.field: verdict.message})
            return
        ack(response_action="update", view=connected_view(verdict.org))
        _post_result(response_url, saved_text(verdict.org), _next_step_line(services, team_id))


def _verify(services: Services, admins: AdminCheck, client: WebClient, *, team_id: str, user_id: str,
            form: CredentialsForm) -> Verdict:
    """Check the admin and the login, store the credentials if both pass; never raises."""
    try:
        admins.require(client, team_id=team_id, user_id=user_id, command=Step.CREDENTIALS.value)
        return Verdict(org=verify_and_store(services, team_id=team_id, user_id=user_id, form=form))
    except LoginFailed as exc:
        return Verdict(field=exc.field, message=str(exc))
    except SyncbotError as exc:
        return Verdict(message=str(exc))
    except Exception:
        # The modal must still be answered, or Slack shows a bare "connection" error.
        log.exception("credentials submission failed for team %s", team_id)
        return Verdict(message=MSG.internal_error)


def _show_late(services: Services, client: WebClient, team_id: str, view_id: str, response_url: str | None,
               form: CredentialsForm, verdict: Verdict) -> None:
    """Update the "Checking…" modal with the verdict; tell the channel what the modal could not."""
    if verdict.org is not None:
        view = connected_view(verdict.org)
    else:
        view = credentials_modal(response_url=response_url, username=form.username, sandbox=form.sandbox,
                                 error=(verdict.field, verdict.message))
    try:
        client.views_update(view_id=view_id, view=view)
        updated = True
    except Exception as exc:  # the modal was closed meanwhile, or Slack is unreachable
        error = exc.response.get("error") if isinstance(exc, SlackApiError) and exc.response else type(exc).__name__
        log.info("could not update the credentials modal: %s", error)
        updated = False
    if verdict.org is not None:
        _post_result(response_url, saved_text(verdict.org), _next_step_line(services, team_id))
    elif not updated:
        _post_result(response_url, MSG.credentials_not_saved.format(reason=escape(verdict.message)), "")


def _next_step_line(services: Services, team_id: str) -> str:
    step = progress.current(services, team_id).next_step
    return MSG.status_next.format(step=step.value) if step else ""


def _response_url(view: dict[str, Any]) -> str | None:
    """The response_url the modal was opened with (kept in its private_metadata)."""
    try:
        url = json.loads(view.get("private_metadata") or "{}").get("response_url")
    except (ValueError, AttributeError):
        return None
    return url if isinstance(url, str) and url else None


def _post_result(url: str | None, text: str, next_step: str) -> None:
    """Tell the channel the command came from, through the command's response_url."""
    if not url:
        return
    blocks = [section(text), *([context(next_step)] if next_step else [])]
    body = {"response_type": "ephemeral", "text": f"{text}\n{next_step}".strip(), "blocks": blocks}
    try:
        requests.post(url, json=body, timeout=5)
    except requests.RequestException as exc:
        log.warning("could not post the credentials result: %s", type(exc).__name__)

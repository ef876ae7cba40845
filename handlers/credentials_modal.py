"""The credentials modal: its view, and what happens when it is submitted."""

from __future__ import annotations

import json
import logging
from typing import Any

import requests
from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.errors import LoginFailed, SyncbotError
from bot.messages import MSG
from bot.runtime import Services
from bot.salesforce.gateway import OrgInfo
from bot.setup.credentials import CredentialsForm, verify_and_store
from bot.setup import progress
from bot.setup.progress import Step
from handlers.authorization import AdminCheck
from handlers.blocks import context, plain, section

log = logging.getLogger(__name__)

CALLBACK_ID = "sync_credentials"
BLOCKS = ("username", "password", "security_token", "sandbox")


def credentials_modal(*, response_url: str | None, username: str = "", sandbox: bool = False) -> dict[str, Any]:
    """The modal of the contract: four inputs whose action_id equals their block_id."""

    def text_input(block_id: str, label: str, *, hint: str | None = None, optional: bool = False,
                   initial: str = "") -> dict[str, Any]:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": block_id}
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
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain(MSG.modal_title),
        "submit": plain(MSG.modal_submit),
        "close": plain(MSG.modal_close),
        # Where to post the result: the slash command's response_url (valid 30 minutes).
        "private_metadata": json.dumps({"response_url": response_url}),
        "blocks": [
            section(MSG.modal_intro),
            text_input("username", MSG.modal_username, hint=MSG.modal_username_hint, initial=username),
            text_input("password", MSG.modal_password),
            text_input("security_token", MSG.modal_token, hint=MSG.modal_token_hint, optional=True),
            {"type": "input", "block_id": "sandbox", "label": plain(MSG.modal_sandbox), "optional": True,
             "element": checkboxes},
        ],
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
    return MSG.credentials_saved.format(username=org.username, org_name=org.org_name, org_id=org.org_id, kind=kind)


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


def register(app: App, services: Services, admins: AdminCheck) -> None:
    """Listen for submissions of the credentials modal."""

    @app.view(CALLBACK_ID)
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team_id = (body.get("team") or {}).get("id") or view.get("team_id", "")
        user_id = body["user"]["id"]
        try:
            admins.require(client, team_id=team_id, user_id=user_id, command=Step.CREDENTIALS.value)
            form = read_form(view)
            org = verify_and_store(services, team_id=team_id, user_id=user_id, form=form)
        except LoginFailed as exc:
            ack(response_action="errors", errors={exc.field: str(exc)})
            return
        except SyncbotError as exc:
            ack(response_action="errors", errors={"username": str(exc)})
            return
        except Exception:
            # The modal must still be answered, or Slack shows a bare "connection" error.
            log.exception("credentials submission failed for team %s", team_id)
            ack(response_action="errors", errors={"username": MSG.internal_error})
            return
        ack(response_action="update", view=connected_view(org))
        step = progress.current(services, team_id).next_step
        _post_result(view, saved_text(org), MSG.status_next.format(step=step.value) if step else "")


def _post_result(view: dict[str, Any], text: str, next_step: str) -> None:
    """Tell the channel the command came from, through the command's response_url."""
    try:
        url = json.loads(view.get("private_metadata") or "{}").get("response_url")
    except ValueError:
        url = None
    if not url:
        return
    blocks = [section(text), *([context(next_step)] if next_step else [])]
    body = {"response_type": "ephemeral", "text": f"{text}\n{next_step}".strip(), "blocks": blocks}
    try:
        requests.post(url, json=body, timeout=5)
    except requests.RequestException as exc:
        log.warning("could not post the credentials result: %s", type(exc).__name__)

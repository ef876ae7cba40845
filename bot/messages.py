"""Every sentence syncbot says to a person, in one place.

Strings with ``{names}`` are ``str.format`` templates. Slack mrkdwn is allowed
(``*bold*``, ```code```); nothing here may ever include a secret.
"""

from __future__ import annotations

import unicodedata
from typing import Final


class _Messages:
    # --- configuration and secrets ---------------------------------------------------
    secret_key_missing: Final = (
        "Salesforce credentials can't be stored: `SYNCBOT_SECRET_KEY` is not set. "
        "Make a key with `syncbot keygen`, set it in the bot's environment, restart the bot, "
        "then run `/sync credentials` again."
    )
    secret_key_mismatch: Final = (
        "The stored Salesforce credentials were encrypted with another `SYNCBOT_SECRET_KEY`. "
        "Restore the old key, or enter the credentials again with `/sync credentials`."
    )

    # --- the credentials modal -------------------------------------------------------
    modal_title: Final = "Salesforce login"
    modal_submit: Final = "Verify & save"
    modal_close: Final = "Cancel"
    modal_intro: Final = (
        "Log in as the Salesforce *sync user*: the user whose permissions decide what syncbot "
        "can see. The login is checked with Salesforce before anything is stored, and the "
        "password and token are kept encrypted."
    )
    modal_username: Final = "Username"
    modal_username_hint: Final = "The sync user's Salesforce username, e.g. sync@yourcompany.com"
    modal_password: Final = "Password"
    modal_token: Final = "Security token"
    modal_token_hint: Final = (
        "Salesforce emails it to the user (Settings > Reset My Security Token). "
        "Leave empty only if your org trusts this server's IP range."
    )
    modal_sandbox: Final = "Sandbox"
    modal_sandbox_option: Final = "This is a sandbox org (log in at test.salesforce.com)"
    modal_done_title: Final = "Connected"
    form_username_invalid: Final = "Enter the Salesforce username, which looks like an email address."
    form_password_missing: Final = "Enter the password."
    form_token_invalid: Final = (
        "A security token is letters and digits only (about 25 of them); paste it exactly as Salesforce sent it."
    )
    login_invalid: Final = (
        "Salesforce did not accept this username, password and security token. Check the password, "
        "and use the newest security token: resetting the password resets the token too. "
        "Too many failed tries lock the user out for a while."
    )
    login_hint_sandbox: Final = "(Sandbox is ticked, so the login went to test.salesforce.com.)"
    login_hint_production: Final = "(For a sandbox org, tick Sandbox.)"
    login_password_expired: Final = (
        "This user's password has expired. Log in to Salesforce as the user, set a new password, "
        "then enter it here with the new security token Salesforce emails."
    )
    login_api_disabled: Final = (
        "API access is disabled for this org or this user. The user's profile or a permission set "
        "needs 'API Enabled', and the org's edition must include the API."
    )
    login_token_required: Final = (
        "This login needs the security token: Salesforce doesn't trust this server's IP address. "
        "Add the token the user got by email (or reset it under Settings)."
    )
    login_sso: Final = "This user signs in with single sign-on; the sync user needs a Salesforce password."
    login_refused: Final = "Salesforce refused the login ({code})."
    login_other_org: Final = (
        "This workspace is bound to the Salesforce org {bound}; these credentials log in to the org "
        "{new}. Enter credentials of a user of {bound}."
    )
    login_other_org_tables: Final = (
        "The tables were created from the fields of the Salesforce org {tables_org}; these credentials "
        "log in to the org {new}. Enter credentials of a user of {tables_org}."
    )
    stored_login_failed: Final = (
        "The stored Salesforce credentials no longer work: {reason} Enter new ones with `/sync credentials`."
    )
    credentials_saved: Final = (
        "Logged in to Salesforce as *{username}*: org *{org_name}* (`{org_id}`), {kind}. "
        "The credentials are stored encrypted."
    )
    org_kind_sandbox: Final = "a sandbox"
    org_kind_production: Final = "production"

    # --- Salesforce faults -------------------------------------------------------------
    salesforce_unreachable: Final = (
        "Salesforce could not be reached or did not answer in time. Try again in a minute."
    )
    salesforce_request_limit: Final = (
        "The Salesforce org has used up its daily API requests. syncbot waits until Salesforce "
        "allows requests again; nothing is lost."
    )
    salesforce_refused: Final = "Salesforce refused the request ({code})."
    salesforce_server_error: Final = "Salesforce answered with a server error (HTTP {status}). Try again later."

    # --- fields ---------------------------------------------------------------------
    field_unsyncable_base64: Final = "binary content (base64) is not returned by queries of many rows"
    field_unsyncable_compound: Final = "compound field: its parts sync as their own columns"
    fields_header: Final = "*Fields the sync user can see*, per object:"
    fields_object_line: Final = "*{name}* → `{table}`: {visible} synced, {hidden} hidden{extra}"
    fields_unsyncable_count: Final = ", {count} can't be synced"
    fields_object_unavailable: Final = "*{name}*: not visible to the sync user (left out)"
    fields_footer_before: Final = (
        "See one object with `/sync fields Lead`; leave a field out with `/sync hide Lead.Field`. "
        "Then `/sync sync-fields` creates the tables."
    )
    fields_footer_after: Final = "The tables exist; these are the columns they were created with."
    fields_object_header: Final = "*{name}*: {count} fields"
    field_line: Final = "`{name}` {label} ({type})"
    field_tag_hidden: Final = " — _hidden_"
    field_tag_required: Final = " — _always synced_"
    field_tag_unsyncable: Final = " — _can't be synced: {reason}_"
    field_hidden: Final = "`{field}` is now hidden: it will not be synced."
    field_unhidden: Final = "`{field}` will be synced again."
    hide_after_sync_fields: Final = (
        "Fields can't be hidden or shown any more: `/sync sync-fields` already created the tables, and "
        "changing them now could lose synced data."
    )
    hide_required: Final = "`{field}` is needed by every synced table (Id, IsDeleted, SystemModstamp) and can't be hidden."
    hide_unsyncable: Final = "`{field}` is not synced anyway: {reason}."
    already_hidden: Final = "`{field}` is already hidden."
    already_visible: Final = "`{field}` is not hidden."
    bad_target: Final = "`{target}` is not of the form `Object.Field`, e.g. `Lead.Email`."
    no_catalog: Final = "No fields are known yet. Run `/sync fields` first."
    unknown_object: Final = "There is no object `{name}` in the sync.{hint}"
    unknown_field: Final = "There is no field `{name}` visible to the sync user.{hint}"
    did_you_mean: Final = " Did you mean {names}?"

    # --- sync-fields -------------------------------------------------------------------
    sync_fields_warning: Final = (
        ":warning: *This creates the local tables for good.* One table per object and one column "
        "per visible field; hidden fields can't be added later, and tables are never dropped."
    )
    sync_fields_done: Final = "The tables were already created by `/sync sync-fields`."
    sync_fields_result: Final = "Created {count} {tables}:"
    tables_exist: Final = (
        "The database already has tables named {tables}. syncbot never overwrites data: "
        "rename or drop them, then run `/sync sync-fields` again."
    )

    # --- confirm-credentials ------------------------------------------------------------
    confirm_warning: Final = (
        ":warning: *This binds the workspace to the Salesforce org {org_name} (`{org_id}`) for good.* "
        "Later credentials must log in to the same org."
    )
    confirm_done: Final = "This workspace is already bound to the Salesforce org `{org_id}`."
    confirm_result: Final = "This workspace is now bound to *{org_name}* (`{org_id}`)."
    credentials_changed: Final = "The credentials changed meanwhile; run `/sync confirm-credentials` again."

    # --- mappings --------------------------------------------------------------------
    mappings_header: Final = "*Salesforce field → local column*"
    mappings_object: Final = "*{name}* → table `{table}`"
    mapping_line: Final = "`{field}` → `{column}`"
    mappings_footer: Final = (
        "Rename a column with `/sync map Lead.Email email_address`: the last chance before `/sync start`."
    )
    mappings_frozen: Final = "The sync is started, so these mappings are frozen."
    map_result: Final = "`{field}` now maps to the column `{column}` (was `{old}`)."
    map_bad_column: Final = (
        "`{column}` can't be a column name: use lower-case letters, digits and underscores, "
        "starting with a letter or underscore, at most 63 characters."
    )
    map_reserved_word: Final = "`{column}` is a reserved word in SQL; every query would have to quote it. Pick another name."
    map_system_column: Final = "`{column}` is a system column of every synced table."
    map_after_start: Final = "The sync is started, so the mappings are frozen."
    map_required_field: Final = "`{field}` is a system column and can't be renamed."
    map_not_synced: Final = "`{field}` is not synced (hidden or not syncable), so it has no column."
    map_same: Final = "`{field}` already maps to `{column}`."
    map_taken: Final = "The column `{column}` is taken by `{other}`."

    # --- start ---------------------------------------------------------------------
    start_warning: Final = (
        ":warning: *This starts the persistent sync.* The mappings freeze from then on. "
        "Like the CRM syncs it replaces, syncbot does not merge duplicate people "
        "(the same email as a Lead and a Contact); `/sync duplicates` shows where they are."
    )
    start_done: Final = "The sync is already started."
    start_result: Final = "The sync is started. `/sync status` shows how it goes."

    # --- confirmations -------------------------------------------------------------
    confirm_button: Final = "Yes, go ahead"
    confirm_hint: Final = "Or type `/sync {command} yes`."
    confirm_cancelled: Final = "Cancelled; nothing changed."
    cancel_button: Final = "Cancel"

    # --- status ------------------------------------------------------------------------
    status_not_started: Final = "Not started"
    status_next: Final = "Next setup step: `/sync {step}`."
    status_last_synced: Final = "Last Synced {when}"
    status_in_progress: Final = "Sync in Progress"
    status_first_cycle: Final = "The first sync cycle has not finished yet."
    status_failed: Final = "Failed: {failure}"
    status_paused: Final = "Scheduled cycles are paused (`/sync resume`)."
    status_org: Final = "Org: *{org_name}* (`{org_id}`), {kind}, as {username}."

    # --- authorisation and parsing ---------------------------------------------------
    not_admin: Final = (
        "Only syncbot admins can run `/sync {command}`. Admins are the users in `SYNCBOT_ADMINS`, "
        "or, when it is empty, the workspace's admins and owners."
    )
    admin_lookup_failed: Final = (
        "Couldn't check whether you are an admin (Slack said `{error}`), so this is not allowed "
        "for now; nothing changed. Try again in a minute."
    )
    unknown_subcommand: Final = "`/sync {command}` is not a subcommand."
    usage: Final = "Usage: `/sync {usage}`"
    not_yet_available: Final = "`/sync {command}` arrives with the sync engine; it does nothing yet."
    step_missing: Final = "Do `/sync {next}` first: it is the next setup step."
    working: Final = ":hourglass_flowing_sand: Asking Salesforce…"
    internal_error: Final = "Something went wrong on syncbot's side; nothing changed. The error is in the bot's log."
    channel_set: Final = "Alerts will be posted to <#{channel}>."
    channel_bad: Final = "Name a channel, e.g. `/sync channel #sales-ops`."

    # --- help and home -----------------------------------------------------------------
    help_header: Final = "*syncbot* keeps a local SQL copy of your Salesforce org in sync."
    help_next_step: Final = "*Next setup step:* `/sync {step}`"
    help_all_set: Final = "*Setup is complete*; the sync runs every few minutes."
    help_admin_note: Final = "_(admin)_ marks commands only syncbot admins can run."
    help_lines: Final = {
        "help": "lists subcommands and the next setup step",
        "status": "the sync state: Not started, Last Synced, Sync in Progress or Failed",
        "credentials": "enter the Salesforce sync user's login (verified before it is stored)",
        "fields [Object]": "objects with their visible and hidden fields; with an object, its fields",
        "hide Object.Field": "leave a field out of the sync (before sync-fields only)",
        "unhide Object.Field": "bring a hidden field back (before sync-fields only)",
        "sync-fields [yes]": "create the local tables and columns for every visible field (for good)",
        "confirm-credentials [yes]": "bind this workspace to the Salesforce org (for good)",
        "mappings [Object]": "Salesforce field -> local column",
        "map Object.Field column": "rename a local column (before start only)",
        "start [yes]": "start the persistent sync; mappings freeze",
        "pause": "stop scheduled sync cycles",
        "resume": "restart scheduled sync cycles",
        "now": "run a sync cycle at once",
        "history": "recent sync runs with their counts",
        "errors": "recent record-level and job-level errors",
        "channel <#channel>": "set the channel for status changes and failure alerts",
        "duplicates": "people that appear more than once (same email as Lead and Contact)",
    }
    history_empty: Final = "No sync runs yet."
    history_header: Final = "*Recent sync runs*"
    history_line: Final = "{started} · {trigger} · *{status}* · {upserted} written, {deleted} deleted{error}"
    errors_empty: Final = "No sync errors recorded."
    errors_header: Final = "*Recent sync errors*"
    errors_line: Final = "{when} · {kind}{where}: {message}"
    paused: Final = "Scheduled sync cycles are paused. `/sync resume` restarts them."
    resumed: Final = "Scheduled sync cycles run again."
    already_paused: Final = "Scheduled sync cycles are already paused."
    not_paused: Final = "Scheduled sync cycles are not paused."
    home_title: Final = "syncbot setup"
    home_steps: Final = {
        "credentials": "Enter the Salesforce sync user's credentials",
        "sync-fields": "Choose the fields and create the tables",
        "confirm-credentials": "Bind this workspace to the org",
        "start": "Review the mappings and start the sync",
    }
    home_step_done: Final = ":white_check_mark: {label}"
    home_step_next: Final = ":arrow_right: *{label}* — `/sync {command}`"
    home_step_todo: Final = ":white_circle: {label}"
    home_state: Final = "*Sync state:* {state}"

    # --- hardening (issue 8) -------------------------------------------------------------
    signing_secret_missing: Final = (
        "SLACK_SIGNING_SECRET is not set; without it anyone could send requests in Slack's name."
    )

    credentials_changed_during_describe: Final = (
        "The Salesforce credentials changed to another org while the fields were being read; "
        "nothing was created. Run the command again to read the new org's fields."
    )
    workspace_vanished: Final = "The workspace record vanished while it was being read; nothing was stored. Try again."

    fields_object_dropped: Final = "*{name}*: no longer in `SYNCBOT_OBJECTS`, so it was left out"
    fields_object_unconfigured: Final = (
        "*{name}* → `{table}`: no longer in `SYNCBOT_OBJECTS`; its table is kept as it is"
    )
    fields_object_added_late: Final = (
        "*{name}*: added to `SYNCBOT_OBJECTS` after `/sync sync-fields`; it has no table"
    )

    form_username_too_long: Final = "A Salesforce username has at most {limit} characters."
    form_password_too_long: Final = "That is longer than a Salesforce password can be (at most {limit} characters)."
    form_password_control: Final = (
        "The password contains control characters, which no Salesforce password has; type it again."
    )
    modal_checking: Final = (
        ":hourglass_flowing_sand: *Checking with Salesforce…* This window updates itself with the result; "
        "nothing is stored until Salesforce accepts the login."
    )
    modal_still_checking: Final = "Still checking the last submission with Salesforce; wait for its result."
    modal_field_error: Final = ":warning: {message}"
    credentials_not_saved: Final = (
        "The Salesforce login you submitted was not saved: {reason} Run `/sync credentials` to try again."
    )

    database_owned: Final = (
        "This syncbot database belongs to the Slack workspace `{owner}`: one deployment serves one Slack "
        "workspace and one Salesforce org (the `sf_*` tables have no workspace column). To connect this "
        "workspace, run a second syncbot deployment with its own `DATABASE_URL`."
    )

    secret_keys_open_nothing: Final = (
        "SYNCBOT_SECRET_KEY opens none of the stored Salesforce logins (workspace {teams}): they were encrypted "
        "with another key. Put that key after the new one in SYNCBOT_SECRET_KEY and run `syncbot rotate-key`, "
        "or enter the credentials again with `/sync credentials`."
    )
    secret_key_unset_with_logins: Final = (
        "SYNCBOT_SECRET_KEY is not set, so the stored Salesforce logins (workspace {teams}) can't be read; "
        "set the key they were encrypted with."
    )
    rotate_key_done: Final = (
        "Re-encrypted {count} stored Salesforce {logins} with the first key of SYNCBOT_SECRET_KEY; "
        "the other keys can now be removed."
    )
    rotate_key_unreadable: Final = (
        "No key in SYNCBOT_SECRET_KEY opens the stored Salesforce login of workspace {team}; nothing was "
        "changed. Add the key it was encrypted with (after the new one, comma-separated)."
    )


MSG: Final = _Messages()

# How much of a typed value an answer shows back: enough to recognise it, never a wall of text.
ECHO_LIMIT = 80


def quoted(value: str, *, limit: int = ECHO_LIMIT) -> str:
    """Text a person typed, safe to show inside `backticks` in Slack mrkdwn.

    Control and format characters (NUL, escapes, bidi overrides) show as U+FFFD; long
    values are cut with an ellipsis; a backtick becomes a look-alike so nothing typed can
    close the code span; ``&``, ``<`` and ``>`` are escaped as Slack asks, so that
    ``<!channel>`` or ``<@U…>`` shows as typed and never pings anyone.
    """
    cleaned = "".join("\ufffd" if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in value)
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    cleaned = cleaned.replace("`", "\u02cb")
    return cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

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

    lock_folder_unsafe: Final = (
        "The lock folder {folder} beside the SQLite database {problem}: syncbot keeps its locks only "
        "in a real folder owned by the user it runs as, that nobody else can write to. Remove it "
        "(syncbot creates it again) or fix its owner and mode."
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
    login_locked_out: Final = (
        "Salesforce has locked this user out after too many failed logins. Wait until the lockout ends "
        "(or have an admin of the org unlock the user), then check the password and security token."
    )
    login_user_inactive: Final = (
        "This user is inactive (or frozen) in Salesforce. An admin of the org can activate it again, "
        "or enter the credentials of an active user."
    )
    login_org_locked: Final = (
        "Salesforce has locked this org ({answer}), so nobody can log in to it; its admins or Salesforce "
        "support can say why."
    )
    login_no_api_access: Final = (
        "The sync user may not log in through the API ({answer}): its profile or a permission set needs "
        "'API Enabled'."
    )
    login_restricted_ip: Final = (
        "The sync user's profile allows logins only from certain IP addresses, and this server's is not one "
        "of them: add it to the profile's Login IP Ranges."
    )
    login_restricted_hours: Final = (
        "The sync user's profile allows logins only at certain hours (its Login Hours), and this is not one."
    )
    # Not a verdict on the credentials: a limit, or Salesforce itself failing (said as an outage).
    login_request_limit: Final = (
        "Salesforce refuses the login for now ({answer}): the org has used up its daily API requests. "
        "Try again later; Salesforce counts them over a rolling 24 hours."
    )
    login_rate_exceeded: Final = (
        "Salesforce refuses this user's logins for now ({answer}): it allows a user at most 3,600 logins an "
        "hour, and another integration sharing the user may be using them up. Try again in an hour."
    )
    login_unavailable: Final = (
        "Salesforce is unavailable: it answered the login with {answer}, an error on its own side, as during "
        "a Salesforce incident; the login itself was not refused. Try again in a few minutes."
    )
    login_answer_fault: Final = "{code} ({message})"
    login_answer_status: Final = "HTTP {status}"
    login_answer_unreadable: Final = "a page that is not a login answer"
    login_refused: Final = "Salesforce refused the login ({code})."
    login_refused_because: Final = "Salesforce refused the login ({code}): {message}"
    login_other_org: Final = (
        "This workspace is bound to the Salesforce org {bound}; these credentials log in to the org "
        "{new}. Enter credentials of a user of {bound}."
    )
    login_other_org_tables: Final = (
        "The tables were created from the fields of the Salesforce org {tables_org}; these credentials "
        "log in to the org {new}. Enter credentials of a user of {tables_org}."
    )
    # A stored login Salesforce refuses, outside the modal: its words once, then the one advice for its kind.
    stored_login_failed: Final = "Salesforce refused the stored login: {answer}. {advice}"
    stored_login_refused: Final = "Salesforce refused the stored login: {answer}."
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
    salesforce_refused_because: Final = "Salesforce refused the request ({code}): {message}"
    salesforce_server_error: Final = "Salesforce answered with a server error (HTTP {status}). Try again later."
    salesforce_download_broken: Final = (
        "The connection to Salesforce broke off in the middle of a download. Try again later."
    )
    salesforce_download_short: Final = (
        "Salesforce sent {rows:,} of the {expected:,} rows it announced for a page of results "
        "(the download was cut short). Try again later."
    )

    # --- fields ---------------------------------------------------------------------
    field_unsyncable_base64: Final = "binary content (base64) is not returned by queries of many rows"
    field_unsyncable_compound: Final = "compound field: its parts sync as their own columns"
    fields_header: Final = "*Fields the sync user can see*, per object:"
    fields_object_line: Final = "*{name}* → `{table}`: {visible} synced, {hidden} hidden{extra}"
    fields_unsyncable_count: Final = ", {count} can't be synced: {fields}"
    fields_unsyncable_reason: Final = "{fields} ({reason})"
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
    status_failing_since: Final = "Failing since {when}; last synced {last}."
    status_failing_since_never: Final = "Failing since {when}; no cycle has succeeded yet."
    status_todo: Final = "*What to do:* {hint}"
    status_changes: Final = "Last cycle: {changes}."
    status_no_changes: Final = "Last cycle: no changes."
    status_object_changes: Final = "{object} {inserted:,} new, {updated:,} updated, {deleted:,} deleted"
    status_object_progress: Final = "{object} ({method}): {done:,}{of} rows{rate}{left}"
    status_progress_of: Final = " of about {expected:,}"
    status_progress_rate: Final = ", {rate:,.0f} rows/s"
    status_progress_left: Final = ", about {left} left"
    status_progress_done: Final = "{object} ({method}): {done:,} rows, done"
    status_waiting: Final = "Not started yet: {objects}."
    status_running_since: Final = "This cycle started {when}."
    status_previous_sync: Final = "Last Synced {when}."
    status_sync_requested: Final = "A cycle was asked for with `/sync now`; it starts within seconds."
    status_paused: Final = "Scheduled cycles are paused (`/sync resume`)."
    status_org: Final = "Org: *{org_name}* (`{org_id}`), {kind}, as {username}."

    # --- the sync engine -----------------------------------------------------------------
    sync_interrupted: Final = "The cycle was interrupted (syncbot was stopping); the next one continues where it ended."
    sync_quota_reached: Final = (
        "syncbot stopped reading at {quota}% of the org's daily API requests ({used:,} of {max:,} used), "
        "to leave room for the org's other integrations. It goes on by itself when usage falls; "
        "`SYNCBOT_API_QUOTA` sets the share."
    )
    now_requested: Final = "A sync cycle starts within seconds; `/sync status` shows how it goes."
    now_running: Final = "A sync cycle is running already; `/sync status` shows how far it is. It is not started twice."
    sync_record_error: Final = "{where}: {message}"
    sync_objects_failed: Final = "Salesforce refused reading {objects}; the other objects are up to date. `/sync errors` says why."
    sync_internal_error: Final = "Something went wrong on syncbot's side; what was written is kept. The error is in the bot's log."
    sync_object_internal_error: Final = (
        "{object} could not be read because of an error on syncbot's side ({error}); what was written is kept "
        "and the other objects went on. The bot's log has the details."
    )
    sync_objects_internal: Final = (
        "Something went wrong on syncbot's side while reading {objects}; the other objects are up to date. "
        "`/sync errors` says what."
    )
    # The database itself failed a write (no record's fault): the batch is dropped whole, the cursor stays.
    db_table_locked: Final = (
        "The table {table} was locked by another session for more than {timeout} (the database's `lock_timeout`)."
    )
    db_table_locked_now: Final = "The table {table} was locked by another session."
    db_statement_timeout: Final = (
        "Writing the table {table} took longer than the database's `statement_timeout` ({timeout}); "
        "another session may have held a lock on it."
    )
    db_statement_cancelled: Final = "Writing the table {table} was cancelled (by an administrator or a proxy)."
    db_conflict: Final = "Writing the table {table} collided with another session's changes ({reason})."
    db_no_privilege: Final = "The database user may not write the table {table} ({reason})."
    db_table_changed: Final = "The table {table} no longer takes syncbot's rows ({reason}); was it altered by hand?"
    db_read_only: Final = "The database is read-only ({reason}): a standby, or a failover under way."
    db_disk_full: Final = "The database's disk is full ({reason})."
    db_out_of_resources: Final = "The database ran out of resources ({reason})."
    db_connection_lost: Final = "The connection to the database was lost ({reason})."
    db_file_locked: Final = "The database file was locked by another process for more than {timeout}."
    db_file_read_only: Final = "The database file can't be written ({reason}); check its permissions and its folder's."
    db_disk_error: Final = "The disk failed a read or write of the database ({reason})."
    db_refused: Final = "The database refused writing the table {table} ({reason})."
    db_refused_all: Final = "The database refused the write ({reason})."
    db_nothing_lost: Final = "Nothing was lost: the cursor stayed, and the next cycle reads the same changes again."
    sync_lock_lost: Final = (
        "This process lost its hold on the workspace (the database connection that held its lock closed: "
        "a failover, `idle_session_timeout` or a proxy), so it stopped before writing more. "
        "The next cycle, here or in another process, goes on from what was written."
    )

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
        "errors [csv]": "recent record-level and job-level errors; `csv` sends you the full list as a file, by direct message",
        "channel <#channel>": "set the channel for status changes and failure alerts",
        "duplicates": "people that appear more than once (same email as Lead and Contact)",
        "verify [fix]": "is the local copy right? `fix` (admins) repairs missed fields, deletes and formulas now",
    }
    history_empty: Final = "No sync runs yet."
    errors_empty: Final = "No sync errors recorded."
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

    # --- alerts (posted by bot.alerts; written in handlers.alerts) ---------------------
    alert_failed: Final = ":red_circle: *The Salesforce sync is failing:* {what}."
    alert_failed_other_kind: Final = ":red_circle: *The Salesforce sync is still failing, now for another reason:* {what}."
    alert_failure_words: Final = "> {error}"
    alert_failing_since: Final = "Failing since {since}. Last successful sync: {last_ok}."
    alert_failing_since_never: Final = "Failing since {since}. No sync has succeeded yet."
    alert_todo: Final = "*What to do:* {advice}"
    alert_what: Final = {
        "login": "Salesforce no longer accepts the sync user's password or security token",
        "password_expired": "the sync user's Salesforce password has expired",
        "locked_out": "Salesforce has locked the sync user out after too many failed logins",
        "user_inactive": "the sync user is inactive or frozen in Salesforce",
        "login_restricted": "the sync user's profile refuses logins from this server or at this hour",
        "no_api": "Salesforce doesn't let the sync user use the API",
        "org_locked": "Salesforce has locked the org",
        "request_limit": "the org's daily Salesforce API requests are used up",
        "quota": "syncbot stopped at its share of the org's daily API requests",
        "unavailable": "Salesforce can't be reached",
        "refused": "Salesforce refused a request",
        "secret_key": "the stored Salesforce credentials can't be opened",
        "storage": "the local database refused the change",
        "locked": "another session held a lock on the local database too long",
        "internal": "something went wrong inside syncbot",
    }
    # What to do about a failure, by kind: said by `/sync status` and by the failure alert.
    failure_advice: Final = {
        "login": (
            "Enter the sync user's current password and newest security token with `/sync credentials` "
            "(in Salesforce, Settings → Reset My Security Token emails a new one)."
        ),
        "password_expired": (
            "Log in to Salesforce as the sync user and set a new password, then enter it with `/sync credentials`, "
            "together with the security token Salesforce emails after the change."
        ),
        "locked_out": (
            "Have an admin of the org unlock the sync user (Setup → Users), or wait until the lockout ends, then "
            "enter the right password with `/sync credentials`."
        ),
        "user_inactive": (
            "Have an admin of the org activate or unfreeze the sync user (Setup → Users), or enter another "
            "user's login with `/sync credentials`."
        ),
        "login_restricted": (
            "Have an admin of the org let the sync user in from this server at any hour: its profile's "
            "Login IP Ranges and Login Hours. Cycles start again by themselves once Salesforce lets it in."
        ),
        "no_api": (
            "Have an admin of the org give the sync user 'API Enabled' (on its profile or a permission set); "
            "the org's edition must include the API. Cycles start again by themselves once it is on."
        ),
        "org_locked": (
            "Ask the org's admins or Salesforce support why the org is locked; nothing needs changing in "
            "syncbot, and cycles start again by themselves once Salesforce unlocks it."
        ),
        "request_limit": (
            "Wait: Salesforce counts API requests over a rolling 24 hours, so requests become available "
            "again as the oldest age out, and syncbot carries on by itself. Nothing is lost."
        ),
        "quota": (
            "Nothing, usually: syncbot pauses at `SYNCBOT_API_QUOTA` percent of the org's daily API "
            "requests to leave room for other integrations, and continues by itself when usage falls. "
            "Raise `SYNCBOT_API_QUOTA` to let it use more."
        ),
        "unavailable": (
            "Nothing: syncbot retries every cycle by itself. If it lasts, check Salesforce's status "
            "page (status.salesforce.com) and this server's connection."
        ),
        "refused": (
            "Check that the sync user may still read the synced objects and fields; `/sync errors` "
            "shows what Salesforce refused."
        ),
        "secret_key": (
            "Start syncbot with the `SYNCBOT_SECRET_KEY` the credentials were stored with, or enter "
            "them again with `/sync credentials`."
        ),
        "storage": (
            "Check that the database is up, has room and lets syncbot's user write its tables; syncbot tries "
            "again every cycle and reads what it could not write again, so nothing is lost."
        ),
        "locked": (
            "Nothing is lost: the next cycle reads the same changes again. If it lasts, find the session "
            "holding the lock (on PostgreSQL `pg_stat_activity` shows it: a long `CREATE INDEX`, an `ALTER TABLE`, "
            "a transaction left open) and let it finish or end it."
        ),
        "internal": "Nothing to fix on your side; the bot's log has the details. syncbot tries again every cycle.",
    }
    alert_advice_refused_field: Final = (
        "Fix the field `{field}` in Salesforce, or hide it from the sync user with field-level security; "
        "the next cycle picks the change up. `/sync errors` has the details."
    )
    alert_api_usage: Final = "The org has used {used} of its {max} daily API requests."
    alert_still_failing: Final = ":hourglass: Still failing, since {since} ({cycles} failed {cycles_word}): {error}"
    alert_recovered: Final = ":large_green_circle: *The Salesforce sync recovered* after {downtime} of failures."
    alert_recovered_rows: Final = "Caught up in this cycle: {rows}."
    alert_recovered_nothing: Final = "Nothing had changed in Salesforce meanwhile."
    alert_record_errors: Final = ":warning: *{count} {records_word} couldn't be synced* in the cycle of {when}. Most common:"
    alert_record_error_line: Final = "• {count}× {where}: {message}"
    alert_record_errors_more: Final = "See every one with `/sync errors`."
    alert_lagging: Final = (
        ":hourglass_flowing_sand: *No sync cycle has succeeded for {duration}* ({intervals} sync intervals), "
        "though none failed. Is a syncbot process running the scheduler (`syncbot serve`, `socket` or "
        "`worker`)? `/sync status` shows a cycle that is stuck."
    )
    alert_lagging_first_load: Final = (
        ":hourglass_flowing_sand: *The first load has been running for {duration}* and no cycle has finished "
        "yet. A large org can take this long; if `/sync status` shows no progress, check that a syncbot "
        "process is running the scheduler."
    )
    alert_lag_last_ok: Final = "Last successful sync: {when}."
    alert_caught_up: Final = ":white_check_mark: *The sync has caught up*: a cycle succeeded after {duration} without one."
    alert_started: Final = (
        ":rocket: {who} started the Salesforce sync. The first cycle loads every record; "
        "this channel hears when it is done."
    )
    alert_initial_load: Final = ":tada: *The first load is done*, in {duration}: {total} {records_word}."
    alert_object_rows: Final = "• {object}: {rows}"
    alert_paused: Final = ":double_vertical_bar: {who} paused the scheduled sync cycles. `/sync resume` restarts them."
    alert_resumed: Final = ":arrow_forward: {who} resumed the scheduled sync cycles."
    alert_credentials_changed: Final = ":key: {who} changed the Salesforce credentials (org *{org_name}*)."
    alert_someone: Final = "An admin"
    alert_digest: Final = ":bar_chart: *Daily sync digest*, the 24 hours to {until}"
    alert_digest_cycles: Final = "Cycles: {runs} run, {failed} failed."
    alert_digest_records: Final = "Records synced: {total}."
    alert_digest_no_records: Final = "Records synced: none."
    alert_digest_errors: Final = "Errors: {errors}."
    alert_digest_no_errors: Final = "Errors: none."
    alert_digest_error_kind: Final = "{count} {kind}"
    alert_digest_api: Final = "API requests: syncbot made {calls}; the org has used {used} of its {max} daily requests ({percent}%)."
    alert_digest_api_unknown: Final = "API requests: syncbot made {calls}."
    alert_channel_broken: Final = (
        ":warning: I can't post alerts to <#{channel}>: Slack says `{error}` ({meaning}). Choose a working "
        "channel with `/sync channel #channel`; until then I send alerts to you here. This one:"
    )
    alert_channel_broken_again: Final = "Not posted to <#{channel}> either (`{error}`):"
    alert_channel_errors: Final = {
        "channel_not_found": "the channel was deleted, or it is private and I am not in it",
        "not_in_channel": "I am not in it any more; `/invite @syncbot` there",
        "is_archived": "it is archived",
        "account_inactive": "the bot's account is deactivated",
    }
    alert_channel_error_other: Final = "posting there is refused"
    alert_records_word: Final = ("record", "records")
    alert_cycles_word: Final = ("cycle", "cycles")
    alert_duration_units: Final = (("day", "days"), ("h", "h"), ("min", "min"), ("s", "s"))

    # --- /sync channel ---------------------------------------------------------------
    channel_chosen: Final = "Alerts will be posted to <#{channel}>. I posted a test message there."
    channel_chosen_joined: Final = "Alerts will be posted to <#{channel}>: I joined it and posted a test message."
    channel_test: Final = ":wave: <@{user}> chose this channel for syncbot's alerts: sync failures, recoveries and a daily digest."
    channel_unknown_name: Final = (
        "I can't find a channel named #{name}. If it is private, `/invite @syncbot` there first, then try again."
    )
    channel_not_found: Final = (
        "I can't see the channel {name}: it was deleted, or it is private and I am not in it. "
        "For a private channel, `/invite @syncbot` there first. Nothing changed."
    )
    channel_archived: Final = "#{name} is archived, so I can't post there. Pick another channel; nothing changed."
    channel_invite: Final = "#{name} is private and I am not in it. `/invite @syncbot` there, then run this again."
    channel_join_failed: Final = "I couldn't join #{name} (Slack said `{error}`). Nothing changed."
    channel_post_failed: Final = "I couldn't post to #{name} (Slack said `{error}`), so it isn't the alert channel."
    channel_slack_error: Final = "Slack answered `{error}`; nothing changed. Try again in a minute."
    # --- files, duplicates and the App Home dashboard ------------------------------
    file_sent_by_dm: Final = (
        "I sent `{filename}` to you in a direct message: it holds records' details, so it goes only to "
        "the person who asked."
    )
    file_missing_scope: Final = (
        "I couldn't attach `{filename}`: syncbot lacks Slack's `{scope}` permission. An admin can add "
        "it to the app (see `manifest.yml`) and reinstall it."
    )
    file_upload_failed: Final = "I couldn't attach `{filename}` (Slack said `{error}`). Try again in a minute."
    errors_csv_title: Final = "syncbot sync errors"
    duplicates_not_started: Final = (
        "Duplicates are looked for in the synced Leads and Contacts, and the sync isn't started yet. "
        "Next setup step: `/sync {step}`."
    )
    duplicates_before_first_sync: Final = (
        "No sync cycle has succeeded yet, so the tables are not complete. "
        "Try again once `/sync status` says Last Synced."
    )
    duplicates_no_email: Final = (
        "Neither Leads nor Contacts are synced with their Email field, so there is nothing to compare."
    )
    duplicates_none: Final = "No duplicates: no two live records among {objects} share an email."
    duplicates_header: Final = "*Duplicate people* — shared emails: *{emails}*, live records: *{records}*"
    duplicates_count: Final = "{kind}: *{count}*"
    duplicates_count_note: Final = (
        "Emails are compared trimmed and ignoring case; an email shared by two Leads and a Contact "
        "counts as Lead–Lead and as Lead–Contact."
    )
    duplicates_left_out: Final = "Not searched: {objects} (no synced table with an Email column)."
    duplicates_group: Final = "`{email}` — {records}"
    duplicates_record_link: Final = "{object} <{url}|{name}> `{id}`"
    duplicates_record: Final = "{object} {name} `{id}`"
    duplicates_no_name: Final = "(no name)"
    duplicates_more: Final = "Showing the first {shown} of {total} shared emails."
    duplicates_csv_title: Final = "syncbot duplicate people"
    objects_and: Final = "{first} and {last}"
    home_dashboard_title: Final = "syncbot"
    home_steps_short: Final = {
        "credentials": "credentials",
        "sync-fields": "tables",
        "confirm-credentials": "org bound",
        "start": "started",
    }
    home_setup_line: Final = "*Setup:* {steps}"
    home_last_cycle: Final = (
        "*Last cycle:* {when} · {trigger} · *{status}* · {written} written, {deleted} deleted in {duration}{error}"
    )
    home_no_cycle: Final = "*Last cycle:* none has finished yet."
    home_rows_header: Final = "*Live rows per object*"
    home_rows_line: Final = "`{table}` {object}: {rows}"
    home_rows_none: Final = "No synced tables."
    home_cycles_header: Final = (
        "*Cycles in the last 24 hours:* {count} · failed: {failed} · records written: {written}"
    )
    home_cycles_none: Final = "*Cycles in the last 24 hours:* none finished yet."
    home_spark_written: Final = "Records written `{line}` (most in one: {most})"
    home_spark_seconds: Final = "Duration `{line}` (longest: {longest})"
    home_spark_legend: Final = "{mark} marks a failed cycle."
    home_chart_no_scope: Final = "Add Slack's `files:write` permission to the app to see this as a chart."
    home_chart_unavailable: Final = "The chart could not be shown (Slack said `{error}`)."
    home_errors_header: Final = "*Recent errors*"
    home_more: Final = "More with `/sync status`, `/sync history`, `/sync errors` and `/sync duplicates`."
    chart_title: Final = "Sync cycles, last 24 hours (UTC)"
    chart_written_axis: Final = "records written"
    chart_seconds_axis: Final = "seconds"
    chart_failed_label: Final = "failed cycle"
    chart_alt: Final = (
        "Chart of {count} sync cycles in the last 24 hours: {written} records written, {failed} failed, "
        "longest {longest}."
    )

    # --- hardening (issue 8) -------------------------------------------------------------
    signing_secret_missing: Final = (
        "SLACK_SIGNING_SECRET is not set; without it anyone could send requests in Slack's name."
    )

    # --- start-up: Slack, the secret key, stopping ----------------------------------------
    slack_token_refused: Final = "SLACK_BOT_TOKEN was refused by Slack ({error})."
    slack_app_token_refused: Final = "SLACK_APP_TOKEN was refused by Slack ({error})."
    slack_http_status: Final = "it answered HTTP {status}"
    slack_unreachable: Final = (
        "Slack cannot be reached at {url} ({reason}). syncbot starts anyway: sync cycles run and alerts "
        "wait in the outbox. Asking Slack again in {pause} s."
    )
    slack_still_unreachable: Final = "Slack still cannot be reached at {url} ({reason}); asking again in {pause} s."
    slack_reached: Final = "Slack answers at {url}: the bot token is accepted."
    secret_key_unset_at_start: Final = (
        "SYNCBOT_SECRET_KEY is not set: no Salesforce login can be stored or read (`/sync credentials` "
        "refuses) until it is. Make a key with `syncbot keygen`, set it, and restart."
    )
    process_stopped: Final = "syncbot {command} stopped"

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

    # ----- drift: fields changed after start, reconciliation, formulas, `/sync verify` ---------
    drift_field_added: Final = "{field} is new in Salesforce: it became column `{column}`, filled for every row."
    drift_field_removed: Final = (
        "{field} is gone from Salesforce (deleted, or hidden from the sync user): it is no longer read, "
        "and column `{column}` keeps its last values."
    )
    drift_field_gone: Final = "no longer visible to the sync user; its column keeps its last values"
    drift_field_back: Final = "{field} is visible again: column `{column}` is read again, filled for every row."
    drift_field_changed: Final = (
        "{field} changed in Salesforce from {old} to {new}; column `{column}` holds the new values as they are."
    )
    drift_field_widened: Final = "{field} changed in Salesforce from {old} to {new}; column `{column}` was widened."
    drift_field_stopped: Final = (
        "{field} changed in Salesforce from {old} to {new}, which column `{column}` cannot hold without "
        "converting the values: it is no longer read, and the column keeps its last values."
    )
    drift_field_stopped_reason: Final = "its type changed in Salesforce ({old} to {new}); its column keeps its last values"
    verify_header: Final = "*Is the local copy right?* Salesforce against the local tables, live rows only:"
    verify_line: Final = "{mark} *{object}*: {remote:,} in Salesforce, {local:,} here · newest change {remote_newest} there, {local_newest} here"
    verify_refused: Final = ":warning: *{object}*: Salesforce refused the count: {error}"
    verify_agree: Final = "Every object agrees."
    verify_disagree: Final = "{count} {objects} disagree: `/sync verify fix` repairs the copy now (admins)."
    verify_never_reconciled: Final = "No reconciliation has run yet; it runs daily."
    verify_reconciled: Final = "Last reconciliation with Salesforce: {when}."
    verify_nothing: Final = "never"
    verify_no_tables: Final = "There are no local tables to check yet: `/sync start` comes first."
    verify_busy: Final = "A sync cycle is running right now; `/sync verify fix` can run once it ends."
    verify_fixed: Final = (
        "Repaired: {added:,} new {columns} ({backfilled:,} {values} filled), {removed:,} {fields} no longer read, "
        "{purged:,} {rows} gone from Salesforce marked deleted, {repaired:,} missing or stale {rerows} read again, "
        "{formulas:,} {frows} with changed formula values."
    )
    verify_fix_failed: Final = "The repair ran into a problem: {error}"
    reconcile_out_of_order: Final = (
        "{object}: the reconciliation stopped and changed nothing: {side} Ids came out of order "
        "({later} after {earlier}). It is tried again at its next run."
    )
    reconcile_side_salesforce: Final = "Salesforce's"
    reconcile_side_local: Final = "the local table's"
    # ----- reads of Salesforce anyone may ask for: `/sync verify`, `/sync fields` (bot.read_guard) -----
    read_recent: Final = {
        "verify": "Checked {ago}; here is that result.",
        "describe": "These are the fields as Salesforce described them {ago}.",
    }
    read_every: Final = (
        "Members make Salesforce answer at most once every {minutes} minutes per workspace, to spare the "
        "org's daily API requests; admins may ask at any time."
    )
    read_running: Final = "A look at Salesforce started {ago} is still under way; ask again in a minute."
    read_failed: Final = "The last look at Salesforce, {ago}, failed: {error}"
    read_next: Final = "Members may make Salesforce answer again from {when}; admins at any time."
    read_quota: Final = (
        "Salesforce was not asked: when last seen ({ago}), the org had used {used:,} of its {max:,} daily API "
        "requests ({percent}%); from {quota}% on (`SYNCBOT_API_QUOTA`) syncbot leaves the rest to the org's "
        "other integrations."
    )
    read_kept: Final = {
        "verify": "Here is the last check, from {ago}.",
        "describe": "These are the fields as Salesforce last described them, {ago}.",
    }
    read_nothing_kept: Final = {
        "verify": "There is no earlier check to show.",
        "describe": "The fields have not been described yet.",
    }
    reconciled_after_pause: Final = (
        "The sync was stopped for {days} days, longer than the 15 days Salesforce keeps deleted records: "
        "the Ids were compared with Salesforce's before the copy was called current."
    )


    # --- the demo (issue 7) ----------------------------------------------------------------
    demo_title: Final = "syncbot demo: the whole setup, offline."
    demo_salesforce: Final = (
        "Salesforce: the built-in simulator, org {org} ({org_id}), with {Lead:,} Leads, {Contact:,} Contacts, "
        "{Account:,} Accounts, {Opportunity:,} Opportunities and {Campaign:,} Campaigns; reps keep changing them."
    )
    demo_slack: Final = (
        "Slack: a local stand-in; an admin types the commands below, and #{channel} is the team's alert channel."
    )
    demo_scene_mark: Final = "=="
    demo_scene_setup: Final = "The setup, step by step"
    demo_scene_first_load: Final = "The first load"
    demo_scene_everyday: Final = "Everyday cycles (one every {interval}; the demo does not wait for them)"
    demo_scene_failure: Final = "A failure"
    demo_scene_recovery: Final = "The recovery"
    demo_scene_duplicates: Final = "Duplicate people"
    demo_scene_end: Final = "Where things stand"
    demo_more_lines: Final = "… {count} more lines"
    demo_clicks: Final = 'clicks "Yes, go ahead"'
    demo_modal_opens: Final = 'a modal "{title}" opens with: {labels}'
    demo_modal_filled: Final = "the admin enters {username}, the password and the security token, and submits"
    demo_modal_refilled: Final = "the admin enters {username}, the new password and the new security token, and submits"
    demo_channel_post: Final = "#{channel}  {bot}: "
    demo_channel_thread: Final = "#{channel}  {bot} (in thread): "
    demo_channel_edited: Final = "#{channel}  {bot} (edited): "
    demo_activity: Final = (
        "meanwhile in Salesforce: Leads added {created}, Contacts and Opportunities edited {updated}, "
        "Leads deleted {deleted}"
    )
    demo_next_cycle: Final = "the next scheduled cycle runs"
    demo_password_expires: Final = "in Salesforce, the password of {username} expires"
    demo_no_second_alert: Final = "the failure goes on; the channel is not told again"
    demo_password_reset: Final = (
        "the admin sets a new password for {username} in Salesforce, which emails a new security token"
    )
    demo_database: Final = (
        "The local database {path} has {count} synced tables: {tables}. They hold {rows} rows: {live} live "
        "records and {deleted} deleted in Salesforce, kept with `isdeleted` set so the copy shows what was deleted."
    )
    demo_sqlite_hint: Final = (
        'Look inside: sqlite3 {path} "SELECT firstname, lastname, email_address, company FROM sf_lead '
        'WHERE NOT isdeleted LIMIT 5"'
    )
    demo_file_saved: Final = "the direct message holds {filename}; the demo saved it as {path}"
    demo_database_temporary: Final = (
        "It is a temporary file, left for you to look at; `syncbot demo --database demo.db` keeps it where you say."
    )
    demo_database_kept: Final = "It stays there; run the demo again with another file for a fresh start."
    demo_serve_title: Final = "syncbot demo --serve: the demo's Salesforce org, served until Ctrl-C."
    demo_serve_url: Final = (
        "Point syncbot at it, in the shell where `syncbot serve` or `syncbot socket` runs:\n"
        "    export SYNCBOT_SALESFORCE_URL={url}"
    )
    demo_serve_login: Final = (
        "Then, in Slack, `/sync credentials` with:\n"
        "    Username:        {username}\n"
        "    Password:        {password}\n"
        "    Security token:  {token}\n"
        "    Sandbox:         no"
    )
    demo_serve_activity: Final = "Reps change a few records about every {seconds} s; each burst is listed below."
    demo_serve_burst: Final = (
        "{at} UTC  Leads added {created}, Contacts and Opportunities edited {updated}, Leads deleted {deleted}"
    )
    demo_serve_stopped: Final = "The demo's Salesforce org is stopped."
    demo_serve_cannot_listen: Final = "The demo's Salesforce org can't listen on {host}:{port}: {error}."
    demo_database_exists: Final = (
        "{path} exists already; the demo starts from an empty database: name a new file, or delete that one."
    )
    demo_cycle_unexpected: Final = "The demo's sync cycle ended {got} (expected {expected}): {error}"

    # --- history, errors and the first load's progress (issue 7) ----------------------------
    ago: Final = "{duration} ago"
    ago_just_now: Final = "just now"
    ago_days: Final = "{days} days ago"
    method_names: Final = {"rest": "REST", "bulk": "Bulk"}
    history_title: Final = "*Recent sync runs*, newest first"
    history_statuses: Final = {
        "succeeded": ":white_check_mark: *Succeeded*",
        "failed": ":x: *Failed*",
        "running": ":hourglass_flowing_sand: *Running*",
        "interrupted": ":double_vertical_bar: *Interrupted*",
    }
    history_triggers: Final = {"schedule": "scheduled", "now": "`/sync now`", "start": "`/sync start`"}
    history_run: Final = "{status} {ago} · {trigger}\n`{inserted} new {updated} updated {deleted} deleted` {how}"
    history_how: Final = "{methods} · {calls:,} API calls · {took}"
    history_record_errors: Final = ("record error", "record errors")
    history_still_running: Final = "still running"
    history_started: Final = "Started {when}"
    errors_title: Final = "*Recent sync errors*, newest first"
    error_kinds: Final = {"record": "Record", "job": "Job"}
    error_title: Final = "*{kind}* · {where} · {ago}"
    error_record: Final = "{object} `{record_id}`"
    error_field: Final = "field `{field}`"
    error_whole_cycle: Final = "the whole cycle"
    error_message: Final = "> {message}"
    errors_more: Final = "`/sync errors csv` sends you the full list as a file, by direct message."
    progress_running: Final = (
        ":hourglass_flowing_sand: *First load from Salesforce*: {done} of {total} objects read, {rows} rows so far."
    )
    progress_done: Final = ":white_check_mark: *First load from Salesforce*: all {total} objects read."
    progress_stopped: Final = (
        ":warning: *First load from Salesforce*: stopped after {rows} rows; the next cycle goes on from there."
    )
    progress_began: Final = "Started {began}. This message updates itself as the load goes."
    progress_began_stopped: Final = "Started {began}. This message goes on with the next cycle."
    progress_finished: Final = "Started {began}, finished {finished}."
    progress_object: Final = "*{object}*{method}\n`{bar}` {detail}"
    progress_method: Final = " · {method}"
    progress_running_rows: Final = "{done} of about {expected} rows"
    progress_counting: Final = "{done} rows so far"
    progress_object_done: Final = "{done} rows"
    progress_object_failed: Final = "{done} rows, failed"
    progress_object_stopped: Final = "{done} rows, stopped"
    progress_waiting: Final = "waiting"
    progress_waiting_after: Final = "{done} rows so far, waiting for its turn"
    progress_preparing: Final = "Salesforce is preparing the Bulk job"

    # --- drift in the alert channel, history and the digest (issue 9) ------------------------
    alert_drift: Final = ":triangular_ruler: *The Salesforce org changed under the sync*"
    alert_drift_reconciled: Final = ":mag: *The local copy was compared with Salesforce*"
    alert_drift_added: Final = "{fields} added; {its} {columns} {was} filled for {rows}."
    alert_drift_added_words: Final = (("its column", "was"), ("their columns", "were"))
    alert_drift_removed: Final = (
        "{fields} removed (deleted, or hidden from the sync user): no longer read; {its} {columns} {keeps} "
        "the last values."
    )
    alert_drift_removed_words: Final = (("its column", "keeps"), ("their columns", "keep"))
    alert_drift_repaired: Final = "The reconciliation repaired the copy: {purged} marked deleted, {repaired} read again."
    alert_drift_purged_words: Final = ("row gone from Salesforce", "rows gone from Salesforce")
    alert_drift_repaired_words: Final = ("missing or stale row", "missing or stale rows")
    alert_drift_formulas: Final = "Formula values refreshed: {formulas} changed."
    alert_rows_word: Final = ("row", "rows")
    repair_counts: Final = {
        "fields_added": ("field added", "fields added"),
        "fields_removed": ("field removed", "fields removed"),
        "rows_backfilled": ("row back-filled", "rows back-filled"),
        "rows_purged": ("row marked deleted", "rows marked deleted"),
        "rows_repaired": ("row read again", "rows read again"),
        "formulas_changed": ("formula value changed", "formula values changed"),
    }
    history_repairs: Final = "Drift checks: {counts}"
    alert_digest_repairs: Final = "Drift checks: {counts}."


MSG: Final = _Messages()

# How much of a typed value an answer shows back: enough to recognise it, never a wall of text.
ECHO_LIMIT = 80


def printable(value: str, *, keep: str = "") -> str:
    """``value`` with its control and format characters (NUL, escapes, bidi overrides,
    zero-width spaces) shown as U+FFFD, but those in ``keep``: nothing invisible changes how it reads."""
    return "".join("\ufffd" if ch not in keep and unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in value)


def quoted(value: str, *, limit: int = ECHO_LIMIT) -> str:
    """Text a person typed, fit to show inside `backticks` in a sentence.

    Control and format characters (NUL, escapes, bidi overrides) show as U+FFFD; long
    values are cut with an ellipsis; a backtick becomes a look-alike so nothing typed can
    close the code span. Slack's escaping (so that ``<!channel>`` shows as typed and never
    pings anyone) is done where the sentence is shown, as for all text syncbot did not
    write: ``handlers.mrkdwn``.
    """
    cleaned = printable(value)
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned.replace("`", "\u02cb")

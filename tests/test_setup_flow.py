"""The whole guided setup, driven through signed Slack requests against the running
app, with the real simple-salesforce client talking to the Salesforce simulator."""

from __future__ import annotations

from sqlalchemy import inspect

from bot.simulator import SalesforceSimulator
from tests.support.harness import ADMIN, MEMBER, RunningBot


def _columns(bot: RunningBot, table: str) -> dict[str, str]:
    with bot.services.db.engine.connect() as conn:
        return {col["name"]: str(col["type"]) for col in inspect(conn).get_columns(table)}


def _tables(bot: RunningBot) -> set[str]:
    with bot.services.db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_the_whole_setup(sf_bot: RunningBot, salesforce: SalesforceSimulator) -> None:
    bot = sf_bot
    org = salesforce.org

    # 1. Credentials: the modal closes into a confirmation; the channel is told who is connected.
    answer = bot.submit_credentials()
    assert answer["response_action"] == "update"
    assert "Acme Corp" in answer["view"]["blocks"][0]["text"]["text"]
    post = bot.slack.wait_for_response()
    assert post.text.startswith(f"Logged in to Salesforce as *sync@acme.example*: org *Acme Corp* (`{org.org_id}`), production.")
    assert "Next setup step: `/sync sync-fields`." in post.text
    assert bot.ask("status", user_id=MEMBER).splitlines()[0] == "Not started"

    # 2. Fields: counts per object, then one object's fields, hidden and unsyncable ones marked.
    overview = bot.reply("fields", user_id=MEMBER)
    assert "*Lead* → `sf_lead`:" in overview
    assert "*OpportunityContactRole* → `sf_opportunitycontactrole`:" in overview
    lead = bot.reply("fields Lead", user_id=MEMBER)
    assert "`Email` Email (email)" in lead
    assert "`Address` Address (address) — _can't be synced: compound field" in lead
    assert "`Id` Lead ID (id) — _always synced_" in lead

    assert bot.reply("hide Lead.Description") == "`Lead.Description` is now hidden: it will not be synced."
    assert bot.reply("hide lead.description") == "`Lead.Description` is already hidden."
    assert "can't be hidden" in bot.reply("hide Lead.SystemModstamp")
    suggestion = bot.reply("hide Lead.Emial")
    assert suggestion.startswith("There is no field `Lead.Emial` visible to the sync user.")
    assert "Did you mean `Lead.Email`" in suggestion
    assert "Did you mean `Lead`" in bot.reply("hide Laed.Email")
    assert "*Lead* → `sf_lead`:" in bot.reply("fields")
    assert "`Description` Description (textarea) — _hidden_" in bot.reply("fields Lead")

    # 3. sync-fields: a warning with a button; the button creates the tables.
    warning = bot.reply("sync-fields")
    assert warning.startswith(":warning: *This creates the local tables for good.*")
    prompt = bot.slack.responses()[-1].body
    buttons = [el for block in prompt["blocks"] if block["type"] == "actions" for el in block["elements"]]
    assert {(b["action_id"], b["value"]) for b in buttons} == {("confirm_step", "sync-fields"), ("cancel_step", "sync-fields")}
    assert not any(name.startswith("sf_") for name in _tables(bot))
    created = bot.click("confirm_step", "sync-fields")
    assert created.startswith("Created 8 tables:")
    assert bot.slack.responses()[-1].body.get("replace_original") is True
    tables = _tables(bot)
    for name in ("sf_lead", "sf_contact", "sf_account", "sf_opportunity", "sf_opportunitycontactrole",
                 "sf_campaign", "sf_campaignmember", "sf_user"):
        assert name in tables
    columns = _columns(bot, "sf_lead")
    assert {"id", "isdeleted", "systemmodstamp", "email", "custom_score__c", "annualrevenue"} <= set(columns)
    assert "description" not in columns  # hidden
    assert "address" not in columns  # compound: its parts are columns
    assert {"street", "city", "postalcode", "country"} <= set(columns)
    assert columns["email"] == "VARCHAR(80)"
    assert columns["numberofemployees"] == "INTEGER"
    assert columns["isdeleted"] == "BOOLEAN"
    assert columns["annualrevenue"].startswith("NUMERIC")
    assert columns["converteddate"] == "DATE"
    assert "TIMESTAMP" in columns["systemmodstamp"] or "DATETIME" in columns["systemmodstamp"]
    with bot.services.db.engine.connect() as conn:
        assert inspect(conn).get_pk_constraint("sf_lead")["constrained_columns"] == ["id"]
    assert "already created" in bot.reply("sync-fields yes")
    assert bot.reply("unhide Lead.Description").startswith("Fields can't be hidden or shown any more")

    # 4. confirm-credentials: names the org; "yes" binds it.
    warning = bot.reply("confirm-credentials")
    assert f"Acme Corp (`{org.org_id}`) for good" in warning
    assert bot.reply("confirm-credentials yes").startswith(f"This workspace is now bound to *Acme Corp* (`{org.org_id}`).")

    # 5. Mappings: review, rename (the real column too), refuse what cannot be.
    mappings = bot.reply("mappings Lead", user_id=MEMBER)
    assert "*Lead* → table `sf_lead`" in mappings
    assert "`Email` → `email`" in mappings
    assert bot.reply("map Lead.Email email_address") == "`Lead.Email` now maps to the column `email_address` (was `email`)."
    assert "email_address" in _columns(bot, "sf_lead") and "email" not in _columns(bot, "sf_lead")
    assert "`Email` → `email_address`" in bot.reply("mappings Lead")
    assert bot.reply("map Lead.Phone email_address") == "The column `email_address` is taken by `Lead.Email`."
    assert bot.reply("map Lead.Phone Phone-Number").startswith("`Phone-Number` can't be a column name")
    assert bot.reply("map Lead.Phone id") == "`id` is a system column of every synced table."
    assert bot.reply("map Lead.Phone order").startswith("`order` is a reserved word in SQL")
    assert bot.reply("map Lead.Id lead_id") == "`Lead.Id` is a system column and can't be renamed."
    assert bot.reply("map Lead.Description notes").startswith("`Lead.Description` is not synced")
    assert bot.reply("map Lead.Email email_address") == "`Lead.Email` already maps to `email_address`."

    # 6. start: warns about frozen mappings and unmerged duplicates; then starts.
    warning = bot.reply("start")
    assert "mappings freeze" in warning and "does not merge duplicate people" in warning
    assert bot.click("confirm_step", "start") == "The sync is started. `/sync status` shows how it goes."
    assert bot.ask("status", user_id=MEMBER).splitlines()[0] == "Sync in Progress"
    assert bot.reply("map Lead.Phone phone_number") == "The sync is started, so the mappings are frozen."
    assert bot.reply("start yes") == "The sync is already started."
    assert bot.reply("mappings Lead", user_id=MEMBER).endswith("The sync is started, so these mappings are frozen.")
    assert "`/sync sync-fields`" not in bot.ask("help")
    assert "Setup is complete" in bot.ask("help")

    bot.sender.app_home_opened(user_id=MEMBER)
    home = bot.slack.wait_for("views.publish").args["view"]
    home_text = "\n".join(block["text"]["text"] for block in home["blocks"] if block.get("text"))
    assert home_text.count(":white_check_mark:") == 4
    assert "*Sync state:* Sync in Progress" in home_text


def test_cancel_changes_nothing(sf_bot: RunningBot) -> None:
    sf_bot.submit_credentials()
    sf_bot.reply("sync-fields")
    assert sf_bot.click("cancel_step", "sync-fields") == "Cancelled; nothing changed."
    assert not any(name.startswith("sf_") for name in _tables(sf_bot))


def test_state_survives_a_restart(slack, salesforce, sqlite_url, secret_key) -> None:  # type: ignore[no-untyped-def]
    from tests.support.harness import running_bot, settings_env

    env = settings_env(slack=slack, database_url=sqlite_url, salesforce_url=salesforce.url, secret_key=secret_key)
    with running_bot(env, slack=slack, salesforce=salesforce) as first:
        first.submit_credentials()
        first.reply("sync-fields yes")
    with running_bot(env, slack=slack, salesforce=salesforce) as second:
        assert "Next setup step: `/sync confirm-credentials`." in second.ask("status")
        assert second.reply("confirm-credentials yes").startswith("This workspace is now bound")


def test_a_double_click_runs_a_step_once(sf_bot: RunningBot) -> None:
    import threading

    sf_bot.submit_credentials()
    sf_bot.reply("fields")
    sf_bot.slack.clear()
    clicks = [threading.Thread(target=sf_bot.sender.block_action, args=("confirm_step", "sync-fields"),
                               kwargs={"user_id": ADMIN}) for _ in range(3)]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    sf_bot.slack.wait_for_response(lambda _post: len(sf_bot.slack.responses()) >= 3)
    texts = [post.text for post in sf_bot.slack.responses()]
    assert sum(1 for text in texts if text.startswith("Created 8 tables")) == 1, texts
    assert sum(1 for text in texts if "already created" in text) == 2, texts


def test_confirm_without_stored_credentials_names_the_step(sf_bot: RunningBot) -> None:
    from sqlalchemy import text

    sf_bot.submit_credentials()
    sf_bot.reply("sync-fields yes")
    with sf_bot.services.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM salesforce_credentials"))
    assert sf_bot.reply("confirm-credentials") == "Do `/sync credentials` first: it is the next setup step."
    assert sf_bot.reply("confirm-credentials yes") == "Do `/sync credentials` first: it is the next setup step."


def test_map_may_take_the_name_of_a_field_without_a_column(sf_bot: RunningBot) -> None:
    sf_bot.submit_credentials()
    sf_bot.reply("hide Lead.Description")
    sf_bot.reply("sync-fields yes")
    sf_bot.reply("confirm-credentials yes")
    # Description is hidden and Address is compound: neither has a column to clash with.
    assert sf_bot.reply("map Lead.Email description") == (
        "`Lead.Email` now maps to the column `description` (was `email`)."
    )
    assert sf_bot.reply("map Lead.Phone address") == "`Lead.Phone` now maps to the column `address` (was `phone`)."
    assert {"description", "address"} <= set(_columns(sf_bot, "sf_lead"))
    assert sf_bot.reply("map Lead.MobilePhone description") == "The column `description` is taken by `Lead.Email`."


def test_each_describe_records_when_it_happened(sf_bot: RunningBot) -> None:
    from storage import catalog

    sf_bot.submit_credentials()
    sf_bot.reply("fields")
    with sf_bot.services.db.session() as session:
        first = {obj.object_name: obj.described_at for obj in catalog.objects(session, "T0001")}
    sf_bot.reply("fields")
    with sf_bot.services.db.session() as session:
        second = {obj.object_name: obj.described_at for obj in catalog.objects(session, "T0001")}
    assert first.keys() == second.keys() and first
    assert all(second[name] > first[name] for name in first)

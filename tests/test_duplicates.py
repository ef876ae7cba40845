"""`/sync duplicates`: people sharing an email across or within Leads and Contacts, on
SQLite and PostgreSQL, read through the field mappings."""

from __future__ import annotations

from storage.duplicates import PeopleTable, email_index_name, has_email_index
from tests.support.harness import MEMBER, RunningBot
from tests.support.mirror_rows import INSTANCE_URL, add_rows, build_people_tables


def _link(record_id: str, name: str) -> str:
    return f"<{INSTANCE_URL}/{record_id}|{name}> `{record_id}`"


def test_duplicates_across_and_within_objects(any_bot: RunningBot) -> None:
    bot = any_bot
    build_people_tables(bot.services)
    add_rows(bot.services, "Lead", [
        {"id": "00Q000000000001AAA", "firstname": "Ada", "lastname": "Lovelace", "email": "  Ada@Example.com "},
        {"id": "00Q000000000002AAA", "firstname": "Bob", "lastname": "Stone", "email": "bob@example.org"},
        {"id": "00Q000000000003AAA", "firstname": "Bob", "lastname": "Stone", "email": "BOB@example.org"},
        {"id": "00Q000000000004AAA", "firstname": "Dee", "lastname": "Deleted", "email": "dee@example.org"},
        {"id": "00Q000000000005AAA", "firstname": "Dee", "lastname": "Gone", "email": "dee@example.org",
         "isdeleted": True},
        {"id": "00Q000000000006AAA", "lastname": "<Nobody> & co", "email": "  "},
        {"id": "00Q000000000007AAA", "lastname": "Blank", "email": ""},
        {"id": "00Q000000000008AAA", "lastname": "NoMail"},
        {"id": "00Q000000000009AAA", "lastname": "NoMail too"},
        {"id": "00Q000000000010AAA", "firstname": "Eve", "lastname": "Unique", "email": "eve@example.org"},
    ])
    add_rows(bot.services, "Contact", [
        {"id": "003000000000001AAA", "firstname": "Ada", "lastname": "King", "email": "ada@example.com"},
        {"id": "003000000000002AAA", "lastname": "Cy & <Sons>", "email": "cy@example.net"},
        {"id": "003000000000003AAA", "firstname": "Cy", "email": "Cy@Example.NET"},
        {"id": "003000000000004AAA", "firstname": "Ada", "lastname": "Again", "email": "ADA@example.com",
         "isdeleted": True},
    ])

    answer = bot.reply("duplicates", user_id=MEMBER)

    assert answer.splitlines() == [
        "*Duplicate people* — shared emails: *3*, live records: *6*",
        "Lead–Contact: *1* · Lead–Lead: *1* · Contact–Contact: *1*",
        "Emails are compared trimmed and ignoring case; an email shared by two Leads and a Contact "
        "counts as Lead–Lead and as Lead–Contact.",
        f"`ada@example.com` — Lead {_link('00Q000000000001AAA', 'Ada Lovelace')}, "
        f"Contact {_link('003000000000001AAA', 'Ada King')}",
        f"`bob@example.org` — Lead {_link('00Q000000000002AAA', 'Bob Stone')}, "
        f"Lead {_link('00Q000000000003AAA', 'Bob Stone')}",
        f"`cy@example.net` — Contact {_link('003000000000002AAA', 'Cy &amp; &lt;Sons&gt;')}, "
        f"Contact {_link('003000000000003AAA', 'Cy')}",
    ]
    # The email index was made by the first request, for the next ones.
    with bot.services.db.session() as session:
        assert has_email_index(session, PeopleTable(object_name="Lead", table="sf_lead", email="email"))
        assert has_email_index(session, PeopleTable(object_name="Contact", table="sf_contact", email="email"))
    assert bot.reply("duplicates", user_id=MEMBER) == answer


def test_renamed_columns_are_read_through_the_mapping(any_bot: RunningBot) -> None:
    bot = any_bot
    build_people_tables(
        bot.services,
        columns={"Lead.Email": "email_address", "Contact.Email": "work_email", "Contact.Name": "full_name"},
        hidden=("Contact.FirstName", "Contact.LastName"),
    )
    add_rows(bot.services, "Lead", [
        {"id": "00Q000000000001AAA", "firstname": "Ada", "lastname": "Lovelace", "email_address": "ada@example.com"},
    ])
    add_rows(bot.services, "Contact", [
        {"id": "003000000000001AAA", "full_name": "Ada Lovelace", "work_email": "Ada@example.com"},
        {"id": "003000000000002AAA", "work_email": "ada@example.com "},
    ])

    answer = bot.reply("duplicates", user_id=MEMBER)

    assert "Lead–Contact: *1* · Lead–Lead: *0* · Contact–Contact: *1*" in answer
    assert answer.splitlines()[-1] == (
        f"`ada@example.com` — Lead {_link('00Q000000000001AAA', 'Ada Lovelace')}, "
        f"Contact {_link('003000000000001AAA', 'Ada Lovelace')}, Contact {_link('003000000000002AAA', '(no name)')}"
    )
    with bot.services.db.session() as session:
        renamed = PeopleTable(object_name="Lead", table="sf_lead", email="email_address")
        assert email_index_name(renamed) == "ix_sf_lead_email_address_key" and has_email_index(session, renamed)


def test_a_long_list_comes_with_a_csv_file(bot: RunningBot) -> None:
    build_people_tables(bot.services)
    add_rows(bot.services, "Lead", [
        {"id": f"00Q0000000000{n:02d}AAA", "firstname": "Lead", "lastname": f"{n:02d}", "email": f"p{n:02d}@example.com"}
        for n in range(30)
    ])
    add_rows(bot.services, "Contact", [
        {"id": f"0030000000000{n:02d}AAA", "firstname": "Contact", "lastname": f"{n:02d}", "email": f"P{n:02d}@example.com"}
        for n in range(30)
    ])

    bot.slack.clear()
    bot.command("duplicates", user_id=MEMBER)
    post = bot.slack.wait_for_response()
    answer = post.text

    assert answer.startswith("*Duplicate people* — shared emails: *30*, live records: *60*")
    assert answer.count("`p") == 25
    assert answer.endswith("Showing the first 25 of 30 shared emails.\nI sent `duplicates.csv` to you in a direct "
                           "message: it holds records' details, so it goes only to the person who asked.")
    # People's names and emails go to the member who asked, in their direct message with the bot;
    # the channel where the command was typed (guests included) sees neither the file nor the answer.
    assert post.body.get("response_type", "ephemeral") == "ephemeral"
    [uploaded] = bot.slack.uploaded_files()
    assert (uploaded.filename, uploaded.title, uploaded.shared_to) == ("duplicates.csv", "syncbot duplicate people",
                                                                      ("DMEMBER001",))
    assert [call.args["users"] for call in bot.slack.calls("conversations.open")] == [MEMBER]
    assert bot.slack.messages("C0001") == []
    lines = uploaded.text.splitlines()
    assert lines[0] == "email,duplicate_kinds,object,id,name,url"
    assert lines[1:3] == [
        f"p00@example.com,Lead–Contact,Lead,00Q000000000000AAA,Lead 00,{INSTANCE_URL}/00Q000000000000AAA",
        f"p00@example.com,Lead–Contact,Contact,003000000000000AAA,Contact 00,{INSTANCE_URL}/003000000000000AAA",
    ]
    assert len(lines) == 61


def test_clear_answers_before_there_is_data(bot: RunningBot) -> None:
    assert bot.reply("duplicates", user_id=MEMBER) == (
        "Duplicates are looked for in the synced Leads and Contacts, and the sync isn't started yet. "
        "Next setup step: `/sync credentials`."
    )
    build_people_tables(bot.services, objects=("Lead",), synced=False)
    assert bot.reply("duplicates", user_id=MEMBER) == (
        "No sync cycle has succeeded yet, so the tables are not complete. "
        "Try again once `/sync status` says Last Synced."
    )


def test_only_the_objects_with_an_email_are_searched(bot: RunningBot) -> None:
    build_people_tables(bot.services, hidden=("Contact.Email",))
    add_rows(bot.services, "Lead", [{"id": "00Q000000000001AAA", "lastname": "Solo", "email": "solo@example.com"}])

    assert bot.reply("duplicates", user_id=MEMBER) == (
        "No duplicates: no two live records among Leads share an email.\n"
        "Not searched: Contacts (no synced table with an Email column)."
    )

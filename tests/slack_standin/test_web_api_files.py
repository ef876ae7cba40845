"""File uploads: slack_sdk's files_upload_v2 against the stand-in, scopes, and files in blocks."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack_standin import SlackWebApiStandIn


def test_files_upload_v2_shares_the_file_in_the_channel(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    answer = client.files_upload_v2(
        channel="C0001", content=b"email,id\nada@example.com,00Q1\n", filename="people.csv",
        title="People", initial_comment="Here you go",
    )

    [uploaded] = web_api.uploaded_files()
    assert (uploaded.filename, uploaded.title, uploaded.text) == ("people.csv", "People", "email,id\nada@example.com,00Q1\n")
    assert uploaded.shared_to == ("C0001",) and uploaded.initial_comment == "Here you go"
    assert answer["file"]["id"] == uploaded.id and answer["file"]["name"] == "people.csv"
    assert answer["file"]["mimetype"] == "text/csv" and answer["file"]["channels"] == ["C0001"]
    # The three requests slack_sdk makes, the middle one to the upload URL (not a Web API method).
    assert [call.method for call in web_api.calls()] == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    assert web_api.calls("files.getUploadURLExternal")[0].args["length"] == str(len(uploaded.content or b""))


def test_a_file_uploaded_without_a_place_is_private_and_usable_in_blocks(
    web_api: SlackWebApiStandIn, client: WebClient
) -> None:
    file_id = client.files_upload_v2(file=b"\x89PNG...", filename="chart.png", title="Chart")["file"]["id"]
    image = {"type": "image", "slack_file": {"id": file_id}, "alt_text": "chart"}

    client.views_publish(user_id="U0001", view={"type": "home", "blocks": [image]})

    assert web_api.uploaded_files()[0].shared_to == ()
    unknown = {"type": "image", "slack_file": {"id": "F9999999999"}, "alt_text": "chart"}
    with pytest.raises(SlackApiError) as refused:
        client.views_publish(user_id="U0001", view={"type": "home", "blocks": [image, unknown]})
    assert refused.value.response["error"] == "invalid_blocks"
    assert refused.value.response["errors"] == ["invalid slack file [json-pointer:/blocks/1/slack_file]"]


def test_deleted_files_can_no_longer_be_shown(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    file_id = client.files_upload_v2(file=b"png", filename="chart.png")["file"]["id"]

    client.files_delete(file=file_id)

    assert web_api.uploaded_files()[0].deleted
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        client.chat_postMessage(channel="C0001", text="chart",
                                blocks=[{"type": "image", "slack_file": {"id": file_id}, "alt_text": "chart"}])
    with pytest.raises(SlackApiError, match="file_deleted"):
        client.files_delete(file=file_id)


def test_uploads_need_files_write_and_a_channel_the_bot_is_in(web_api: SlackWebApiStandIn, client: WebClient) -> None:
    web_api.add_channel("C0OUTSIDE", name="outside", is_member=False)
    with pytest.raises(SlackApiError, match="not_in_channel"):
        client.files_upload_v2(channel="C0OUTSIDE", content="x", filename="a.csv")
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.files_upload_v2(channel="C0NOWHERE", content="x", filename="a.csv")

    web_api.revoke_scope("files:write")
    with pytest.raises(SlackApiError) as refused:
        client.files_upload_v2(channel="C0001", content="x", filename="a.csv")
    assert refused.value.response["error"] == "missing_scope"
    assert refused.value.response["needed"] == "files:write"
    assert web_api.uploaded_files() == []



def test_a_file_for_one_person_goes_to_the_dm_that_conversations_open_names(
    web_api: SlackWebApiStandIn, client: WebClient
) -> None:
    web_api.add_user("U0ADA", name="ada")
    # As with Slack, a user id is no place to share a file (chat.postMessage takes one; files do not).
    for place in ({"channel": "U0ADA"}, {"channels": ["U0ADA"]}):
        with pytest.raises(SlackApiError) as refused:
            client.files_upload_v2(content="x", filename="a.csv", **place)  # type: ignore[arg-type]
        assert refused.value.response["error"] == "invalid_arguments"
        assert refused.value.response["response_metadata"]["messages"] == [
            "[ERROR] input must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$ [json-pointer:/channel_id]"]
    assert web_api.uploaded_files() == []

    web_api.revoke_scope("im:write")
    with pytest.raises(SlackApiError) as no_scope:
        client.conversations_open(users="U0ADA")
    assert (no_scope.value.response["error"], no_scope.value.response["needed"]) == ("missing_scope", "im:write")
    web_api.grant_scope("im:write")
    dm = client.conversations_open(users="U0ADA")["channel"]["id"]
    answer = client.files_upload_v2(channel=dm, content="x", filename="a.csv")
    assert web_api.uploaded_files()[0].shared_to == ("D0ADA",)
    assert (answer["file"]["ims"], answer["file"]["channels"], answer["file"]["is_public"]) == (["D0ADA"], [], False)

"""Files the bot puts in Slack: CSV exports next to an answer, and App Home's chart.

Uploads go through ``files_upload_v2`` and need the ``files:write`` scope. A refused
upload never fails the command: the person gets a sentence saying what happened.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.messages import MSG

log = logging.getLogger(__name__)

# Slack's answers when the bot may not post where the command was typed (a channel it
# was never added to, someone else's direct messages): the file goes to the person instead.
_NOT_THERE = frozenset({"not_in_channel", "channel_not_found", "is_archived", "restricted_action"})


@dataclass(frozen=True)
class Upload:
    """How an upload went: the file's id, or Slack's error code."""

    file_id: str | None = None
    error: str | None = None


def upload_csv(
    client: WebClient, channel_id: str | None, user_id: str, filename: str, content: bytes, title: str
) -> str:
    """Share a CSV file where the command was typed (or, if the bot can't post there, with
    the person in a direct message); returns the sentence that tells them where it is."""
    upload = Upload(error="channel_not_found")
    if channel_id:
        upload = _upload(client, filename, content, title, channel=channel_id)
        if upload.file_id:
            return MSG.file_attached.format(filename=filename)
    if upload.error in _NOT_THERE:
        upload = _upload(client, filename, content, title, channels=[user_id])
        if upload.file_id:
            return MSG.file_sent_privately.format(filename=filename)
    return upload_failure(upload, filename)


def upload_private_image(client: WebClient, filename: str, content: bytes, title: str, alt_text: str) -> Upload:
    """Upload an image shared nowhere, to be shown in blocks as ``slack_file``."""
    return _upload(client, filename, content, title, alt_txt=alt_text)


def delete_file(client: WebClient, file_id: str) -> None:
    """Delete a file the bot uploaded; a failure only leaves it behind, so it is logged."""
    try:
        client.files_delete(file=file_id)
    except (SlackClientError, OSError) as exc:
        log.info("could not delete file %s: %s", file_id, _code(exc))


def upload_failure(upload: Upload, filename: str) -> str:
    """The sentence for an upload Slack refused."""
    if upload.error == "missing_scope":
        return MSG.file_missing_scope.format(filename=filename)
    return MSG.file_upload_failed.format(filename=filename, error=upload.error)


def _upload(
    client: WebClient, filename: str, content: bytes, title: str, *,
    channel: str | None = None, channels: list[str] | None = None, alt_txt: str | None = None,
) -> Upload:
    try:
        answer = client.files_upload_v2(
            filename=filename, content=content, title=title, channel=channel, channels=channels, alt_txt=alt_txt
        )
    except (SlackClientError, OSError) as exc:
        # OSError: the upload URL could not be reached (it is not a Web API call).
        log.warning("upload of %s failed: %s", filename, _code(exc))
        return Upload(error=_code(exc))
    return Upload(file_id=str(answer["file"]["id"]))


def _code(exc: Exception) -> str:
    if isinstance(exc, SlackApiError) and exc.response is not None:
        return str(exc.response.get("error") or "unknown_error")
    return "upload_failed"

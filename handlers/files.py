"""Files the bot puts in Slack: CSV exports for the person who asked, and App Home's chart.

Uploads follow Slack's files upload v2 flow (``files.getUploadURLExternal``, a POST of the
bytes to the URL it hands out, ``files.completeUploadExternal``), the one slack_sdk's
``files_upload_v2`` makes, but the bytes are streamed from a file: slack_sdk reads a whole
file into memory first, and an export may be large. Uploads need the ``files:write`` scope,
direct messages ``im:write``. A refused upload never fails the command: the person gets a
sentence saying what happened.

CSV exports hold records' details (names, emails, Ids, links, Salesforce's words), so they
go to the person who asked, in a direct message with the bot, never to the conversation
where the command was typed, which may hold guests or people from other organisations.
"""

from __future__ import annotations

import io
import logging
import urllib.request
from dataclasses import dataclass
from typing import IO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.messages import MSG

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """How an upload went: the file's id, or Slack's error code (and the scope it lacked)."""

    file_id: str | None = None
    error: str | None = None
    needed: str | None = None


def send_file_privately(
    client: WebClient, user_id: str, filename: str, body: IO[bytes] | bytes, title: str
) -> str:
    """Send a file to ``user_id`` alone, in their direct message with the bot; returns the
    sentence that tells them where it went, or why it could not go."""
    try:
        dm = str(client.conversations_open(users=user_id)["channel"]["id"])
    except (SlackClientError, OSError) as exc:
        log.warning("could not open a direct message for %s: %s", filename, _code(exc))
        return upload_failure(_failure(exc), filename)
    upload = _upload(client, filename, _stream(body), title, channel=dm)
    if upload.file_id:
        return MSG.file_sent_by_dm.format(filename=filename)
    return upload_failure(upload, filename)


def upload_private_image(client: WebClient, filename: str, content: bytes, title: str, alt_text: str) -> Upload:
    """Upload an image shared nowhere, to be shown in blocks as ``slack_file``."""
    return _upload(client, filename, io.BytesIO(content), title, alt_txt=alt_text)


def delete_file(client: WebClient, file_id: str) -> None:
    """Delete a file the bot uploaded; a failure only leaves it behind, so it is logged."""
    try:
        client.files_delete(file=file_id)
    except (SlackClientError, OSError) as exc:
        log.info("could not delete file %s: %s", file_id, _code(exc))


def upload_failure(upload: Upload, filename: str) -> str:
    """The sentence for an upload Slack refused."""
    if upload.error == "missing_scope":
        return MSG.file_missing_scope.format(filename=filename, scope=upload.needed or "files:write")
    return MSG.file_upload_failed.format(filename=filename, error=upload.error)


def _stream(body: IO[bytes] | bytes) -> IO[bytes]:
    return io.BytesIO(body) if isinstance(body, bytes) else body


def _upload(
    client: WebClient, filename: str, body: IO[bytes], title: str, *,
    channel: str | None = None, alt_txt: str | None = None,
) -> Upload:
    """Upload ``body`` (read from its current position to its end); share it in ``channel``,
    or nowhere when None."""
    start = body.tell()
    length = body.seek(0, io.SEEK_END) - start
    body.seek(start)
    try:
        ticket = client.files_getUploadURLExternal(filename=filename, length=length, alt_txt=alt_txt)
        _post(client, str(ticket["upload_url"]), body, length)
        answer = client.files_completeUploadExternal(
            files=[{"id": str(ticket["file_id"]), "title": title}], channel_id=channel
        )
    except (SlackClientError, OSError) as exc:
        # OSError: the upload URL could not be reached (it is not a Web API call).
        log.warning("upload of %s failed: %s", filename, _code(exc))
        return _failure(exc)
    return Upload(file_id=str(answer["files"][0]["id"]))


def _post(client: WebClient, url: str, body: IO[bytes], length: int) -> None:
    """POST the bytes to the upload URL, read from ``body`` in blocks (urllib sends a file
    object piece by piece when its length is given), through the client's proxy and TLS."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Length": str(length),
                                              "Content-Type": "application/octet-stream"})
    handlers: list[urllib.request.BaseHandler] = [urllib.request.HTTPSHandler(context=client.ssl)]
    if client.proxy:
        handlers.append(urllib.request.ProxyHandler({"http": client.proxy, "https": client.proxy}))
    with urllib.request.build_opener(*handlers).open(request, timeout=client.timeout) as answer:
        if answer.status != 200:
            raise OSError(f"the upload URL answered HTTP {answer.status}")


def _failure(exc: Exception) -> Upload:
    needed = None
    if isinstance(exc, SlackApiError) and exc.response is not None:
        needed = exc.response.get("needed")
    return Upload(error=_code(exc), needed=str(needed) if needed else None)


def _code(exc: Exception) -> str:
    if isinstance(exc, SlackApiError) and exc.response is not None:
        return str(exc.response.get("error") or "unknown_error")
    return "upload_failed"

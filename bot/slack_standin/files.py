"""File uploads the way Slack takes them since ``files.upload`` was retired.

slack_sdk's ``WebClient.files_upload_v2`` makes three requests per upload:

1. ``files.getUploadURLExternal`` (filename, length) -> an ``upload_url`` and a ``file_id``;
2. a POST of the raw bytes to that ``upload_url`` (no token: the URL is the credential);
3. ``files.completeUploadExternal`` (files=[{id, title}], channel_id / channels) -> the
   file objects, shared where asked, or kept private to the uploader when no place is named.

Files stand in blocks as ``slack_file: {"id": ...}`` (or ``{"url": url_private}``);
Slack refuses a view or message naming a file it does not know with ``invalid_blocks``,
and so does the stand-in. Both file methods need the ``files:write`` scope.
"""

from __future__ import annotations

import json
import mimetypes
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .answers import Answer, error, missing_argument
from .ids import IdMinter
from .workspace import WorkspaceDirectory, WorkspaceIdentity

# Scopes Slack asks of each file method.
REQUIRED_SCOPES = {
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "files.delete": "files:write",
    "files.info": "files:read",
}
# What ``files.completeUploadExternal`` accepts as a place to share a file: a conversation id.
# Slack checks ``^[CGDZ][A-Z0-9]{8,}$``; the stand-in's ids are shorter, so only the kind is checked.
_CONVERSATION_ID = re.compile(r"^[CGDZ][A-Z0-9]+$")
_SLACK_PATTERN = "^[CGDZ][A-Z0-9]{8,}$"
# Methods whose blocks may name files (``view.blocks`` for views, ``blocks`` for messages).
_BLOCK_METHODS = frozenset({
    "chat.postMessage", "chat.postEphemeral", "chat.update",
    "views.open", "views.push", "views.update", "views.publish",
})


@dataclass(frozen=True)
class UploadedFile:
    """One file as the stand-in holds it: what was sent, and where it was shared."""

    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    alt_txt: str | None = None
    completed: bool = False
    deleted: bool = False
    # Conversations (channel ids, or D… ids of direct messages) it was shared to.
    shared_to: tuple[str, ...] = ()
    initial_comment: str | None = None

    @property
    def text(self) -> str:
        """The content decoded as UTF-8 (for CSV and other text files)."""
        return (self.content or b"").decode("utf-8")


class FileStore:
    """The files of the stand-in's workspace, safe to use from many server threads."""

    def __init__(
        self, identity: WorkspaceIdentity, directory: WorkspaceDirectory, minter: IdMinter,
        *, base_url: Callable[[], str],
    ) -> None:
        self._identity = identity
        self._directory = directory
        self._ids = minter
        self._base_url = base_url
        self._lock = threading.Lock()
        self._files: dict[str, UploadedFile] = {}

    # -- what tests read ------------------------------------------------------------

    def files(self) -> list[UploadedFile]:
        """Every file whose upload was completed, in upload order (deleted ones too)."""
        with self._lock:
            return [f for f in self._files.values() if f.completed]

    # -- the upload URL ----------------------------------------------------------------

    def receive_upload(self, file_id: str, body: bytes) -> tuple[int, str]:
        """Store the bytes posted to a file's upload URL; Slack answers ``OK - <length>``."""
        with self._lock:
            pending = self._files.get(file_id)
            if pending is None or pending.completed:
                return 404, "file not found"
            self._files[file_id] = replace(pending, content=body)
        return 200, f"OK - {len(body)}"

    # -- Web API methods ------------------------------------------------------------------

    def answer(self, method: str, args: dict[str, Any], scopes: frozenset[str]) -> Answer | None:
        """The answer to a file method, or None when ``method`` is not one."""
        handler = {
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "files.delete": self._delete,
            "files.info": self._info,
        }.get(method)
        if handler is None:
            return None
        needed = REQUIRED_SCOPES[method]
        if needed not in scopes:
            return error("missing_scope", needed=needed, provided=",".join(sorted(scopes)))
        return handler(args)

    def check_blocks(self, method: str, args: Mapping[str, Any]) -> Answer | None:
        """``invalid_blocks`` when the blocks of a view or message name an unknown file."""
        if method not in _BLOCK_METHODS:
            return None
        if method.startswith("views."):
            view = args.get("view")
            blocks = view.get("blocks") if isinstance(view, dict) else None
        else:
            blocks = args.get("blocks")
        if not isinstance(blocks, list):
            return None
        problems = [
            f"invalid slack file [json-pointer:/blocks/{pointer}/slack_file]"
            for pointer, reference in _slack_files(blocks)
            if not self._usable(reference)
        ]
        if not problems:
            return None
        return error("invalid_blocks", errors=problems,
                     response_metadata={"messages": [f"[ERROR] {p}" for p in problems]})

    def _get_upload_url(self, args: dict[str, Any]) -> Answer:
        filename = args.get("filename")
        if not filename:
            return missing_argument("filename")
        try:
            length = int(args.get("length", ""))
        except ValueError:
            return missing_argument("length")
        if length < 1:
            return error("invalid_arguments")
        file_id = self._ids.file_id()
        with self._lock:
            self._files[file_id] = UploadedFile(
                id=file_id, filename=str(filename), length=length, alt_txt=args.get("alt_txt") or None
            )
        return {"ok": True, "upload_url": f"{self._base_url()}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, args: dict[str, Any]) -> Answer:
        entries = _decode_files_argument(args.get("files"))
        if not entries:
            return missing_argument("files")
        targets = []
        if args.get("channel_id"):
            targets.append(str(args["channel_id"]))
        targets.extend(part.strip() for part in str(args.get("channels") or "").split(",") if part.strip())
        for target in targets:
            problem = self._share_problem(target)
            if problem == "invalid_arguments":
                return error(problem, response_metadata={"messages": [
                    f"[ERROR] input must match regex pattern: {_SLACK_PATTERN} [json-pointer:/channel_id]"]})
            if problem:
                return error(problem)
        with self._lock:
            found = [self._files.get(str(entry.get("id"))) for entry in entries]
            chosen = [f for f in found if f is not None and not f.completed and f.content is not None]
            if len(chosen) != len(found):
                # Never uploaded (or completed already): Slack knows no such pending file.
                return error("file_not_found")
            done = []
            for pending, entry in zip(chosen, entries):
                finished = replace(
                    pending,
                    completed=True,
                    title=str(entry.get("title") or pending.filename),
                    shared_to=tuple(targets),
                    initial_comment=args.get("initial_comment") or None,
                )
                self._files[finished.id] = finished
                done.append(finished)
        return {"ok": True, "files": [self._file_object(f) for f in done]}

    def _delete(self, args: dict[str, Any]) -> Answer:
        file_id = args.get("file")
        if not file_id:
            return missing_argument("file")
        with self._lock:
            known = self._files.get(str(file_id))
            if known is None or not known.completed:
                return error("file_not_found")
            if known.deleted:
                return error("file_deleted")
            self._files[known.id] = replace(known, deleted=True)
        return {"ok": True}

    def _info(self, args: dict[str, Any]) -> Answer:
        with self._lock:
            known = self._files.get(str(args.get("file") or ""))
        if known is None or not known.completed:
            return error("file_not_found")
        if known.deleted:
            return error("file_deleted")
        return {"ok": True, "file": self._file_object(known)}

    # -- helpers ------------------------------------------------------------------------

    def _share_problem(self, target: str) -> str | None:
        if not _CONVERSATION_ID.match(target):
            # Slack shares files in conversations only: a user id (U…, W…) is refused, and a
            # direct message needs its D… id from ``conversations.open`` first.
            return "invalid_arguments"
        if target[:1] == "D":
            return None  # a direct message with the bot: it is always a member
        channel = self._directory.channel(target)
        if channel is None:
            return "channel_not_found"
        return None if channel.get("is_member") else "not_in_channel"

    def _usable(self, reference: Mapping[str, Any]) -> bool:
        with self._lock:
            files = list(self._files.values())
        for known in files:
            if not known.completed or known.deleted:
                continue
            if reference.get("id") == known.id or reference.get("url") == self._url_private(known):
                return True
        return False

    def _url_private(self, known: UploadedFile) -> str:
        return f"https://files.slack.com/files-pri/{self._identity.team_id}-{known.id}/{known.filename}"

    def _file_object(self, known: UploadedFile) -> dict[str, Any]:
        ident = self._identity
        mimetype = mimetypes.guess_type(known.filename)[0] or "application/octet-stream"
        channels = [t for t in known.shared_to if t[:1] in ("C", "G")]
        ims = [t for t in known.shared_to if t[:1] == "D"]
        return {
            "id": known.id,
            "created": int(time.time()),
            "timestamp": int(time.time()),
            "name": known.filename,
            "title": known.title or known.filename,
            "mimetype": mimetype,
            "filetype": known.filename.rsplit(".", 1)[-1].lower() if "." in known.filename else "",
            "user": ident.bot_user_id,
            "user_team": ident.team_id,
            "mode": "hosted",
            "is_external": False,
            "is_public": bool(channels),
            "size": len(known.content or b""),
            "url_private": self._url_private(known),
            "url_private_download": self._url_private(known).replace(f"{known.id}/", f"{known.id}/download/"),
            "permalink": f"{ident.url}files/{ident.bot_user_id}/{known.id}/{known.filename}",
            "alt_txt": known.alt_txt or "",
            "channels": channels,
            "groups": [],
            "ims": ims,
        }


def _slack_files(node: Any, pointer: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(json pointer under ``/blocks``, slack_file object) for every file reference in blocks."""
    if isinstance(node, dict):
        reference = node.get("slack_file")
        if isinstance(reference, dict):
            yield pointer, reference
        for key, value in node.items():
            if key != "slack_file":
                yield from _slack_files(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _slack_files(value, f"{pointer}/{index}" if pointer else str(index))


def _decode_files_argument(value: Any) -> list[dict[str, Any]]:
    # slack_sdk sends ``files`` as a JSON string in a form body; JSON callers send a list.
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return []
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, dict) and entry.get("id")]

"""Downloads from Salesforce, whole or not at all, and the one rule for NUL characters.

Text arrives without NUL characters (U+0000), whichever way it was read: PostgreSQL
text cannot hold them, so one rule for both paths and both databases keeps every copy
the same. REST JSON carries a NUL as ``\\u0000`` and loses it in :func:`without_nul`,
record by record; a Bulk CSV page carries raw NUL bytes, dropped from the byte stream
as it downloads.

A download that breaks off (a dropped connection) or holds fewer rows than Salesforce
announced is asked for again a couple of times, then raised as :class:`DownloadCut`
(Salesforce unavailable): a page is never taken for complete unless it is.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any, TypeVar

import requests
import urllib3

from bot.errors import DownloadCut
from bot.messages import MSG
from bot.salesforce.gateway import translated

log = logging.getLogger(__name__)
T = TypeVar("T")
# The one character Salesforce text may hold and a copy may not (PostgreSQL refuses it).
NUL = "\x00"
_NUL_BYTE = NUL.encode()
# Seconds to wait before asking again for a download that broke off; one more try than pauses.
_CUT_PAUSES = (0.5, 2.0)
# What requests raises when a body breaks off after the headers came (urllib3's own retries
# end with the headers, so these are never retried below us).
_BODY_BROKEN = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)


class PageDownload:
    """One page of Bulk results as it downloads, whole or not at all.

    A download that breaks off, or ends with fewer rows than ``Sforce-NumberOfRecords``
    said, is asked for again with the same locator (Salesforce keeps a job's results, so
    the same rows come in the same order) and the rows already handed on are skipped;
    after the last try it raises :class:`DownloadCut`, and whoever reads the page does not
    move its locator past it. Rows handed on before that are whole rows, safe to write.
    """

    def __init__(self, fetch: Callable[[], requests.Response]) -> None:
        self._fetch = fetch
        self._tries = 0
        self._handed = 0
        self._response: requests.Response | None = None
        self._reader: Iterator[list[str]] = iter(())
        self.header = self._open()
        headers = self._response.headers if self._response is not None else {}
        self.expected = int(headers.get("Sforce-NumberOfRecords") or 0)
        locator = headers.get("Sforce-Locator") or None
        self.next_locator = None if locator == "null" else locator

    def rows(self) -> Iterator[list[str]]:
        """Every row of the page, each once, however many times it had to be downloaded."""
        try:
            while True:
                try:
                    for row in islice(self._reader, self._handed, None):
                        self._handed += 1
                        yield row
                    if self._handed >= self.expected:
                        return
                    raise DownloadCut(MSG.salesforce_download_short.format(rows=self._handed,
                                                                           expected=self.expected))
                except DownloadCut as cut:
                    self._close()
                    _pause_or_raise(self._tries, cut)
                    self._open()
        finally:
            self._close()

    def _open(self) -> list[str]:
        # Request the page and read its header row (a download may break off in it, too).
        while True:
            self._tries += 1
            response = self._response = self._fetch()
            response.raw.decode_content = True
            text = io.TextIOWrapper(io.BufferedReader(_PageBytes(response.raw)), encoding="utf-8-sig", newline="")
            self._reader = csv.reader(text)
            try:
                return next(self._reader, [])
            except DownloadCut as cut:
                self._close()
                _pause_or_raise(self._tries, cut)

    def _close(self) -> None:
        if self._response is not None:
            self._response.close()


def downloaded(call: Callable[[], T]) -> T:
    """Run one REST call through :func:`translated`; an answer that broke off mid-body is
    asked for again (only reads come here), then raised as :class:`DownloadCut`."""
    tries = 0
    while True:
        tries += 1
        try:
            with translated():
                try:
                    return call()
                except _BODY_BROKEN:
                    raise DownloadCut(MSG.salesforce_download_broken) from None
        except DownloadCut as cut:
            _pause_or_raise(tries, cut)


def without_nul(record: dict[str, Any]) -> dict[str, Any]:
    """The REST record with NUL characters removed from its text (in place: it is fresh
    from the JSON parser, and only values holding a NUL change)."""
    for name, value in record.items():
        if value.__class__ is str and NUL in value:
            record[name] = value.replace(NUL, "")
    return record


def _pause_or_raise(tries: int, cut: DownloadCut) -> None:
    # After ``tries`` downloads of the same thing: wait and try once more, or give up.
    if tries > len(_CUT_PAUSES):
        raise cut
    log.info("A download from Salesforce came incomplete (%s); asking for it again", cut)
    time.sleep(_CUT_PAUSES[tries - 1])


class _PageBytes(io.RawIOBase):
    """The bytes of a results page as they download: NUL bytes dropped (in UTF-8 a 0 byte
    is only ever U+0000), and a connection that breaks off raised as :class:`DownloadCut`."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        # Returning 0 bytes means the end of the page: a chunk that was NUL from end to end
        # must be followed by the next one, not by the end (which dropped the page's rest).
        while True:
            try:
                chunk = self._raw.read(len(buffer))
            except urllib3.exceptions.HTTPError:
                # Read straight from urllib3, past requests: its errors are not requests' own.
                raise DownloadCut(MSG.salesforce_download_broken) from None
            if not chunk:
                return 0
            chunk = chunk.replace(_NUL_BYTE, b"")
            if chunk:
                buffer[:len(chunk)] = chunk
                return len(chunk)

"""Salesforce-shaped identifiers: 15-character keys with the 3-character case-safe suffix.

Every id the simulator hands out is an 18-character id whose first three characters are
the object's key prefix (``00Q`` Lead, ``003`` Contact, ...), exactly like real ones, so
code that checks prefixes or lengths behaves the same against both.
"""

from __future__ import annotations

import secrets

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

# Key prefixes of the non-record things the simulator names.
ORGANIZATION_PREFIX = "00D"
USER_PREFIX = "005"
QUERY_LOCATOR_PREFIX = "01g"
BULK_JOB_PREFIX = "750"


def base62(number: int, width: int) -> str:
    """``number`` in base 62, left-padded with zeros to ``width`` characters."""
    if number < 0:
        raise ValueError("ids are built from non-negative numbers")
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    text = "".join(reversed(digits)) or "0"
    if len(text) > width:
        raise ValueError(f"{number} does not fit in {width} base-62 digits")
    return text.rjust(width, "0")


def case_safe(id15: str) -> str:
    """The 18-character form of a 15-character id (Salesforce's documented checksum).

    Each 5-character chunk contributes one suffix character encoding which of its
    characters are upper-case letters, so the 18-character id survives case-folding.
    """
    if len(id15) != 15:
        raise ValueError(f"not a 15-character id: {id15!r}")
    suffix = []
    for chunk in range(3):
        flags = 0
        for position in range(5):
            if "A" <= id15[chunk * 5 + position] <= "Z":
                flags |= 1 << position
        suffix.append(_SUFFIX_ALPHABET[flags])
    return id15 + "".join(suffix)


def make_id(prefix: str, pod: int, counter: int) -> str:
    """An 18-character id: 3-character prefix, 2-character pod (one per org), 10-digit counter."""
    if len(prefix) != 3:
        raise ValueError(f"key prefixes have 3 characters: {prefix!r}")
    return case_safe(prefix + base62(pod, 2) + base62(counter, 10))


def random_id(prefix: str) -> str:
    """An 18-character id with a random body, for short-lived things (locators, jobs)."""
    body = "".join(secrets.choice(_BASE62) for _ in range(12))
    return case_safe(prefix + body)


def is_valid_id(text: str) -> bool:
    """Whether ``text`` looks like a 15- or 18-character Salesforce id."""
    if len(text) not in (15, 18) or not text.isalnum() or not text.isascii():
        return False
    return len(text) == 15 or case_safe(text[:15]) == text[:15] + text[15:].upper()


def same_id(left: str, right: str) -> bool:
    """Whether two ids name the same record (15- and 18-character forms compare equal)."""
    return left[:15] == right[:15]

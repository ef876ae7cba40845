"""Text syncbot did not write, put into Slack mrkdwn: one escape, applied where it enters a view.

Slack reads ``&``, ``<`` and ``>`` as markup in mrkdwn and in a message's ``text``:
``<!channel>`` pings everyone, ``<https://…|words>`` is a link that shows only its words,
``<@U…>`` and ``<#C…>`` mention someone or somewhere. So every value syncbot shows that it
did not write itself (the org's name, labels, Salesforce's error messages, record values,
stored errors, what a person typed) goes through :func:`escape`. Invisible control and
format characters (bidi overrides, zero-width spaces) show as U+FFFD, so a value cannot
pretend to read otherwise; line breaks stay.

Handlers escape a domain value once, where it enters a view: :func:`escaped` copies a
view (a dataclass, an alert's facts, a list or tuple of them) with every string in it
escaped, so a field added to a view later is escaped without anyone having to remember.
The templates in ``bot.messages`` are ours and are not escaped.

Formatting characters (``*``, ``_``, ``~``, backticks) are left as they are: they cannot
ping, link or hide anything, Slack has no escape for them, and look-alikes would change
what people copy. Text in ``plain_text`` objects (titles, buttons, modal errors) is never
escaped: Slack shows it as it is, so an escape would show as ``&lt;``.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar, cast

from bot.messages import printable, quoted

T = TypeVar("T")

_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Values that hold no text of their own; an enum's value is one of syncbot's own words.
_WORDLESS = (bool, int, float, Decimal, datetime, date, timedelta, Enum, type(None))


def escape(text: str) -> str:
    """``text`` as Slack shows it literally in mrkdwn (``&``, ``<`` and ``>`` as entities)."""
    return printable(text, keep="\n\t").translate(_ENTITIES)


def shortened(text: str, limit: int) -> str:
    """Escaped ``text`` cut to ``limit`` characters with an ellipsis, never inside an entity."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]  # "&l" would show as it is: the whole "&lt;" goes instead
    return head + "…"


def code(value: str) -> str:
    """What a person typed, echoed in mrkdwn: :func:`bot.messages.quoted`, then escaped."""
    return escape(quoted(value))


def escaped(value: T) -> T:
    """A copy of a domain value with every string in it escaped for mrkdwn.

    Takes strings, dataclasses, dicts (keys stay: they are names in code), lists, tuples
    and sets of them, and values without words (numbers, times, enums, None). Anything
    else raises ``TypeError``: a view that holds it must say how it is shown.
    """
    if isinstance(value, str) and not isinstance(value, Enum):
        return cast(T, escape(value))
    if isinstance(value, _WORDLESS):
        return value
    if isinstance(value, dict):
        return cast(T, {key: escaped(item) for key, item in value.items()})
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return cast(T, type(value)(*(escaped(item) for item in value)))
    if isinstance(value, (list, tuple, set, frozenset)):
        return cast(T, type(value)(escaped(item) for item in value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes: dict[str, Any] = {field.name: escaped(getattr(value, field.name))
                                   for field in dataclasses.fields(value) if field.init}
        return cast(T, dataclasses.replace(value, **changes))
    raise TypeError(f"{type(value).__name__} is not a view value: escape its text where it is shown")

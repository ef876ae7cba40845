"""Text as messy as a real org's, for the generated and demo records.

Real Salesforce data holds what breaks CSV writers, encoders and SQL quoting:
apostrophes and accents in names (José, Zoë, Łukasz, 王芳, Nguyễn), commas and
double quotes in company names, emoji, addresses and descriptions with embedded
newlines and CRLF, several kilobytes of text in a textarea, leading and trailing
spaces, and text fields holding values that look like numbers, dates, booleans or
``NULL``. Each helper here takes the dataset's seeded ``random.Random`` and returns a
clean value most of the time and a messy one for a few percent of rows, so the data
stays deterministic by seed. Every value fits the length of the field it is meant for.
"""

from __future__ import annotations

import random
import re
import unicodedata

# Share of rows with a messy value, per kind of value (a few percent each).
MESSY_NAME = 0.06
MESSY_COMPANY = 0.05
MESSY_STREET = 0.05
PADDED = 0.03
DESCRIBED = 0.06

FIRST_NAMES = (
    "José", "Zoë", "Łukasz", "王芳", "Nguyễn Thị", "Søren", "François", "Björn", "Chloé", "Małgorzata",
    "Siobhán", "Jürgen", "Ólafur", "Renée", "Анна", "Αλέξανδρος", "محمد", "Ngozi", "D'Arcy", "Mary-Jane",
    "Zoë 🌸", "Ana María", "Jean-Luc",
)  # all at most 40 characters (FirstName)
LAST_NAMES = (
    "O'Connor", "D'Angelo", "Müller", "García-López", "Nguyễn", "王", "Ødegård", "Dvořák", "van der Berg",
    "de la Cruz", "St. John", "Null", "NULL", "True", "1234", "Ōtsuka", "Иванова", "Smith, Jr.",
    "O'Brien 🍀", "Sánchez\tRuiz", "Ng", "Æbelø",
)  # all at most 80 characters (LastName)
COMPANIES = (
    "Smith, Jones & Co.", "O'Reilly \"Media\"", "\"Quoted\" Holdings, Inc.", "Ünited Ärtists GmbH",
    "株式会社 東京", "Café Zoë, S.A.", "Rock ’n’ Roll Ltd", "3M", "1999", "2024-01-05", "NULL", "true",
    "Emoji 🚀 Rockets", "Semi;colon|Pipe^Caret`Tick Ltd", "Back\\slash Corp", "0042 Holdings",
    "=SUM(A1:A2) Ltd", "Tab\tSeparated Ltd", "Zürich Versicherungs-Gesellschaft AG",
)  # all at most 255 characters (Company, Account Name)
STREETS = (
    "12 Main St\nSuite 400", "Flat 3\r\n221B Baker Street", "1, Rue de l'Église", "Calle José Martí 5, 2º",
    "Unit 7, \"The Old Mill\"\nMill Lane", "Ul. Łąkowa 3/5\r\nm. 12", "東京都千代田区丸の内1-1",
    "PO Box 123,\n\nc/o Accounts", "  42 Padded Road  ",
)  # all at most 255 characters (Street)
TITLES = ("007", "2024-05-01", "1e10", "-0", "NaN", "VP, Sales & Marketing", "Head of \"Growth\"",
          "Directeur Général", " CEO ", "CTO\n(acting)")  # at most 80 characters (User.Title)
NOTES = (
    "Met at the conference.\nFollow up in Q3.",
    "Prefers email, not phone.\r\nAsk for \"Dr.\" Smith, not Mr.\r\n",
    "Budget: $50,000; timeline: \"ASAP\"",
    "Old system exported this with a lone CR\rin the middle",
    "Très intéressé — rappeler après le 15/08 ☎️",
    "1,234.56",
    "2023-12-31",
    "   leading and trailing spaces   ",
    "Line with a trailing backslash \\",
)
CITIES = (  # city, state, postal code, country, latitude, longitude
    ("Zürich", None, "8001", "CH", 47.3769, 8.5417),
    ("São Paulo", "SP", "01310-100", "BR", -23.5613, -46.6565),
    ("Kraków", "małopolskie", "31-001", "PL", 50.0614, 19.9366),
    ("Montréal", "QC", "H2Y 1C6", "CA", 45.5048, -73.5566),
    ("Москва", None, "101000", "RU", 55.7558, 37.6173),
)  # City holds 40 characters, State 80
# Long textarea values (several KB): built once, shared by the rows that use them.
LONG_NOTES = tuple(
    "\n".join(f"{n}. Call notes, part {n} of {parts}: discussed pricing, \"renewal\" terms, and next steps; "
              "customer asked for a quote in EUR (€) — see attachment." for n in range(1, parts + 1))
    for parts in (20, 45, 90)
)  # about 3, 7 and 14 KB; Description holds 32,000 characters

_NOT_IN_ADDRESS = re.compile(r"[^A-Za-z0-9.'-]")
_FOLD = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Æ": "Ae", "æ": "ae", "ß": "ss", "Đ": "D",
                       "đ": "d", "Œ": "Oe", "œ": "oe"})


def person(rng: random.Random, first_names: tuple[str, ...], last_names: tuple[str, ...]) -> tuple[str, str]:
    """A first and last name: usually from the plain lists, sometimes international or odd."""
    if rng.random() < MESSY_NAME:
        first = rng.choice(FIRST_NAMES) if rng.random() < 0.6 else rng.choice(first_names)
        return first, rng.choice(LAST_NAMES)
    return rng.choice(first_names), rng.choice(last_names)


def company(rng: random.Random, plain: str) -> str:
    """A company name: ``plain`` most of the time, else one with commas, quotes or accents."""
    if rng.random() < MESSY_COMPANY:
        return rng.choice(COMPANIES)
    return plain


def street(rng: random.Random, plain: str) -> str:
    """A street: ``plain`` most of the time, else one spanning lines (LF or CRLF) or with quotes."""
    return rng.choice(STREETS) if rng.random() < MESSY_STREET else plain


City = tuple[str, str | None, str, str, float, float]


def city(rng: random.Random, plain: tuple[City, ...]) -> City:
    """A city with its state, postal code, country and coordinates; now and then an accented one."""
    return rng.choice(CITIES) if rng.random() < MESSY_STREET else rng.choice(plain)


def padded(rng: random.Random, text: str, limit: int) -> str:
    """``text``, now and then with a leading and/or trailing space (still within ``limit``)."""
    if rng.random() >= PADDED or len(text) + 2 > limit:
        return text
    return rng.choice((f" {text}", f"{text} ", f"  {text}  "))


def description(rng: random.Random) -> str | None:
    """A textarea value for a few percent of rows: short notes with newlines and quotes, or several KB."""
    if rng.random() >= DESCRIBED:
        return None
    return rng.choice(LONG_NOTES) if rng.random() < 0.3 else rng.choice(NOTES)


def title(rng: random.Random, plain: str | None) -> str | None:
    """A job title: ``plain``, or for a few rows one that reads as a number or a date."""
    return rng.choice(TITLES) if rng.random() < 0.04 else plain


def ascii_fold(text: str) -> str:
    """``text`` without accents, in ASCII letters, digits, dots, dashes and apostrophes
    (for e-mail addresses and domains)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_FOLD)).encode("ascii", "ignore").decode("ascii")
    return _NOT_IN_ADDRESS.sub("", text)

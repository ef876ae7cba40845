"""People who appear more than once: the same email, trimmed and in lower case, on live
rows of the Lead and Contact mirror tables (within one table or across both).

The question is answered by one query, on an expression index over
``lower(trim(<email column>))`` of each table, partial (live rows with an email only):
the counting reads the emails in key order from the indexes, and only the records of
duplicated emails are then looked up. SQLite and PostgreSQL get different SQL for
finding the duplicated emails, because their planners are good at different things
(see ``_keys_sql``). ``bench/duplicates.py`` times it on 300,000 people.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

# PostgreSQL cuts identifiers at 63 bytes; a longer index name is shortened with a hash.
_MAX_IDENTIFIER = 63


@dataclass(frozen=True)
class PeopleTable:
    """A mirror table holding people, and which of its columns hold the email and the name."""

    object_name: str
    table: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None


@dataclass(frozen=True)
class PersonRow:
    """One live record whose email some other live record shares."""

    email: str
    object_name: str
    record_id: str
    first_name: str | None
    last_name: str | None
    full_name: str | None


def email_index_name(people: PeopleTable) -> str:
    """The name of the email index of a table, within every dialect's identifier limit."""
    name = f"ix_{people.table}_{people.email}_key"
    if len(name) <= _MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[:_MAX_IDENTIFIER - 9]}_{digest}"


def has_email_index(session: Session, people: PeopleTable) -> bool:
    """True when the email index of the table exists."""
    name = email_index_name(people)
    if _postgres(session):
        sql = "SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = :name"
    else:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :name"
    return session.execute(text(sql), {"name": name}).first() is not None


def create_email_index(session: Session, people: PeopleTable) -> None:
    """Create the email index of a table unless it exists.

    Callers check :func:`has_email_index` first: on PostgreSQL even ``IF NOT EXISTS``
    waits for the table's lock, and the sync may be writing to it.
    """
    quote = session.get_bind().dialect.identifier_preparer.quote
    email = quote(people.email)
    # INCLUDE lets PostgreSQL answer from the index alone (an index-only scan); SQLite
    # reads expression indexes without it.
    include = f" INCLUDE ({email})" if _postgres(session) else ""
    session.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS {quote(email_index_name(people))} "
            f"ON {quote(people.table)} (lower(trim({email}))){include} "
            f"WHERE {_live(email)}"
        )
    )


def duplicate_people(session: Session, tables: Sequence[PeopleTable]) -> list[PersonRow]:
    """Every live record whose email another live record shares, ordered by email,
    then by table (in the order given), then by id."""
    if not 1 <= len(tables) <= 2:
        raise ValueError("duplicates are looked for in one or two tables")
    quote = session.get_bind().dialect.identifier_preparer.quote
    arms = []
    for position, people in enumerate(tables):
        email = quote(people.email)
        names = ", ".join(
            f"t.{quote(column)}" if column else "NULL"
            for column in (people.first_name, people.last_name, people.full_name)
        )
        key = f"lower(trim(t.{email}))"
        arms.append(
            f"SELECT {position} AS position, t.id AS record_id, {key} AS email, {names} "
            f"FROM {quote(people.table)} t WHERE {_live(email, 't.')} AND {_among_duplicates(session, key)}"
        )
    if _postgres(session):
        # PostgreSQL has no statistics for the grouped emails and overestimates the join by
        # orders of magnitude; the cost it then sees turns on JIT compilation, which takes
        # longer than the whole query. For this transaction only.
        session.execute(text("SET LOCAL jit = off"))
    sql = (
        f"WITH dup AS ({_keys_sql(session, tables)}) "
        + " UNION ALL ".join(arms)
        + " ORDER BY email, position, record_id"
    )
    return [
        PersonRow(
            email=row[2], object_name=tables[row[0]].object_name, record_id=row[1],
            first_name=row[3], last_name=row[4], full_name=row[5],
        )
        for row in session.execute(text(sql))
    ]


def _among_duplicates(session: Session, key: str) -> str:
    # PostgreSQL cannot know how few emails are duplicated, and for a join or IN it would
    # read whole tables through the index; an array of the keys makes it look each one up.
    if _postgres(session):
        return f"{key} = ANY(ARRAY(SELECT k FROM dup))"
    return f"{key} IN (SELECT k FROM dup)"


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _live(email: str, alias: str = "") -> str:
    # The same terms in the index and in the queries: SQLite uses a partial index only
    # when the query's WHERE contains its condition term for term.
    return f"{alias}isdeleted = false AND {alias}{email} IS NOT NULL"


def _keys_sql(session: Session, tables: Sequence[PeopleTable]) -> str:
    """The emails (``k``) that more than one live row holds.

    SQLite merges the tables' index scans (both in key order) into one ordered stream
    and counts it. PostgreSQL does not merge expression-index scans across a UNION,
    so each table is grouped on its own index (already in order) and the two groupings
    are joined; a FULL JOIN keeps emails found in one table only.
    """
    quote = session.get_bind().dialect.identifier_preparer.quote
    keyed = [(quote(people.table), quote(people.email)) for people in tables]
    if _postgres(session):
        grouped = [
            f"SELECT lower(trim({email})) AS k, count(*) AS n FROM {table} "
            f"WHERE {_live(email)} GROUP BY lower(trim({email}))"
            for table, email in keyed
        ]
        if len(grouped) == 1:
            return f"SELECT k FROM ({grouped[0]}) AS a WHERE n > 1 AND k <> ''"
        return (
            f"SELECT coalesce(a.k, b.k) AS k FROM ({grouped[0]}) AS a FULL JOIN ({grouped[1]}) AS b ON b.k = a.k "
            "WHERE coalesce(a.n, 0) + coalesce(b.n, 0) > 1 AND coalesce(a.k, b.k) <> ''"
        )
    streams = " UNION ALL ".join(
        f"SELECT lower(trim({email})) AS k FROM {table} WHERE {_live(email)}" for table, email in keyed
    )
    # ORDER BY is what makes SQLite merge the two index scans instead of sorting.
    return f"SELECT k FROM ({streams} ORDER BY 1) AS keys GROUP BY k HAVING count(*) > 1 AND k <> ''"

"""The mirror tables ``sf_<object>``: their columns and SQL types, built from the catalog.

Salesforce types map to SQL types here and nowhere else; the same code serves
SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Time,
    inspect,
    text,
)
from sqlalchemy.dialects.postgresql.base import RESERVED_WORDS as PG_RESERVED_WORDS
from sqlalchemy.dialects.sqlite.base import SQLiteIdentifierPreparer
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from storage.models import ObjectField
from storage.types import UtcDateTime

TABLE_PREFIX = "sf_"
# Columns every mirror table has, whatever the field choices; never remapped.
SYSTEM_COLUMNS = {"Id": "id", "IsDeleted": "isdeleted", "SystemModstamp": "systemmodstamp"}
# Longer strings than this become TEXT: PostgreSQL handles both alike, and a
# 32,000-character VARCHAR only misleads readers of the schema.
_MAX_VARCHAR = 4000

_STRING_TYPES = {
    "string", "textarea", "email", "phone", "url", "picklist", "multipicklist",
    "combobox", "encryptedstring",
}
# Types whose values are text in the database (empty text is NULL).
TEXT_TYPES = frozenset(_STRING_TYPES | {"id", "reference"})
# Number types, narrowest column first: a column holds the values of the types before it.
NUMBER_TYPES = ("int", "long", "double", "currency", "percent")
DECIMAL_TYPES = frozenset(NUMBER_TYPES[2:])


# Words either supported database reserves: a column named so needs quotes in every
# query people write, and would break a move from SQLite to PostgreSQL.
RESERVED_WORDS = frozenset(PG_RESERVED_WORDS) | frozenset(SQLiteIdentifierPreparer.reserved_words)


# PostgreSQL's limit (NAMEDATALEN - 1, in bytes); SQLite has none, so it rules both.
MAX_IDENTIFIER = 63
_HASH_LENGTH = 8


def fit_identifier(name: str, *, force_hash: bool = False) -> str:
    """``name`` when it fits in :data:`MAX_IDENTIFIER` bytes; else its start, ``_`` and a
    short hash of the whole name: stable across runs, and distinct for distinct names.

    ``force_hash`` adds the hash even to a name that fits (to break a tie).
    """
    if not force_hash and len(name.encode()) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:_HASH_LENGTH]
    head = name
    while len(head.encode()) > MAX_IDENTIFIER - _HASH_LENGTH - 1:
        head = head[:-1]
    return f"{head}_{digest}"


def table_name(object_name: str) -> str:
    """``sf_`` plus the object's API name in lower case (shortened with a hash past 63 characters)."""
    return fit_identifier(TABLE_PREFIX + object_name.lower())


def index_name(table: str) -> str:
    """The name of a mirror table's index on ``systemmodstamp``."""
    return fit_identifier(f"ix_{table}_systemmodstamp")


def default_columns(field_names: Sequence[str], *, taken: Iterable[str] = ()) -> dict[str, str]:
    """Field API name -> its default column for one object: the system columns, else the name
    in lower case; names past 63 characters, or that would land on a column already taken,
    get a hash suffix so that every column fits and no two are the same.

    ``taken``: columns that exist already (fields added after the tables were made)."""
    columns: dict[str, str] = {}
    taken = set(taken)
    for name in field_names:
        if name in SYSTEM_COLUMNS:
            columns[name] = SYSTEM_COLUMNS[name]
            taken.add(columns[name])
    for name in field_names:
        if name in SYSTEM_COLUMNS:
            continue
        column = fit_identifier(name.lower())
        if column in taken or column in SYSTEM_COLUMNS.values():
            column = fit_identifier(name.lower(), force_hash=True)
        columns[name] = column
        taken.add(column)
    return columns


def sql_type(sf_type: str, *, length: int | None, precision: int | None, scale: int | None) -> TypeEngine[Any]:
    """The SQL column type for a Salesforce field type."""
    if sf_type in ("id", "reference"):
        return String(18)
    if sf_type in _STRING_TYPES:
        return String(length) if length and length <= _MAX_VARCHAR else Text()
    if sf_type == "boolean":
        return Boolean()
    if sf_type == "int":
        return Integer()
    if sf_type == "long":
        return BigInteger()
    if sf_type in DECIMAL_TYPES:
        # Unconstrained, whatever precision and scale the describe reports: the wire carries
        # more than they promise (REST sends AnnualRevenue (18, 0) at its largest as 1.0E18, 19
        # digits), and a column that refuses a value leaves its record stale. PostgreSQL keeps
        # any value exactly; SQLite's NUMERIC affinity never refuses one.
        return Numeric()
    if sf_type == "date":
        return Date()
    if sf_type == "datetime":
        return UtcDateTime()
    if sf_type == "time":
        return Time()
    return Text()


def build_table(metadata: MetaData, object_name: str, fields: Sequence[ObjectField]) -> Table:
    """The mirror table of an object for its synced (visible, syncable) fields."""
    columns: list[Column[Any]] = [
        Column("id", String(18), primary_key=True),
        Column("isdeleted", Boolean, nullable=False, default=False),
        Column("systemmodstamp", UtcDateTime, nullable=False),
    ]
    for field in fields:
        if field.field_name in SYSTEM_COLUMNS or not field.synced:
            continue
        columns.append(
            Column(
                field.column_name,
                sql_type(field.sf_type, length=field.length, precision=field.precision, scale=field.scale),
                nullable=True,
            )
        )
    name = table_name(object_name)
    table = Table(name, metadata, *columns)
    # The sync reads and resumes by SystemModstamp; people filter on live rows.
    Index(index_name(name), table.c.systemmodstamp)
    return table


def create_tables(session: Session, fields_by_object: Mapping[str, Sequence[ObjectField]]) -> list[str]:
    """Create one mirror table per object, in the session's transaction (DDL is
    transactional on SQLite and PostgreSQL, so a failure leaves nothing behind).

    Returns the names of the tables created.
    """
    metadata = MetaData()
    connection = session.connection()
    tables = [build_table(metadata, name, fields) for name, fields in fields_by_object.items()]
    for table in tables:
        table.create(connection, checkfirst=False)
    return [table.name for table in tables]


def existing_tables(connection: Connection) -> list[str]:
    """Names of the mirror tables present in the database."""
    return sorted(name for name in inspect(connection).get_table_names() if name.startswith(TABLE_PREFIX))


def rename_column(session: Session, object_name: str, old: str, new: str) -> None:
    """Rename a mirror column in place (SQLite >= 3.25 and PostgreSQL both can)."""
    preparer = session.get_bind().dialect.identifier_preparer
    session.execute(
        text(
            f"ALTER TABLE {preparer.quote(table_name(object_name))} "
            f"RENAME COLUMN {preparer.quote(old)} TO {preparer.quote(new)}"
        )
    )


def column_names(session: Session, object_name: str) -> list[str]:
    """The columns of one mirror table as the database has them."""
    return [col["name"] for col in inspect(session.connection()).get_columns(table_name(object_name))]


def add_column(session: Session, table: str, field: ObjectField) -> None:
    """Add the column of a field that appeared after the table was made (nullable: the
    rows already there get their values from a back-fill)."""
    dialect = session.get_bind().dialect
    preparer = dialect.identifier_preparer
    kind = sql_type(field.sf_type, length=field.length, precision=field.precision, scale=field.scale)
    session.execute(text(f"ALTER TABLE {preparer.quote(table)} ADD COLUMN {preparer.quote(field.column_name)} "
                         f"{kind.compile(dialect=dialect)}"))


def number_column_holds(column_type: str, sf_type: str) -> bool:
    """Whether the column made for a number field of ``column_type`` holds every value of
    ``sf_type`` as it is (a bigint column holds int values, a decimal one any number)."""
    if column_type not in NUMBER_TYPES or sf_type not in NUMBER_TYPES:
        return False
    rank = {name: min(index, 2) for index, name in enumerate(NUMBER_TYPES)}
    return rank[column_type] >= rank[sf_type]


def widen_column(session: Session, table: str, field: ObjectField) -> None:
    """Give a column the field's wider type: a longer text, a wider number. SQLite ignores
    lengths and keeps any number in any numeric column, so only PostgreSQL needs it."""
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        return
    preparer = dialect.identifier_preparer
    kind = sql_type(field.sf_type, length=field.length, precision=field.precision, scale=field.scale)
    session.execute(text(f"ALTER TABLE {preparer.quote(table)} ALTER COLUMN {preparer.quote(field.column_name)} "
                         f"TYPE {kind.compile(dialect=dialect)}"))


def table_columns(session: Session, table: str) -> list[str]:
    """The columns of a mirror table, by its name, as the database has them."""
    return [col["name"] for col in inspect(session.connection()).get_columns(table)]

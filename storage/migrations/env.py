"""Alembic environment: runs on the connection that ``storage.migrate`` hands over."""

from __future__ import annotations

from alembic import context

import storage.alert_models  # noqa: F401  (its tables join Base.metadata)
from storage.models import Base

connection = context.config.attributes["connection"]


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    # Mirror tables are built from the field choices at run time, not by migrations.
    return not (type_ == "table" and name is not None and name.startswith("sf_"))


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=_include_object,
    render_as_batch=connection.dialect.name == "sqlite",
    # storage.db makes SQLite transactions real (BEGIN IMMEDIATE), DDL included.
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()

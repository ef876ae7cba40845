"""Reading a few columns of every row of an object: Id, the stamp and some fields.

The drift checks need this three ways: a back-fill of new columns, the re-read of
formula fields, and the Id list a reconciliation compares. Small tables are read with
REST pages, large ones with one Bulk job; either way the values are converted by the
object's own converter (``bot.sync.convert``) for the database being written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bot.salesforce.reading import QueryPage
from bot.sync.convert import RowConverter
from bot.sync.object_sync import BATCH_ROWS, ObjectSync
from bot.sync.plan import Column
from storage import runs
from storage.models import ObjectField


@dataclass(frozen=True)
class ReadRow:
    """One record as read: its Id, its stamp (converted), whether it is deleted, and the
    fields' values, in order."""

    record_id: str
    stamp: Any
    deleted: bool
    values: tuple[Any, ...]


def read_columns(sync: ObjectSync, fields: Sequence[ObjectField], *, large: bool,
                 in_id_order: bool = False) -> Iterator[list[ReadRow]]:
    """Yield every record of the object in batches, with ``queryAll``: deleted rows too,
    and archived activities (which ``query`` leaves out, though they are live records).
    Records whose values do not convert become record-level errors, as in a cycle.
    ``in_id_order`` (REST only: a Bulk job promises no order) yields them by ascending Id."""
    plan = sync.plan
    if large and in_id_order:
        raise ValueError("a Bulk job's rows come in no promised order")
    columns = (Column("Id", "id", "id"), Column("IsDeleted" if plan.has_isdeleted else None, "isdeleted", "boolean"),
               Column(plan.stamp_field, "systemmodstamp", "datetime"),
               *(Column(field.field_name, field.column_name, field.sf_type) for field in fields))
    soql = plan.columns_soql([field.field_name for field in fields], in_id_order=in_id_order)
    dialect = sync.dialect
    if large:
        converters: dict[tuple[str, ...], RowConverter] = {}
        for header, raw in sync.job_rows(soql, include_deleted=True):
            converter = converters.get(tuple(header))
            if converter is None:
                converter = RowConverter(columns, source="csv", dialect=dialect, header=header)
                converters = {tuple(header): converter}
            yield _rows(sync, converter, columns, raw)
        return
    converter = RowConverter(columns, source="json", dialect=dialect)
    sync.ctx.check()
    page: QueryPage | None = sync.ctx.reader.query_all(soql)
    while page is not None:
        for start in range(0, len(page.records), BATCH_ROWS):
            yield _rows(sync, converter, columns, page.records[start:start + BATCH_ROWS])
        if page.next_url is None:
            return
        sync.ctx.check()
        page = sync.ctx.reader.next_page(page.next_url)


def _rows(sync: ObjectSync, converter: RowConverter, columns: Sequence[Column],
          records: Sequence[Any]) -> list[ReadRow]:
    batch = sync.convert(records, converter)
    if batch.errors:
        with sync.ctx.services.db.session() as session:
            runs.add_errors(session, batch.errors)
    # The converter puts typed columns before text ones; give the values back in field order.
    order = converter.columns
    positions = [order.index(column) for column in columns[3:]]
    return [ReadRow(str(row[0]), row[2], bool(row[1]), tuple(row[position] for position in positions))
            for row in batch.rows]


def refresh_columns(sync: ObjectSync, fields: Sequence[ObjectField], *, large: bool) -> int:
    """Read ``fields`` of every row (deleted ones too) and write only those columns, only
    where the value differs: a back-fill of new columns, or a formula refresh. Returns
    how many rows changed."""
    from storage import drift

    changed = 0
    for batch in read_columns(sync, fields, large=large):
        with sync.ctx.services.db.session() as session:
            changed += drift.update_columns(session, sync.plan.table, fields,
                                            [(row.record_id, *row.values) for row in batch])
    return changed

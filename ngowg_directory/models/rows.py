"""Rows for bulk inserts, built from the models' own column defaults; bulk updates' counts.

A multi-row INSERT skips the ORM, so nothing fills in what a model would: a copy of the
defaults next to each bulk insert drifts from the model (one did, and encrypted an e-mail
address that the column type encrypts again). `insert_rows` takes only the values that differ
from the model's defaults and fills in the rest from the model itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

import sqlalchemy as sa

from ..extensions import db


def table_of(model: Any) -> sa.Table:
    """The model's table, for Core statements (typed as a Table, which a mapped class's is)."""
    return cast(sa.Table, model.__table__)


def _default(column: sa.Column[Any]) -> tuple[bool, Any]:
    """(True, value) of a column's Python-side default, (False, None) when it has none."""
    default = column.default
    if default is None:
        return (True, None) if column.nullable else (False, None)
    if isinstance(default, sa.ColumnDefault) and default.is_callable:
        return True, default.arg(None)
    if isinstance(default, sa.ColumnDefault) and default.is_scalar:
        return True, default.arg
    raise TypeError(f"{column.table.name}.{column.key}: only Python-side defaults are filled in")


def insert_rows(model: Any, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Complete rows for a Core INSERT into the model's table: the given values, and for every other
    column the model's default (a callable one called once, so the batch shares one moment),
    or None where the column may be empty.

    Values are what the ORM would be given: an encrypted column's type encrypts them. A name
    that is not a column, or a required column with no default and no value, raises."""
    table = table_of(model)
    rows = [dict(row) for row in rows]
    given = set().union(*rows) if rows else set()
    unknown = given - set(table.columns.keys())
    if unknown:
        raise KeyError(f"{table.name} has no column {', '.join(sorted(unknown))}")
    automatic = table.autoincrement_column
    fill: dict[str, Any] = {}
    for column in table.columns:
        if column is automatic and column.key not in given:
            continue  # the database numbers the rows
        known, value = _default(column)
        if known:
            fill[column.key] = value
        elif not all(column.key in row for row in rows):
            raise ValueError(f"{table.name}.{column.key} has no default: give it a value")
    return [{**fill, **row} for row in rows]


def changed(statement: sa.Executable, **options: Any) -> int:
    """Run an UPDATE or DELETE in the session: how many rows it matched (the claim of a
    one-time link, code or state is won by exactly one statement)."""
    # Session.execute is typed as giving a Result; a DML statement's is a CursorResult.
    return cast("sa.CursorResult[Any]", db.session.execute(statement, **options)).rowcount


def insert_all(model: Any, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert the rows (completed by insert_rows) in multi-row INSERTs, without an object each."""
    complete = insert_rows(model, rows)
    if complete:
        db.session.execute(sa.insert(table_of(model)), complete)


def insert_returning_ids(model: Any, rows: Iterable[Mapping[str, Any]]) -> list[int]:
    """As insert_all, and the new rows' ids in the order of the rows."""
    table = table_of(model)
    statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.scalars(statement, insert_rows(model, rows)).all())

"""Rows for bulk inserts, built from the models' own column defaults.

A multi-row INSERT skips the ORM, so nothing fills in what a model would: a copy of the
defaults next to each bulk insert drifts from the model (one did, and encrypted an e-mail
address that the column type encrypts again). `insert_rows` takes only the values that differ
from the model's defaults and fills in the rest from the model itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa


def _default(column: sa.Column[Any]) -> tuple[bool, Any]:
    """(True, value) of a column's Python-side default, (False, None) when it has none."""
    default = column.default
    if default is None:
        return (True, None) if column.nullable else (False, None)
    if isinstance(default, sa.ColumnDefault) and default.is_callable:
        return True, default.arg(None)  # type: ignore[operator]
    if isinstance(default, sa.ColumnDefault) and default.is_scalar:
        return True, default.arg
    raise TypeError(f"{column.table.name}.{column.key}: only Python-side defaults are filled in")


def insert_rows(model: Any, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Complete rows for `sa.insert(model.__table__)`: the given values, and for every other
    column the model's default (a callable one called once, so the batch shares one moment),
    or None where the column may be empty.

    Values are what the ORM would be given: an encrypted column's type encrypts them. A name
    that is not a column, or a required column with no default and no value, raises."""
    table: sa.Table = model.__table__
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

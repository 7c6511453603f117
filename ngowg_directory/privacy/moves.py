"""What the privacy package's state machines share (request_states.py for contact requests,
briefing_states.py for briefings): a move's shape, and making one in a single statement.

Each move is one `UPDATE … WHERE id = … AND status IN (its sources) [AND …]`: of several moves
at once on one row exactly one changes it, and the others learn that theirs was not made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models.rows import changed


@dataclass(frozen=True)
class Move:
    """One allowed transition: from these states to one, by these actors."""

    action: str
    sources: tuple[str, ...]
    target: str
    actors: frozenset[str]


def make(row: Any, step: Move, values: dict[str, Any], *where: sa.ColumnElement[bool]) -> bool:
    """Move the row (a model with `id` and `status`) to `values` while its status is one of
    the step's sources and every `where` holds, in one statement: whether it was made. The
    row then holds the values (made) or is expired (not made: it is read again when used)."""
    model = type(row)
    statement = (
        sa.update(model)
        .where(model.id == row.id, model.status.in_(step.sources), *where)
        .values(**values)
    )
    if changed(statement, execution_options={"synchronize_session": False}) != 1:
        db.session.expire(row)
        return False
    for name, value in values.items():
        set_committed_value(row, name, value)
    return True

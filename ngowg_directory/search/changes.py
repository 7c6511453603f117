"""The search index's change log and the listeners that write it, in the writer's transaction.

`search_state` holds one row: `seq`, the number of the last logged change; `epoch`, a token
naming this database (an index built from another database, or from this one before it was
emptied, is rebuilt: engine.py); and `version`, a random token written with every change
(a rendered page section is kept only while the people on it are unchanged, but a change
anywhere may change a count). `search_changes` holds one row per changed entry: (seq, kind,
record id), kind `p` for a person, `o` for an organisation, `*` for "read everything again"
(a bulk statement whose rows are not known one by one).

Writers take their numbers by updating the one state row, so they take them in the order they
commit: a reader that sees `seq = n` has every change up to n committed and logged.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Organization, Profile, User

search_state = sa.Table(
    "search_state",
    db.metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("version", sa.String(length=32), nullable=False),
    sa.Column("seq", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("epoch", sa.String(length=32), nullable=False, server_default=""),
)

search_changes = sa.Table(
    "search_changes",
    db.metadata,
    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(length=1), nullable=False),
    sa.Column("record_id", sa.Integer(), nullable=False),
)

# The index entry's columns: a change to one of them is a change to log.
INDEX_COLUMNS = ("search_name", "search_text", "search_filters")
# Tables whose bulk statements (not through the flush) may change an entry.
INDEXED_TABLES = frozenset({"users", "profiles", "organizations"})
USER_INDEX_COLUMNS = frozenset({"name", "role", "status", "organization_id"})


def log_changes(connection: sa.Connection, changes: Iterable[tuple[str, int]]) -> None:
    """Log changed entries ((kind, record id)) under new sequence numbers, in the caller's
    transaction."""
    pending = sorted(set(changes))
    if not pending:
        return
    token = secrets.token_hex(12)
    last = connection.execute(
        search_state.update()
        .where(search_state.c.id == 1)
        .values(seq=search_state.c.seq + len(pending), version=token)
        .returning(search_state.c.seq)
    ).scalar()
    if last is None:  # no state row (a table emptied by hand): start a new epoch
        last = len(pending)
        connection.execute(
            search_state.insert().values(id=1, version=token, seq=last, epoch=secrets.token_hex(12))
        )
    first = last - len(pending) + 1
    connection.execute(
        search_changes.insert(),
        [
            {"seq": first + n, "kind": kind, "record_id": record_id}
            for n, (kind, record_id) in enumerate(pending)
        ],
    )


def new_epoch(connection: sa.Connection) -> None:
    """Name this database anew: every machine's index is rebuilt before its next search (after
    a restore, whose sequence numbers may repeat ones an index has already applied)."""
    epoch = secrets.token_hex(12)
    updated = connection.execute(
        search_state.update().where(search_state.c.id == 1).values(epoch=epoch)
    ).rowcount
    if not updated:
        connection.execute(
            search_state.insert().values(id=1, version=secrets.token_hex(12), seq=0, epoch=epoch)
        )


def database_state() -> tuple[str, int]:
    """(epoch, seq) as committed now."""
    row = db.session.execute(
        sa.select(search_state.c.epoch, search_state.c.seq).where(search_state.c.id == 1)
    ).first()
    return (str(row[0]), int(row[1])) if row else ("", 0)


def current_version() -> str:
    """The version token as committed now ("none" before the first change)."""
    version = db.session.execute(
        sa.select(search_state.c.version).where(search_state.c.id == 1)
    ).scalar()
    return version or "none"


def _entry_changed(obj: Profile | Organization) -> bool:
    state: sa.orm.InstanceState[Any] = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in INDEX_COLUMNS)


def changes_in_flush(session: Session) -> set[tuple[str, int]]:
    """The entries a flush changed: (kind, id) of each person and organisation."""
    found: set[tuple[str, int]] = set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Profile) and _entry_changed(obj) and obj.user_id is not None:
            found.add(("p", obj.user_id))
        elif isinstance(obj, Organization) and _entry_changed(obj) and obj.id is not None:
            found.add(("o", obj.id))
    for obj in session.deleted:
        if isinstance(obj, User) and obj.id is not None:
            found.add(("p", obj.id))
        elif isinstance(obj, Profile) and obj.user_id is not None:
            found.add(("p", obj.user_id))
        elif isinstance(obj, Organization) and obj.id is not None:
            found.add(("o", obj.id))
    return found


def log_after_flush(session: Session, flush_context: Any) -> None:
    """After a flush: log the entries it changed, in the same transaction."""
    found = changes_in_flush(session)
    if found:
        log_changes(session.connection(), found)


def log_bulk_write(state: Any) -> None:
    """Core statements on the indexed tables bypass the flush: log "read everything again"
    for those that may change an entry (bulk data, a DELETE); not for an UPDATE of `users`
    that sets no column the index reads (the sign-in failure counter, for one). Raw SQL text
    is not looked at: the app writes none to these tables."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    statement = state.statement
    name = getattr(getattr(statement, "table", None), "name", None)
    if name not in INDEXED_TABLES:
        return
    if state.is_update:
        values = getattr(statement, "_values", None) or {}
        columns = {getattr(column, "key", str(column)) for column in values}
        watched = USER_INDEX_COLUMNS if name == "users" else set(INDEX_COLUMNS)
        if columns and not columns & watched:
            return
    if state.is_insert:
        rows = state.parameters if isinstance(state.parameters, list) else [state.parameters]
        if not any((row or {}).get("search_text") for row in rows):
            return  # rows that enter no index (people not listed, or users alone)
    log_changes(state.session.connection(), [("*", 0)])

"""Key rotation: every encrypted column re-encrypted with the first key of the keyring."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from ..crypto import EncryptedText, keyring
from ..extensions import db


def rotate_all(session: Session | scoped_session[Any], batch: int = 500) -> int:
    """Re-encrypt every encrypted column with the primary key; returns values rewritten.

    Commits every `batch` values, so a large directory is rotated without one long
    transaction; a value already under the primary key is rewritten all the same."""
    ring = keyring()
    rewritten = 0
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, EncryptedText)]
        keys = list(table.primary_key.columns)
        for column in columns:
            # type_coerce to Text: read and write the stored tokens, not decrypted values.
            raw = sa.type_coerce(column, sa.Text)
            rows = session.execute(
                sa.select(*keys, raw.label("value")).where(raw.is_not(None))
            ).all()
            for index, row in enumerate(rows, start=1):
                rotated = ring.rotate(row.value.encode("ascii")).decode("ascii")
                condition = sa.and_(*(key == row[i] for i, key in enumerate(keys)))
                session.execute(
                    sa.update(table)
                    .where(condition)
                    .values({column.name: sa.literal(rotated, sa.Text)})
                )
                rewritten += 1
                if index % batch == 0:
                    session.commit()
            session.commit()
    return rewritten

"""search engine: a change log the embedded index follows; FTS5 and tsvector dropped

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 11:00:00

Search moves to an embedded index (search/engine.py) that follows the database through
`search_changes`, numbered from `search_state.seq`; `search_state.epoch` names this database
(an index built from another one is rebuilt). The FTS5 tables and their triggers (SQLite) and
the generated tsvector columns with their GIN indexes (PostgreSQL) are no longer read.
Entries written before this revision (plain words) are still read; `ngowg reindex` writes them
in the new form (one text per field).
"""

import secrets

from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FTS_TABLES = {"people_fts": ("profiles", "user_id"), "organizations_fts": ("organizations", "id")}


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("profiles", "organizations"):
            for column in ("search_vector", "filter_vector"):
                op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}")
                op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {column}")
    else:
        for fts in FTS_TABLES:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    with op.batch_alter_table("search_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("epoch", sa.String(length=32), server_default="", nullable=False)
        )
    state = sa.table("search_state", sa.column("id"), sa.column("epoch"), sa.column("version"))
    connection = op.get_bind()
    if connection.execute(sa.select(state.c.id)).first() is None:
        op.bulk_insert(state, [{"id": 1, "version": secrets.token_hex(12), "epoch": ""}])
    connection.execute(state.update().values(epoch=secrets.token_hex(12)))
    op.create_table(
        "search_changes",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_search_changes")),
    )


def downgrade():
    op.drop_table("search_changes")
    with op.batch_alter_table("search_state", schema=None) as batch_op:
        batch_op.drop_column("epoch")
        batch_op.drop_column("seq")
    # The FTS5 tables and tsvector columns, made again and filled as revision 0003 makes them.
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("0003_search_index.py")
    spec = importlib.util.spec_from_file_location("revision_0003", path)
    assert spec is not None and spec.loader is not None
    revision_0003 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision_0003)
    if op.get_bind().dialect.name == "postgresql":
        revision_0003._postgres()
    else:
        revision_0003._sqlite()

"""search index: normalised text and filter tokens; FTS5 on SQLite, tsvector + GIN on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 22:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

FTS_TABLES = {
    # name: (content table, rowid column)
    "people_fts": ("profiles", "user_id"),
    "organizations_fts": ("organizations", "id"),
}


def upgrade():
    for table in ("profiles", "organizations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('search_name', sa.String(length=200), nullable=True))
            batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('search_filters', sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        _postgres()
    else:
        _sqlite()
    # Existing rows are indexed by `ngowg reindex` (the application's own normalisation);
    # the migration does not import today's models, which may not match this revision.


def _sqlite():
    for fts, (content, rowid) in FTS_TABLES.items():
        # External-content FTS5 over the two columns; triggers keep it in step with the table.
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, search_filters, "
            f"content='{content}', content_rowid='{rowid}', "
            "tokenize='unicode61 remove_diacritics 2', prefix='2 3 4 5 6 7 8')"
        )
        new = f"INSERT INTO {fts}(rowid, search_text, search_filters) VALUES (new.{rowid}, new.search_text, new.search_filters);"
        old = (
            f"INSERT INTO {fts}({fts}, rowid, search_text, search_filters) "
            f"VALUES ('delete', old.{rowid}, old.search_text, old.search_filters);"
        )
        op.execute(f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {content} BEGIN {new} END")
        op.execute(f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {content} BEGIN {old} END")
        op.execute(
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_text, search_filters ON {content} "
            f"BEGIN {old} {new} END"
        )
        # Index the rows already there, so that the triggers' 'delete' of their old values
        # matches what the index holds (else FTS5 reports a malformed database).
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def _postgres():
    for table in ("profiles", "organizations"):
        # Words and filter tokens in two generated columns, each with its own GIN index:
        # the planner ANDs the two index scans and no row needs a recheck.
        for column, source in (("search_vector", "search_text"), ("filter_vector", "search_filters")):
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN {column} tsvector GENERATED ALWAYS AS ("
                f"to_tsvector('simple', coalesce({source}, ''))) STORED"
            )
            op.execute(f"CREATE INDEX ix_{table}_{column} ON {table} USING gin ({column})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("profiles", "organizations"):
            for column in ("search_vector", "filter_vector"):
                op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}")
                op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        for fts, (content, _rowid) in FTS_TABLES.items():
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    for table in ("profiles", "organizations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('search_filters')
            batch_op.drop_column('search_text')
            batch_op.drop_column('search_name')

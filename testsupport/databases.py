"""PostgreSQL databases of their own for the suite's workers and the benchmarks: made when the
server does not have them yet, emptied whole before a run (never a shared one)."""

from __future__ import annotations

import sqlalchemy as sa


def normalised(url: str) -> str:
    """The URL as SQLAlchemy takes it (postgres:// and postgresql:// name psycopg 3)."""
    from ngowg_directory.config import normalise_database_url

    return normalise_database_url(url)


def create_database(url: str, *, via: str = "postgres") -> bool:
    """Create the PostgreSQL database of `url` unless its server has it already, connected to
    the database `via` to do so; True when it was created."""
    target = sa.engine.make_url(url)
    server = sa.create_engine(target.set(database=via), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
            return not exists
    finally:
        server.dispose()


def empty_schema(url: str) -> None:
    """Drop every table of the database (its public schema), leaving it empty."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()

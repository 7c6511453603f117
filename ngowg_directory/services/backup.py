"""Encrypted, checked backups taken while the app serves, and their restore.

SQLite: the online backup API gives a consistent copy; PostgreSQL: pg_dump's snapshot.
The copy is encrypted in chunks with a key that is not in the database (the first key of
BACKUP_ENCRYPTION_KEY, else of FIELD_ENCRYPTION_KEY), then read back, decrypted and checked
(integrity check and row counts) before the command says it is done.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import struct
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import InvalidToken
from flask import current_app

from .. import audit, crypto, files
from ..extensions import db
from ..search import changes as search_changes

logger = logging.getLogger(__name__)

MAGIC = b"NGOWG-BACKUP-1\n"
CHUNK = 4 * 1024 * 1024
SUFFIX = ".ngowg-backup"


class BackupError(RuntimeError):
    """The backup or restore cannot be done; str() says why in plain words."""


def _keyring():
    keys = (
        current_app.config.get("BACKUP_ENCRYPTION_KEY")
        or current_app.config["FIELD_ENCRYPTION_KEY"]
    )
    return crypto.build_keyring(keys)


def _url() -> sa.engine.URL:
    return db.engine.url


def _sqlite_file() -> str:
    """The live SQLite database's file (an in-memory database has none to copy)."""
    path = _url().database
    if not path or path == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return path


def _pg_dsn() -> str:
    return _url().set(drivername="postgresql").render_as_string(hide_password=False)


def table_counts(connection: sa.Connection | sqlite3.Connection) -> dict[str, int]:
    """Rows in every table of the schema (the application's tables only)."""
    counts = {}
    for table in db.metadata.sorted_tables:
        # Table names come from the schema, never from input.
        sql = f"SELECT count(*) FROM {table.name}"  # noqa: S608  # nosec B608
        if isinstance(connection, sqlite3.Connection):
            counts[table.name] = connection.execute(sql).fetchone()[0]
        else:
            counts[table.name] = connection.execute(sa.text(sql)).scalar_one()
    return counts


def _snapshot(work: Path) -> tuple[Path, dict[str, int]]:
    """A consistent copy of the live database in `work`, and its row counts."""
    if _url().get_backend_name() == "sqlite":
        target = work / "snapshot.db"
        source = sqlite3.connect(_sqlite_file(), timeout=30)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            counts = table_counts(copy)
        finally:
            copy.close()
            source.close()
        return target, counts
    target = work / "snapshot.dump"
    # pg_dump reads one snapshot; the counts come from a copy restored from the very dump
    # only at check time, so here they are taken in a repeatable-read transaction.
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        conn.execute(sa.text("SELECT 1"))
        snapshot_id = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
        counts = table_counts(conn)
        _run(["pg_dump", "-Fc", f"--snapshot={snapshot_id}", "-f", str(target), _pg_dsn()])
    return target, counts


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")


def _encrypt(plain: Path, out: Path, manifest: dict) -> None:
    ring = _keyring()
    header = json.dumps(manifest).encode()
    tmp = out.with_name(out.name + ".part")
    with plain.open("rb") as source, files.open_private(tmp) as sink:
        sink.write(MAGIC)
        for block in [header, *iter(lambda: source.read(CHUNK), b"")]:
            token = ring.encrypt(block)
            sink.write(struct.pack(">I", len(token)))
            sink.write(token)
    tmp.replace(out)


def _decrypt(encrypted: Path, plain: Path) -> dict:
    ring = _keyring()
    with encrypted.open("rb") as source, plain.open("wb") as sink:
        if source.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{encrypted} is not a backup made by this application.")
        manifest = None
        while size_bytes := source.read(4):
            (size,) = struct.unpack(">I", size_bytes)
            try:
                block = ring.decrypt(source.read(size))
            except InvalidToken as exc:
                raise BackupError(
                    "The backup cannot be decrypted: wrong key, or the file is damaged."
                ) from exc
            if manifest is None:
                manifest = json.loads(block)
            else:
                sink.write(block)
    if manifest is None:
        raise BackupError(f"{encrypted} is empty or cut short.")
    return manifest


def _check(plain: Path, manifest: dict, work: Path) -> None:
    """Integrity check and row counts of a decrypted copy against its manifest."""
    if manifest["backend"] == "sqlite":
        copy = sqlite3.connect(plain)
        try:
            if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("The copy fails SQLite's integrity check.")
            counts = table_counts(copy)
        finally:
            copy.close()
        if counts != manifest["counts"]:
            raise BackupError(f"Row counts differ: {counts} != {manifest['counts']}")
        return
    _run(["pg_restore", "--list", str(plain)])
    _check_postgres_counts(plain, manifest)


def _check_postgres_counts(plain: Path, manifest: dict) -> None:
    """Restore the dump into a throw-away database and compare its row counts."""
    name = f"ngowg_backup_check_{os.getpid()}_{int(time.time())}"
    server = sa.create_engine(_url().set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.DBAPIError as exc:
        server.dispose()
        raise BackupError(
            "The dump could not be checked: this database user may not create databases. "
            "Grant CREATEDB to the backup user."
        ) from exc
    try:
        target = _url().set(drivername="postgresql", database=name)
        _run(
            [
                "pg_restore",
                "--no-owner",
                "-d",
                target.render_as_string(hide_password=False),
                str(plain),
            ]
        )
        engine = sa.create_engine(_url().set(database=name))
        try:
            with engine.connect() as conn:
                counts = table_counts(conn)
        finally:
            engine.dispose()
        if counts != manifest["counts"]:
            raise BackupError(f"Row counts differ: {counts} != {manifest['counts']}")
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def backup(out: str, echo: Callable[[str], object] = logger.info) -> dict:
    """Write an encrypted, checked backup to `out` (a file, or a folder for a dated name)."""
    target = Path(out)
    if target.is_dir():
        target = target / f"ngowg-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}{SUFFIX}"
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    with tempfile.TemporaryDirectory(prefix="ngowg-backup-") as tmp:
        work = Path(tmp)
        echo("Taking a consistent copy…")
        plain, counts = _snapshot(work)
        manifest = {
            "backend": _url().get_backend_name(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "counts": counts,
        }
        echo("Encrypting…")
        _encrypt(plain, target, manifest)
        echo("Reading it back and checking…")
        check_copy = work / "check"
        _check(check_copy, _decrypt(target, check_copy), work)
    audit.record("backup_written", counts=counts)
    db.session.commit()
    removed = prune(target.parent)
    echo(
        f"Backup written to {target} ({sum(counts.values())} rows); {removed} old backups removed."
    )
    return {"path": str(target), "counts": counts, "removed": removed}


def prune(folder: Path) -> int:
    """Delete this application's backups older than BACKUP_RETENTION_DAYS in a folder."""
    days = current_app.config["BACKUP_RETENTION_DAYS"]
    cutoff = time.time() - days * 86400
    removed = 0
    for path in folder.glob(f"*{SUFFIX}"):
        if path.stat().st_mtime < cutoff:
            path.unlink()
            removed += 1
    return removed


def restore(source: str, echo: Callable[[str], object] = logger.info) -> dict:
    """Replace the database's content with a checked backup (stop the app first)."""
    encrypted = Path(source)
    if not encrypted.is_file():
        raise BackupError(f"{source} does not exist.")
    with tempfile.TemporaryDirectory(prefix="ngowg-restore-") as tmp:
        work = Path(tmp)
        plain = work / "restore"
        manifest = _decrypt(encrypted, plain)
        _check(plain, manifest, work)
        backend = _url().get_backend_name()
        if manifest["backend"] != backend:
            raise BackupError(f"This backup is of a {manifest['backend']} database, not {backend}.")
        db.session.remove()
        db.engine.dispose()
        if backend == "sqlite":
            copy = sqlite3.connect(plain)
            live = sqlite3.connect(_sqlite_file(), timeout=30)
            try:
                copy.backup(live)
            finally:
                live.close()
                copy.close()
        else:
            _run(
                ["pg_restore", "--clean", "--if-exists", "--no-owner", "-d", _pg_dsn(), str(plain)]
            )
    with db.engine.connect() as conn:
        restored = table_counts(conn)
    if restored != manifest["counts"]:
        raise BackupError(f"Restored row counts differ from the backup's: {restored}")
    # The search indexes on every machine hold what came after the backup: rebuilt.
    search_changes.new_epoch(db.session.connection())
    audit.record("backup_restored", created=manifest["created"])
    db.session.commit()
    echo(f"Restored {sum(restored.values())} rows from {manifest['created']}, counts checked.")
    return manifest

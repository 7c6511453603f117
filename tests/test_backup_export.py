"""Exports with only what an administrator may see; encrypted backups and their restore."""

from __future__ import annotations

import csv
import io
import os
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import backup, profiles
from ngowg_directory.validation import FORMULA_START

from .conftest import TEST_DATABASE_URL, build_app, is_postgres

CANARY_PHONE = "+249912345678"
PRIVATE_CITY = "Secretcity"
CONNECTIONS_MAIL = "only-connections@example.org"


@pytest.fixture
def people(app, make_user):
    listed = make_user("defender", name='=HYPERLINK("http://evil.example","x")')
    listed.profile.consent_at = utcnow()
    listed.profile.phone, listed.profile.phone_audience = CANARY_PHONE, "policy_makers"
    listed.profile.email, listed.profile.email_audience = CONNECTIONS_MAIL, "connections"
    listed.profile.city, listed.profile.city_audience = PRIVATE_CITY, "private"
    listed.profile.title = "@SUM(A1:A9)"
    hidden = make_user("staff", name="Hidden Exported Person")
    profiles.set_hidden(hidden, True)
    db.session.commit()
    return listed, hidden


def test_csv_export_holds_only_what_an_admin_may_see_and_no_formulas(app, runner, people, tmp_path):
    listed, _hidden = people
    out = tmp_path / "directory.csv"
    result = runner.invoke(args=["export-directory", "--format", "csv", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == [str(listed.id)], "hidden people are not exported"
    row = rows[0]
    assert row["name"].startswith("'=HYPERLINK"), "formula neutralised"
    assert row["title"] == "'@SUM(A1:A9)"
    assert row["phone"] == "'" + CANARY_PHONE, "policy_makers audience: admins see it"
    assert CONNECTIONS_MAIL not in text and PRIVATE_CITY not in text
    assert "Hidden Exported Person" not in text
    for cell in (c for r in rows for c in r.values()):
        assert not cell.startswith(FORMULA_START), cell
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "directory_exported")
        )
        == 1
    )
    assert out.stat().st_mode & 0o777 == 0o600


def test_vcard_export_holds_only_what_an_admin_may_see(app, runner, people, tmp_path):
    out = tmp_path / "directory.vcf"
    result = runner.invoke(args=["export-directory", "--format", "vcard", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.count("BEGIN:VCARD") == 1 and "VERSION:4.0" in text
    assert CANARY_PHONE in text
    assert CONNECTIONS_MAIL not in text and PRIVATE_CITY not in text
    assert "Hidden Exported Person" not in text


def test_export_refuses_a_bad_format_and_an_unwritable_path(app, runner, people):
    bad = runner.invoke(args=["export-directory", "--format", "xlsx", "/tmp/x.xlsx"])
    assert bad.exit_code != 0 and "Invalid value for '--format'" in bad.output
    nowhere = runner.invoke(args=["export-directory", "--format", "csv", "/no/such/dir/x.csv"])
    assert nowhere.exit_code != 0


def _writer(app, stop: threading.Event, written: list[int]) -> None:
    with app.app_context():
        n = 0
        while not stop.is_set() and n < 200:
            db.session.execute(
                sa.text(
                    "INSERT INTO organizations (name, slug, kind, acronym, mission, is_demo, "
                    "created_at, updated_at, version_id) VALUES (:n, :s, 'member', '', '', "
                    "false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
                ),
                {"n": f"Written {n}", "s": f"written-{uuid.uuid4().hex[:8]}"},
            )
            db.session.commit()
            n += 1
            written.append(n)
            time.sleep(0.002)
        db.session.remove()


def test_backup_while_writing_then_restore_into_a_fresh_database(app, runner, people, tmp_path):
    stop, written = threading.Event(), []
    thread = threading.Thread(target=_writer, args=(app, stop, written))
    thread.start()
    try:
        while len(written) < 5:
            time.sleep(0.01)
        result = runner.invoke(args=["backup", str(tmp_path)])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    files = list(tmp_path.glob("*.ngowg-backup"))
    assert len(files) == 1
    raw = files[0].read_bytes()
    assert CANARY_PHONE.encode() not in raw and CANARY_PHONE[1:].encode() not in raw
    assert b"Hidden Exported Person" not in raw, "the whole file is encrypted"
    assert files[0].stat().st_mode & 0o777 == 0o600
    manifest_counts = _restore_elsewhere(app, files[0], tmp_path)
    assert manifest_counts["users"] == 2
    assert manifest_counts["organizations"] >= 5


def _restore_elsewhere(app, backup_file: Path, tmp_path: Path) -> dict[str, int]:
    """Restore into a brand-new database and compare its row counts with the manifest."""
    if is_postgres():
        name = f"restore_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(
            sa.engine.make_url(db.engine.url).set(database="postgres"),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
        url = (
            sa.engine.make_url(TEST_DATABASE_URL)
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    else:
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh = build_app(tmp_path / "fresh-instance", url)
    try:
        with fresh.app_context():
            manifest = backup.restore(str(backup_file), echo=lambda _m: None)
            with db.engine.connect() as conn:
                counts = backup.table_counts(conn)
            db.engine.dispose()
        expected = dict(manifest["counts"])
        expected["audit_events"] += 1  # the restore itself is audited, after the check
        assert counts == expected
        return counts
    finally:
        if is_postgres():
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()


def test_restore_refuses_a_wrong_key_a_damaged_file_and_a_missing_file(
    app, runner, people, tmp_path
):
    assert runner.invoke(args=["backup", str(tmp_path / "one.ngowg-backup")]).exit_code == 0
    good = tmp_path / "one.ngowg-backup"
    damaged = tmp_path / "damaged.ngowg-backup"
    data = bytearray(good.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    result = runner.invoke(args=["restore", "--yes", str(damaged)])
    assert result.exit_code != 0 and "cannot be decrypted" in result.output
    missing = runner.invoke(args=["restore", "--yes", str(tmp_path / "nope")])
    assert missing.exit_code != 0 and "does not exist" in missing.output
    not_backup = tmp_path / "plain.txt"
    not_backup.write_text("hello")
    result = runner.invoke(args=["restore", "--yes", str(not_backup)])
    assert result.exit_code != 0 and "not a backup" in result.output
    from cryptography.fernet import Fernet

    app.config["BACKUP_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
    result = runner.invoke(args=["restore", "--yes", str(good)])
    assert result.exit_code != 0 and "wrong key" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2, "nothing changed"


def test_restore_asks_before_replacing_everything(app, runner, people, tmp_path):
    runner.invoke(args=["backup", str(tmp_path / "b.ngowg-backup")])
    result = runner.invoke(args=["restore", str(tmp_path / "b.ngowg-backup")], input="n\n")
    assert result.exit_code != 0 and "Nothing was restored" in result.output


def test_backups_older_than_the_retention_are_removed(app, runner, people, tmp_path):
    old = tmp_path / "ngowg-20200101T000000Z.ngowg-backup"
    old.write_bytes(b"old")
    past = time.time() - 31 * 86400
    os.utime(old, (past, past))
    other = tmp_path / "keep-me.txt"
    other.write_text("not a backup")
    os.utime(other, (past, past))
    result = runner.invoke(args=["backup", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert not old.exists() and other.exists()
    assert "1 old backups removed" in result.output

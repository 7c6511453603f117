"""The factory, configuration, migrations and health probes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ngowg_directory import create_app
from ngowg_directory.config import ConfigError
from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent

from .conftest import FIELD_KEY, SECRET_KEY, is_postgres


def test_factory_uses_top_level_template_and_static_folders(app):
    assert app.template_folder.endswith("/templates")
    assert app.static_folder.endswith("/static")
    assert app.config["TESTING"] is True


def test_migrations_match_the_models(app):
    """A model change without its migration fails here, on SQLite and on PostgreSQL."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_audit_rows_cannot_be_changed_even_with_raw_sql(app):
    db.session.add(AuditEvent(action="test_event"))
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("UPDATE audit_events SET action = 'forged'"))
    db.session.rollback()
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("DELETE FROM audit_events"))
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEvent.action)) == "test_event"


def test_sqlite_runs_in_wal_mode_with_busy_timeout(app):
    if is_postgres():
        pytest.skip("SQLite pragmas only apply to SQLite; this run uses PostgreSQL")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def _production(tmp_path, **env):
    settings = {
        "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": FIELD_KEY,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "WEB_CONCURRENCY": 2,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
    }
    settings.update(env)
    return create_app("production", **settings)


def test_production_refuses_missing_or_short_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        _production(tmp_path, SECRET_KEY=None)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        _production(tmp_path, SECRET_KEY="short-secret")
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_in_memory_limits_with_several_workers(tmp_path):
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        _production(tmp_path, RATELIMIT_STORAGE_URI="memory://", WEB_CONCURRENCY=3)
    app = _production(tmp_path, RATELIMIT_STORAGE_URI="memory://", WEB_CONCURRENCY=1)
    assert app.config["ENV_NAME"] == "production"


def test_production_requires_a_field_encryption_key(tmp_path):
    with pytest.raises(ConfigError, match="FIELD_ENCRYPTION_KEY"):
        _production(tmp_path, FIELD_ENCRYPTION_KEY=None)


def test_development_generates_secrets_once_with_private_modes(tmp_path):
    first = create_app("development", INSTANCE_PATH=str(tmp_path))
    second = create_app("development", INSTANCE_PATH=str(tmp_path))
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    for name in ("secret_key", "field_key"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600


def test_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("NGOWG_ENV", "staging")
    with pytest.raises(ConfigError, match="NGOWG_ENV"):
        create_app()


def test_postgres_urls_use_psycopg3(tmp_path):
    app = create_app(
        "testing",
        INSTANCE_PATH=str(tmp_path),
        SQLALCHEMY_DATABASE_URI="postgresql://user@127.0.0.1:1/none",
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_healthz_answers_without_the_database(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_readyz_reports_the_database(app, client, tmp_path):
    assert client.get("/readyz").status_code == 200
    broken = create_app(
        "testing",
        INSTANCE_PATH=str(tmp_path / "broken"),
        SQLALCHEMY_DATABASE_URI="postgresql://nobody@127.0.0.1:9/none",
        SECRET_KEY=SECRET_KEY,
        FIELD_ENCRYPTION_KEY=FIELD_KEY,
    )
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert broken.test_client().get("/healthz").status_code == 200


def test_upgrading_a_database_with_people_keeps_the_search_index_sound(tmp_path):
    """Migrate to 0002, add a person who agreed to be listed, upgrade to the newest revision,
    reindex, search."""
    from flask_migrate import downgrade, upgrade

    from ngowg_directory.search import Query, search_people
    from ngowg_directory.services import accounts

    from .conftest import build_app

    if is_postgres():
        pytest.skip("uses its own SQLite file; the PostgreSQL run migrates the shared database")
    app = build_app(tmp_path / "instance", f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade()
        downgrade(revision="0002")
        db.session.execute(
            sa.text(
                "INSERT INTO users (id, email, name, role, status, session_version, "
                "failed_logins, totp_enabled, is_demo, created_at) VALUES (1, 'old@example.org', "
                "'Old Member', 'staff', 'active', 1, 0, false, false, CURRENT_TIMESTAMP)"
            )
        )
        db.session.execute(
            sa.text(
                "INSERT INTO profiles (user_id, title, affiliation, bio, email_audience, "
                "phone_audience, messaging_audience, city_audience, hidden, last_confirmed_at, "
                "updated_at, version_id) VALUES (1, 'Adviser', '', '', 'members', 'connections', "
                "'connections', 'members', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
            )
        )
        # She agreed herself in the app (0008_consent keeps only such agreements).
        db.session.execute(
            sa.text("UPDATE profiles SET consent_at = CURRENT_TIMESTAMP WHERE user_id = 1")
        )
        db.session.execute(
            sa.text(
                "INSERT INTO audit_events (created_at, actor_id, action, target_type, target_id) "
                "VALUES (CURRENT_TIMESTAMP, 1, 'consent_given', 'user', 1)"
            )
        )
        db.session.commit()
        upgrade()
        result = app.test_cli_runner().invoke(args=["reindex"])
        assert result.exit_code == 0, result.output
        assert search_people(Query(text="old member")).total == 1
        user = accounts.find_by_email("old@example.org")
        user.name = "Renamed Member"
        db.session.commit()
        assert search_people(Query(text="renamed")).total == 1
        assert search_people(Query(text="old")).total == 0
        db.engine.dispose()


def test_no_database_side_search_index_is_left_after_the_migrations(app):
    """Revision 0010 drops what revision 0003 made: FTS5 tables and their triggers (SQLite),
    generated tsvector columns and their GIN indexes (PostgreSQL); the engine reads the entries
    themselves."""
    if is_postgres():
        columns = set(
            db.session.scalars(
                sa.text(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name IN ('profiles', 'organizations')"
                )
            )
        )
        assert not {"search_vector", "filter_vector"} & columns, columns
    else:
        names = set(db.session.scalars(sa.text("SELECT name FROM sqlite_master")))
        assert not [name for name in names if "_fts" in name], names
    if not is_postgres():  # (the PostgreSQL run empties every table between tests)
        assert db.session.execute(sa.text("SELECT epoch FROM search_state")).scalar()

"""Migration 0013 upgrades and downgrades on SQLite and PostgreSQL, with briefings in it."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ngowg_directory.extensions import db
from testsupport import databases

from .conftest import TEST_DATABASE_URL, build_app, is_postgres

TABLES = (
    "briefing_availability",
    "briefing_requests",
    "briefing_invitations",
    "briefing_risk_assessments",
    "briefing_checkins",
    "briefing_reprisal_reports",
)


def test_0013_upgrades_and_downgrades_with_rows_in_it(tmp_path):
    if is_postgres():
        url = databases.normalised(TEST_DATABASE_URL or "")
        url = sa.engine.make_url(url).set(database=f"{sa.engine.make_url(url).database}_mig13")
        url = url.render_as_string(hide_password=False)
        databases.create_database(url)
        databases.empty_schema(url)
    else:
        url = f"sqlite:///{tmp_path / 'migrations.db'}"
    app = build_app(tmp_path / "instance", url)
    with app.app_context():
        upgrade()
        db.session.execute(
            sa.text(
                "INSERT INTO users (id, email, name, role, status, session_version, "
                "failed_logins, totp_enabled, is_demo, created_at, council_member_until) VALUES "
                "(1, 'pm@example.org', 'Delegate', 'policy_maker', 'active', 1, 0, false, "
                "false, CURRENT_TIMESTAMP, '2030-12-31')"
            )
        )
        db.session.execute(
            sa.text(
                "INSERT INTO briefing_requests (id, requester_id, meeting_date, item, topic, "
                "language, mode, deadline, status, created_at) VALUES (1, 1, '2030-01-10', "
                "'SD', 'Topic of the briefing', 'ar', 'either', '2030-01-05', 'open', "
                "CURRENT_TIMESTAMP)"
            )
        )
        db.session.commit()
        downgrade(revision="0012")
        names = set(sa.inspect(db.engine).get_table_names())
        assert not names & set(TABLES), names & set(TABLES)
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("users")}
        assert "council_member_until" not in columns
        assert "council_meetings" in names
        upgrade()
        names = set(sa.inspect(db.engine).get_table_names())
        assert set(TABLES) <= names
        db.session.remove()
        db.engine.dispose()

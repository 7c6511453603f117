"""Migration 0014 on SQLite and PostgreSQL: meetings already on the programme twice (a double
click before it) are merged into the first, the briefing requests for a copy follow it, and a
new copy is refused from then on; the downgrade takes the index away."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ngowg_directory.extensions import db
from testsupport import databases

from .conftest import TEST_DATABASE_URL, build_app, is_postgres

MEETING = (
    "INSERT INTO council_meetings (id, month_id, date, item, kind, title, created_at, "
    "updated_at) VALUES ({id}, 1, '{date}', 'SD', '{kind}', 'Copy {id}', CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP)"
)


def fresh_url(tmp_path) -> str:
    if not is_postgres():
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    url = sa.engine.make_url(databases.normalised(TEST_DATABASE_URL or ""))
    url = url.set(database=f"{url.database}_mig14").render_as_string(hide_password=False)
    databases.create_database(url)
    databases.empty_schema(url)
    return url


def test_0014_merges_copies_keeps_their_requests_and_refuses_new_ones(tmp_path):
    app = build_app(tmp_path / "instance", fresh_url(tmp_path))
    with app.app_context():
        upgrade(revision="0013")
        run = db.session.execute
        run(
            sa.text(
                "INSERT INTO council_months (id, month, notes, created_at, updated_at) "
                "VALUES (1, '2030-01-01', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        run(
            sa.text(
                "INSERT INTO users (id, email, name, role, status, session_version, "
                "failed_logins, totp_enabled, is_demo, created_at, council_member_until) VALUES "
                "(1, 'pm@example.org', 'Delegate', 'policy_maker', 'active', 1, 0, false, "
                "false, CURRENT_TIMESTAMP, '2030-12-31')"
            )
        )
        for id_, kind in ((1, "briefing"), (2, "briefing"), (3, "briefing"), (4, "consultations")):
            run(sa.text(MEETING.format(id=id_, date="2030-01-10", kind=kind)))
        for id_, meeting in ((1, 3), (2, 4), (3, None)):
            run(
                sa.text(
                    "INSERT INTO briefing_requests (id, requester_id, meeting_id, meeting_date, "
                    "item, topic, language, mode, deadline, status, created_at) VALUES "
                    f"({id_}, 1, :meeting, '2030-01-10', 'SD', 'Topic', 'ar', 'either', "
                    "'2030-01-05', 'open', CURRENT_TIMESTAMP)"
                ),
                {"meeting": meeting},
            )
        db.session.commit()
        upgrade()
        meetings = run(sa.text("SELECT id, kind FROM council_meetings ORDER BY id")).all()
        assert [tuple(m) for m in meetings] == [(1, "briefing"), (4, "consultations")]
        requests = run(sa.text("SELECT id, meeting_id FROM briefing_requests ORDER BY id")).all()
        assert [tuple(r) for r in requests] == [(1, 1), (2, 4), (3, None)]
        with pytest.raises(sa.exc.IntegrityError):
            run(sa.text(MEETING.format(id=5, date="2030-01-10", kind="briefing")))
        db.session.rollback()
        downgrade(revision="0013")
        run(sa.text(MEETING.format(id=5, date="2030-01-10", kind="briefing")))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

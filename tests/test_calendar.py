"""The personal calendar feed of the Council's meetings: a key shown once, stored hashed,
revoked by her or with her account, a valid RFC 5545 feed with nothing about people."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
import vobject

from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, CalendarKey
from ngowg_directory.services import accounts, calendar, council
from testsupport.council import add_council

KEY = re.compile(r"/council\.ics\?key=(ngcal_[A-Za-z0-9_-]+)")


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_API_AUTH_FAILURES": "5 per minute"}


@pytest.fixture
def owner(app, new_client, make_user, login):
    user = make_user("defender", name="Feed Owner")
    client = new_client()
    login(client, user)
    client.user = user
    return client


def make_key(client) -> str:
    html = client.form("/account/calendar").get_data(as_text=True)
    match = KEY.search(html)
    assert match, "the new address is shown"
    return match.group(1)


def test_the_key_is_shown_once_stored_hashed_and_the_feed_parses_back(owner, make_user):
    admin = make_user("admin")
    add_council(admin)
    council.add_meeting(
        {
            "date": council.this_month(),
            "item": "YE",
            "kind": "arria",
            "title": "Yemen; women, peace, and a very long title " + "é" * 60,
        },
        admin,
    )
    db.session.commit()
    secret = make_key(owner)
    assert secret not in owner.get("/account/calendar").get_data(as_text=True)
    stored = db.session.scalar(sa.select(CalendarKey))
    assert secret not in stored.key_hash and stored.prefix == secret[:12]
    anonymous = owner.application.test_client()
    response = anonymous.get(f"/council.ics?key={secret}")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert body.endswith("\r\n") and "\n" not in body.replace("\r\n", "")
    parsed = vobject.readOne(body)
    events = parsed.contents["vevent"]
    assert len(events) == 3
    summaries = {e.summary.value for e in events}
    assert "Sudan: Briefing" in summaries
    yemen = next(e for e in events if e.summary.value.startswith("Yemen"))
    assert yemen.description.value.startswith("Yemen; women, peace, and a very long title é")
    assert all(e.uid.value.startswith("council-meeting-") for e in events)
    assert "Feed Owner" not in body and owner.user.email not in body


def test_a_wrong_revoked_or_dead_key_is_a_404_naming_nobody(owner, make_user, new_client):
    secret = make_key(owner)
    anonymous = owner.application.test_client()
    wrong = anonymous.get("/council.ics?key=ngcal_" + "x" * 43)
    assert wrong.status_code == 404 and "Feed Owner" not in wrong.get_data(as_text=True)
    assert anonymous.get("/council.ics").status_code == 404
    second = make_key(owner)  # a new key replaces the old one
    assert anonymous.get(f"/council.ics?key={secret}").status_code == 404
    assert anonymous.get(f"/council.ics?key={second}").status_code == 200
    owner.form("/account/calendar/revoke")
    assert anonymous.get(f"/council.ics?key={second}").status_code == 404
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"calendar_key_created", "calendar_key_revoked"} <= actions


@pytest.mark.parametrize("how", ["suspended", "deleted"])
def test_the_key_dies_with_the_account(owner, how):
    secret = make_key(owner)
    anonymous = owner.application.test_client()
    user = owner.user
    db.session.refresh(user)
    if how == "suspended":
        accounts.suspend(user, actor=None)
        db.session.commit()
        assert db.session.scalar(sa.select(CalendarKey.revoked_at)) is not None
        accounts.reactivate(user, actor=None)
        db.session.commit()
    else:
        from ngowg_directory.services import profiles

        profiles.delete_account(user, actor=user)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(CalendarKey.id))) == 0
    assert anonymous.get(f"/council.ics?key={secret}").status_code == 404


def test_wrong_keys_are_rate_limited_per_address(app):
    client = app.test_client()
    answers = [client.get(f"/council.ics?key=ngcal_{n}").status_code for n in range(7)]
    assert answers[:5] == [404] * 5 and answers[-1] == 429


def test_escaping_and_folding():
    assert calendar.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = calendar.fold("X" * 200)
    assert all(len(part) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "X" * 200

"""Two of the secretariat saving the same thing at once (threads, each its own browser): the
same meeting (a double click on "Add meeting") is put on the programme once, and a new month's
first meetings make the month once. The second request is told the meeting is already there;
nobody gets a server error."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, CouncilMeeting, CouncilMonth
from testsupport.race import race
from testsupport.worlds import RAISED_LIMITS

ROUNDS = range(5)


@pytest.fixture
def app_overrides():
    return dict(RAISED_LIMITS)


@pytest.fixture
def secretariat(app, make_user, new_client, login):
    admin = make_user("admin", name="Race Programme")
    clients = []
    for _ in range(2):
        client = new_client()
        login(client, admin)
        clients.append(client)
    return clients


def adding(client, month: str, form: dict[str, str]):
    token = client.csrf_token(f"/admin/council/{month}")

    def call():
        response = client.post(
            f"/admin/council/{month}/meetings", data={"csrf_token": token, **form}
        )
        if response.status_code != 302:
            return ("status", response.status_code)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        return "error" if "flash-error" in page else "added"

    return call


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def added_events() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "council_meeting_added")
    )


@pytest.mark.parametrize("round_", ROUNDS)
def test_the_same_meeting_saved_twice_at_once_is_on_the_programme_once(secretariat, round_):
    form = {"date": "2027-05-06", "item": "SD", "kind": "briefing", "title": "UNITAMS"}
    answers = race([adding(client, "2027-05", form) for client in secretariat])
    assert sorted(map(str, answers)) == ["added", "error"], answers
    assert count(CouncilMeeting) == 1
    assert count(CouncilMonth) == 1
    assert added_events() == 1


@pytest.mark.parametrize("round_", ROUNDS)
def test_two_meetings_of_a_new_month_at_once_make_the_month_once(secretariat, round_):
    forms = [
        {"date": "2027-06-03", "item": "SD", "kind": "briefing", "title": "One"},
        {"date": "2027-06-04", "item": "AF", "kind": "consultations", "title": "Two"},
    ]
    answers = race([adding(c, "2027-06", f) for c, f in zip(secretariat, forms, strict=True)])
    assert answers == ["added", "added"], answers
    assert count(CouncilMonth) == 1
    assert count(CouncilMeeting) == 2
    months = set(db.session.scalars(sa.select(CouncilMeeting.month_id)))
    assert len(months) == 1


def test_a_changed_meeting_that_meets_another_is_refused_and_kept(secretariat):
    client = secretariat[0]
    first = {"date": "2027-07-01", "item": "SD", "kind": "briefing", "title": "First"}
    second = {"date": "2027-07-02", "item": "SD", "kind": "briefing", "title": "Second"}
    assert adding(client, "2027-07", first)() == "added"
    assert adding(client, "2027-07", second)() == "added"
    meeting = db.session.scalar(sa.select(CouncilMeeting).where(CouncilMeeting.title == "Second"))
    response = client.form(f"/admin/council/meetings/{meeting.id}", {**first, "title": "Moved"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "already on the programme" in page
    db.session.expire_all()
    kept = db.session.get(CouncilMeeting, meeting.id)
    assert (kept.date.isoformat(), kept.title) == ("2027-07-02", "Second")

"""Moves on one briefing at the same moment (threads, each its own browser): two acceptances,
an acceptance against a cancellation, two invitations of the same person. Exactly one wins;
no two states are ever both true (an invitation accepted for a cancelled request); nothing is
sent or audited twice; nothing reaches anyone it should not."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, BriefingInvitation, BriefingRequest, RiskAssessment
from ngowg_directory.services import briefings
from testsupport.race import race
from testsupport.worlds import RAISED_LIMITS

from .briefing_support import (
    assess,
    invitation_of,
    make_available,
    make_council_member,
    request_for,
    risk_fields,
    today,
    told,
)


@pytest.fixture
def app_overrides():
    return dict(RAISED_LIMITS)


@pytest.fixture
def scene(app, make_user, make_org, new_client, login):
    make_org("wilpf")
    admin = make_user("admin", name="Race Secretariat")
    defender = make_user("defender", org="wilpf", name="Race Briefer")
    pm = make_council_member(make_user("policy_maker", name="Race Delegate"))
    make_available(defender)
    clients = {}
    for key, user, count in (("admin", admin, 2), ("defender", defender, 2), ("pm", pm, 1)):
        clients[key] = []
        for _ in range(count):
            client = new_client()
            login(client, user)
            clients[key].append(client)
    return {"admin": admin, "defender": defender, "pm": pm}, clients


def pressing(client, url: str, data=None):
    token = client.csrf_token("/briefings")

    def call():
        response = client.post(url, data={"csrf_token": token, **(data or {})})
        if response.status_code != 302:
            return ("status", response.status_code)
        return tuple(told(client.get(response.headers["Location"]).get_data(as_text=True)))

    return call


def won(answers) -> list:
    return [a for a in answers if isinstance(a, tuple) and a and a[0][0] == "success"]


def count(action: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def invited(people, request) -> BriefingInvitation:
    briefings.invite(request, people["admin"], [people["defender"].id])
    db.session.commit()
    return invitation_of(request.id, people["defender"].id)


@pytest.mark.parametrize("round_", range(2))
def test_two_acceptances_at_once_accept_once(scene, mailbox, round_):
    people, clients = scene
    invitation = invited(people, request_for(people["pm"]))
    url = f"/briefings/invitations/{invitation.id}/accept"
    mailbox.clear()
    answers = race([pressing(c, url) for c in clients["defender"]])
    assert len(won(answers)) == 1, answers
    assert all(a[0][0] == "error" for a in answers if a not in won(answers)), answers
    assert invitation_of(invitation.request_id, people["defender"].id).status == "accepted"
    assert count("briefing_accepted") == 1
    assert len(mailbox.to(people["admin"].email)) == 1


@pytest.mark.parametrize("round_", range(3))
def test_an_acceptance_against_a_cancellation_leaves_one_true_state(scene, mailbox, round_):
    people, clients = scene
    request = request_for(people["pm"])
    invitation = invited(people, request)
    accept = pressing(clients["defender"][0], f"/briefings/invitations/{invitation.id}/accept")
    cancel = pressing(clients["admin"][0], f"/briefings/{request.id}/cancel")
    calls = [accept, cancel] if round_ % 2 == 0 else [cancel, accept]
    answers = race(calls)
    db.session.expire_all()
    stored = db.session.get(BriefingRequest, request.id)
    state = invitation_of(request.id, people["defender"].id).status
    assert stored.status == "cancelled", answers
    assert state == "cancelled", f"an invitation {state} for a cancelled request: {answers}"
    # Whoever asked is told it is cancelled, nothing of an acceptance.
    page = clients["pm"][0].get(f"/briefings/{request.id}").get_data(as_text=True)
    assert "Cancelled by the secretariat" in page and "A briefer has accepted" not in page
    assert "Race Briefer" not in page
    assert count("briefing_request_cancelled") == 1 and count("briefing_accepted") <= 1


@pytest.mark.parametrize("round_", range(2))
def test_two_invitations_of_one_person_at_once_make_one(scene, mailbox, round_):
    people, clients = scene
    request = request_for(people["pm"])
    url = f"/briefings/{request.id}/invite"
    data = {"people": str(people["defender"].id)}
    mailbox.clear()
    answers = race([pressing(c, url, data) for c in clients["admin"]])
    assert len(won(answers)) == 1, answers
    rows = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(BriefingInvitation)
        .where(BriefingInvitation.request_id == request.id)
    )
    assert rows == 1 and count("briefing_invited") == 1
    assert len(mailbox.to(people["defender"].email)) == 1
    assert "Race Briefer" not in "".join(mailbox.body(m) for m in mailbox.messages)


@pytest.mark.parametrize("round_", range(3))
def test_held_against_an_undone_checklist_never_holds_an_unassessed_briefing(scene, round_):
    """The secretariat records the briefing as held while she unticks an item of the risk
    assessment: either it is held with the checklist complete, or it is not held."""
    people, clients = scene
    invitation = invited(people, request_for(people["pm"]))
    base = f"/briefings/invitations/{invitation.id}"
    assert pressing(clients["defender"][0], f"{base}/accept")()[0][0] == "success"
    assess(clients["defender"][0], invitation.id)
    undo = {**risk_fields("Not sure of the travel", "1"), "travel_done": ""}
    calls = [
        pressing(clients["admin"][0], f"{base}/held", {"held-held_on": today().isoformat()}),
        pressing(clients["defender"][1], f"{base}/risk", undo),
    ]
    answers = race(calls if round_ % 2 == 0 else calls[::-1])
    db.session.expire_all()
    state = invitation_of(invitation.request_id, people["defender"].id).status
    assessment = db.session.get(RiskAssessment, invitation.id)
    if state == "briefed":
        assert assessment.completed_at is not None, answers
    else:
        assert state == "accepted" and assessment.completed_at is None, answers
    assert count("briefing_held") == (state == "briefed"), answers

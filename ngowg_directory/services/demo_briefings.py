"""Demo briefers: two fictional defenders available to brief, a Council member's delegate,
and briefings in every state, on the demo month's meetings where it has them."""

from __future__ import annotations

import json
from datetime import date, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    BriefingAvailability,
    BriefingInvitation,
    BriefingRequest,
    CouncilMeeting,
    RiskAssessment,
    SafetyCheckin,
    User,
)
from ..models._types import utcnow
from ..models.briefings import RISK_ITEMS

TOPIC = (
    "Fictional demo request: the situation of women human rights defenders and their "
    "participation in the peace process."
)


def _meeting(item: str, future: bool) -> CouncilMeeting | None:
    today = utcnow().date()
    query = sa.select(CouncilMeeting).where(CouncilMeeting.item == item)
    query = query.where(CouncilMeeting.date >= today if future else CouncilMeeting.date < today)
    return db.session.scalar(query.order_by(CouncilMeeting.date).limit(1))


def _request(asker: User, item: str, days: int, status: str = "open") -> BriefingRequest:
    """A request on the demo month's meeting on `item` (future or past as `days` says),
    else on a day `days` from today."""
    meeting = _meeting(item, days >= 0)
    day = meeting.date if meeting is not None else utcnow().date() + timedelta(days=days)
    request = BriefingRequest(
        requester=asker,
        meeting_id=meeting.id if meeting is not None else None,
        meeting_date=day,
        item=item,
        theme="whrd-civic-space",
        topic=TOPIC,
        language="ar" if item == "SD" else "en",
        mode="either",
        deadline=max(min(day, utcnow().date() + timedelta(days=5)), day - timedelta(days=10)),
        status=status,
        closed_at=utcnow() if status != "open" else None,
    )
    db.session.add(request)
    return request


def _invite(request: BriefingRequest, person: User, admin: User, status: str) -> BriefingInvitation:
    now = utcnow()
    invitation = BriefingInvitation(
        request=request,
        defender=person,
        invited_by_id=admin.id,
        status=status,
        named=False,
        answered_at=now if status in ("accepted", "declined", "briefed") else None,
    )
    db.session.add(invitation)
    return invitation


def seed(admin: User | None, asker: User | None, briefers: list[User]) -> int:
    """Add the demo briefings unless there are some; how many invitations were added."""
    if admin is None or asker is None or len(briefers) < 2:
        return 0
    if db.session.scalar(sa.select(sa.func.count(BriefingRequest.id))):
        return 0
    sudan, south_sudan = briefers[0], briefers[1]
    asker.verified_at = asker.verified_at or utcnow()
    asker.council_member_until = date(utcnow().year + 1, 12, 31)
    for person, situations, languages, named in (
        (sudan, "SD", "ar;en", False),
        (south_sudan, "SS;SD", "en", True),
    ):
        if db.session.get(BriefingAvailability, person.id) is None:
            db.session.add(
                BriefingAvailability(
                    user_id=person.id,
                    situations=situations,
                    themes="whrd-civic-space;participation",
                    languages=languages,
                    in_person=named,
                    remote=True,
                    named=named,
                )
            )
    waiting = _request(asker, "SD", 12)
    _invite(waiting, sudan, admin, "invited")
    _invite(waiting, south_sudan, admin, "declined")
    confirmed = _request(asker, "SS", 20)
    accepted = _invite(confirmed, south_sudan, admin, "accepted")
    accepted.named = True
    _invite(confirmed, sudan, admin, "withdrawn")
    held = _request(asker, "SD", -12)
    briefed = _invite(held, sudan, admin, "briefed")
    briefed.held_on = held.meeting_date
    briefed.follow_up = "Fictional: the delegation raised the detained activists with the mission."
    _invite(_request(asker, "SS", 25, status="withdrawn"), south_sudan, admin, "cancelled")
    _invite(_request(asker, "SD", 30, status="cancelled"), sudan, admin, "cancelled")
    db.session.flush()
    answers = {name: {"done": name != "checkin_plan", "note": ""} for name in RISK_ITEMS}
    db.session.add(
        RiskAssessment(
            invitation_id=accepted.id,
            answers=json.dumps(answers),
            updated_by_id=admin.id,
        )
    )
    # The briefing held was assessed in full first, as a briefing must be.
    done = {name: {"done": True, "note": ""} for name in RISK_ITEMS}
    db.session.add(
        RiskAssessment(
            invitation_id=briefed.id,
            answers=json.dumps(done),
            completed_at=utcnow(),
            updated_by_id=admin.id,
        )
    )
    db.session.add(
        SafetyCheckin(
            invitation_id=briefed.id,
            days=7,
            reminded_at=utcnow(),
            recorded_at=utcnow(),
            recorded_by_id=admin.id,
            result="done",
            note="Fictional: she is back home and safe.",
        )
    )
    return 7

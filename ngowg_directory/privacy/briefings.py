"""THE rule of briefers' availability: who may learn that a defender offers to brief the
Security Council, who is offered, who may ask for a briefer, whose name a record may carry.

A defender's availability is seen by the secretariat (admins) and by verified policy-makers,
and by nobody else: not other defenders, not managers (even of her own organisation), not
unverified policy-makers, not the API beyond those viewers, not a count of any search. A
defender who is not listed (hidden, her agreement withdrawn, suspended, or not yet agreed)
is never offered, to anyone, whatever her availability says.

Who may ask for a briefer: a verified policy-maker of a Security Council member's mission.
The secretariat says which missions are the Council's, when it verifies her, by the last day
of the member's term (`users.council_member_until`): a term ending lets her asking end with
it, and a role change or the verified mark taken away ends it at once (services/admin.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import BriefingAvailability, BriefingInvitation, Profile, User
from ..models._types import utcnow
from .policy import is_listed, listed_clause


def is_verified_policy_maker(user: User) -> bool:
    """An active policy-maker whom the secretariat has verified."""
    return user.role == "policy_maker" and user.verified_at is not None and user.status == "active"


def sees_availability(viewer: User) -> bool:
    """Whether this viewer may learn anyone's availability: the secretariat and verified
    policy-makers."""
    return viewer.is_admin or is_verified_policy_maker(viewer)


def today() -> date:
    """Today in UTC: the day terms, deadlines and check-ins are counted in."""
    return utcnow().date()


def may_ask(user: User) -> bool:
    """A verified policy-maker of a Council member, within the member's term."""
    until = user.council_member_until
    return is_verified_policy_maker(user) and until is not None and until >= today()


def may_offer(user: User) -> bool:
    """Whether the person may say she is available: defenders (her own choice, for herself)."""
    return user.role == "defender"


def is_offered(person: User, availability: BriefingAvailability | None) -> bool:
    """Whether she is offered as available now: a listed defender whose availability is on."""
    return (
        person.role == "defender"
        and availability is not None
        and availability.active
        and is_listed(person)
    )


def offered_clause() -> sa.ColumnElement[bool]:
    """SQL for is_offered, over User joined to Profile and BriefingAvailability."""
    return sa.and_(
        listed_clause(),
        User.role == "defender",
        BriefingAvailability.active.is_(True),
        BriefingAvailability.user_id == User.id,
        Profile.user_id == User.id,
    )


@dataclass(frozen=True)
class AvailabilityView:
    """What a viewer who may see it is told of one defender's availability."""

    situations: list[str]
    themes: list[str]
    languages: list[str]
    modes: list[str]
    named: bool


def shape(availability: BriefingAvailability) -> AvailabilityView:
    """The availability as a view (templates get this, never the model)."""
    return AvailabilityView(
        situations=availability.situation_codes,
        themes=availability.theme_slugs,
        languages=availability.language_codes,
        modes=availability.modes,
        named=availability.named,
    )


def availability_of(viewer: User, person: User) -> AvailabilityView | None:
    """Her availability as this viewer may know it; None: nothing to know (not offered, or
    not the viewer's to know). She herself edits hers on /account/briefing."""
    if person.role != "defender" or not sees_availability(viewer):
        return None
    availability = db.session.get(BriefingAvailability, person.id)
    if availability is None or not is_offered(person, availability):
        return None
    return shape(availability)


def public_name(invitation: BriefingInvitation) -> str | None:
    """Her name, where a record shown beyond the secretariat may carry it: she chose to be
    named when she accepted, and she is listed now. None: she is an anonymous briefer."""
    person = invitation.defender
    if not invitation.named or person is None or not is_listed(person):
        return None
    return person.name


def may_open_briefings(user: User) -> bool:
    """Whose /briefings it is: the secretariat, defenders (their invitations) and
    policy-makers (their requests, once verified; the page says how to be). Not staff or
    managers: nothing there is theirs."""
    return user.role in ("admin", "defender", "policy_maker")

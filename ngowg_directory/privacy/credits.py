"""Credits on the Council's recommendations: who may answer one, and who is shown.

A credit names a person or an organisation as a contributor. The secretariat offers it; it
is shown only once the person herself (for an organisation: one of its managers) accepted,
and only while she is listed (the organisation: not archived). She may decline it, withdraw
it after accepting, or accept again. Nobody else answers for her, the secretariat included.
Each move is one `UPDATE … WHERE state IN (…)`: of two answers at once, one wins.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import Organization, Profile, RecommendationCredit, User
from ..models._types import utcnow
from ..models.rows import changed
from .listing import listing_views
from .orgs import org_listed_clause
from .policy import listed_clause

# move -> (the states it may start from, the state it leads to)
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"offered", "declined", "withdrawn"}), "accepted"),
    "decline": (frozenset({"offered"}), "declined"),
    "withdraw": (frozenset({"accepted"}), "withdrawn"),
}


def may_answer(user: User, credit: RecommendationCredit) -> bool:
    """The credited person herself, or a manager of the credited organisation."""
    if not user.is_authenticated or not user.is_active:
        return False
    if credit.user_id is not None:
        return credit.user_id == user.id
    return (
        user.role == "manager"
        and user.organization_id is not None
        and user.organization_id == credit.organization_id
    )


def answerable_clause(user: User) -> sa.ColumnElement[bool]:
    """SQL condition for the credits this user may answer."""
    own = RecommendationCredit.user_id == user.id
    if user.role == "manager" and user.organization_id is not None:
        return sa.or_(own, RecommendationCredit.organization_id == user.organization_id)
    return own


def move(user: User, credit: RecommendationCredit, name: str) -> bool:
    """Make the move if she may and the credit's state allows it: whether it happened."""
    if name not in MOVES or not may_answer(user, credit):
        return False
    starts, leads_to = MOVES[name]
    won = changed(
        sa.update(RecommendationCredit)
        .where(RecommendationCredit.id == credit.id, RecommendationCredit.state.in_(starts))
        .values(state=leads_to, answered_by_id=user.id, answered_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if won:
        db.session.refresh(credit)
    return bool(won)


@dataclass(frozen=True)
class CreditShown:
    """A contributor as a recommendation names her: a listed person or a live organisation."""

    name: str
    person_id: int | None = None
    org_slug: str | None = None


def shown_credits(viewer: User, recommendation_ids: list[int]) -> dict[int, list[CreditShown]]:
    """The accepted credits of these recommendations whose person is listed (through the
    listing) or whose organisation is live, by recommendation, people first, by name."""
    if not recommendation_ids:
        return {}
    accepted = RecommendationCredit.state == "accepted"
    wanted = RecommendationCredit.recommendation_id.in_(recommendation_ids)
    people = db.session.execute(
        sa.select(RecommendationCredit.recommendation_id, RecommendationCredit.user_id)
        .join(User, User.id == RecommendationCredit.user_id)
        .join(Profile, Profile.user_id == User.id)
        .where(accepted, wanted, listed_clause())
    ).all()
    ids = sorted({uid for _r, uid in people if uid is not None})
    views = {v.id: v for v in listing_views(viewer, ids)}
    shown: dict[int, list[CreditShown]] = {}
    for rid, uid in people:
        if uid in views:
            shown.setdefault(rid, []).append(CreditShown(views[uid].name, person_id=uid))
    orgs = db.session.execute(
        sa.select(RecommendationCredit.recommendation_id, Organization.name, Organization.slug)
        .join(Organization, Organization.id == RecommendationCredit.organization_id)
        .where(accepted, wanted, org_listed_clause())
    ).all()
    for rid, name, slug in orgs:
        shown.setdefault(rid, []).append(CreditShown(name, org_slug=slug))
    for credits in shown.values():
        credits.sort(key=lambda c: (c.person_id is None, c.name.casefold()))
    return shown

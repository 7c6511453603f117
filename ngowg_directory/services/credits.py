"""Crediting contributors of a recommendation, only with their consent (privacy/credits.py
holds the rules: who answers, who is shown)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..models import (
    CouncilMonth,
    Organization,
    Recommendation,
    RecommendationCredit,
    RecommendationText,
    User,
)
from ..privacy import credits as rules
from ..validation import ValidationError

logger = logging.getLogger(__name__)

AUDITED = {
    "accept": "credit_accepted",
    "decline": "credit_declined",
    "withdraw": "credit_withdrawn",
}


def offer(recommendation: Recommendation, who: str, actor: User) -> RecommendationCredit:
    """Offer a credit to a person (by e-mail address) or an organisation (by slug)."""
    who = (who or "").strip()
    if "@" in who:
        person = db.session.scalar(sa.select(User).where(User.email == who.lower()))
        if person is None:
            raise ValidationError("who", _l("Nobody has this e-mail address."))
        credit = RecommendationCredit(recommendation_id=recommendation.id, user_id=person.id)
    else:
        org = db.session.scalar(sa.select(Organization).where(Organization.slug == who.lower()))
        if org is None:
            raise ValidationError(
                "who", _l("Give a person's e-mail address or an organisation's short name.")
            )
        credit = RecommendationCredit(recommendation_id=recommendation.id, organization_id=org.id)
    credit.created_by_id = actor.id
    try:
        with db.session.begin_nested():
            db.session.add(credit)
            db.session.flush()
    except IntegrityError as exc:
        raise ValidationError("who", _l("This contributor is already credited here.")) from exc
    audit.record("credit_offered", actor=actor, target=credit, recommendation=recommendation.id)
    return credit


def answerers(credit: RecommendationCredit) -> list[User]:
    """Whoever may answer the credit and can sign in: she, or her organisation's managers
    (told that something waits for them; privacy/credits.py, may_answer)."""
    if credit.user_id is not None:
        where = User.id == credit.user_id
    else:
        where = sa.and_(User.organization_id == credit.organization_id, User.role == "manager")
    return list(
        db.session.scalars(sa.select(User).where(where, User.status == "active").order_by(User.id))
    )


def remove(credit: RecommendationCredit, actor: User) -> None:
    """The secretariat takes a credit off, whatever its state."""
    audit.record("credit_removed", actor=actor, target=credit, state=credit.state)
    db.session.delete(credit)


def of_recommendation(recommendation: Recommendation) -> list[tuple[RecommendationCredit, str]]:
    """Every credit of a recommendation with the name the secretariat knows it by."""
    rows = db.session.execute(
        sa.select(RecommendationCredit, User.name, User.email, Organization.name)
        .outerjoin(User, User.id == RecommendationCredit.user_id)
        .outerjoin(Organization, Organization.id == RecommendationCredit.organization_id)
        .where(RecommendationCredit.recommendation_id == recommendation.id)
        .order_by(RecommendationCredit.id)
    ).all()
    return [(c, org or f"{name} <{email}>") for c, name, email, org in rows]


def answer(user: User, credit_id: int, name: str) -> bool | None:
    """Make the move on one of her credits: None when it is not hers (a 404), else whether
    the state allowed it."""
    credit = db.session.get(RecommendationCredit, credit_id)
    if credit is None or not rules.may_answer(user, credit):
        return None
    if not rules.move(user, credit, name):
        return False
    audit.record(AUDITED[name], actor=user, target=credit)
    return True


@dataclass(frozen=True)
class MyCredit:
    """A credit on her page: what it is on, and for whom (her, or her organisation)."""

    id: int
    state: str
    item: str
    month: date
    title: str
    published: bool
    organization: str | None


def mine(user: User) -> list[MyCredit]:
    """The credits she may answer, newest first, with the English title of what they are on."""
    rows = db.session.execute(
        sa.select(
            RecommendationCredit,
            Recommendation.item,
            Recommendation.state,
            CouncilMonth.month,
            RecommendationText.title,
            Organization.name,
        )
        .join(Recommendation, Recommendation.id == RecommendationCredit.recommendation_id)
        .join(CouncilMonth, CouncilMonth.id == Recommendation.month_id)
        .outerjoin(
            RecommendationText,
            sa.and_(
                RecommendationText.recommendation_id == Recommendation.id,
                RecommendationText.locale == "en",
            ),
        )
        .outerjoin(Organization, Organization.id == RecommendationCredit.organization_id)
        .where(rules.answerable_clause(user))
        .order_by(CouncilMonth.month.desc(), RecommendationCredit.id.desc())
    ).all()
    return [
        MyCredit(c.id, c.state, item, month, title or "", state == "published", org)
        for c, item, state, month, title, org in rows
    ]

"""The Council's data several test modules build alike: this month, its meetings, a published
recommendation on Sudan (credited to whoever is given) and a draft on Afghanistan."""

from __future__ import annotations

from dataclasses import dataclass

from ngowg_directory.extensions import db
from ngowg_directory.models import Recommendation, RecommendationCredit, User
from ngowg_directory.services import council, recommendations

PUBLISHED_TITLE = "Sudan: protect women human rights defenders"
DRAFT_TITLE = "Afghanistan: a draft nobody may read"


@dataclass
class CouncilData:
    key: str  # this month, YYYY-MM
    meeting_id: int
    published_id: int
    draft_id: int
    credit_ids: dict[int, int]  # credited user id (or -organisation id) -> credit id


def add_council(
    admin: User, people: list[User] = (), org_ids: list[int] = (), accepted: bool = False
) -> CouncilData:  # type: ignore[assignment]
    """Written and committed; each person and organisation is offered a credit on the
    published recommendation (accepted when `accepted`)."""
    month = council.this_month()
    council.save_month(month, "GR", "", admin)
    meeting = council.add_meeting(
        {"date": month, "item": "SD", "kind": "briefing", "title": "Sudan briefing"}, admin
    )
    council.add_meeting({"date": month, "item": "wps", "kind": "open_debate", "title": ""}, admin)
    row = council.month_for(month)
    published = recommendations.create(row, "SD", admin)
    recommendations.save_texts(
        published,
        {
            "en": {"title": PUBLISHED_TITLE, "body": "Council members should **listen**."},
            "fr": {"title": "Soudan : protéger les défenseuses", "body": "Le Conseil devrait."},
        },
        admin,
    )
    recommendations.publish(published, month, admin)
    draft = recommendations.create(row, "AF", admin)
    recommendations.save_texts(draft, {"en": {"title": DRAFT_TITLE, "body": "Not yet."}}, admin)
    credit_ids: dict[int, int] = {}
    state = "accepted" if accepted else "offered"
    for person in people:
        credit = RecommendationCredit(
            recommendation_id=published.id, user_id=person.id, state=state
        )
        db.session.add(credit)
        db.session.flush()
        credit_ids[person.id] = credit.id
    for org_id in org_ids:
        credit = RecommendationCredit(
            recommendation_id=published.id, organization_id=org_id, state=state
        )
        db.session.add(credit)
        db.session.flush()
        credit_ids[-org_id] = credit.id
    db.session.commit()
    return CouncilData(month.strftime("%Y-%m"), meeting.id, published.id, draft.id, credit_ids)


def recommendation(recommendation_id: int) -> Recommendation:
    return db.session.get(Recommendation, recommendation_id)

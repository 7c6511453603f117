"""Published recommendations found from the directory's search box: a plain SQL match of
every query word over the texts' normalised `search_text` (hundreds of texts, not millions:
no index of their own), kept apart from the people search (search/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from .. import i18n
from ..extensions import db
from ..models import CouncilMonth, Recommendation, RecommendationText
from ..search.text import words

LIMIT = 5
MIN_WORD = 2


@dataclass(frozen=True)
class RecommendationHit:
    """A match: what it is on, its month, its title in the reader's language (else English)."""

    id: int
    item: str
    month: date
    title: str


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches(query: str | None, limit: int = LIMIT) -> list[RecommendationHit]:
    """Published recommendations whose text in some language holds every word of the query."""
    found = [w for w in words(query) if len(w) >= MIN_WORD]
    if not found:
        return []
    text = sa.orm.aliased(RecommendationText)
    conditions = [text.search_text.like(_like(w), escape="\\") for w in found]
    ids = (
        sa.select(text.recommendation_id)
        .join(Recommendation, Recommendation.id == text.recommendation_id)
        .where(Recommendation.state == "published", *conditions)
        .distinct()
    )
    rows = db.session.execute(
        sa.select(Recommendation.id, Recommendation.item, CouncilMonth.month)
        .join(CouncilMonth, CouncilMonth.id == Recommendation.month_id)
        .where(Recommendation.id.in_(ids))
        .order_by(CouncilMonth.month.desc(), Recommendation.id)
        .limit(limit)
    ).all()
    if not rows:
        return []
    language = i18n.current_language()
    titles: dict[int, dict[str, str]] = {}
    for rid, locale, title in db.session.execute(
        sa.select(
            RecommendationText.recommendation_id,
            RecommendationText.locale,
            RecommendationText.title,
        ).where(RecommendationText.recommendation_id.in_([r.id for r in rows]))
    ):
        titles.setdefault(rid, {})[locale] = title
    return [
        RecommendationHit(
            rid,
            item,
            month,
            titles.get(rid, {}).get(language) or titles.get(rid, {}).get("en") or "",
        )
        for rid, item, month in rows
    ]

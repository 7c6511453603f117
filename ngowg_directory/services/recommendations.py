"""The Working Group's recommendations (Monthly Action Points): written by the secretariat in
Markdown per language, draft until published with a publication date; the pages show only
published ones, in the reader's language, else English with a note."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import audit, i18n, reference
from ..extensions import db
from ..models import (
    RECOMMENDATION_LOCALES,
    CouncilMonth,
    Recommendation,
    RecommendationText,
    User,
)
from ..models._types import utcnow
from ..models.rows import changed
from ..privacy.credits import CreditShown, shown_credits
from ..search.text import normalise
from ..validation import ValidationError, clean_line, clean_text
from . import council, markdown

logger = logging.getLogger(__name__)


class RecommendationError(ValueError):
    """A move that cannot be made now; str() is for the person."""


def create(month: CouncilMonth, item: str, actor: User) -> Recommendation:
    """A draft on one item of a month (one per item and month)."""
    item = council.clean_item(item)
    recommendation = Recommendation(
        month_id=month.id, item=item, created_by_id=actor.id, updated_by_id=actor.id
    )
    try:
        with db.session.begin_nested():
            db.session.add(recommendation)
            db.session.flush()
    except IntegrityError as exc:
        raise ValidationError(
            "item", _l("This month already has recommendations on this item.")
        ) from exc
    audit.record("recommendation_saved", actor=actor, target=recommendation, created=True)
    return recommendation


def clean_texts(data: dict[str, dict[str, str]]) -> dict[str, tuple[str, str]]:
    """(title, Markdown) per language, checked; a language left empty is dropped."""
    texts: dict[str, tuple[str, str]] = {}
    for locale in RECOMMENDATION_LOCALES:
        given = data.get(locale) or {}
        title = clean_line(given.get("title"), 200, f"{locale}-title")
        body = clean_text(given.get("body"), markdown.MAX_SOURCE, f"{locale}-body")
        if title or body:
            if not title:
                raise ValidationError(f"{locale}-title", _l("Give this text a title."))
            texts[locale] = (title, body)
    return texts


def save_texts(
    recommendation: Recommendation, data: dict[str, dict[str, str]], actor: User
) -> None:
    """Replace the texts: each rendered, sanitised and normalised for search."""
    texts = clean_texts(data)
    if recommendation.state == "published" and "en" not in texts:
        raise ValidationError("en-title", _l("A published recommendation keeps its English text."))
    kept = {text.locale: text for text in recommendation.texts}
    for locale, text in kept.items():
        if locale not in texts:
            recommendation.texts.remove(text)
    for locale, (title, body) in texts.items():
        row = kept.get(locale) or RecommendationText(locale=locale)
        row.title, row.body, row.html = title, body, markdown.render(body)
        row.search_text = normalise(f"{title} {body}")
        row.updated_at = utcnow()
        if locale not in kept:
            recommendation.texts.append(row)
    recommendation.updated_by_id, recommendation.updated_at = actor.id, utcnow()
    audit.record("recommendation_saved", actor=actor, target=recommendation)


def publication_time(day: date) -> datetime:
    """The moment a publication date stands for: now if today, else that day's midnight UTC."""
    today = utcnow().date()
    if day > today:
        raise ValidationError("published_on", _l("A publication date cannot be in the future."))
    return utcnow() if day == today else datetime(day.year, day.month, day.day, tzinfo=UTC)


def publish(recommendation: Recommendation, day: date, actor: User) -> None:
    """Draft to published, as of `day`; a second publish at once finds it published."""
    if not any(t.locale == "en" and t.body for t in recommendation.texts):
        raise RecommendationError(_l("Write the English text before publishing."))
    when = publication_time(day)
    won = changed(
        sa.update(Recommendation)
        .where(Recommendation.id == recommendation.id, Recommendation.state == "draft")
        .values(state="published", published_at=when, updated_by_id=actor.id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not won:
        raise RecommendationError(_l("This recommendation is already published."))
    db.session.refresh(recommendation)
    audit.record("recommendation_published", actor=actor, target=recommendation, on=str(day))


def unpublish(recommendation: Recommendation, actor: User) -> None:
    """Published back to draft: it leaves every page, the API and the search at once."""
    won = changed(
        sa.update(Recommendation)
        .where(Recommendation.id == recommendation.id, Recommendation.state == "published")
        .values(state="draft", published_at=None, updated_by_id=actor.id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not won:
        raise RecommendationError(_l("This recommendation is not published."))
    db.session.refresh(recommendation)
    audit.record("recommendation_unpublished", actor=actor, target=recommendation)


@dataclass
class RecommendationView:
    """A published recommendation in one language, as the pages and the API show it."""

    id: int
    month: date
    item: str
    title: str
    html: str
    locale: str
    # Set when the reader's language has no text: the language shown instead.
    fallback: str | None
    published_at: datetime
    credits: list[CreditShown] = field(default_factory=list)

    @property
    def month_key(self) -> str:
        return self.month.strftime("%Y-%m")


def _pick(texts: list[RecommendationText], language: str) -> RecommendationText | None:
    by_locale = {t.locale: t for t in texts}
    return by_locale.get(language) or by_locale.get("en") or next(iter(by_locale.values()), None)


def published(
    viewer: User, where: sa.ColumnElement[bool], language: str | None = None
) -> list[RecommendationView]:
    """Published recommendations matching `where`, by month then item name, in the reader's
    language (else English), with their shown credits (one query each)."""
    language = language or i18n.current_language()
    query = (
        sa.select(Recommendation, CouncilMonth.month)
        .join(CouncilMonth, CouncilMonth.id == Recommendation.month_id)
        .where(Recommendation.state == "published", where)
        .options(sa.orm.selectinload(Recommendation.texts))
    )
    views = []
    for recommendation, month in db.session.execute(query):
        text = _pick(recommendation.texts, language)
        if text is None:
            continue
        views.append(
            RecommendationView(
                id=recommendation.id,
                month=month,
                item=recommendation.item,
                title=text.title,
                html=text.html,
                locale=text.locale,
                fallback=text.locale if text.locale != language else None,
                published_at=recommendation.published_at or utcnow(),
            )
        )
    credits = shown_credits(viewer, [v.id for v in views])
    for view in views:
        view.credits = credits.get(view.id, [])
    views.sort(key=lambda v: (v.month, reference.council_item_name(v.item).casefold()))
    return views


def of_month(
    viewer: User, month: CouncilMonth | None, language: str | None = None
) -> list[RecommendationView]:
    if month is None:
        return []
    return published(viewer, Recommendation.month_id == month.id, language)


def of_item(viewer: User, item: str, language: str | None = None) -> list[RecommendationView]:
    """The archive of one item: newest month first."""
    views = published(viewer, Recommendation.item == item, language)
    return sorted(views, key=lambda v: v.month, reverse=True)


def for_month_admin(month: CouncilMonth) -> list[Recommendation]:
    """Every recommendation of a month, drafts included (the secretariat's page)."""
    return list(
        db.session.scalars(
            sa.select(Recommendation)
            .where(Recommendation.month_id == month.id)
            .options(sa.orm.selectinload(Recommendation.texts))
            .order_by(Recommendation.item)
        )
    )

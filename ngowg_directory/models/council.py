"""The Security Council's month: its programme, the Working Group's recommendations on it (the
Monthly Action Points), their credited contributors and the calendar keys of its feed."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..i18n import LANGUAGES
from ._types import UTCDateTime, utcnow

MEETING_KINDS = ("briefing", "consultations", "mandate_renewal", "open_debate", "arria")
RECOMMENDATION_STATES = ("draft", "published")
# A credit is offered by the secretariat and shown only once accepted by the person herself
# (or, for an organisation, by one of its managers); withdrawn hides it again for good.
CREDIT_STATES = ("offered", "accepted", "declined", "withdrawn")
# A text per language the directory speaks (its site codes).
RECOMMENDATION_LOCALES = LANGUAGES


class CouncilMonth(Model):
    """One month of the Council's programme: `month` is its first day."""

    __tablename__ = "council_months"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, unique=True)
    presidency: Mapped[str | None] = mapped_column(sa.String(2))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meetings: Mapped[list[CouncilMeeting]] = relationship(
        back_populates="month",
        cascade="all, delete-orphan",
        order_by="(CouncilMeeting.date, CouncilMeeting.id)",
    )

    @property
    def key(self) -> str:
        """The month as the URLs write it, YYYY-MM."""
        return self.month.strftime("%Y-%m")


class CouncilMeeting(Model):
    """A meeting on the programme: a country situation (ISO alpha-2) or a thematic item slug."""

    __tablename__ = "council_meetings"
    # One meeting of a day, item and kind: a double click or two people at once make one.
    __table_args__ = (
        sa.Index("uq_council_meetings_date_item_kind", "date", "item", "kind", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month_id: Mapped[int] = mapped_column(
        sa.ForeignKey("council_months.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[date] = mapped_column(sa.Date, index=True)
    item: Mapped[str] = mapped_column(sa.String(40), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    month: Mapped[CouncilMonth] = relationship(back_populates="meetings")


class Recommendation(Model):
    """The Working Group's recommendations on one item for one month, in up to four languages."""

    __tablename__ = "recommendations"
    __table_args__ = (
        sa.UniqueConstraint("month_id", "item", name="uq_recommendations_month_item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month_id: Mapped[int] = mapped_column(
        sa.ForeignKey("council_months.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str] = mapped_column(sa.String(40), index=True)
    state: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    month: Mapped[CouncilMonth] = relationship()
    texts: Mapped[list[RecommendationText]] = relationship(
        cascade="all, delete-orphan", order_by="RecommendationText.locale"
    )


class RecommendationText(Model):
    """One language's text: the Markdown source, its sanitised HTML and its search text."""

    __tablename__ = "recommendation_texts"

    recommendation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    html: Mapped[str] = mapped_column(sa.Text, default="")
    # Normalised title and text (search.text's normaliser), matched by the directory's search.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecommendationCredit(Model):
    """A contributor to a recommendation: a person or an organisation, never both."""

    __tablename__ = "recommendation_credits"
    __table_args__ = (
        sa.CheckConstraint(
            "(user_id IS NULL) <> (organization_id IS NULL)", name="person_or_organization"
        ),
        sa.UniqueConstraint("recommendation_id", "user_id", name="uq_recommendation_credits_user"),
        sa.UniqueConstraint(
            "recommendation_id", "organization_id", name="uq_recommendation_credits_organization"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(sa.String(20), default="offered")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recommendation: Mapped[Recommendation] = relationship()


class CalendarKey(Model):
    """The key of a person's calendar feed: only its SHA-256 digest and a short prefix are kept."""

    __tablename__ = "calendar_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

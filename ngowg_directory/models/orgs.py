"""Member organisations, UN entities, missions and partners."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ._types import SearchEntry, UTCDateTime, utcnow

ORG_KINDS = ("member", "un_entity", "mission", "partner")


class Organization(SearchEntry, Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="member")
    website: Mapped[str | None] = mapped_column(sa.String(300))
    headquarters_country: Mapped[str | None] = mapped_column(sa.String(2))
    focus: Mapped[str | None] = mapped_column(sa.String(500))
    acronym: Mapped[str] = mapped_column(sa.String(30), default="")
    mission: Mapped[str] = mapped_column(sa.Text, default="")
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    member_since: Mapped[date | None] = mapped_column(sa.Date)
    logo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    logo_mime: Mapped[str | None] = mapped_column(sa.String(20))
    logo_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)

    countries: Mapped[list[OrganizationCountry]] = relationship(
        cascade="all, delete-orphan", order_by="OrganizationCountry.code"
    )
    themes: Mapped[list[OrganizationTheme]] = relationship(
        cascade="all, delete-orphan", order_by="OrganizationTheme.slug"
    )

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def country_codes(self) -> list[str]:
        return [row.code for row in self.countries]

    @property
    def theme_slugs(self) -> list[str]:
        return [row.slug for row in self.themes]

    def __repr__(self) -> str:
        return f"<Organization {self.slug}>"


class OrganizationTag:
    """A row of one of an organisation's tag lists: the organisation, then the value (the key
    is both, in that order: `sort_order` puts this column first)."""

    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, sort_order=-1
    )


class OrganizationCountry(OrganizationTag, Model):
    """A country the organisation works in."""

    __tablename__ = "organization_countries"

    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True, index=True)


class OrganizationTheme(OrganizationTag, Model):
    """A Women, Peace and Security theme the organisation works on."""

    __tablename__ = "organization_themes"

    slug: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)

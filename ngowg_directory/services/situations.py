"""One item of the Council's agenda: its meetings, its recommendations month by month, and
the people and organisations working on it, as the directory's listings show them."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from .. import privacy, reference
from ..extensions import db
from ..models import (
    Organization,
    OrganizationCountry,
    Profile,
    ProfileSituation,
    ProfileTheme,
    User,
)
from . import council, recommendations

PER_PAGE = 20


@dataclass
class PeoplePage:
    """One page of the listed people working on an item, and how many pages there are."""

    people: list[privacy.ListingView]
    page: int
    pages: int
    total: int


def people_on(viewer: User, code: str, page: int) -> PeoplePage:
    """Listed people with this situation on their profile (a thematic item: its theme,
    reference.THEMATIC_THEMES), by name, through the listing (the listed clause counts them,
    and the listing shows them: nobody unlisted, no contact)."""
    tagged = (
        sa.select(ProfileSituation.user_id).where(ProfileSituation.code == code)
        if code in reference.situations()
        else sa.select(ProfileTheme.user_id).where(
            ProfileTheme.slug == reference.THEMATIC_THEMES[code]
        )
    )
    listed = (
        sa.select(User.id)
        .join(Profile, Profile.user_id == User.id)
        .where(User.id.in_(tagged), privacy.listed_clause())
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(listed.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    ids = list(
        db.session.scalars(
            listed.order_by(User.name, User.id).offset((page - 1) * PER_PAGE).limit(PER_PAGE)
        )
    )
    return PeoplePage(privacy.listing_views(viewer, ids), page, pages, total)


def organizations_on(viewer: User, code: str) -> list[privacy.OrgView]:
    """Organisations working in this country, as the organisation search shows them."""
    ids = db.session.scalars(
        sa.select(Organization.id)
        .join(OrganizationCountry, OrganizationCountry.organization_id == Organization.id)
        .where(OrganizationCountry.code == code)
        .order_by(Organization.name)
        .limit(100)
    )
    return privacy.org_views(viewer, list(ids))


@dataclass
class SituationPage:
    code: str
    meetings: list[council.MeetingView]
    recommendations: list[recommendations.RecommendationView]
    people: PeoplePage | None
    organizations: list[privacy.OrgView]
    theme: str | None = None  # a thematic item's theme, whose people are listed


def situation_page(
    viewer: User, code: str, page: int, *, people: bool = True, language: str | None = None
) -> SituationPage:
    """Everything the item's page shows: the people of a country situation or of the theme a
    thematic item has (its organisations: a country's only)."""
    country = code in reference.situations()
    with_people = people and (country or code in reference.THEMATIC_THEMES)
    return SituationPage(
        code=code,
        meetings=council.item_meetings(code),
        recommendations=recommendations.of_item(viewer, code, language),
        people=people_on(viewer, code, page) if with_people else None,
        organizations=organizations_on(viewer, code) if people and country else [],
        theme=None if country else reference.THEMATIC_THEMES.get(code),
    )

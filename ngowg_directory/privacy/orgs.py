"""What a viewer may see of an organisation: an archived one is the secretariat's alone.

An archived organisation is shown to nobody but admins, anywhere: not as a page, an API
answer, a search hit, a facet, a filter value, nor as the organisation named next to one of
its people (who stay listed: that is their own choice). The search index holds what every
member may see, so it leaves archived organisations out for everyone, admins included; the
secretariat sees them on people's pages, in search hits and the API, and on their own pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Organization, User


@dataclass(frozen=True)
class OrgRef:
    """An organisation named next to a person: the link and the name, nothing else."""

    slug: str
    name: str


@dataclass(frozen=True)
class OrgView:
    """What a viewer sees of an organisation on its page, in a search hit and in the API."""

    slug: str
    name: str
    acronym: str
    kind: str
    mission: str
    focus: str | None
    headquarters_country: str | None
    countries: list[str]
    themes: list[str]
    website: str | None
    contact_email: str | None
    member_since: date | None
    has_logo: bool
    archived: bool


def org_listed(org: Organization) -> bool:
    """Whether every member may see the organisation (it is not archived)."""
    return org.archived_at is None


def org_listed_clause() -> sa.ColumnElement[bool]:
    """SQL condition for organisations every member may see."""
    return Organization.archived_at.is_(None)


def org_visible(viewer: User, org: Organization | None) -> bool:
    """Whether this viewer may see the organisation at all: admins always, others if live."""
    return org is not None and (viewer.is_admin or org_listed(org))


def shown_org(viewer: User, org: Organization | None) -> OrgRef | None:
    """The organisation to name next to a person for this viewer, or None."""
    if org is None:
        return None
    return org_ref(viewer, org.slug, org.name, org.archived_at)


def org_ref(viewer: User, slug: str | None, name: str | None, archived_at: object) -> OrgRef | None:
    """The same from an organisation's columns (a listing's row): None for no organisation,
    and for an archived one unless the viewer is an admin (as org_visible)."""
    if slug is None or name is None or (archived_at is not None and not viewer.is_admin):
        return None
    return OrgRef(slug=slug, name=name)


def org_or_404(viewer: User, slug: str) -> Organization:
    """The organisation if this viewer may see it; archived and unknown slugs cost one query."""
    query = sa.select(Organization).where(Organization.slug == slug)
    if not viewer.is_admin:
        query = query.where(org_listed_clause())
    organization = db.session.scalar(query)
    if organization is None:
        abort(404)
    return organization


def org_view(viewer: User, org: Organization) -> OrgView:
    """The organisation as this viewer may see it (the caller checked org_visible)."""
    return OrgView(
        slug=org.slug,
        name=org.name,
        acronym=org.acronym or "",
        kind=org.kind,
        mission=org.mission or "",
        focus=org.focus,
        headquarters_country=org.headquarters_country,
        countries=org.country_codes,
        themes=org.theme_slugs,
        website=org.website,
        contact_email=org.contact_email,
        member_since=org.member_since,
        has_logo=bool(org.logo_mime),
        archived=not org_listed(org),
    )


def org_views(viewer: User, ids: Iterable[int]) -> list[OrgView]:
    """The organisations of a search page that the viewer may see, in that order (one query
    for them, one each for their countries and themes)."""
    wanted = list(ids)
    if not wanted:
        return []
    query = (
        sa.select(Organization)
        .options(selectinload(Organization.countries), selectinload(Organization.themes))
        .where(Organization.id.in_(wanted))
    )
    if not viewer.is_admin:
        query = query.where(org_listed_clause())
    found = {org.id: org for org in db.session.scalars(query)}
    return [org_view(viewer, found[i]) for i in wanted if i in found]

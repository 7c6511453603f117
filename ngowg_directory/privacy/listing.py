"""What a listing shows of a person, and how a person is loaded for one viewer.

A listing is a search hit, an API list item, an organisation page's people and a manager's
people page: one `ListingView`, built here and nowhere else, holding only what every member
may see. Search results are rendered once per process for every member
(directory/section_cache.py), so what a listing shows may depend on the viewer only through
`listing_is_shared`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models import Organization, Profile, User
from .orgs import OrgRef, org_ref
from .policy import listed_clause

TAG_SQL = sa.text(
    "SELECT user_id, 's', code FROM profile_situations WHERE user_id IN :ids "
    "UNION ALL SELECT user_id, 't', slug FROM profile_themes WHERE user_id IN :ids "
    "UNION ALL SELECT user_id, 'l', code FROM profile_languages WHERE user_id IN :ids"
).bindparams(sa.bindparam("ids", expanding=True))
_TAG_LISTS = {"s": "situations", "t": "themes", "l": "languages"}


@dataclass
class ListingView:
    """A listed person in a list: the fields of the `members` audience, never a contact."""

    id: int
    name: str
    role: str
    organization: OrgRef | None
    title: str
    affiliation: str
    country: str | None
    situations: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)


def listing_is_shared(viewer: User) -> bool:
    """Whether the viewer sees every listing exactly as any member does, so one rendering of
    it may serve them all. Admins see archived organisations next to their people: not shared."""
    return not viewer.is_admin


@lru_cache(maxsize=1)
def _listing_rows() -> sa.Select:
    """Listed people as rows of what a listing shows, and nothing else: no contact detail (a
    listing never decrypts one), no bio, no search entry; with the organisation to name.
    Rows, not model objects: reading a page of people this way takes a third of the time.
    Made once: a statement does not change."""
    return (
        sa.select(
            User.id,
            User.name,
            User.role,
            Profile.title,
            Profile.affiliation,
            Profile.country,
            Organization.slug,
            Organization.name,
            Organization.archived_at,
        )
        .join(Profile, Profile.user_id == User.id)
        .outerjoin(Organization, Organization.id == User.organization_id)
        .where(listed_clause())
    )


def _views(viewer: User, rows: Iterable[sa.Row]) -> dict[int, ListingView]:
    views = {
        user_id: ListingView(
            id=user_id,
            name=name,
            role=role,
            organization=org_ref(viewer, slug, org_name, archived_at),
            title=title or "",
            affiliation=affiliation or "",
            country=country,
        )
        for (
            user_id,
            name,
            role,
            title,
            affiliation,
            country,
            slug,
            org_name,
            archived_at,
        ) in rows
    }
    if views:
        for user_id, kind, value in db.session.execute(TAG_SQL, {"ids": list(views)}):
            getattr(views[user_id], _TAG_LISTS[kind]).append(value)
        for view in views.values():
            for name in _TAG_LISTS.values():
                getattr(view, name).sort()
    return views


def listing_views(viewer: User, ids: list[int]) -> list[ListingView]:
    """These people in this order, as a listing shows them; anyone not listed is left out
    (one query for the people, one for their tags)."""
    if not ids:
        return []
    views = _views(viewer, db.session.execute(_listing_rows().where(User.id.in_(ids))))
    return [views[i] for i in ids if i in views]


def org_members(viewer: User, org: Organization) -> list[ListingView]:
    """The organisation's listed people by name, as its page shows them to this viewer."""
    query = _listing_rows().where(User.organization_id == org.id).order_by(User.name, User.id)
    return list(_views(viewer, db.session.execute(query)).values())


@dataclass
class OrgPeople:
    """A manager's (or the secretariat's) page of an organisation's people."""

    members: list[ListingView]
    # Accounts of the organisation not in `members`: told to the secretariat only.
    unlisted: int | None


def org_people(viewer: User, org: Organization) -> OrgPeople:
    """Who a manager administers on her people page.

    A manager manages her organisation's accounts and invitations, but a member who is hidden,
    has not agreed to be listed or is suspended is not shown to her, nor counted, nor hinted
    at: her page reads as if that person did not belong to the organisation. She sees the
    listed members (as every member does) and the invitations she can resend. Only the
    secretariat, who may see unlisted people anyway, is told how many more accounts there are.
    """
    members = org_members(viewer, org)
    if not viewer.is_admin:
        return OrgPeople(members=members, unlisted=None)
    total = db.session.scalar(
        sa.select(sa.func.count(User.id)).where(User.organization_id == org.id)
    )
    return OrgPeople(members=members, unlisted=(total or 0) - len(members))


def person_or_404(viewer: User, person_id: int, *, tags: bool = True) -> User:
    """The person if this viewer may see her, else 404.

    One statement decides, with the visibility rule in its WHERE clause: a hidden, unconsented,
    suspended or deleted person costs exactly what an id that never existed costs. Her tags
    are loaded only once she is found."""
    query = (
        sa.select(User).outerjoin(Profile, Profile.user_id == User.id).where(User.id == person_id)
    )
    if not viewer.is_admin:
        query = query.where(sa.or_(User.id == viewer.id, listed_clause()))
    profile = contains_eager(User.profile)
    options: tuple[sa.orm.Load | sa.orm.interfaces.LoaderOption, ...]
    if tags:
        options = (
            profile.selectinload(Profile.situations),
            profile.selectinload(Profile.themes),
            profile.selectinload(Profile.languages),
        )
    else:
        options = (profile,)
    person = db.session.scalars(query.options(*options)).unique().first()
    if person is None:
        abort(404)
    return person

"""How well kept each listed member's profile is, for her organisation's managers (and the
secretariat) on the organisation's people page: which parts are filled in, and when she last
confirmed it.

Only what every member already sees on her profile is looked at (the parts below are
`MEMBER_FIELDS`, "Last confirmed" is on every profile page): nothing about a contact detail,
not even whether there is one, and nothing about a member who is not listed (the page does
not show her at all, see `org_people`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Organization, Profile, User
from .listing import ListingView
from .policy import MEMBER_FIELDS

# The parts of a profile a manager may ask her people to fill in (the name is always there).
PROFILE_PARTS = ("title", "country", "situations", "themes", "languages", "bio")
if not set(PROFILE_PARTS) <= set(MEMBER_FIELDS):  # pragma: no cover
    raise RuntimeError("a part of the profile that not every member sees")


@dataclass(frozen=True)
class Upkeep:
    """Of one listed member: the parts filled in and missing (PROFILE_PARTS order), and when
    she last confirmed her profile."""

    filled: tuple[str, ...]
    missing: tuple[str, ...]
    last_confirmed_at: datetime | None

    @property
    def complete(self) -> bool:
        return not self.missing


def may_see_upkeep(viewer: User, org: Organization) -> bool:
    """The secretariat, and managers of this very organisation."""
    if viewer.is_admin:
        return True
    return viewer.role == "manager" and viewer.organization_id == org.id


def org_upkeep(
    viewer: User, org: Organization, members: Iterable[ListingView]
) -> dict[int, Upkeep]:
    """The upkeep of each of these listed members of the organisation, by account id (one
    query); empty for a viewer who does not manage it."""
    if not may_see_upkeep(viewer, org):
        return {}
    views = {view.id: view for view in members}
    if not views:
        return {}
    rows = db.session.execute(
        sa.select(Profile.user_id, Profile.last_confirmed_at, Profile.bio)
        .join(User, User.id == Profile.user_id)
        .where(Profile.user_id.in_(views), User.organization_id == org.id)
    )
    return {
        user_id: _upkeep(views[user_id], bio, confirmed_at) for user_id, confirmed_at, bio in rows
    }


def own_upkeep(user: User) -> Upkeep:
    """Her own profile's parts filled and missing, for her first-run steps (she sees all of
    it; the bio is read from her profile, which listings do not load)."""
    profile = user.profile
    return _upkeep(profile, profile.bio, profile.last_confirmed_at)


def _upkeep(view: ListingView | Profile, bio: str | None, confirmed_at: datetime | None) -> Upkeep:
    values = {
        "title": view.title,
        "country": view.country,
        "situations": view.situations,
        "themes": view.themes,
        "languages": view.languages,
        "bio": (bio or "").strip(),
    }
    filled = tuple(part for part in PROFILE_PARTS if values[part])
    missing = tuple(part for part in PROFILE_PARTS if not values[part])
    return Upkeep(filled, missing, confirmed_at)

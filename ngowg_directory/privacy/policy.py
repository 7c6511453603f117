"""THE privacy policy: what viewer V may see of person P. Nothing else decides it.

Pages, search, the API and exports ask this package; templates render what it hands them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from .. import audit
from ..extensions import db
from ..models import CONTACT_FIELDS, ContactRequest, Profile, User
from .orgs import OrgRef, shown_org

DEFAULT_AUDIENCES = {
    "defender": {
        "email": "connections",
        "phone": "connections",
        "messaging": "connections",
        "city": "private",
    },
    "other": {
        "email": "members",
        "phone": "connections",
        "messaging": "connections",
        "city": "members",
    },
}


def default_audiences(role: str) -> dict[str, str]:
    """The audiences a new profile starts with (CONTRACT.md)."""
    return dict(DEFAULT_AUDIENCES["defender" if role == "defender" else "other"])


def is_listed(person: User) -> bool:
    """Whether other members may see the person at all: active, not hidden, and agreed herself.

    Every role needs her own agreement in the app (`consent_at`); an agreement the
    secretariat holds on file (`consent_on_file_at`) lists nobody."""
    profile = person.profile
    if person.status != "active" or profile is None or profile.hidden:
        return False
    return profile.consent_at is not None


# What every signed-in member sees of a listed person, besides contact fields whose audience
# is "members" (CONTRACT.md); "last updated" and sort=updated follow these alone.
MEMBER_FIELDS = (
    "name",
    "title",
    "affiliation",
    "country",
    "situations",
    "themes",
    "languages",
    "bio",
)


def seen_by_members(values: dict, profile: Profile) -> dict:
    """Of a person's profile values (services.profiles.snapshot), what every member sees."""
    fields = [*MEMBER_FIELDS, *(f for f in CONTACT_FIELDS if profile.audience(f) == "members")]
    return {
        name: sorted(values[name]) if isinstance(values[name], list) else values[name]
        for name in fields
    }


def may_view(viewer: User, person: User) -> bool:
    """The person herself and admins always; others only when she is listed."""
    return viewer.id == person.id or viewer.is_admin or is_listed(person)


def connected_ids(viewer: User, person_ids: Iterable[int]) -> set[int]:
    """Which of these people have an accepted contact request with the viewer (one query)."""
    ids = list(set(person_ids))
    if not ids:
        return set()
    rows = db.session.execute(
        sa.select(ContactRequest.requester_id, ContactRequest.recipient_id).where(
            ContactRequest.status == "accepted",
            sa.or_(
                sa.and_(
                    ContactRequest.requester_id == viewer.id,
                    ContactRequest.recipient_id.in_(ids),
                ),
                sa.and_(
                    ContactRequest.recipient_id == viewer.id,
                    ContactRequest.requester_id.in_(ids),
                ),
            ),
        )
    )
    return {a if b == viewer.id else b for a, b in rows}


def audience_includes(audience: str, viewer: User, person: User, connected: bool) -> bool:
    """Whether one audience setting lets this viewer see the field."""
    if viewer.id == person.id:
        return True
    if audience == "members":
        return True
    if audience == "policy_makers":
        return (
            viewer.role == "policy_maker"
            or viewer.is_admin
            or (
                viewer.role == "manager"
                and person.organization_id is not None
                and viewer.organization_id == person.organization_id
            )
        )
    if audience == "connections":
        return connected
    return False


@dataclass
class PersonView:
    """What one viewer may see of one person; absent fields are simply not here."""

    id: int
    name: str
    role: str
    organization: OrgRef | None
    affiliation: str
    title: str
    country: str | None
    situations: list[str]
    themes: list[str]
    languages: list[str]
    bio: str
    last_confirmed_at: datetime | None
    is_self: bool
    is_demo: bool
    listed: bool
    connected: bool
    verified: bool = False
    contact: dict[str, str] = field(default_factory=dict)
    # Audiences of the shown fields above `members`: what a reveal audit records.
    revealed: list[str] = field(default_factory=list)


def view_of(viewer: User, person: User, *, connected: bool | None = None) -> PersonView | None:
    """The person as this viewer may see her, or None when she must look nonexistent."""
    if not may_view(viewer, person):
        return None
    profile: Profile | None = person.profile
    if connected is None:
        connected = person.id in connected_ids(viewer, [person.id])
    contact: dict[str, str] = {}
    revealed: list[str] = []
    for name in CONTACT_FIELDS:
        value = getattr(profile, name) if profile else None
        audience = profile.audience(name) if profile else "private"
        if value and audience_includes(audience, viewer, person, connected):
            contact[name] = value
            if audience != "members" and viewer.id != person.id:
                revealed.append(name)
    return PersonView(
        id=person.id,
        name=person.name,
        role=person.role,
        organization=shown_org(viewer, person.organization),
        affiliation=profile.affiliation if profile else "",
        title=profile.title if profile else "",
        country=profile.country if profile else None,
        situations=profile.situation_codes if profile else [],
        themes=profile.theme_slugs if profile else [],
        languages=profile.language_codes if profile else [],
        bio=profile.bio if profile else "",
        last_confirmed_at=profile.last_confirmed_at if profile else None,
        is_self=viewer.id == person.id,
        is_demo=person.is_demo,
        listed=is_listed(person),
        connected=connected,
        verified=person.role == "policy_maker" and person.verified_at is not None,
        contact=contact,
        revealed=revealed,
    )


@dataclass(frozen=True)
class Disclosure:
    """Of the contact details a person gave, what one viewer sees of them, what being
    connected would show him as well, and what it would not (field names, in order)."""

    shown: list[str]
    on_connecting: list[str]
    withheld: list[str]


def disclosure(person: User, viewer: User) -> Disclosure:
    """What accepting this viewer's request would reveal of the person to him: the answer she
    reads before she decides, by the same audience rule as every page (`audience_includes`).

    As while she is listed: while she is hidden or unlisted he sees nothing of her at all."""
    profile = person.profile
    parts: dict[str, list[str]] = {"shown": [], "on_connecting": [], "withheld": []}
    for name in CONTACT_FIELDS:
        if profile is None or not getattr(profile, name):
            continue
        audience = profile.audience(name)
        if audience_includes(audience, viewer, person, False):
            parts["shown"].append(name)
        elif audience_includes(audience, viewer, person, True):
            parts["on_connecting"].append(name)
        else:
            parts["withheld"].append(name)
    return Disclosure(**parts)


def record_reveal(viewer: User, view: PersonView, channel: str = "profile") -> bool:
    """Audit that contact details above `members` were shown (names of fields, never values).

    True when a row was added (the caller commits it)."""
    if not view.revealed or view.is_self:
        return False
    audit.record(
        "contact_revealed",
        actor=viewer,
        target_type="user",
        target_id=view.id,
        fields=sorted(view.revealed),
        channel=channel,
    )
    return True


def listed_clause() -> sa.ColumnElement[bool]:
    """SQL condition for people every member may see (for search and listings): as is_listed."""
    return sa.and_(
        User.status == "active",
        Profile.hidden.is_(False),
        Profile.consent_at.is_not(None),
    )

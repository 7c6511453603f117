"""Organisations: profile edits with optimistic locking, logos, members and managers."""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from .. import audit, privacy, reference
from ..extensions import db
from ..models import Organization, OrganizationCountry, OrganizationTheme, User
from ..models._types import utcnow
from ..models.profiles import replace_rows
from ..validation import ValidationError, clean_name, clean_text, normalise_email
from . import tokens
from .locking import check_opened, flush_or_conflict, sign_opened

logger = logging.getLogger(__name__)

WEBSITE_MESSAGE = _l("Give a web address such as wilpf.org or https://www.wilpf.org.")

LOGO_FORMATS = {"PNG", "JPEG", "WEBP"}
LOGO_MAX_SIDE = 512
LOGO_MAX_PIXELS = 4096 * 4096
EDITABLE = (
    "name",
    "acronym",
    "mission",
    "website",
    "headquarters_country",
    "countries",
    "themes",
    "contact_email",
    "member_since",
)
# A web address: http(s), a host name with a dot (letters of any script; punycode too), an
# optional port, and no space or control character anywhere.
_WEB = re.compile(r"^(https?)://([^/?#@\s]+)([/?#]\S*)?$", re.IGNORECASE)
_HOST = re.compile(
    r"^(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})\.?(?::\d{1,5})?$",
    re.IGNORECASE,
)
# "javascript:", "data:", "mailto:"... (but not "wilpf.org:8080", a host and a port)
_OTHER_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?!\d+(?:[/?#]|$))", re.IGNORECASE)
WEBSITE_MAX = 300
# Roles a member of an organisation may be promoted from to manage it: its staff. A defender
# keeps her role (and the protective defaults that come with it); the secretariat changes a
# role on the person's page when it really must.
MAY_BECOME_MANAGER = ("staff",)


def find(slug: str) -> Organization | None:
    """The organisation with this slug."""
    return db.session.scalar(sa.select(Organization).where(Organization.slug == slug))


def clean(data: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise submitted organisation values; ValidationError names the bad field."""
    name = clean_name(data.get("name"), 200)
    if not name:
        raise ValidationError("name", _l("The organisation needs a name."))
    website = clean_website(data.get("website"))
    hq = (data.get("headquarters_country") or "").strip().upper() or None
    if hq and hq not in reference.country_codes():
        raise ValidationError("headquarters_country", _l("Unknown country code %(c)s.", c=hq))
    countries = [c.strip().upper() for c in data.get("countries") or [] if c and c.strip()]
    unknown = [c for c in countries if c not in reference.country_codes()]
    if unknown:
        raise ValidationError("countries", _l("Unknown value: %(v)s", v=", ".join(unknown)))
    themes = [t.strip().lower() for t in data.get("themes") or [] if t and t.strip()]
    if any(t not in reference.themes() for t in themes):
        raise ValidationError("themes", _l("Unknown theme."))
    email = (data.get("contact_email") or "").strip() or None
    if email:
        email = normalise_email(email, "contact_email")
    member_since = data.get("member_since")
    if member_since is not None and not isinstance(member_since, date):
        raise ValidationError("member_since", _l("Give a date like 2013-05-01."))
    return {
        "name": name,
        "acronym": clean_text(data.get("acronym"), 30, "acronym"),
        "mission": clean_text(data.get("mission"), 2000, "mission"),
        "website": website,
        "headquarters_country": hq,
        "countries": list(dict.fromkeys(countries)),
        "themes": list(dict.fromkeys(themes)),
        "contact_email": email,
        "member_since": member_since,
    }


def clean_website(raw: str | None) -> str | None:
    """A web address as people type it: `wilpf.org` is stored as `https://wilpf.org`; an
    address with http:// or https:// is kept; anything else (another scheme such as
    javascript: or data:, spaces, no host name) is refused."""
    website = (raw or "").strip()
    if not website:
        return None
    if len(website) > WEBSITE_MAX:
        raise ValidationError("website", _l("Use at most %(n)s characters.", n=WEBSITE_MAX))
    if any(unicodedata.category(char).startswith("C") for char in website):
        raise ValidationError("website", WEBSITE_MESSAGE)
    if not re.match(r"^https?://", website, re.IGNORECASE):
        if "://" in website or website.startswith("/") or _OTHER_SCHEME.match(website):
            raise ValidationError("website", WEBSITE_MESSAGE)
        website = "https://" + website
    match = _WEB.match(website)
    if match is None or not _HOST.match(match.group(2)):
        raise ValidationError("website", WEBSITE_MESSAGE)
    website = match.group(1).lower() + website[len(match.group(1)) :]
    if len(website) > WEBSITE_MAX:
        raise ValidationError("website", _l("Use at most %(n)s characters.", n=WEBSITE_MAX))
    return website


def may_become_manager(role: str) -> bool:
    """Whether a member with this role may be made a manager of her organisation."""
    return role in MAY_BECOME_MANAGER


def snapshot(org: Organization) -> dict[str, Any]:
    """The editable values as they are now."""
    return {
        "name": org.name,
        "acronym": org.acronym,
        "mission": org.mission,
        "website": org.website,
        "headquarters_country": org.headquarters_country,
        "countries": org.country_codes,
        "themes": org.theme_slugs,
        "contact_email": org.contact_email,
        "member_since": org.member_since.isoformat() if org.member_since else None,
    }


def sign_snapshot(org: Organization) -> str:
    """The organisation's version and values, for the edit form."""
    return sign_opened("org-snapshot", org.id, org.version_id, snapshot(org))


def update(org: Organization, data: dict[str, Any], opened: str, actor: User) -> None:
    """Save an edit; raise Conflict when someone saved since the form was opened."""
    check_opened("org-snapshot", opened, org.id, org.version_id, snapshot(org), EDITABLE)
    values = clean(data)
    for key in (
        "name",
        "acronym",
        "mission",
        "website",
        "headquarters_country",
        "contact_email",
        "member_since",
    ):
        setattr(org, key, values[key])
    replace_rows(org.countries, values["countries"], OrganizationCountry, "code")
    replace_rows(org.themes, values["themes"], OrganizationTheme, "slug")
    org.updated_at = utcnow()
    flush_or_conflict()
    audit.record("organization_updated", actor=actor, target=org)


def process_logo(data: bytes) -> tuple[bytes, str]:
    """Check an upload by its content and re-encode it without metadata: (bytes, mime)."""
    if len(data) > current_app.config["LOGO_MAX_BYTES"]:
        raise ValidationError("logo", _l("The logo may be at most 512 KB."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            probe.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise ValidationError("logo", _l("This file is not a PNG, JPEG or WebP image.")) from exc
    if kind not in LOGO_FORMATS:
        raise ValidationError("logo", _l("This file is not a PNG, JPEG or WebP image."))
    if width * height > LOGO_MAX_PIXELS:
        raise ValidationError(
            "logo", _l("The image is too large; use at most 4096 by 4096 pixels.")
        )
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        plain = image.convert("RGBA" if has_alpha else "RGB")
        # Pillow carries comments and ICC profiles over into the output; drop all of it.
        plain.info = {}
        plain.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE))
        out = io.BytesIO()
        if has_alpha:
            plain.save(out, format="PNG", optimize=True)
            return out.getvalue(), "image/png"
        plain.save(out, format="JPEG", quality=85, optimize=True)
        return out.getvalue(), "image/jpeg"


def set_logo(org: Organization, data: bytes, actor: User) -> None:
    """Store a checked, re-encoded logo."""
    org.logo, org.logo_mime = process_logo(data)
    org.logo_updated_at = utcnow()
    org.updated_at = utcnow()
    audit.record("organization_logo_changed", actor=actor, target=org)


def remove_logo(org: Organization, actor: User) -> None:
    """Drop the logo."""
    org.logo = org.logo_mime = org.logo_updated_at = None
    audit.record("organization_logo_removed", actor=actor, target=org)


def member_or_404(org: Organization, person_id: int) -> User | None:
    """A listed member of this organisation, or None."""
    person = db.session.get(User, person_id)
    if person is None or person.organization_id != org.id or not privacy.is_listed(person):
        return None
    return person


def remove_member(org: Organization, person: User, actor: User) -> None:
    """Take a person out of the organisation; the account stays (a manager becomes staff)."""
    if person.id == actor.id:
        raise ValidationError("person", _l("You cannot remove yourself; ask the secretariat."))
    person.organization_id = None
    if person.role == "manager":
        tokens.revoke_all(person, "role", actor=actor)
        person.role = "staff"
    audit.record("member_removed", actor=actor, target=person, organization=org.id)


def make_manager(org: Organization, person: User, actor: User) -> None:
    """Make a member of the organisation one of its managers."""
    if not may_become_manager(person.role):
        raise ValidationError("person", _l("Only staff of the organisation can be made managers."))
    tokens.revoke_all(person, "role", actor=actor)
    person.role = "manager"
    audit.record("manager_assigned", actor=actor, target=person, organization=org.id)

"""Profiles: editing with optimistic locking, audiences, hiding, consent, deletion."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import audit, privacy, reference
from ..extensions import db
from ..models import AUDIENCES, CONTACT_FIELDS, AuditEvent, ContactRequest, Profile, User
from ..models._types import utcnow
from ..validation import (
    ValidationError,
    clean_city,
    clean_codes,
    clean_line,
    clean_name,
    clean_text,
    normalise_email,
    normalise_phone,
)
from . import tokens
from .locking import check_opened, flush_or_conflict, sign_opened

logger = logging.getLogger(__name__)

BIO_MAX = 1000
# What she edits: what every member sees of her, and her contact details (each with its
# own audience).
EDITABLE = (*privacy.MEMBER_FIELDS, *CONTACT_FIELDS)


def new_profile(user: User) -> Profile:
    """A profile with the role's default audiences and the account e-mail as contact."""
    audiences = privacy.default_audiences(user.role)
    profile = Profile(email=user.email, last_confirmed_at=utcnow())
    for name, audience in audiences.items():
        setattr(profile, f"{name}_audience", audience)
    return profile


def clean(data: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise submitted profile values; ValidationError names the bad field."""
    country = (data.get("country") or "").strip().upper() or None
    if country and country not in reference.country_codes():
        raise ValidationError("country", _l("Unknown country code %(c)s.", c=country))
    contact = clean_contact(data, country)
    name = clean_name(data.get("name"), 120)
    if not name:
        raise ValidationError("name", _l("Please give a name; a pseudonym is fine."))
    return {
        "name": name,
        "title": clean_line(data.get("title"), 150, "title"),
        "affiliation": clean_line(data.get("affiliation"), 200, "affiliation"),
        "country": country,
        "situations": clean_codes(
            data.get("situations"), reference.situations(), "situations", upper=True
        ),
        "themes": clean_codes(data.get("themes"), reference.themes(), "themes"),
        "languages": clean_codes(data.get("languages"), reference.language_codes(), "languages"),
        "bio": clean_text(data.get("bio"), BIO_MAX, "bio"),
        **contact,
    }


def clean_contact(data: dict[str, Any], country: str | None) -> dict[str, Any]:
    """Check and normalise the four contact details (a phone number read with the dialling
    rules of her country); ValidationError names the bad one."""
    email = (data.get("email") or "").strip() or None
    return {
        "email": normalise_email(email) if email else None,
        "phone": normalise_phone(data.get("phone"), country),
        "messaging": clean_line(data.get("messaging"), 100, "messaging") or None,
        "city": clean_city(data.get("city")),
    }


def snapshot(user: User) -> dict[str, Any]:
    """The editable values as they are now."""
    profile = user.profile
    return {
        "name": user.name,
        "title": profile.title,
        "affiliation": profile.affiliation,
        "country": profile.country,
        "situations": profile.situation_codes,
        "themes": profile.theme_slugs,
        "languages": profile.language_codes,
        "bio": profile.bio,
        "email": profile.email,
        "phone": profile.phone,
        "messaging": profile.messaging,
        "city": profile.city,
    }


def sign_snapshot(user: User) -> str:
    """The profile's version and values, for the edit form."""
    return sign_opened("profile-snapshot", user.id, user.profile.version_id, snapshot(user))


def update(user: User, data: dict[str, Any], opened: str, actor: User) -> None:
    """Save a profile edit; raise Conflict when someone saved it since the form was opened."""
    check_opened(
        "profile-snapshot", opened, user.id, user.profile.version_id, snapshot(user), EDITABLE
    )
    values = clean(data)
    profile = user.profile
    seen_before = privacy.seen_by_members(snapshot(user), profile)
    user.name = values["name"]
    for key in ("title", "affiliation", "country", "bio", *CONTACT_FIELDS):
        setattr(profile, key, values[key])
    profile.set_tags(values["situations"], values["themes"], values["languages"])
    # "Last updated" moves only when what members see changed: a new phone number for her
    # connections, a save without changes or a privacy setting must not tell them anything.
    if privacy.seen_by_members(snapshot(user), profile) != seen_before:
        profile.updated_at = utcnow()
    profile.last_confirmed_at = utcnow()
    flush_or_conflict()
    audit.record("profile_updated", actor=actor, target=user)


def contact_snapshot(user: User) -> dict[str, Any]:
    """Her four contact details as they are now."""
    return {name: getattr(user.profile, name) for name in CONTACT_FIELDS}


def sign_contact(user: User) -> str:
    """The profile's version and contact details, for the privacy page's form."""
    return sign_opened("contact-snapshot", user.id, user.profile.version_id, contact_snapshot(user))


def update_contact(
    user: User, data: dict[str, Any], audiences: dict[str, str], opened: str, actor: User
) -> None:
    """Save her contact details and the audience of each, from one form: Conflict when one of
    the details was saved elsewhere (the profile page, another device) since it was opened."""
    profile = user.profile
    check_opened(
        "contact-snapshot",
        opened,
        user.id,
        profile.version_id,
        contact_snapshot(user),
        CONTACT_FIELDS,
    )
    values = clean_contact(data, profile.country)
    seen_before = privacy.seen_by_members(snapshot(user), profile)
    changed = values != contact_snapshot(user)
    for name in CONTACT_FIELDS:
        setattr(profile, name, values[name])
    # As for any edit: "last updated" moves only with a value every member sees, compared
    # under the audiences she had (a new audience alone never moves it: see set_audiences).
    if privacy.seen_by_members(snapshot(user), profile) != seen_before:
        profile.updated_at = utcnow()
    set_audiences(user, audiences)
    if changed:
        profile.last_confirmed_at = utcnow()
    flush_or_conflict()
    if changed:
        audit.record("profile_updated", actor=actor, target=user)


def set_audiences(user: User, audiences: dict[str, str]) -> None:
    """Choose who sees each contact field."""
    profile = user.profile
    for name in CONTACT_FIELDS:
        value = audiences.get(name)
        if value not in AUDIENCES:
            raise ValidationError(name, _l("Choose one of the offered audiences."))
        setattr(profile, f"{name}_audience", value)
    # No change to updated_at: "last updated" (and sort=updated) moves only with what
    # members see, or it would tell them when she changed her privacy settings.
    chosen: dict[str, Any] = {name: audiences[name] for name in CONTACT_FIELDS}
    audit.record("privacy_changed", actor=user, target=user, **chosen)


def set_hidden(user: User, hidden: bool) -> None:
    """Hide the profile from everyone at once, or show it again."""
    user.profile.hidden = hidden  # updated_at stays: see set_audiences
    audit.record("profile_hidden" if hidden else "profile_shown", actor=user, target=user)


def set_consent(user: User, consent: bool) -> None:
    """She agrees herself to be listed, or withdraws: unlisted at once, as if hidden, until
    she agrees again (and sign-in stops leading her to the consent step). No-op if unchanged."""
    profile = user.profile
    if (profile.consent_at is not None) == consent:
        return
    now = utcnow()
    profile.consent_at = now if consent else None
    if consent:
        profile.updated_at = now  # she appears: what members see has changed
    else:
        profile.consent_deferred_at = now
    audit.record("consent_given" if consent else "consent_withdrawn", actor=user, target=user)


def set_connection_settings(user: User, *, notify: bool, delegate: bool) -> None:
    """E-mail notices, and whether her organisation's managers may answer requests."""
    user.profile.notify_email = bool(notify)
    user.profile.managers_may_answer = bool(delegate) and user.organization_id is not None
    audit.record(
        "connection_settings_changed",
        actor=user,
        target=user,
        notify=user.profile.notify_email,
        delegate=user.profile.managers_may_answer,
    )


def confirm(user: User) -> None:
    """The person says her profile is still right."""
    user.profile.last_confirmed_at = utcnow()
    user.profile.reminder_sent_at = None
    audit.record("profile_confirmed", actor=user, target=user)


def delete_account(user: User, actor: User | None) -> None:
    """Delete the account for good; the audit log keeps a record without personal data."""
    user_id, role = user.id, user.role
    tokens.revoke_all(user, "deleted", actor=actor)
    db.session.execute(
        sa.delete(ContactRequest).where(
            sa.or_(ContactRequest.requester_id == user_id, ContactRequest.recipient_id == user_id)
        )
    )
    db.session.delete(user)
    db.session.flush()
    audit.record(
        "account_deleted",
        actor=None if actor is None or actor.id == user_id else actor,
        target_type="user",
        target_id=user_id,
        role=role,
        by_self=actor is not None and actor.id == user_id,
    )
    logger.info("account %s deleted", user_id)


def reveal_log(user: User, limit: int = 200) -> list[AuditEvent]:
    """Who was shown this person's contact details above `members`, newest first."""
    return list(db.session.scalars(audit.about_user("contact_revealed", user.id).limit(limit)))


@dataclass(frozen=True)
class RevealViewer:
    """Who was shown her details, as her reveal log names them: a link to the profile only
    when she may open it (privacy.may_view)."""

    id: int
    name: str
    role: str
    linked: bool


@dataclass
class RevealDay:
    """Everything one viewer was shown of her on one day (UTC), from the reveal audits."""

    day: date
    viewer: RevealViewer | None  # None: an account deleted since, or the command line
    from_command_line: bool
    fields: list[str]
    channels: list[str]
    times: int
    last_at: datetime


def reveal_days(user: User, limit: int = 1000) -> list[RevealDay]:
    """Her reveal log grouped by viewer and day, newest first (of her `limit` newest rows):
    which details each viewer was shown that day, through which channels, how many times."""
    events = reveal_log(user, limit)
    people = people_by_id([e.actor_id for e in events if e.actor_id])
    viewers = {
        person.id: RevealViewer(person.id, person.name, person.role, privacy.may_view(user, person))
        for person in people.values()
    }
    groups: dict[tuple[date, int | None], RevealDay] = {}
    for event in events:  # newest first: the first row of a group is its latest
        details = event.details or {}
        channel = str(details.get("channel") or "profile")
        key = (event.created_at.date(), event.actor_id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = RevealDay(
                day=key[0],
                viewer=viewers.get(event.actor_id) if event.actor_id else None,
                from_command_line=event.actor_id is None and channel == "export",
                fields=[],
                channels=[],
                times=0,
                last_at=event.created_at,
            )
        group.times += 1
        shown = set(group.fields) | set(details.get("fields") or [])
        group.fields = [name for name in CONTACT_FIELDS if name in shown]
        if channel not in group.channels:
            group.channels.append(channel)
    return list(groups.values())


def people_by_id(ids: list[int]) -> dict[int, User]:
    """Accounts by id, in one query (for lists that name people)."""
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(set(ids))))}

"""Invitations: the only way into the directory. Single-use links that expire."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit, i18n, mail, privacy
from ..extensions import db
from ..models import (
    ROLES,
    Invitation,
    Organization,
    Profile,
    ProfileLanguage,
    ProfileSituation,
    ProfileTheme,
    User,
)
from ..models._types import utcnow
from ..models.profiles import CONTACT_FIELDS
from ..models.rows import changed, insert_all, insert_returning_ids
from ..validation import clean_text
from . import accounts, invitation_notices
from .accounts import AccountError

logger = logging.getLogger(__name__)

MANAGER_MAY_INVITE = ("staff", "defender")


@dataclass
class SentInvitation:
    """An invitation and the link that was e-mailed (shown only to the CLI)."""

    invitation: Invitation
    link: str
    mailed: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_inviter(inviter: User | None, role: str, organization: Organization | None) -> None:
    """Admins invite anyone; a manager invites staff and defenders to her own organisation."""
    if inviter is None or inviter.is_admin:
        return
    if inviter.role != "manager" or inviter.organization_id is None:
        raise AccountError(_l("You may not invite people."))
    if organization is None or organization.id != inviter.organization_id:
        raise AccountError(_l("You may only invite people to your own organisation."))
    if role not in MANAGER_MAY_INVITE:
        raise AccountError(_l("You may invite staff and defenders only."))


def inviter_language(inviter: User | None) -> str:
    """The language of an invitation nobody chose one for: the inviter's (English from the
    command line)."""
    return mail.language_for(inviter) if inviter is not None else "en"


def check_language(locale: str | None) -> str | None:
    """A language the site speaks, or None for "not chosen"; AccountError for another."""
    if locale is None or locale == "":
        return None
    if not i18n.is_supported(locale):
        raise AccountError(_l("Choose one of the languages offered."))
    return locale


def invite(
    email: str,
    role: str,
    *,
    organization: Organization | None = None,
    name: str = "",
    inviter: User | None = None,
    locale: str | None = None,
) -> SentInvitation:
    """Create the invited account and its invitation, and e-mail the link, in `locale` (else
    in the inviter's language): the invitation e-mail and the page that accepts it speak it.

    To an address that already has an account, nothing is created or changed: its holder is
    told by e-mail, and the inviter gets the same answer as for a new address (a notice).
    The command line, run by whoever holds the database, says so instead (cli.py)."""
    check_inviter(inviter, role, organization)
    locale = check_language(locale) or inviter_language(inviter)
    address, name = accounts.check_new_account(email, role, name=name, organization=organization)
    holder = accounts.find_by_email(address)
    if holder is not None:
        notice = invitation_notices.record(holder, role, organization, inviter, locale)
        return _issue(notice, inviter, "invitation_sent")
    user = accounts.create_user(address, role, name=name, organization=organization, actor=inviter)
    invitation = Invitation(
        user=user, invited_by=inviter, token_hash="", expires_at=utcnow(), locale=locale
    )
    db.session.add(invitation)
    return _issue(invitation, inviter, "invitation_sent")


@dataclass
class NewPerson:
    """A person to invite in bulk, every value already checked and cleaned (an import row)."""

    email: str
    role: str
    name: str
    organization: Organization | None
    profile: dict[str, str | None]  # title, country, bio and the contact fields
    situations: list[str]
    themes: list[str]
    languages: list[str]
    # The secretariat holds her written agreement: recorded and shown, never listing her.
    consent_on_file: bool
    # The language of her invitation (the first of her languages the site speaks); None:
    # the inviter's.
    locale: str | None = None


@dataclass
class Outgoing:
    """What an invitation e-mail needs, kept apart from the database objects."""

    user_id: int
    email: str
    locale: str | None
    organization: str | None
    invitation_id: int
    token: str


def invite_many(people: list[NewPerson], inviter: User | None) -> list[Outgoing]:
    """Create invited accounts, their profiles (the role's default audiences) and invitations
    in a few multi-row INSERTs, and audit them; nothing is sent and nothing is committed.

    The same rows `invite` writes through the ORM, written without an object a row: in a
    10,000-row import the ORM's per-object work cost more than everything else together.
    Invited people are not listed, so the search index has nothing to add (and the search
    cache's version moves with these writes all the same)."""
    if not people:
        return []
    for person in people:
        check_inviter(inviter, person.role, person.organization)
        if person.role not in ROLES:
            raise AccountError(_l("Unknown role %(role)s.", role=person.role))
        if person.role == "manager" and person.organization is None:
            raise AccountError(_l("A manager must belong to an organisation."))
    now = utcnow()
    expires = now + timedelta(hours=current_app.config["INVITATION_MAX_AGE_HOURS"])
    fallback = inviter_language(inviter)
    locales = [check_language(person.locale) or fallback for person in people]
    user_ids = insert_returning_ids(
        User,
        (
            {
                "email": person.email,
                "name": person.name.strip(),
                "role": person.role,
                "organization_id": person.organization.id if person.organization else None,
            }
            for person in people
        ),
    )
    profile_rows = []
    tags: dict[type[Any], list[dict[str, object]]] = {
        ProfileSituation: [],
        ProfileTheme: [],
        ProfileLanguage: [],
    }
    for user_id, person in zip(user_ids, people, strict=True):
        audiences = privacy.default_audiences(person.role)
        # Nobody is listed until she agrees herself, in the app (consent_at stays empty).
        profile_rows.append(
            {
                "user_id": user_id,
                "title": person.profile.get("title") or "",
                "country": person.profile.get("country"),
                "bio": person.profile.get("bio") or "",
                **{name: person.profile.get(name) for name in CONTACT_FIELDS},
                **{f"{name}_audience": value for name, value in audiences.items()},
                "consent_on_file_at": now if person.consent_on_file else None,
            }
        )
        tag: type[Any]
        for tag, key, values in (
            (ProfileSituation, "code", person.situations),
            (ProfileTheme, "slug", person.themes),
            (ProfileLanguage, "code", person.languages),
        ):
            tags[tag] += [{"user_id": user_id, key: value} for value in dict.fromkeys(values)]
    insert_all(Profile, profile_rows)
    for model, rows in tags.items():
        insert_all(model, rows)
    tokens = [secrets.token_urlsafe(32) for _ in people]
    invitation_ids = insert_returning_ids(
        Invitation,
        (
            {
                "user_id": user_id,
                "invited_by_id": inviter.id if inviter is not None else None,
                "token_hash": _digest(token),
                "sent_at": now,
                "send_count": 1,
                "expires_at": expires,
                "locale": locale,
            }
            for user_id, token, locale in zip(user_ids, tokens, locales, strict=True)
        ),
    )
    audit.record_many(
        "user_created",
        [("user", user_id, {"role": p.role}) for user_id, p in zip(user_ids, people, strict=True)],
        actor=inviter,
    )
    audit.record_many(
        "consent_on_file",
        [
            ("user", user_id, {"via": "import"})
            for user_id, p in zip(user_ids, people, strict=True)
            if p.consent_on_file
        ],
        actor=inviter,
    )
    logger.info("%s invited accounts created", len(people))
    return [
        Outgoing(
            user_id,
            person.email,
            locale,
            person.organization.name if person.organization else None,
            invitation_id,
            token,
        )
        for user_id, person, invitation_id, token, locale in zip(
            user_ids, people, invitation_ids, tokens, locales, strict=True
        )
    ]


def mail_many(
    outgoing: list[Outgoing], inviter: User | None, connection: mail.Connection
) -> list[bool]:
    """E-mail the links of committed invitations over one connection; audit each sending and
    say, for each, whether it went.

    Sent after the accounts are committed, so that no one is invited to an account that was
    rolled back; a link that could not be e-mailed is audited with `mailed: false`."""
    hours = current_app.config["INVITATION_MAX_AGE_HOURS"]
    base = current_app.config["BASE_URL"]
    # The text is the same for everyone with one language and organisation but for the link:
    # rendered once for each, with a stand-in for the link.
    stand_in = f"{base}/auth/invite/{secrets.token_hex(16)}"
    texts: dict[tuple[str, str | None], tuple[str, str]] = {}
    results = []
    for item in outgoing:
        key = (item.locale or "en", item.organization)
        if key not in texts:
            with i18n.speaking(key[0]):
                texts[key] = (
                    str(_l("You are invited to the NGO Working Group directory")),
                    mail.render_body(
                        "invitation", link=stand_in, hours=hours, organization=item.organization
                    ),
                )
        subject, text = texts[key]
        link = f"{base}/auth/invite/{item.token}"
        mailed = True
        try:
            connection.send(mail.compose(item.email, subject, text.replace(stand_in, link)))
        except mail.MailError:
            mailed = False
        results.append(mailed)
    audit.record_many(
        "invitation_sent",
        [
            ("user", item.user_id, {"invitation": item.invitation_id, "mailed": mailed})
            for item, mailed in zip(outgoing, results, strict=True)
        ],
        actor=inviter,
    )
    return results


def resend(invitation: Invitation, inviter: User | None) -> SentInvitation:
    """A fresh link and expiry for an invitation not yet accepted; the old link stops working."""
    if invitation.accepted_at is not None:
        raise AccountError(_l("This invitation has already been accepted."))
    check_inviter(inviter, invitation.invited_role, invitation.invited_organization)
    return _issue(invitation, inviter, "invitation_resent")


def _issue(invitation: Invitation, inviter: User | None, event: str) -> SentInvitation:
    token = secrets.token_urlsafe(32)
    hours = current_app.config["INVITATION_MAX_AGE_HOURS"]
    invitation.token_hash = _digest(token)
    invitation.expires_at = utcnow() + timedelta(hours=hours)
    invitation.sent_at = utcnow()
    invitation.send_count = (invitation.send_count or 0) + 1
    db.session.flush()
    if invitation.notice:
        # Audited as what it is; the inviter's answer is the one of any invitation.
        mailed = invitation_notices.send(invitation)
        audit.record(
            "invitation_notice_sent",
            actor=inviter,
            target=invitation.user,
            invitation=invitation.id,
            mailed=mailed,
        )
        return SentInvitation(invitation, "", mailed)
    link = f"{current_app.config['BASE_URL']}/auth/invite/{token}"
    user = invitation.user
    mailed = mail.try_send_template(
        user.email,
        _l("You are invited to the NGO Working Group directory"),
        "invitation",
        locale=invitation.locale or mail.language_for(user),
        link=link,
        hours=hours,
        organization=user.organization.name if user.organization else None,
    )
    audit.record(event, actor=inviter, target=user, invitation=invitation.id, mailed=mailed)
    return SentInvitation(invitation, link, mailed)


def find_open(token: str) -> Invitation | None:
    """The unexpired, unaccepted invitation for a link, else None."""
    if not token or len(token) > 200:
        return None
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == _digest(token))
    )
    if invitation is None or invitation.accepted_at is not None:
        return None
    if invitation.expires_at <= utcnow() or invitation.user.status != "invited":
        return None
    return invitation


def accept(invitation: Invitation, name: str, password: str) -> User | None:
    """Set the invited person's name and password and activate the account; None when the
    link was spent, sent again or expired meanwhile."""
    if not _claim(invitation):
        return None
    user = invitation.user
    accounts.set_password(user, password, event=None)
    user.name = clean_text(name, 120, "name")
    user.status = "active"
    audit.record("invitation_accepted", actor=user, target=user, invitation=invitation.id)
    return user


def _claim(invitation: Invitation) -> bool:
    """Mark the invitation accepted in one statement, only while its link still works.

    Of several browsers sending the same link at once, exactly one claims it: PostgreSQL
    re-checks the row after the winner's commit and SQLite serialises the writes."""
    now = utcnow()
    claimed = changed(
        sa.update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.token_hash == invitation.token_hash,
            Invitation.expires_at > now,
            Invitation.user_id.in_(sa.select(User.id).where(User.status == "invited")),
        )
        .values(accepted_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        return False
    set_committed_value(invitation, "accepted_at", now)
    return True


def pending_for(organization: Organization | None = None) -> list[Invitation]:
    """Invitations not yet accepted, newest first; all of them, or one organisation's."""
    # A notice is listed like an invitation nobody accepted (invitation_notices.py).
    waiting = sa.or_(Invitation.notice, User.status == "invited")
    query = (
        sa.select(Invitation)
        .join(Invitation.user)
        .where(Invitation.accepted_at.is_(None), waiting)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    if organization is not None:
        invited_to = sa.case(
            (Invitation.notice, Invitation.organization_id), else_=User.organization_id
        )
        query = query.where(invited_to == organization.id)
    return list(db.session.scalars(query))

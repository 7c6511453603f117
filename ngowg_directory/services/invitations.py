"""Invitations: the only way into the directory. Single-use links that expire."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import audit, mail
from ..extensions import db
from ..models import ROLES, Invitation, Organization, User
from ..models._types import utcnow
from . import accounts, profiles
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


def invite(
    email: str,
    role: str,
    *,
    organization: Organization | None = None,
    name: str = "",
    inviter: User | None = None,
) -> SentInvitation:
    """Create the invited account and its invitation, and e-mail the link."""
    check_inviter(inviter, role, organization)
    user = accounts.create_user(email, role, name=name, organization=organization, actor=inviter)
    invitation = Invitation(user=user, invited_by=inviter, token_hash="", expires_at=utcnow())
    db.session.add(invitation)
    return _issue(invitation, inviter, "invitation_sent")


@dataclass
class Prepared:
    """An invited account and its invitation, added to the session but not yet flushed, so that
    a bulk import fills the profile of many people and flushes them together."""

    user: User
    invitation: Invitation
    token: str


def prepare(
    email: str,
    role: str,
    *,
    organization: Organization | None = None,
    name: str = "",
    inviter: User | None = None,
) -> Prepared:
    """The account and invitation `invite` makes, for an address already checked (normalised,
    not in use: the database's unique index still refuses a duplicate); nothing is sent."""
    check_inviter(inviter, role, organization)
    if role not in ROLES:
        raise AccountError(_l("Unknown role %(role)s.", role=role))
    if role == "manager" and organization is None:
        raise AccountError(_l("A manager must belong to an organisation."))
    user = User(email=email, role=role, name=name.strip(), organization=organization)
    user.profile = profiles.new_profile(user)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(
        user=user,
        invited_by=inviter,
        token_hash=_digest(token),
        expires_at=now + timedelta(hours=current_app.config["INVITATION_MAX_AGE_HOURS"]),
        sent_at=now,
        send_count=1,
    )
    db.session.add(user)
    db.session.add(invitation)
    return Prepared(user, invitation, token)


def send_prepared(prepared: list[Prepared], inviter: User | None) -> list[SentInvitation]:
    """Flush prepared invitations in one go, audit them and e-mail every link."""
    db.session.flush()
    hours = current_app.config["INVITATION_MAX_AGE_HOURS"]
    base = current_app.config["BASE_URL"]
    subject = _l("You are invited to the NGO Working Group directory")
    sent = []
    for item in prepared:
        user = item.user
        audit.record("user_created", actor=inviter, target=user, role=user.role)
        link = f"{base}/auth/invite/{item.token}"
        mailed = True
        try:
            mail.send_template(
                user.email,
                subject,
                "invitation",
                locale=user.locale,
                link=link,
                hours=hours,
                organization=user.organization.name if user.organization else None,
            )
        except mail.MailError:
            mailed = False
        audit.record(
            "invitation_sent",
            actor=inviter,
            target=user,
            invitation=item.invitation.id,
            mailed=mailed,
        )
        sent.append(SentInvitation(item.invitation, link, mailed))
    if prepared:
        logger.info("%s invited accounts created", len(prepared))
    return sent


def resend(invitation: Invitation, inviter: User | None) -> SentInvitation:
    """A fresh link and expiry for an invitation not yet accepted; the old link stops working."""
    if invitation.accepted_at is not None:
        raise AccountError(_l("This invitation has already been accepted."))
    check_inviter(inviter, invitation.user.role, invitation.user.organization)
    return _issue(invitation, inviter, "invitation_resent")


def _issue(invitation: Invitation, inviter: User | None, event: str) -> SentInvitation:
    token = secrets.token_urlsafe(32)
    hours = current_app.config["INVITATION_MAX_AGE_HOURS"]
    invitation.token_hash = _digest(token)
    invitation.expires_at = utcnow() + timedelta(hours=hours)
    invitation.sent_at = utcnow()
    invitation.send_count = (invitation.send_count or 0) + 1
    db.session.flush()
    link = f"{current_app.config['BASE_URL']}/auth/invite/{token}"
    user = invitation.user
    mailed = True
    try:
        mail.send_template(
            user.email,
            _l("You are invited to the NGO Working Group directory"),
            "invitation",
            locale=user.locale,
            link=link,
            hours=hours,
            organization=user.organization.name if user.organization else None,
        )
    except mail.MailError:
        mailed = False
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


def accept(invitation: Invitation, name: str, password: str) -> User:
    """Set the invited person's name and password and activate the account."""
    user = invitation.user
    accounts.set_password(user, password, event=None)
    user.name = profiles.clean_text(name, 120, "name")
    user.status = "active"
    invitation.accepted_at = utcnow()
    audit.record("invitation_accepted", actor=user, target=user, invitation=invitation.id)
    return user


def pending_for(organization: Organization | None = None) -> list[Invitation]:
    """Invitations not yet accepted, newest first; all of them, or one organisation's."""
    query = (
        sa.select(Invitation)
        .join(Invitation.user)
        .where(Invitation.accepted_at.is_(None), User.status == "invited")
        .order_by(Invitation.created_at.desc())
    )
    if organization is not None:
        query = query.where(User.organization_id == organization.id)
    return list(db.session.scalars(query))

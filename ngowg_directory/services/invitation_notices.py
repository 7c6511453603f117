"""Invitations to an address that already has an account: the same answer, an e-mail to her.

Refusing such an invitation ("an account with this address already exists") told any manager
who has an account. Instead nothing about the account changes (role, organisation, password);
a notice is recorded as an invitation (`Invitation.notice`) so that the inviter's answer and
list of pending invitations are exactly those of an invitation to a new address, and the
holder gets a short e-mail in her language naming at most the organisation.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import mail
from ..extensions import db
from ..models import Invitation, Organization, User
from ..models._types import utcnow

SUBJECT = _l("About an invitation to the NGO Working Group directory")


def record(
    holder: User,
    role: str,
    organization: Organization | None,
    inviter: User | None,
    locale: str | None = None,
) -> Invitation:
    """A notice for the account `holder`; its token is never sent to anyone."""
    invitation = Invitation(
        user=holder,
        invited_by=inviter,
        token_hash="",
        expires_at=utcnow(),
        notice=True,
        role=role,
        organization=organization,
        locale=locale,
    )
    db.session.add(invitation)
    return invitation


def send(invitation: Invitation) -> bool:
    """E-mail the holder that someone tried to invite her address, in her language (else in
    the invitation's); False when it failed."""
    holder = invitation.user
    return mail.try_send_template(
        holder.email,
        SUBJECT,
        "invitation_existing_account",
        locale=mail.language_for(holder, fallback=invitation.locale),
        organization=invitation.organization.name if invitation.organization else None,
        sign_in=f"{current_app.config['BASE_URL']}/auth/login",
    )

"""Withdrawing an invitation that is still waiting (the secretariat, or a manager for her own
organisation's): its link then answers as any invalid link does, and it is audited."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import audit
from ..extensions import db
from ..models import Invitation, User
from ..models.rows import changed
from .accounts import AccountError
from .invitations import check_inviter


def revoke(invitation: Invitation, actor: User) -> None:
    """Withdraw an invitation not yet accepted.

    An invitation made its account, never used (no password, status "invited"): the account
    goes with it, in one statement that matches only while the invitation is unaccepted, so
    a person accepting at the same moment keeps her new account and the withdrawal is
    refused. A notice to an existing account only disappears: that account is hers."""
    if invitation.accepted_at is not None:
        raise AccountError(_l("This invitation has already been accepted."))
    check_inviter(actor, invitation.invited_role, invitation.invited_organization)
    user = invitation.user
    user_id = user.id
    organization = invitation.invited_organization
    details: dict[str, Any] = {"invitation": invitation.id, "role": invitation.invited_role}
    if organization is not None:
        details["organization"] = organization.id
    if invitation.notice:
        gone = changed(
            sa.delete(Invitation).where(
                Invitation.id == invitation.id, Invitation.accepted_at.is_(None)
            ),
            execution_options={"synchronize_session": False},
        )
        details["notice"] = True
    else:
        waiting = sa.select(Invitation.user_id).where(
            Invitation.id == invitation.id, Invitation.accepted_at.is_(None)
        )
        # Her profile, tags and the invitation follow (ON DELETE CASCADE).
        gone = changed(
            sa.delete(User).where(
                User.id == user_id,
                User.status == "invited",
                User.password_hash.is_(None),
                User.id.in_(waiting),
            ),
            execution_options={"synchronize_session": False},
        )
    if gone != 1:
        raise AccountError(_l("This invitation has already been accepted."))
    # The rows are gone: the session forgets the objects it held of them.
    db.session.expunge(invitation)
    if not invitation.notice:
        db.session.expunge(user)
    audit.record(
        "invitation_revoked", actor=actor, target_type="user", target_id=user_id, **details
    )

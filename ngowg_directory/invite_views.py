"""Invitation form handling shared by the secretariat's and the organisations' pages."""

from __future__ import annotations

from flask import abort, flash, redirect
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from .extensions import db
from .forms import ConfirmForm, InviteForm
from .models import Invitation, Organization
from .services import admin_invitations, invitations
from .services.accounts import AccountError


def submit_invite(form: InviteForm, organization: Organization | None) -> bool:
    """Send the invitation the form asks for; True when it went out and was committed."""
    if not form.validate_on_submit():
        return False
    try:
        sent = invitations.invite(
            form.email.data or "",
            form.role.data,
            organization=organization,
            name=form.name.data or "",
            inviter=current_user,
            locale=form.language.data,
        )
    except AccountError as exc:
        form.email.errors = [*form.email.errors, str(exc)]
        return False
    db.session.commit()
    flash_sent(sent)
    return True


def resend_and_redirect(
    invitation_id: int, organization: Organization | None, back: str
) -> Response:
    """Resend one invitation (within `organization` when given) and go back."""
    form = ConfirmForm()
    invitation = db.get_or_404(Invitation, invitation_id)
    invited_to = invitation.invited_organization
    if organization is not None and (invited_to is None or invited_to.id != organization.id):
        abort(404)
    if form.validate_on_submit():
        try:
            sent = invitations.resend(invitation, current_user)
        except AccountError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash_sent(sent)
    return redirect(back)


def revoke_and_redirect(
    invitation_id: int, organization: Organization | None, back: str
) -> Response:
    """Withdraw one waiting invitation (within `organization` when given) and go back: its
    link then answers as an invalid link."""
    invitation = db.get_or_404(Invitation, invitation_id)
    invited_to = invitation.invited_organization
    if organization is not None and (invited_to is None or invited_to.id != organization.id):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    email = invitation.user.email
    try:
        admin_invitations.revoke(invitation, current_user)
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            _("The invitation for %(email)s was withdrawn; its link no longer works.", email=email),
            "success",
        )
    return redirect(back)


def flash_sent(sent: invitations.SentInvitation) -> None:
    if sent.mailed:
        flash(_("Invitation sent to %(email)s.", email=sent.invitation.user.email), "success")
    else:
        flash(
            _(
                "The invitation for %(email)s was saved, but the e-mail could not be sent. "
                "Check the mail settings and send it again.",
                email=sent.invitation.user.email,
            ),
            "error",
        )

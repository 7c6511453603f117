"""Secretariat: start page and invitations."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..extensions import db
from ..forms import ConfirmForm, InviteForm
from ..models import ROLES, Invitation, Organization
from ..permissions import admin_required
from ..services import invitations
from ..services.accounts import AccountError
from . import bp


@bp.get("/")
@admin_required
def index() -> str:
    """The secretariat's start page."""
    return render_template("admin/index.html", pending=len(invitations.pending_for()))


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.set_roles(ROLES)
    orgs = db.session.scalars(sa.select(Organization).order_by(Organization.name))
    form.organization.choices = [("", _("None"))] + [(o.slug, o.name) for o in orgs]
    return form


@bp.route("/invitations", methods=["GET", "POST"])
@admin_required
def invitations_page() -> str | Response:
    """Pending invitations, and a form to invite anyone to any role."""
    form = _invite_form()
    if form.validate_on_submit():
        organization = None
        if form.organization.data:
            organization = db.session.scalar(
                sa.select(Organization).where(Organization.slug == form.organization.data)
            )
        try:
            sent = invitations.invite(
                form.email.data or "",
                form.role.data,
                organization=organization,
                name=form.name.data or "",
                inviter=current_user,
            )
        except AccountError as exc:
            form.email.errors = [*form.email.errors, str(exc)]
        else:
            db.session.commit()
            flash_sent(sent)
            return redirect(url_for("admin.invitations_page"))
    return render_template(
        "admin/invitations.html",
        form=form,
        pending=invitations.pending_for(),
        confirm=ConfirmForm(),
        resend_url=lambda inv: url_for("admin.resend_invitation", invitation_id=inv.id),
    )


@bp.post("/invitations/<int:invitation_id>/resend")
@admin_required
def resend_invitation(invitation_id: int) -> Response:
    """A fresh link for an invitation; the old one stops working."""
    return resend_and_redirect(invitation_id, None, url_for("admin.invitations_page"))


def resend_and_redirect(
    invitation_id: int, organization: Organization | None, back: str
) -> Response:
    """Resend one invitation (within `organization` when given) and go back."""
    form = ConfirmForm()
    invitation = db.get_or_404(Invitation, invitation_id)
    if organization is not None and invitation.user.organization_id != organization.id:
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

"""Secretariat: start page and invitations."""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..extensions import db
from ..forms import ConfirmForm, InviteForm
from ..invite_views import resend_and_redirect, revoke_and_redirect, submit_invite
from ..models import ROLES, Organization
from ..permissions import admin_required, fresh_admin_required, is_fresh
from ..services import dashboard, invitations
from ..services.admin_audit import AuditNames
from . import bp


@bp.get("/")
@admin_required
def index() -> str:
    """The network at a glance."""
    figures = dashboard.figures()
    names = AuditNames(figures["security_events"])
    return render_template("admin/index.html", names=names, **figures)


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.set_roles(ROLES)
    orgs = db.session.scalars(sa.select(Organization).order_by(Organization.name))
    form.organization.choices = [("", _("None"))] + [(o.slug, o.name) for o in orgs]
    return form


def _invitations(form: InviteForm) -> str:
    return render_template(
        "admin/invitations.html",
        form=form,
        pending=invitations.pending_for(),
        confirm=ConfirmForm(),
        fresh=is_fresh(),
        resend_url=lambda inv: url_for("admin.resend_invitation", invitation_id=inv.id),
        revoke_url=lambda inv: url_for("admin.revoke_invitation", invitation_id=inv.id),
    )


@bp.route("/invitations", methods=["GET", "POST"])
@admin_required
def invitations_page() -> str | Response:
    """Pending invitations, and a form to invite anyone to any role. Reading the page does
    not ask for the password again; sending an invitation does."""
    if request.method == "POST":
        return _invite()
    return _invitations(_invite_form())


@fresh_admin_required
def _invite() -> str | Response:
    form = _invite_form()
    organization = None
    if form.organization.data:
        organization = db.session.scalar(
            sa.select(Organization).where(Organization.slug == form.organization.data)
        )
    if submit_invite(form, organization):
        return redirect(url_for("admin.invitations_page"))
    return _invitations(form)


@bp.post("/invitations/<int:invitation_id>/resend")
@fresh_admin_required
def resend_invitation(invitation_id: int) -> Response:
    """A fresh link for an invitation; the old one stops working."""
    return resend_and_redirect(invitation_id, None, url_for("admin.invitations_page"))


@bp.post("/invitations/<int:invitation_id>/revoke")
@fresh_admin_required
def revoke_invitation(invitation_id: int) -> Response:
    """Withdraw an invitation not yet accepted: its link stops working at once."""
    return revoke_and_redirect(invitation_id, None, url_for("admin.invitations_page"))

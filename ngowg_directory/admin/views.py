"""Secretariat: start page and invitations."""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..extensions import db
from ..forms import ConfirmForm, InviteForm
from ..invite_views import resend_and_redirect, submit_invite
from ..models import ROLES, Organization
from ..permissions import admin_required, fresh_admin_required
from ..services import dashboard, invitations
from . import bp


@bp.get("/")
@admin_required
def index() -> str:
    """The network at a glance."""
    return render_template("admin/index.html", **dashboard.figures())


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.set_roles(ROLES)
    orgs = db.session.scalars(sa.select(Organization).order_by(Organization.name))
    form.organization.choices = [("", _("None"))] + [(o.slug, o.name) for o in orgs]
    return form


@bp.route("/invitations", methods=["GET", "POST"])
@fresh_admin_required
def invitations_page() -> str | Response:
    """Pending invitations, and a form to invite anyone to any role."""
    form = _invite_form()
    if form.is_submitted() and form.organization.data:
        organization = db.session.scalar(
            sa.select(Organization).where(Organization.slug == form.organization.data)
        )
    else:
        organization = None
    if submit_invite(form, organization):
        return redirect(url_for("admin.invitations_page"))
    return render_template(
        "admin/invitations.html",
        form=form,
        pending=invitations.pending_for(),
        confirm=ConfirmForm(),
        resend_url=lambda inv: url_for("admin.resend_invitation", invitation_id=inv.id),
    )


@bp.post("/invitations/<int:invitation_id>/resend")
@fresh_admin_required
def resend_invitation(invitation_id: int) -> Response:
    """A fresh link for an invitation; the old one stops working."""
    return resend_and_redirect(invitation_id, None, url_for("admin.invitations_page"))

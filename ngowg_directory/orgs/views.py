"""An organisation's people and invitations, for its managers and the secretariat."""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..admin.views import flash_sent, resend_and_redirect
from ..extensions import db
from ..forms import ConfirmForm, InviteForm
from ..models import ROLES, User
from ..permissions import get_managed_org_or_404
from ..services import invitations
from ..services.accounts import AccountError
from . import bp


@bp.route("/<slug>/people", methods=["GET", "POST"])
def people(slug: str) -> str | Response:
    """Who belongs to the organisation, who is invited, and a form to invite more."""
    organization = get_managed_org_or_404(slug)
    form = InviteForm()
    form.set_roles(ROLES if current_user.is_admin else invitations.MANAGER_MAY_INVITE)
    del form.organization
    if form.validate_on_submit():
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
            return redirect(url_for("orgs.people", slug=slug))
    members = db.session.scalars(
        sa.select(User)
        .where(User.organization_id == organization.id, User.status != "invited")
        .order_by(User.name)
    )
    return render_template(
        "orgs/people.html",
        organization=organization,
        members=list(members),
        form=form,
        pending=invitations.pending_for(organization),
        confirm=ConfirmForm(),
        resend_url=lambda inv: url_for(
            "orgs.resend_invitation", slug=organization.slug, invitation_id=inv.id
        ),
    )


@bp.post("/<slug>/invitations/<int:invitation_id>/resend")
def resend_invitation(slug: str, invitation_id: int) -> Response:
    """A fresh link for one of the organisation's invitations."""
    organization = get_managed_org_or_404(slug)
    return resend_and_redirect(
        invitation_id, organization, url_for("orgs.people", slug=organization.slug)
    )

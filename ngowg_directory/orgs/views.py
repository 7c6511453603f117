"""Organisation pages: the profile for members; edit, people and invitations for managers."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import privacy, reference
from ..extensions import db
from ..forms import ConfirmForm, InviteForm, confirmed, field_labels, save_edit
from ..invite_views import resend_and_redirect, revoke_and_redirect, submit_invite
from ..labels import PROFILE_PART_LABELS
from ..models import ROLES, Organization
from ..models._types import utcnow
from ..permissions import get_managed_org_or_404, may_manage
from ..services import invitations, orgs
from ..validation import ValidationError
from . import bp
from .forms import LogoForm, OrganizationForm


@bp.get("/<slug>")
def show(slug: str) -> str:
    """The organisation's profile and its listed people."""
    organization = privacy.org_or_404(current_user, slug)
    return render_template(
        "orgs/profile.html",
        organization=privacy.org_view(current_user, organization),
        members=privacy.org_members(current_user, organization),
        may_manage=may_manage(organization),
    )


@bp.get("/<slug>/logo")
def logo(slug: str) -> Response:
    """The stored logo, re-encoded at upload; cached by the browser until it changes."""
    organization = privacy.org_or_404(current_user, slug)
    if not organization.logo:
        abort(404)
    etag = hashlib.sha256(organization.logo).hexdigest()[:32]
    if etag in request.if_none_match:
        response = make_response("", 304)
    else:
        response = make_response(organization.logo)
        response.mimetype = organization.logo_mime or "application/octet-stream"
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def _org_form(organization: Organization) -> OrganizationForm:
    form = OrganizationForm()
    countries = reference.country_choices()
    form.headquarters_country.choices = [("", "—"), *countries]
    form.countries.choices = countries
    form.themes.choices = reference.theme_choices()
    if not form.is_submitted():
        values = orgs.snapshot(organization)
        values["member_since"] = organization.member_since
        form.process(data=values)
    return form


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str) -> str | Response:
    """Managers of this organisation and admins edit its profile and logo."""
    organization = get_managed_org_or_404(slug)
    form = _org_form(organization)
    saved, conflict = save_edit(
        form,
        orgs.EDITABLE,
        lambda data, opened: orgs.update(organization, data, opened, actor=current_user),
        lambda: orgs.sign_snapshot(organization),
    )
    if saved:
        db.session.commit()
        flash(_("The organisation's profile has been saved."), "success")
        return redirect(url_for("orgs.show", slug=organization.slug))
    return render_template(
        "orgs/edit.html",
        organization=organization,
        form=form,
        logo_form=LogoForm(prefix="logo"),
        confirm=ConfirmForm(),
        conflict=conflict,
        field_labels=field_labels(form, orgs.EDITABLE),
    )


@bp.post("/<slug>/logo")
def upload_logo(slug: str) -> str | Response:
    """Replace the logo after checking the file by its content."""
    organization = get_managed_org_or_404(slug)
    form = LogoForm(prefix="logo")
    if form.validate_on_submit() and form.logo.data:
        try:
            orgs.set_logo(organization, form.logo.data.read(), current_user)
        except ValidationError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("The logo has been updated."), "success")
    else:
        flash(_("Choose an image file first."), "error")
    return redirect(url_for("orgs.edit", slug=organization.slug))


@bp.post("/<slug>/logo/remove")
def remove_logo(slug: str) -> Response:
    """Remove the logo."""
    organization = get_managed_org_or_404(slug)
    if ConfirmForm().validate_on_submit():
        orgs.remove_logo(organization, current_user)
        db.session.commit()
        flash(_("The logo has been removed."), "success")
    return redirect(url_for("orgs.edit", slug=organization.slug))


@bp.route("/<slug>/people", methods=["GET", "POST"])
def people(slug: str) -> str | Response:
    """Who belongs to the organisation, who is invited, and a form to invite more."""
    organization = get_managed_org_or_404(slug)
    form = InviteForm()
    form.set_roles(ROLES if current_user.is_admin else invitations.MANAGER_MAY_INVITE)
    del form.organization
    if submit_invite(form, organization):
        return redirect(url_for("orgs.people", slug=slug))
    people = privacy.org_people(current_user, organization)
    return render_template(
        "orgs/people.html",
        organization=privacy.org_view(current_user, organization),
        members=people.members,
        upkeep=privacy.org_upkeep(current_user, organization, people.members),
        part_labels=PROFILE_PART_LABELS,
        stale_before=utcnow() - timedelta(days=current_app.config["PROFILE_STALE_DAYS"]),
        unlisted=people.unlisted,
        form=form,
        pending=invitations.pending_for(organization),
        confirm=ConfirmForm(),
        secretariat=current_user.is_admin,
        may_become_manager=orgs.may_become_manager,
        resend_url=lambda inv: url_for(
            "orgs.resend_invitation", slug=organization.slug, invitation_id=inv.id
        ),
        revoke_url=lambda inv: url_for(
            "orgs.revoke_invitation", slug=organization.slug, invitation_id=inv.id
        ),
    )


@bp.post("/<slug>/invitations/<int:invitation_id>/resend")
def resend_invitation(slug: str, invitation_id: int) -> Response:
    """A fresh link for one of the organisation's invitations."""
    organization = get_managed_org_or_404(slug)
    return resend_and_redirect(
        invitation_id, organization, url_for("orgs.people", slug=organization.slug)
    )


@bp.post("/<slug>/invitations/<int:invitation_id>/revoke")
def revoke_invitation(slug: str, invitation_id: int) -> Response:
    """Withdraw one of the organisation's waiting invitations: its link stops working."""
    organization = get_managed_org_or_404(slug)
    return revoke_and_redirect(
        invitation_id, organization, url_for("orgs.people", slug=organization.slug)
    )


def _member_action(slug: str, person_id: int, action: str) -> Response:
    organization = get_managed_org_or_404(slug)
    person = confirmed(orgs.member_or_404(organization, person_id))
    try:
        if action == "remove":
            orgs.remove_member(organization, person, current_user)
            message = _("%(name)s is no longer part of the organisation.", name=person.name)
        else:
            orgs.make_manager(organization, person, current_user)
            message = _("%(name)s is now a manager.", name=person.name)
    except ValidationError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("orgs.people", slug=organization.slug))


@bp.post("/<slug>/people/<int:person_id>/remove")
def remove_member(slug: str, person_id: int) -> Response:
    """Take a person out of the organisation (the account stays)."""
    return _member_action(slug, person_id, "remove")


@bp.post("/<slug>/people/<int:person_id>/make-manager")
def make_manager(slug: str, person_id: int) -> Response:
    """Make a member one of the organisation's managers."""
    return _member_action(slug, person_id, "manager")

"""The secretariat's organisation pages: list, create, archive, managers; directory export."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import audit, names
from ..extensions import db
from ..forms import ConfirmForm, confirmed
from ..models import ORG_KINDS, Organization, User
from ..models._types import utcnow
from ..permissions import admin_required, fresh_admin_required
from ..services import accounts, export, orgs, tokens
from . import bp

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The directory export's columns (services.export.COLUMNS, in that order) as a spreadsheet
# shows them, in the admin's language; `ngowg export-directory` keeps the machine names.
EXPORT_COLUMNS = (
    _l("Account number"),
    _l("Name"),
    _l("Role"),
    _l("Organisation"),
    _l("Title or position"),
    _l("Mission or UN entity"),
    _l("Country"),
    _l("Security Council agenda"),
    _l("Themes"),
    _l("Languages"),
    _l("E-mail"),
    _l("Phone"),
    _l("Messaging"),
    _l("City"),
    _l("Last confirmed"),
)


@bp.get("/organizations")
@admin_required
def organizations() -> str:
    """Every organisation, archived ones included, with a form to add one."""
    rows = db.session.scalars(sa.select(Organization).order_by(Organization.name))
    return render_template(
        "admin/organizations.html", organizations=list(rows), kinds=ORG_KINDS, confirm=ConfirmForm()
    )


@bp.post("/organizations")
@fresh_admin_required
def create_organization() -> WerkzeugResponse:
    """Add an organisation; the edit page fills in the rest."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    raw_name = request.form.get("name", "")
    name = raw_name.strip()
    slug = request.form.get("slug", "").strip().lower()
    kind = request.form.get("kind", "member")
    problem = None
    if names.control_characters(raw_name):
        problem = str(names.MESSAGE)
    elif not name or len(name) > 200:
        problem = _("Give the organisation a name of at most 200 characters.")
    elif not SLUG.match(slug) or len(slug) > 100:
        problem = _("The short name (slug) may hold lower-case letters, digits and dashes only.")
    elif orgs.find(slug) is not None:
        problem = _("An organisation with the short name %(slug)s already exists.", slug=slug)
    elif kind not in ORG_KINDS:
        problem = _("Unknown kind of organisation.")
    if problem:
        flash(problem, "error")
        return redirect(url_for("admin.organizations"))
    organization = Organization(name=name, slug=slug, kind=kind)
    db.session.add(organization)
    db.session.flush()
    audit.record("organization_created", actor=current_user, target=organization)
    db.session.commit()
    flash(_("%(name)s was added. Fill in its profile.", name=name), "success")
    return redirect(url_for("orgs.edit", slug=slug))


@bp.post("/organizations/<slug>/archive")
@fresh_admin_required
def archive_organization(slug: str) -> WerkzeugResponse:
    """Archive an organisation (hidden from members and search), or bring it back."""
    organization = confirmed(orgs.find(slug))
    archived = organization.archived_at is None
    organization.archived_at = utcnow() if archived else None
    organization.updated_at = utcnow()
    audit.record(
        "organization_archived" if archived else "organization_restored",
        actor=current_user,
        target=organization,
    )
    db.session.commit()
    flash(_("Archived.") if archived else _("Back in the directory."), "success")
    return redirect(url_for("admin.organizations"))


@bp.post("/organizations/<slug>/managers")
@fresh_admin_required
def assign_manager(slug: str) -> WerkzeugResponse:
    """Make someone (by account e-mail) a manager of this organisation."""
    organization = confirmed(orgs.find(slug))
    person = accounts.find_by_email(request.form.get("email", ""))
    if person is None or person.role == "admin":
        flash(_("No account (other than an admin's) has that e-mail address."), "error")
        return redirect(url_for("orgs.people", slug=slug))
    if person.role != "manager" and not orgs.may_become_manager(person.role):
        # A defender or a policy-maker is not made a manager by the way: her role is changed
        # on her own page, where the secretariat sees what it changes.
        flash(
            _(
                "Only staff (or a manager of another organisation) can be made managers here. "
                "To change the role of %(name)s, use the person's page.",
                name=person.name or _("this person"),
            ),
            "error",
        )
        return redirect(url_for("orgs.people", slug=slug))
    person.organization_id = organization.id
    tokens.revoke_all(person, "role", actor=current_user)
    old, person.role = person.role, "manager"
    person.end_all_sessions()
    audit.record(
        "manager_assigned", actor=current_user, target=person, organization=organization.id, old=old
    )
    db.session.commit()
    flash(
        _("%(name)s manages %(org)s now.", name=person.name or person.email, org=organization.name),
        "success",
    )
    return redirect(url_for("orgs.people", slug=slug))


@bp.post("/organizations/<slug>/managers/<int:person_id>/remove")
@fresh_admin_required
def remove_manager(slug: str, person_id: int) -> WerkzeugResponse:
    """A manager goes back to being staff of the organisation."""
    organization = orgs.find(slug)
    person = db.session.get(User, person_id)
    if organization is None or person is None or person.organization_id != organization.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if person.role != "manager":
        flash(_("This person is not a manager."), "error")
        return redirect(url_for("orgs.people", slug=slug))
    tokens.revoke_all(person, "role", actor=current_user)
    person.role = "staff"
    person.end_all_sessions()
    audit.record("manager_removed", actor=current_user, target=person, organization=organization.id)
    db.session.commit()
    flash(_("%(name)s is no longer a manager.", name=person.name), "success")
    return redirect(url_for("orgs.people", slug=slug))


@bp.get("/export.<fmt>")
@fresh_admin_required
def export_directory(fmt: str) -> Response:
    """The directory as CSV or vCard with what this admin may see; audited."""
    if fmt == "csv":
        text, _count = export.to_csv(
            current_user, [str(label) for label in EXPORT_COLUMNS], bom=True
        )
        mimetype, name = "text/csv", "directory.csv"
    elif fmt == "vcf":
        text, _count = export.to_vcards(current_user)
        mimetype, name = "text/vcard", "directory.vcf"
    else:
        abort(404)
    db.session.commit()
    response = Response(text, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

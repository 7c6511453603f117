"""The secretariat's view of accounts: list, search, and one page per person with actions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..extensions import db
from ..forms import ConfirmForm, confirmed
from ..invite_views import resend_and_redirect
from ..labels import ROLE_LABELS
from ..models import ROLES, STATUSES, Invitation, User
from ..permissions import admin_required, fresh_admin_required, is_fresh
from ..services import admin as admin_service
from ..services import admin_audit
from ..services.accounts import AccountError
from . import bp
from .paging import page_number

PER_PAGE = 50


@bp.get("/people")
@admin_required
def people() -> str:
    """Every account, hidden ones included, filtered by text, role and status."""
    query = sa.select(User).order_by(User.name, User.id)
    text = request.args.get("q", "").strip()[:100]
    if text:
        pattern = "%" + text.lower().replace("%", "").replace("_", "") + "%"
        query = query.where(
            sa.or_(sa.func.lower(User.name).like(pattern), User.email.like(pattern))
        )
    role = request.args.get("role", "")
    if role in ROLES:
        query = query.where(User.role == role)
    status = request.args.get("status", "")
    if status in STATUSES:
        query = query.where(User.status == status)
    page = db.paginate(
        query, page=page_number(), per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "admin/people.html",
        page=page,
        q=text,
        role=role,
        status=status,
        roles=ROLES,
        statuses=STATUSES,
        likely_genuine=admin_service.likely_genuine,
    )


def _open_invitation(person_id: int) -> Invitation | None:
    """Her invitation not yet accepted (a notice to an existing account is none)."""
    return db.session.scalar(
        sa.select(Invitation).where(
            Invitation.user_id == person_id,
            Invitation.accepted_at.is_(None),
            Invitation.notice.is_(False),
        )
    )


def _person_or_404(person_id: int) -> User:
    person = db.session.get(User, person_id)
    if person is None:
        abort(404)
    return person


@bp.get("/people/<int:person_id>")
@admin_required
def person(person_id: int) -> str:
    """One account and the actions on it."""
    person = _person_or_404(person_id)
    suspension = admin_audit.suspension_reason(person)
    return render_template(
        "admin/person.html",
        person=person,
        suspension=suspension,
        names=admin_audit.AuditNames([suspension] if suspension else []),
        fresh=is_fresh(),
        invitation=_open_invitation(person.id),
        confirm=ConfirmForm(),
        roles=[(r, ROLE_LABELS[r]) for r in ROLES],
        likely_genuine=admin_service.likely_genuine(person),
        council_years=admin_service.council_years(),
    )


def _act(person_id: int, action) -> Response:
    person = confirmed(db.session.get(User, person_id))
    try:
        message = action(person)
    except AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.person", person_id=person_id))
    db.session.commit()
    flash(message, "success")
    if action is _delete:
        return redirect(url_for("admin.people"))
    return redirect(url_for("admin.person", person_id=person_id))


def _delete(person: User) -> str:
    admin_service.delete(person, current_user)
    return _("The account has been deleted.")


@bp.post("/people/<int:person_id>/role")
@fresh_admin_required
def change_role(person_id: int) -> Response:
    """Give the account another role."""
    role = request.form.get("role", "")

    def action(person: User) -> str:
        admin_service.change_role(person, role, current_user)
        return _("The role is now %(role)s.", role=ROLE_LABELS[role])

    return _act(person_id, action)


@bp.post("/people/<int:person_id>/verify")
@fresh_admin_required
def verify(person_id: int) -> Response:
    """Mark a policy-maker as verified, or take the mark away."""
    verified = request.form.get("verified") == "1"

    def action(person: User) -> str:
        admin_service.set_verified(person, verified, current_user)
        return _("Marked as verified.") if verified else _("No longer marked as verified.")

    return _act(person_id, action)


@bp.post("/people/<int:person_id>/council-member")
@fresh_admin_required
def council_member(person_id: int) -> Response:
    """Mark a verified policy-maker as working for a Security Council member (until the end
    of the member's term: she may ask for briefers), or take the mark away."""
    until = request.form.get("until", "")

    def action(person: User) -> str:
        year = admin_service.set_council_member(person, until, current_user)
        if year is None:
            return _("No longer marked as working for a Security Council member.")
        return _(
            "Marked as working for a Security Council member until the end of %(year)s.",
            year=year,
        )

    return _act(person_id, action)


@bp.post("/people/<int:person_id>/suspend")
@fresh_admin_required
def suspend(person_id: int) -> Response:
    """Suspend the account, with the reason (kept in the audit entry, shown to admins and
    never to her): every session ends at once."""
    reason = request.form.get("reason", "")

    def action(person: User) -> str:
        admin_service.set_suspended(person, True, current_user, reason=reason)
        return _("Suspended. Every session of this account has ended.")

    return _act(person_id, action)


@bp.post("/people/<int:person_id>/reactivate")
@fresh_admin_required
def reactivate(person_id: int) -> Response:
    """Lift a suspension."""

    def action(person: User) -> str:
        admin_service.set_suspended(person, False, current_user)
        return _("Reactivated.")

    return _act(person_id, action)


@bp.post("/people/<int:person_id>/reset-2fa")
@fresh_admin_required
def reset_two_factor(person_id: int) -> Response:
    """Remove the person's second factor so she can enrol again."""

    def action(person: User) -> str:
        admin_service.reset_two_factor(person, current_user)
        return _("Two-factor sign-in was reset; she enrols again at her next sign-in.")

    return _act(person_id, action)


@bp.post("/people/<int:person_id>/delete")
@fresh_admin_required
def delete(person_id: int) -> Response:
    """Delete the account for good."""
    return _act(person_id, _delete)


@bp.post("/people/<int:person_id>/resend")
@fresh_admin_required
def resend(person_id: int) -> Response:
    """Send the invitation again with a fresh link."""
    invitation = _open_invitation(person_id)
    if invitation is None:
        abort(404)
    return resend_and_redirect(invitation.id, None, url_for("admin.person", person_id=person_id))

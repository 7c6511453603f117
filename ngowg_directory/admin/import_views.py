"""CSV import through the pages: a preview of every row first, nothing written until confirmed.

The uploaded file waits, encrypted, for its confirmation (`services.staging`); it is deleted on
confirmation, on cancellation, and within an hour otherwise (swept on every visit of these pages
and when the app starts)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from ..extensions import db
from ..forms import ConfirmForm
from ..permissions import admin_required, fresh_admin_required, is_fresh
from ..services import importer, staging
from . import bp

KINDS = {"people": importer.import_people, "orgs": importer.import_orgs}
COLUMNS = {
    "people": importer.PEOPLE_COLUMNS,
    "orgs": (*importer.ORG_COLUMNS, *importer.ORG_OPTIONAL),
}
# Beyond this, writing the rows and sending the invitations can outlast a worker's 30 s.
PAGE_ROWS = 5000


@bp.record_once
def _sweep_on_start(state: BlueprintSetupState) -> None:
    staging.sweep(state.app.instance_path)


def _swept() -> str:
    """The instance folder, after deleting the previews that waited too long."""
    staging.sweep(current_app.instance_path)
    return current_app.instance_path


def _checked_post() -> tuple[str, str]:
    """The posted preview's token and kind, once the form's CSRF token is checked."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return request.form.get("token", ""), request.form.get("kind", "")


@bp.get("/import")
@admin_required
def import_form() -> str:
    """Choose what to import and the file (checking it asks for the password again when the
    last confirmation is over ten minutes old: the page says so first)."""
    _swept()
    return render_template(
        "admin/import.html", confirm=ConfirmForm(), report=None, fresh=is_fresh()
    )


@bp.post("/import")
@fresh_admin_required
def import_preview() -> str | Response:
    """Check every row (a dry run) and show the result; the file waits, encrypted."""
    instance = _swept()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    if kind not in KINDS or upload is None or not upload.filename:
        flash(_("Choose what to import and a CSV file."), "error")
        return redirect(url_for("admin.import_form"))
    data = upload.read()
    try:
        report = KINDS[kind](data, dry_run=True, actor=current_user)
    except importer.ImportFileError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.import_form"))
    db.session.rollback()
    # A file with nothing to import is not kept at all.
    token = staging.stage(instance, data, kind, current_user.id) if report.added else None
    return render_template(
        "admin/import.html",
        confirm=ConfirmForm(),
        report=report,
        token=token,
        kind=kind,
        columns=COLUMNS[kind],
        page_rows=PAGE_ROWS,
    )


@bp.post("/import/confirm")
@fresh_admin_required
def import_confirm() -> Response:
    """Import the previewed file once: the good rows are written, the others reported again."""
    instance = _swept()
    token, kind = _checked_post()
    data = staging.claim(instance, token, kind, current_user.id)
    if data is None:
        flash(_("This preview was already imported or has expired."), "error")
        return redirect(url_for("admin.import_form"))
    report = KINDS[kind](data, actor=current_user)
    flash(
        _("%(added)s added, %(failed)s refused.", added=report.added, failed=report.failed),
        "success" if not report.failed else "info",
    )
    if report.unsent:
        flash(
            ngettext(
                "%(num)s invitation e-mail could not be sent. Resend it from Invitations.",
                "%(num)s invitation e-mails could not be sent. Resend them from Invitations.",
                report.unsent,
            ),
            "error",
        )
    return redirect(url_for("admin.people" if kind == "people" else "admin.organizations"))


@bp.post("/import/cancel")
@fresh_admin_required
def import_cancel() -> Response:
    """Drop a preview: its uploaded file is deleted at once and nothing is imported."""
    instance = _swept()
    token, kind = _checked_post()
    if staging.discard(instance, token, kind, current_user.id):
        flash(_("Import cancelled: the uploaded file is deleted and nothing was imported."), "info")
    else:
        flash(_("This preview was already imported or has expired."), "error")
    return redirect(url_for("admin.import_form"))

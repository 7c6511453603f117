"""CSV import through the pages: a preview of every row first, nothing written until confirmed."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from ..extensions import db
from ..forms import ConfirmForm
from ..permissions import fresh_admin_required
from ..services import importer
from . import bp

KINDS = {"people": importer.import_people, "orgs": importer.import_orgs}
TOKEN = re.compile(r"^[0-9a-f]{32}$")
PENDING_SECONDS = 3600


def _pending_dir() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


@bp.get("/import")
@fresh_admin_required
def import_form() -> str:
    """Choose what to import and the file."""
    return render_template("admin/import.html", confirm=ConfirmForm(), report=None)


@bp.post("/import")
@fresh_admin_required
def import_preview() -> str | Response:
    """Check every row (a dry run) and show the result; the file waits for confirmation."""
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
    token = secrets.token_hex(16)
    path = _pending_dir() / f"{token}.{kind}.csv"
    path.write_bytes(data)
    path.chmod(0o600)
    return render_template(
        "admin/import.html", confirm=ConfirmForm(), report=report, token=token, kind=kind
    )


@bp.post("/import/confirm")
@fresh_admin_required
def import_confirm() -> Response:
    """Import the previewed file: the good rows are written, the others reported again."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token, kind = request.form.get("token", ""), request.form.get("kind", "")
    path = _pending_dir() / f"{token}.{kind}.csv"
    if not TOKEN.match(token) or kind not in KINDS or not path.is_file():
        flash(_("This preview has expired. Upload the file again."), "error")
        return redirect(url_for("admin.import_form"))
    if time.time() - path.stat().st_mtime > PENDING_SECONDS:
        path.unlink()
        flash(_("This preview has expired. Upload the file again."), "error")
        return redirect(url_for("admin.import_form"))
    try:
        report = KINDS[kind](path.read_bytes(), actor=current_user)
    finally:
        path.unlink(missing_ok=True)
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

"""The secretariat's Council pages: months and their presidency, meetings, the programme's
import. Recommendations and their credits are in recommendation_views.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import reference
from ..extensions import db
from ..forms import ConfirmForm, confirmed
from ..models import MEETING_KINDS, CouncilMeeting
from ..permissions import admin_required, fresh_admin_required
from ..services import council, importer, programme, recommendations
from ..validation import ValidationError, ascii_digits
from . import bp


def month_or_404(key: str):
    month = council.parse_month(key)
    if month is None:
        abort(404)
    return month


def _choices() -> dict:
    return {
        "countries": reference.country_choices(),
        "items": [(code, reference.council_item_name(code)) for code in reference.council_items()],
        "kinds": MEETING_KINDS,
        "confirm": ConfirmForm(),
    }


@bp.get("/council")
@admin_required
def council_months() -> str:
    """Every month entered, and a form to enter one."""
    return render_template(
        "admin/council_months.html",
        months=council.months(),
        this_month=council.this_month(),
        **_choices(),
    )


@bp.post("/council")
@fresh_admin_required
def save_council_month() -> Response:
    """Create or update a month's presidency and notes."""
    confirmed(True)
    key = ascii_digits(request.form.get("month", ""))  # typed on a Dari keyboard too
    month = council.parse_month(key)
    if month is None:
        flash(_("Write the month as YYYY-MM, between 1946 and 2100."), "error")
        return redirect(url_for("admin.council_months"))
    try:
        council.save_month(
            month, request.form.get("presidency"), request.form.get("notes", ""), current_user
        )
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.council_months"))
    db.session.commit()
    flash(_("The month was saved."), "success")
    return redirect(url_for("admin.council_month", month=month.strftime("%Y-%m")))


@bp.get("/council/<month>")
@admin_required
def council_month(month: str) -> str:
    """A month: its presidency, its meetings, its recommendations (drafts too)."""
    key, month_day = month, month_or_404(month)
    row = council.find_month(month_day)
    return render_template(
        "admin/council_month.html",
        month=month_day,
        key=key,
        row=row,
        meetings=council.month_meetings(row),
        recommendations=recommendations.for_month_admin(row) if row else [],
        **_choices(),
    )


def _meeting_data() -> dict:
    return {name: request.form.get(name, "") for name in ("date", "item", "kind", "title")}


@bp.post("/council/<month>/meetings")
@fresh_admin_required
def add_council_meeting(month: str) -> Response:
    """Add a meeting (its date decides its month)."""
    key = month
    month_or_404(key)
    confirmed(True)
    try:
        meeting = council.add_meeting(_meeting_data(), current_user)
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.council_month", month=key))
    db.session.commit()
    flash(_("The meeting was added."), "success")
    return redirect(url_for("admin.council_month", month=meeting.date.strftime("%Y-%m")))


@bp.route("/council/meetings/<int:meeting_id>", methods=["GET", "POST"])
@admin_required
def edit_council_meeting(meeting_id: int) -> str | Response:
    """Change a meeting's date, item, kind or title."""
    meeting = db.get_or_404(CouncilMeeting, meeting_id)
    if request.method == "POST":
        return _save_meeting(meeting)
    return render_template("admin/council_meeting.html", meeting=meeting, **_choices())


@fresh_admin_required
def _save_meeting(meeting: CouncilMeeting) -> Response:
    confirmed(meeting)
    try:
        council.update_meeting(meeting, _meeting_data(), current_user)
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.edit_council_meeting", meeting_id=meeting.id))
    db.session.commit()
    flash(_("The meeting was changed."), "success")
    return redirect(url_for("admin.council_month", month=meeting.date.strftime("%Y-%m")))


@bp.route("/council/meetings/<int:meeting_id>/delete", methods=["GET", "POST"])
@admin_required
def delete_council_meeting(meeting_id: int) -> str | Response:
    """Ask, then delete a meeting from the programme."""
    meeting = db.get_or_404(CouncilMeeting, meeting_id)
    if request.method == "POST":
        return _delete_meeting(meeting)
    return render_template("admin/council_meeting_delete.html", meeting=meeting, **_choices())


@fresh_admin_required
def _delete_meeting(meeting: CouncilMeeting) -> Response:
    confirmed(meeting)
    key = meeting.date.strftime("%Y-%m")
    council.delete_meeting(meeting, current_user)
    db.session.commit()
    flash(_("The meeting was deleted."), "success")
    return redirect(url_for("admin.council_month", month=key))


@bp.route("/council/import", methods=["GET", "POST"])
@admin_required
def import_programme() -> str | Response:
    """Upload a programme (date,item,kind,title): checked only, or imported."""
    if request.method == "POST":
        return _import_programme()
    return render_template("admin/council_import.html", report=None, confirm=ConfirmForm())


@fresh_admin_required
def _import_programme() -> str:
    confirmed(True)
    upload = request.files.get("file")
    dry_run = request.form.get("dry_run") == "1"
    report, problem = None, None
    if upload is None or not upload.filename:
        problem = _("Choose a CSV file.")
    else:
        try:
            data = upload.read(importer.MAX_BYTES + 1)
            report = programme.import_programme(data, dry_run=dry_run, actor=current_user)
        except importer.ImportFileError as exc:
            db.session.rollback()
            problem = str(exc)
    if problem:
        flash(problem, "error")
    return render_template(
        "admin/council_import.html", report=report, dry_run=dry_run, confirm=ConfirmForm()
    )

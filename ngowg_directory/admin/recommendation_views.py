"""The secretariat's recommendations: Markdown per language with a preview, draft to
published (with a publication date) and back, and the credits of their contributors."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import mail, reference
from ..extensions import db
from ..forms import ConfirmForm, confirmed
from ..models import RECOMMENDATION_LOCALES, Recommendation, RecommendationCredit
from ..models._types import utcnow
from ..permissions import admin_required, fresh_admin_required
from ..services import council, credits, markdown, recommendations
from ..validation import ValidationError
from . import bp
from .council_views import month_or_404


@bp.post("/council/<month>/recommendations")
@fresh_admin_required
def create_recommendation(month: str) -> Response:
    """A draft on one item of the month (the month is made if needed)."""
    key, day = month, month_or_404(month)
    confirmed(True)
    try:
        rec = recommendations.create(
            council.month_for(day), request.form.get("item", ""), current_user
        )
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.council_month", month=key))
    db.session.commit()
    return redirect(url_for("admin.recommendation", recommendation_id=rec.id))


def _texts_from_form() -> dict[str, dict[str, str]]:
    return {
        locale: {
            "title": request.form.get(f"{locale}-title", ""),
            "body": request.form.get(f"{locale}-body", ""),
        }
        for locale in RECOMMENDATION_LOCALES
    }


def _page(rec: Recommendation, texts: dict[str, dict[str, str]], preview: dict | None) -> str:
    return render_template(
        "admin/recommendation.html",
        rec=rec,
        key=rec.month.key,
        texts=texts,
        preview=preview,
        locales=RECOMMENDATION_LOCALES,
        credits=credits.of_recommendation(rec),
        today=utcnow().date().isoformat(),
        item_name=reference.council_item_name(rec.item),
        confirm=ConfirmForm(),
    )


@bp.route("/council/recommendations/<int:recommendation_id>", methods=["GET", "POST"])
@admin_required
def recommendation(recommendation_id: int) -> str | Response:
    """Write the texts (Markdown, one per language), preview them, save them."""
    rec = db.get_or_404(Recommendation, recommendation_id)
    if request.method == "POST":
        return _save(rec)
    texts = {t.locale: {"title": t.title, "body": t.body} for t in rec.texts}
    return _page(rec, texts, None)


@fresh_admin_required
def _save(rec: Recommendation) -> str | Response:
    confirmed(rec)
    texts = _texts_from_form()
    if request.form.get("action") == "preview":
        shown = {loc: markdown.render(t["body"]) for loc, t in texts.items() if t["body"].strip()}
        return _page(rec, texts, shown)
    try:
        recommendations.save_texts(rec, texts, current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _page(rec, texts, None)
    db.session.commit()
    flash(_("The texts were saved."), "success")
    return redirect(url_for("admin.recommendation", recommendation_id=rec.id))


@bp.post("/council/recommendations/<int:recommendation_id>/publish")
@fresh_admin_required
def publish_recommendation(recommendation_id: int) -> Response:
    """Draft to published, as of the date given (today unless said otherwise)."""
    rec = confirmed(db.session.get(Recommendation, recommendation_id))
    try:
        day = council.parse_date(request.form.get("published_on"), "published_on")
        recommendations.publish(rec, day, current_user)
    except (ValidationError, recommendations.RecommendationError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The recommendation is published."), "success")
    return redirect(url_for("admin.recommendation", recommendation_id=recommendation_id))


@bp.post("/council/recommendations/<int:recommendation_id>/unpublish")
@fresh_admin_required
def unpublish_recommendation(recommendation_id: int) -> Response:
    """Back to draft: it leaves the pages, the API and the search at once."""
    rec = confirmed(db.session.get(Recommendation, recommendation_id))
    try:
        recommendations.unpublish(rec, current_user)
    except recommendations.RecommendationError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The recommendation is a draft again."), "success")
    return redirect(url_for("admin.recommendation", recommendation_id=recommendation_id))


@bp.post("/council/recommendations/<int:recommendation_id>/credits")
@fresh_admin_required
def add_credit(recommendation_id: int) -> Response:
    """Offer a credit to a person (e-mail address) or an organisation (short name)."""
    rec = confirmed(db.session.get(Recommendation, recommendation_id))
    try:
        credit = credits.offer(rec, request.form.get("who", ""), current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        for person in credits.answerers(credit):
            mail.notify_waiting(person)
        flash(
            _(
                "The credit was offered: it shows once accepted. Whoever may answer it is told "
                "by e-mail that something waits in the directory (nothing more)."
            ),
            "success",
        )
    return redirect(url_for("admin.recommendation", recommendation_id=recommendation_id))


@bp.post("/council/credits/<int:credit_id>/remove")
@fresh_admin_required
def remove_credit(credit_id: int) -> Response:
    """Take a credit off a recommendation."""
    credit = confirmed(db.session.get(RecommendationCredit, credit_id))
    recommendation_id = credit.recommendation_id
    credits.remove(credit, current_user)
    db.session.commit()
    flash(_("The credit was removed."), "success")
    return redirect(url_for("admin.recommendation", recommendation_id=recommendation_id))

"""The Council's month and one item of its agenda, as JSON: meetings and published
recommendations (nobody's personal data: contributors are not listed here)."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, request, url_for

from .. import i18n
from ..services import council, recommendations, situations
from ..services.council import MeetingView
from ..services.recommendations import RecommendationView
from ..validation import ValidationError
from . import bp
from .auth import api_user
from .views import respond


def _language() -> str:
    """`lang` (en, fr, es, ar) when given, else English; a text missing in it falls back to
    English, and `language` says which each is in."""
    wanted = request.args.get("lang", "en")
    return wanted if i18n.is_supported(wanted) else "en"


def _meeting(m: MeetingView) -> dict[str, Any]:
    return {
        "id": m.id,
        "date": m.date.isoformat(),
        "item": m.item,
        "kind": m.kind,
        "title": m.title,
    }


def _recommendation(r: RecommendationView) -> dict[str, Any]:
    return {
        "id": r.id,
        "month": r.month_key,
        "item": r.item,
        "title": r.title,
        "language": r.locale,
        "html": r.html,
        "published_at": r.published_at.isoformat(),
        "url": url_for("api.council_situation", code=r.item),
    }


@bp.get("/council/<month>")
def council_month(month: str) -> Response:
    """One month: presidency, meetings, published recommendations."""
    day = council.parse_month(month)
    if day is None:
        abort(404, description="There is no such month: use YYYY-MM, between 1946 and 2100.")
    row = council.find_month(day)
    return respond(
        {
            "data": {
                "month": day.strftime("%Y-%m"),
                "presidency": row.presidency if row else None,
                "meetings": [_meeting(m) for m in council.month_meetings(row)],
                "recommendations": [
                    _recommendation(r)
                    for r in recommendations.of_month(api_user(), row, _language())
                ],
            }
        }
    )


@bp.get("/council/situations/<code>")
def council_situation(code: str) -> Response:
    """One item of the agenda: its meetings and its published recommendations by month."""
    try:
        code = council.clean_item(code)
    except ValidationError:
        abort(404, description="There is no such item on the Council's agenda.")
    page = situations.situation_page(api_user(), code, 1, people=False, language=_language())
    return respond(
        {
            "data": {
                "item": code,
                "meetings": [_meeting(m) for m in page.meetings],
                "recommendations": [_recommendation(r) for r in page.recommendations],
            }
        }
    )

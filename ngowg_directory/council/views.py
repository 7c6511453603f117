"""The Council's month, one situation's page, and a person's calendar feed."""

from __future__ import annotations

from flask import Response, abort, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import i18n
from ..extensions import limiter
from ..ratelimits import (
    api_auth_failure_limit_value,
    api_limit_value,
    client_address,
    search_limit,
)
from ..services import calendar, council, recommendations, situations
from ..validation import ValidationError
from . import bp

BAD_MONTH = _l("There is no such month: use the form YYYY-MM, between 1946 and 2100.")


def _month_page(key: str | None) -> str:
    month = council.this_month() if key is None else council.parse_month(key)
    if month is None:
        abort(404, description=str(BAD_MONTH))
    row = council.find_month(month)
    before, after = council.neighbours(month)
    return render_template(
        "council/month.html",
        month=month,
        presidency=row.presidency if row else None,
        notes=row.notes if row else "",
        meetings=council.month_meetings(row),
        recommendations=recommendations.of_month(current_user, row),
        before=before,
        after=after,
    )


@bp.get("/council")
def this_month() -> str:
    """The Council's programme this month, and the Working Group's recommendations on it."""
    return _month_page(None)


@bp.get("/council/<month>")
def month(month: str) -> str:
    """One month of the programme (YYYY-MM); any other value is a clear 404."""
    return _month_page(month)


@bp.get("/council/situations/<code>")
@search_limit
def situation(code: str) -> str:
    """An item's meetings, its recommendations by month, and who works on it (one search of
    her budget: the page lists people, as the directory does)."""
    try:
        code = council.clean_item(code)
    except ValidationError:
        abort(404, description=_("There is no such item on the Council's agenda."))
    page = request.args.get("page", "1")
    number = int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 1
    return render_template(
        "council/situation.html", page=situations.situation_page(current_user, code, number)
    )


def _identify_key(endpoint: str | None, values: dict | None) -> None:
    """Before the limits: whose key the feed was asked with (None for no working key)."""
    if endpoint == "council.calendar_feed":
        g.calendar_user = calendar.authenticate(request.args.get("key"))


bp.url_value_preprocessor(_identify_key)


def _calendar_user_key() -> str:
    return f"calendar:{g.calendar_user.id}"


@bp.get("/council.ics")
@limiter.limit(
    api_limit_value,
    key_func=_calendar_user_key,
    exempt_when=lambda: g.get("calendar_user") is None,
)
@limiter.limit(
    api_auth_failure_limit_value,
    key_func=client_address,
    exempt_when=lambda: g.get("calendar_user") is not None,
)
def calendar_feed() -> Response:
    """The meetings as an iCalendar feed, for the key's owner; any key that does not work
    (mistyped, revoked, its account suspended or deleted) is a 404 that names nobody."""
    user = g.get("calendar_user")
    if user is None:
        abort(404)
    language = next((x for x in (user.locale, user.last_locale) if i18n.is_supported(x)), "en")
    with i18n.speaking(language):
        body = calendar.ics(
            council.feed_meetings(calendar.feed_start()),
            request.host.split(":")[0] or "ngowg",
            _("Security Council meetings"),
        )
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, max-age=900"
    response.headers["Content-Disposition"] = 'inline; filename="council.ics"'
    return response

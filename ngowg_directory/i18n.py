"""Languages: which one a page speaks, the switch between them, dates and numbers."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers
from flask import Flask, g, has_request_context, request
from flask_babel import get_locale, refresh
from flask_login import current_user

# The directory speaks these; English is the source language.
LANGUAGES = ("en", "fr", "es", "ar")
# Each language named in itself, as the switch offers it.
LANGUAGE_AUTONYMS = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
COOKIE_NAME = "ngowg_locale"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60
INVITATION_LOCALE = "ngowg_invitation_locale"  # the attribute of flask.g


def is_supported(code: str | None) -> bool:
    """True for one of the four languages, spelled exactly."""
    return code in LANGUAGES


def select_locale() -> str:
    """The saved setting of a signed-in person, else the cookie, else Accept-Language.

    The page that accepts an invitation speaks the cookie (she used the switch there), else
    the language the invitation was written in (`use_invitation_language`), else as any page."""
    if not has_request_context():
        return "en"
    # The JSON API speaks English whatever the client: tools read its messages.
    if request.path.startswith("/api/"):
        return "en"
    cookie = request.cookies.get(COOKIE_NAME)
    invitation = g.get(INVITATION_LOCALE)
    if is_supported(invitation):
        return str(cookie) if is_supported(cookie) else str(invitation)
    if current_user.is_authenticated and is_supported(current_user.locale):
        return str(current_user.locale)
    if is_supported(cookie):
        return str(cookie)
    return request.accept_languages.best_match(LANGUAGES) or "en"


def use_invitation_language(code: str | None) -> None:
    """This request shows an invitation written in `code` (None: older ones, in none)."""
    if is_supported(code):
        setattr(g, INVITATION_LOCALE, code)
        refresh()  # a message read before the view (a flash) may have fixed the language


def current_language() -> str:
    """The page's language code (en, fr, es or ar)."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def text_direction(language: str | None = None) -> str:
    """rtl for Arabic, ltr otherwise."""
    return "rtl" if (language or current_language()) in RTL_LANGUAGES else "ltr"


def sort_key(label: object) -> str:
    """A sort key that ignores case and accents, so Égypte sorts among the E's."""
    decomposed = unicodedata.normalize("NFKD", str(label))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def sorted_by_label(
    values: Iterable[str], label_for: Callable[[str], Any]
) -> list[tuple[str, str]]:
    """(value, localised label) pairs sorted by the label."""
    pairs = [(value, str(label_for(value))) for value in values]
    return sorted(pairs, key=lambda pair: sort_key(pair[1]))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def format_day(value: date | datetime | None) -> str:
    """A date in the page's language (27 nov. 2026), Latin digits."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _aware(value).astimezone(UTC).date()
    return babel_dates.format_date(value, "medium", locale=get_locale() or "en")


def format_month(value: date | None) -> str:
    """A month and its year in the page's language (December 2026, décembre 2026)."""
    if value is None:
        return ""
    return babel_dates.format_skeleton("yMMMM", value, locale=get_locale() or "en")


def format_moment(value: datetime | None, seconds: bool = False) -> str:
    """A date and a time of day (UTC) in the page's language: the medium date and the short
    time (the medium one with seconds), joined as the language joins them (CLDR)."""
    if value is None:
        return ""
    locale = get_locale() or babel_dates.Locale("en")
    value = _aware(value).astimezone(UTC)
    if seconds:
        return babel_dates.format_datetime(value, "medium", tzinfo=UTC, locale=locale)
    return babel_dates.format_datetime(
        value, _moment_pattern(str(locale)), tzinfo=UTC, locale=locale
    )


@lru_cache(maxsize=16)
def _moment_pattern(locale: str) -> str:
    # CLDR has no "medium date, short time" format, and its skeletons cannot give one either:
    # Babel's format_skeleton reads one skeleton table of dates or times (no "yMMMd" + "jm"),
    # and Arabic has no skeleton for its medium date (dd/MM/y). So the medium date and short
    # time patterns go into the medium date-time pattern, as Babel does for a named format.
    glue = babel_dates.get_datetime_format("medium", locale=locale)
    day = babel_dates.get_date_format("medium", locale=locale).pattern
    time = babel_dates.get_time_format("short", locale=locale).pattern
    return str(glue).format(time, day)


def format_count(value: int | float | None) -> str:
    """A count with the page language's grouping (1,234 or 1 234)."""
    locale = get_locale()
    return _format_count(str(locale or "en"), value or 0)


@lru_cache(maxsize=8192)
def _format_count(locale: str, value: int | float) -> str:
    # Babel parses the locale's number pattern on every call; a search page shows hundreds of
    # counts, most of them small and repeated.
    return babel_numbers.format_decimal(value, locale=locale)


def format_listing(values: Iterable[object]) -> str:
    """Items joined as the page's language joins a list ("a, b" / "a، b")."""
    items = [str(value) for value in values]
    if not items:
        return ""
    return babel_lists.format_list(items, style="standard", locale=get_locale() or "en")


def template_helpers() -> dict[str, Any]:
    """Values every template gets."""
    language = current_language() if has_request_context() else "en"
    next_target = ""
    if has_request_context():
        next_target = request.full_path if request.query_string else request.path
    return {
        "current_locale": language,
        "text_direction": text_direction(language),
        "language_autonyms": LANGUAGE_AUTONYMS,
        "language_next": next_target,
    }


def init_app(app: Flask) -> None:
    """Register the locale selector's helpers: template filters and context."""
    app.context_processor(template_helpers)
    app.jinja_env.filters.update(
        day=format_day, moment=format_moment, count=format_count, listing=format_listing
    )
    app.jinja_env.globals.update(sorted_by_label=sorted_by_label)

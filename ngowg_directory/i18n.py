"""Languages: which one a page speaks, the switch between them, dates and numbers."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers
from flask import Flask, g, has_app_context, has_request_context, request
from flask_babel import Domain, force_locale, get_locale, refresh
from flask_login import current_user
from jinja2 import pass_context

from . import solar

# The directory speaks these; English is the source language. These codes are the site's: the
# cookie, a person's saved choice, `?lang=`, `--language` and the invitations' language.
LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh", "fa", "ps", "uk")
# The Babel locale (and catalogue folder) of a code where the two differ: Simplified Chinese,
# and Dari, which Babel (CLDR) knows as Persian of Afghanistan (it has no `prs`).
BABEL_LOCALES = {"zh": "zh_Hans", "fa": "fa_AF"}
# The BCP 47 tag of a code where it says more than the code (the pages' `lang`).
LANGUAGE_TAGS = {"zh": "zh-Hans", "fa": "fa-AF"}
# Each language named in itself, as the switch offers it.
LANGUAGE_AUTONYMS = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "ar": "العربية",
    "ru": "Русский",
    "zh": "中文（简体）",
    "fa": "دری",
    "ps": "پښتو",
    "uk": "Українська",
}
RTL_LANGUAGES = frozenset({"ar", "fa", "ps", "he", "ur"})
# Dari and Pashto write numbers in Persian digits (CLDR's default numbering system for fa_AF
# and ps, "arabext", as Afghan print does); Babel formats with Latin digits, so they are
# changed after. Arabic keeps Latin digits (CLDR's default for `ar`).
PERSIAN_DIGIT_LANGUAGES = frozenset({"fa", "ps"})
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# The comma between the items of a list the pages print one by one (format_listing joins
# whole lists, with "and"): the Arabic comma in Arabic script, the enumeration comma in Chinese.
LIST_SEPARATORS = {"ar": "، ", "fa": "، ", "ps": "، ", "zh": "、"}
COOKIE_NAME = "ngowg_locale"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60
INVITATION_LOCALE = "ngowg_invitation_locale"  # the attribute of flask.g


def is_supported(code: str | None) -> bool:
    """True for one of the site's language codes, spelled exactly."""
    return code in LANGUAGES


def babel_locale(code: str) -> str:
    """The Babel locale of a site language code (zh -> zh_Hans, fa -> fa_AF)."""
    return BABEL_LOCALES.get(code, code)


# The same languages as Babel names them (what _format_count is keyed by).
_PERSIAN_DIGIT_LOCALES = frozenset(babel_locale(code) for code in PERSIAN_DIGIT_LANGUAGES)


def speaking(code: str | None) -> AbstractContextManager[None]:
    """Render in a site language (an e-mail, a calendar): Flask-Babel's force_locale with its
    Babel locale; English for None or a code the site does not speak."""
    return force_locale(babel_locale(str(code)) if is_supported(code) else "en")


def language_tag(code: str) -> str:
    """The BCP 47 tag of a site language code, for `lang` attributes (zh-Hans, fa-AF)."""
    return LANGUAGE_TAGS.get(code, code)


# Accept-Language tags that name a language by another code: Dari's ISO 639-3 code, and the
# macrolanguage and other ISO 639-3 codes of Persian and Pashto.
_ALIASES = {
    "prs": "fa",
    "pes": "fa",
    "per": "fa",
    "fas": "fa",
    "pus": "ps",
    "pbt": "ps",
    "pbu": "ps",
    "pst": "ps",
    "ukr": "uk",
    "rus": "ru",
    "chi": "zh",
    "zho": "zh",
    "cmn": "zh",
    "ara": "ar",
    "arb": "ar",
    "fra": "fr",
    "fre": "fr",
    "spa": "es",
    "eng": "en",
}
# Chinese in Traditional characters (by script, or by the regions that write it): not served
# Simplified, which would be a different written language to its reader.
_TRADITIONAL = frozenset({"hant", "tw", "hk", "mo"})


def match_language(tag: str) -> str | None:
    """The site language for one Accept-Language tag, or None (not one the site speaks).

    The primary subtag decides (fr-CA is French, ar-EG Arabic, fa-IR and prs-AF Dari), except
    that Chinese must not be written in Traditional characters (zh-Hant, zh-TW, zh-HK, zh-MO;
    zh-Hant-CN too, by its script); a script that says Simplified wins over a region."""
    parts = tag.strip().lower().replace("_", "-").split("-")
    code = _ALIASES.get(parts[0], parts[0])
    if code not in LANGUAGES:
        return None
    if code == "zh":
        subtags = set(parts[1:])
        if "hans" not in subtags and subtags & _TRADITIONAL:
            return None
    return code


def best_language(accept: Iterable[tuple[str, float]]) -> str | None:
    """The first site language of an Accept-Language header's (tag, quality) pairs, best
    quality first, in the header's order among equals (as werkzeug gives them); q=0 excluded."""
    for tag, quality in accept:
        if quality <= 0 or tag == "*":
            continue
        code = match_language(tag)
        if code is not None:
            return code
    return None


def select_locale() -> str:
    """The page's Babel locale: the saved setting of a signed-in person, else the cookie,
    else Accept-Language.

    The page that accepts an invitation speaks the cookie (she used the switch there), else
    the language the invitation was written in (`use_invitation_language`), else as any page."""
    if not has_request_context():
        return "en"
    # The JSON API speaks English whatever the client: tools read its messages.
    if request.path.startswith("/api/"):
        return "en"
    return babel_locale(select_language())


def select_language() -> str:
    """The site language code select_locale speaks (see there)."""
    cookie = request.cookies.get(COOKIE_NAME)
    invitation = g.get(INVITATION_LOCALE)
    if is_supported(invitation):
        return str(cookie) if is_supported(cookie) else str(invitation)
    if current_user.is_authenticated and is_supported(current_user.locale):
        return str(current_user.locale)
    if is_supported(cookie):
        return str(cookie)
    return best_language(request.accept_languages) or "en"


def use_invitation_language(code: str | None) -> None:
    """This request shows an invitation written in `code` (None: older ones, in none)."""
    if is_supported(code):
        setattr(g, INVITATION_LOCALE, code)
        refresh()  # a message read before the view (a flash) may have fixed the language


def current_language() -> str:
    """The page's language code (one of LANGUAGES: zh for zh_Hans, fa for fa_AF)."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def text_direction(language: str | None = None) -> str:
    """rtl for Arabic, Dari and Pashto, ltr otherwise."""
    return "rtl" if (language or current_language()) in RTL_LANGUAGES else "ltr"


def _solar_language() -> str | None:
    """The page's language when it writes days in the Solar Hijri calendar (Dari, Pashto);
    None otherwise, and outside the app (no locale to ask)."""
    language = current_language() if has_app_context() else "en"
    return language if language in solar.LANGUAGES else None


def local_digits(text: str, language: str | None = None) -> str:
    """Text whose Latin digits are written as the language writes them (Persian digits for
    Dari and Pashto; unchanged otherwise). Only for what the app formats: never a person's
    phone number or anything she typed."""
    if (language or current_language()) in PERSIAN_DIGIT_LANGUAGES:
        return text.translate(_PERSIAN_DIGITS)
    return text


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
    """A date in the page's language (27 nov. 2026); in the Solar Hijri calendar, with
    Persian digits, for Dari and Pashto (۶ قوس ۱۴۰۵)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _aware(value).astimezone(UTC).date()
    if language := _solar_language():
        return local_digits(solar.format_day(value, language), language)
    return babel_dates.format_date(value, "medium", locale=get_locale() or "en")


def format_month(value: date | None) -> str:
    """A month and its year in the page's language (December 2026, décembre 2026). The
    Council's months are the Gregorian ones: in Dari and Pashto the month is named as Babel
    names it there, then the Solar Hijri months it spans (دسمبر ۲۰۲۶ (قوس – جدی ۱۴۰۵))."""
    if value is None:
        return ""
    locale = get_locale() or "en"
    text = babel_dates.format_skeleton("yMMMM", value, locale=locale)
    if language := _solar_language():
        text = f"{text} ({solar.month_span(value, language)})"
        return local_digits(text, language)
    return text


def format_moment(value: datetime | None, seconds: bool = False) -> str:
    """A date and a time of day (UTC) in the page's language: the medium date and the short
    time (the medium one with seconds), joined as the language joins them (CLDR); the date in
    the Solar Hijri calendar for Dari and Pashto."""
    if value is None:
        return ""
    locale = get_locale() or babel_dates.Locale("en")
    value = _aware(value).astimezone(UTC)
    if language := _solar_language():
        width = "medium" if seconds else "short"
        time = babel_dates.format_time(value, width, tzinfo=UTC, locale=locale)
        glue = str(babel_dates.get_datetime_format("medium", locale=locale))
        text = glue.format(time, solar.format_day(value.date(), language))
        return local_digits(text, language)
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


def current_locale_name() -> str:
    """The page's locale as Babel names it (en, fr, es, ar, ru, zh_Hans, fa_AF, ps, uk)."""
    return str(get_locale() or "en")


def format_count(value: int | float | None) -> str:
    """A count with the page language's grouping and digits (1,234; 1 234; ۱٬۲۳۴)."""
    return _format_count(current_locale_name(), value or 0)


@lru_cache(maxsize=8192)
def _format_count(locale: str, value: int | float) -> str:
    # Babel parses the locale's number pattern on every call; a search page shows hundreds of
    # counts, most of them small and repeated.
    if locale in _PERSIAN_DIGIT_LOCALES:
        # CLDR's own numbering system there: Persian digits and separators (۱٬۲۳۴٫۵).
        text = babel_numbers.format_decimal(value, locale=locale, numbering_system="default")
        return text.translate(_PERSIAN_DIGITS)
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
        "current_language_tag": language_tag(language),
        "language_tag": language_tag,
        "direction_of": text_direction,
        "list_separator": LIST_SEPARATORS.get(language, ", "),
        "text_direction": text_direction(language),
        "language_autonyms": LANGUAGE_AUTONYMS,
        "language_next": next_target,
    }


def _local_value(value: Any, language: str) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return local_digits(str(value), language)
    return value


def _local_variables(variables: dict[str, Any]) -> dict[str, Any]:
    """A message's numbers (int or float values) in the page's digits; text left as it is
    (a name, an address, an already formatted count)."""
    if not has_app_context():
        return variables
    language = current_language()
    if language not in PERSIAN_DIGIT_LANGUAGES:
        return variables
    return {name: _local_value(value, language) for name, value in variables.items()}


class LocalDigitsDomain(Domain):
    """Flask-Babel's domain, with each message's numbers in the page's digits (the `num` of
    ngettext too, which still chooses the plural form as a number)."""

    def gettext(self, string: str, /, **variables: Any) -> str:
        return str(super().gettext(string, **_local_variables(variables)))

    def ngettext(self, singular: str, plural: str, num: int, /, **variables: Any) -> str:
        # As Domain.ngettext, which formats with `num` unless a `num` variable is given.
        variables.setdefault("num", num)
        text = self.get_translations().ungettext(singular, plural, num)
        return str(text % _local_variables(variables))


def _local_digit_templates(app: Flask) -> None:
    """The templates' gettext and ngettext (Jinja's i18n extension, installed by Flask-Babel,
    formats their variables itself): the same numbers in the page's digits."""
    gettext, ngettext = app.jinja_env.globals["gettext"], app.jinja_env.globals["ngettext"]

    # Positional-only, as Jinja's own (`__num`): a template may pass num=… as a variable.
    @pass_context
    def local_gettext(context: Any, string: str, /, **variables: Any) -> str:
        return gettext(context, string, **_local_variables(variables))  # type: ignore[operator]

    @pass_context
    def local_ngettext(
        context: Any, singular: str, plural: str, number: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", number)
        return ngettext(  # type: ignore[operator]
            context, singular, plural, number, **_local_variables(variables)
        )

    app.jinja_env.globals.update(gettext=local_gettext, ngettext=local_ngettext)


def init_app(app: Flask) -> None:
    """Register the locale selector's helpers: template filters and context, and the
    messages' digits in Dari and Pashto."""
    configuration = app.extensions["babel"]
    configuration.instance.domain_instance = LocalDigitsDomain(domain=configuration.default_domain)
    _local_digit_templates(app)
    app.context_processor(template_helpers)
    app.jinja_env.filters.update(
        day=format_day,
        moment=format_moment,
        count=format_count,
        listing=format_listing,
        digits=lambda value: local_digits(str(value)),
    )

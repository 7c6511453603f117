"""Reference data: countries, Security Council agenda situations, themes, languages."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pycountry
from babel import Locale
from flask_babel import get_locale

from .i18n import sorted_by_label

ENGLISH = Locale("en")


@dataclass(frozen=True)
class Theme:
    slug: str
    name: str
    kind: str  # "pillar" or "topic"


def _rows(name: str) -> list[dict[str, str]]:
    with resources.files("ngowg_directory.data").joinpath(name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def themes() -> dict[str, Theme]:
    """The four pillars of SCR 1325 and common WPS topics, by slug, in file order."""
    return {
        row["slug"]: Theme(row["slug"], row["name"], row["kind"]) for row in _rows("wps_themes.csv")
    }


@cache
def situations() -> dict[str, str]:
    """Country situations on the Security Council's agenda: ISO alpha-2 code to label."""
    return {row["iso2"]: row["situation"] for row in _rows("security_council_agenda.csv")}


@cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code."""
    return frozenset(country.alpha_2 for country in pycountry.countries)


@cache
def language_codes() -> frozenset[str]:
    """Every ISO 639-1 code."""
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


def _locale() -> Locale:
    try:
        locale = get_locale()
    except RuntimeError:  # outside a request or app context
        return ENGLISH
    if isinstance(locale, Locale):
        return locale
    try:
        return Locale.parse(str(locale or "en"))
    except (ValueError, TypeError):
        return ENGLISH


# Translated labels by (language, key): the catalogues do not change while a process runs, and
# a search page asks for the same few dozen labels hundreds of times.
_LABELS: dict[tuple[str, str, str], str] = {}


def _translated(kind: str, key: str, lazy: object) -> str:
    cache_key = (_locale().language, kind, key)
    label = _LABELS.get(cache_key)
    if label is None:
        label = _LABELS[cache_key] = str(lazy)
    return label


def _name(code: str | None, locale: Locale | None, names: str, registry) -> str:
    """A code's name from the locale's table `names` (Babel's CLDR data), else pycountry's
    English name from `registry`, else the code itself ("" for no code)."""
    if not code:
        return ""
    locale = locale or _locale()
    name = getattr(locale, names).get(code)
    if name:
        return name
    entry = registry.get(alpha_2=code)
    return entry.name if entry else code


def country_name(code: str | None, locale: Locale | None = None) -> str:
    """A country's name in the page's language (ISO code when unknown)."""
    return _name(code, locale, "territories", pycountry.countries)


def situation_name(code: str) -> str:
    """The agenda item's label: the Council's own wording in English, else the country's
    localised name, or the item's own translation when it is not a country's name."""
    from .labels import SITUATION_LABELS

    if code in SITUATION_LABELS:
        return _translated("situation", code, SITUATION_LABELS[code])
    label = situations().get(code, code)
    if _locale().language == "en":
        return label
    return country_name(code)


def theme_name(slug: str) -> str:
    """A theme's name in the page's language (the slug when unknown)."""
    from .labels import THEME_NAMES

    if slug in THEME_NAMES:
        return _translated("theme", slug, THEME_NAMES[slug])
    theme = themes().get(slug)
    return theme.name if theme else slug


def language_name(code: str | None, locale: Locale | None = None) -> str:
    """A language's name in the page's language."""
    return _name(code, locale, "languages", pycountry.languages)


def country_choices() -> list[tuple[str, str]]:
    """(code, localised name) for every country, sorted by the localised name."""
    locale = _locale()
    return sorted_by_label(country_codes(), lambda code: country_name(code, locale))


def language_choices() -> list[tuple[str, str]]:
    """(code, localised name) for every ISO 639-1 language, sorted by the localised name."""
    locale = _locale()
    return sorted_by_label(language_codes(), lambda code: language_name(code, locale))


def theme_choices() -> list[tuple[str, str]]:
    """(slug, localised name) for every theme, pillars first."""
    return [(slug, theme_name(slug)) for slug in themes()]


def situation_choices() -> list[tuple[str, str]]:
    """(code, localised name) for every Security Council agenda situation."""
    return sorted_by_label(situations(), situation_name)


@cache
def all_country_names(code: str) -> list[str]:
    """The country's name in each of the UN languages the directory speaks (for search)."""
    return sorted({country_name(code, Locale(lang)) for lang in ("en", "fr", "es", "ar")})

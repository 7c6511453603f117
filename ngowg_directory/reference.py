"""Reference data: countries, Security Council agenda situations, themes, languages."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import pycountry
from babel import Locale
from babel.support import NullTranslations, Translations
from flask_babel import get_locale

from .i18n import LANGUAGES, babel_locale, sorted_by_label

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
    """A country's name in the page's language: the UN's (UN_COUNTRY_NAMES) where it differs
    from CLDR's, else CLDR's (ISO code when unknown)."""
    if code:
        un_name = UN_COUNTRY_NAMES.get(code, {}).get((locale or _locale()).language)
        if un_name:
            return un_name
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


def council_items() -> tuple[str, ...]:
    """Every item a Council meeting or recommendation may be on: the agenda's country
    situations (ISO alpha-2), then the thematic items (slugs, labels.COUNCIL_THEMATIC_ITEMS)."""
    from .labels import COUNCIL_THEMATIC_ITEMS

    return (*situations(), *COUNCIL_THEMATIC_ITEMS)


def council_item_name(code: str) -> str:
    """A Council item's name in the page's language: a situation's, or a thematic item's."""
    from .labels import COUNCIL_THEMATIC_ITEMS

    if code in COUNCIL_THEMATIC_ITEMS:
        return _translated("council-item", code, COUNCIL_THEMATIC_ITEMS[code])
    return situation_name(code)


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


# The languages most members work in, offered first on the profile form: the UN's six, then
# those spoken where the Security Council's agenda situations are (ISO 639-1 has one code for
# Persian, Dari included). Every other language stays one tick away, under "Other languages".
COMMON_LANGUAGES = frozenset(
    {"ar", "en", "fr", "es", "ru", "zh", "pt", "sw", "fa", "ps", "uk", "so", "ti", "am", "ku"}
    | {"my", "ht", "ha", "ln"}
)


def theme_choices() -> list[tuple[str, str]]:
    """(slug, localised name) for every theme, pillars first."""
    return [(slug, theme_name(slug)) for slug in themes()]


def situation_choices() -> list[tuple[str, str]]:
    """(code, localised name) for every Security Council agenda situation."""
    return sorted_by_label(situations(), situation_name)


@cache
def all_country_names(code: str) -> list[str]:
    """The country's names in each language the directory speaks, the UN's and CLDR's (for
    search: "Democratic Republic of the Congo" and "Congo - Kinshasa" both find CD)."""
    locales = [Locale.parse(babel_locale(lang)) for lang in LANGUAGES]
    names = {country_name(code, locale) for locale in locales}
    names.update(name for locale in locales if (name := locale.territories.get(code)))
    return sorted(names)


# --- names as the UN writes them, and every name of a theme or an agenda item ---------------

# Country names as the United Nations writes them (UNTERM's short names, as in the list of
# Member States) in the languages where CLDR's differ, among them Russian and Chinese (zh: the
# Simplified names); country_name prefers them, and every other language and every country not
# here keeps CLDR's. Ukrainian, Dari and Pashto are not the UN's languages: for the few
# countries whose CLDR name is not the one the UN recognises (Congo - Kinshasa, Palestinian
# Territories, North Korea, Myanmar (Burma)), the UN's name written in them. Data, not
# messages: no msgid.
# Left to CLDR on purpose: GB and US, whose UNTERM short names are the full ones ("United
# Kingdom of Great Britain and Northern Ireland", "United States of America"), while the UN
# writes "United Kingdom" and "United States" in running text, as CLDR does; North Macedonia,
# Türkiye (en), Eswatini (en, fr, ar), Czechia (en, fr, es), where CLDR already agrees; and
# the names we are not sure of (Netherlands, Gambia; Micronesia in Arabic).
UN_COUNTRY_NAMES: dict[str, dict[str, str]] = {
    "AG": {"en": "Antigua and Barbuda"},
    "BA": {"en": "Bosnia and Herzegovina"},
    "BN": {
        "en": "Brunei Darussalam",
        "fr": "Brunéi Darussalam",
        "es": "Brunei Darussalam",
        "ar": "بروني دار السلام",
        "ru": "Бруней-Даруссалам",
        "zh": "文莱达鲁萨兰国",
    },
    "BO": {
        "en": "Bolivia (Plurinational State of)",
        "fr": "Bolivie (État plurinational de)",
        "es": "Bolivia (Estado Plurinacional de)",
        "ar": "بوليفيا (دولة - المتعددة القوميات)",
        "ru": "Боливия (Многонациональное Государство)",
        "zh": "多民族玻利维亚国",
    },
    "BY": {"fr": "Bélarus", "es": "Belarús"},
    "CD": {
        "en": "Democratic Republic of the Congo",
        "fr": "République démocratique du Congo",
        "es": "República Democrática del Congo",
        "ar": "جمهورية الكونغو الديمقراطية",
        "ru": "Демократическая Республика Конго",
        "zh": "刚果民主共和国",
        "uk": "Демократична Республіка Конго",
        "fa": "جمهوری دموکراتیک کنگو",
        "ps": "د کانګو دیموکراتیک جمهوریت",
    },
    "CG": {
        "en": "Congo",
        "fr": "Congo",
        "es": "Congo",
        "ar": "الكونغو",
        "ru": "Конго",
        "zh": "刚果",
        "uk": "Конго",
        "fa": "کنگو",
        "ps": "کانګو",
    },
    "CI": {"ar": "كوت ديفوار"},
    "CV": {"en": "Cabo Verde", "fr": "Cabo Verde", "ar": "كابو فيردي"},
    "CZ": {"ar": "تشيكيا"},
    "DJ": {"es": "Djibouti"},
    "FM": {
        "en": "Micronesia (Federated States of)",
        "fr": "Micronésie (États fédérés de)",
        "es": "Micronesia (Estados Federados de)",
    },
    "GW": {"es": "Guinea-Bissau"},
    "IQ": {"fr": "Iraq", "es": "Iraq"},
    "IR": {
        "en": "Iran (Islamic Republic of)",
        "fr": "Iran (République islamique d’)",
        "es": "Irán (República Islámica del)",
        "ar": "إيران (جمهورية - الإسلامية)",
        "ru": "Иран (Исламская Республика)",
        "zh": "伊朗（伊斯兰共和国）",
    },
    "KE": {"es": "Kenya"},
    "KG": {"fr": "Kirghizistan"},
    "KN": {"en": "Saint Kitts and Nevis"},
    "KP": {
        "en": "Democratic People’s Republic of Korea",
        "fr": "République populaire démocratique de Corée",
        "es": "República Popular Democrática de Corea",
        "ar": "جمهورية كوريا الشعبية الديمقراطية",
        "ru": "Корейская Народно-Демократическая Республика",
        "zh": "朝鲜民主主义人民共和国",
        "uk": "Корейська Народно-Демократична Республіка",
        "fa": "جمهوری دموکراتیک خلق کوریا",
        "ps": "د کوریا دیموکراتیک خلک جمهوریت",
    },
    "KR": {
        "en": "Republic of Korea",
        "fr": "République de Corée",
        "es": "República de Corea",
        "ar": "جمهورية كوريا",
        "ru": "Республика Корея",
        "zh": "大韩民国",
        "uk": "Республіка Корея",
        "fa": "جمهوری کوریا",
        "ps": "د کوریا جمهوریت",
    },
    "LA": {
        "en": "Lao People’s Democratic Republic",
        "fr": "République démocratique populaire lao",
        "es": "República Democrática Popular Lao",
        "ar": "جمهورية لاو الديمقراطية الشعبية",
        "ru": "Лаосская Народно-Демократическая Республика",
        "zh": "老挝人民民主共和国",
    },
    "LC": {"en": "Saint Lucia"},
    "MD": {
        "en": "Republic of Moldova",
        "fr": "République de Moldova",
        "es": "República de Moldova",
        "ar": "جمهورية مولدوفا",
        "ru": "Республика Молдова",
        "zh": "摩尔多瓦共和国",
    },
    "MM": {
        "en": "Myanmar",
        "fr": "Myanmar",
        "es": "Myanmar",
        "ar": "ميانمار",
        "ru": "Мьянма",
        "zh": "缅甸",
        "uk": "М’янма",
        "fa": "میانمار",
        "ps": "میانمار",
    },
    "PS": {
        "en": "State of Palestine",
        "fr": "État de Palestine",
        "es": "Estado de Palestina",
        "ar": "دولة فلسطين",
        "ru": "Государство Палестина",
        "zh": "巴勒斯坦国",
        "uk": "Держава Палестина",
        "fa": "دولت فلسطین",
        "ps": "د فلسطین دولت",
    },
    "QA": {"es": "Qatar"},
    "RU": {
        "en": "Russian Federation",
        "fr": "Fédération de Russie",
        "es": "Federación de Rusia",
        "ar": "الاتحاد الروسي",
        "ru": "Российская Федерация",
        "zh": "俄罗斯联邦",
    },
    "SA": {"es": "Arabia Saudita"},
    "ST": {"en": "Sao Tome and Principe"},
    "SY": {
        "en": "Syrian Arab Republic",
        "fr": "République arabe syrienne",
        "es": "República Árabe Siria",
        "ar": "الجمهورية العربية السورية",
        "ru": "Сирийская Арабская Республика",
        "zh": "阿拉伯叙利亚共和国",
    },
    "SZ": {"es": "Eswatini"},
    "TL": {"fr": "Timor-Leste"},
    "TR": {"fr": "Türkiye", "es": "Türkiye"},
    "TT": {"en": "Trinidad and Tobago"},
    "TZ": {
        "en": "United Republic of Tanzania",
        "fr": "République-Unie de Tanzanie",
        "es": "República Unida de Tanzanía",
        "ar": "جمهورية تنزانيا المتحدة",
        "ru": "Объединенная Республика Танзания",
        "zh": "坦桑尼亚联合共和国",
    },
    "VA": {
        "en": "Holy See",
        "fr": "Saint-Siège",
        "es": "Santa Sede",
        "ar": "الكرسي الرسولي",
        "ru": "Святейший Престол",
        "zh": "教廷",
    },
    "VC": {"en": "Saint Vincent and the Grenadines"},
    "VE": {
        "en": "Venezuela (Bolivarian Republic of)",
        "fr": "Venezuela (République bolivarienne du)",
        "es": "Venezuela (República Bolivariana de)",
        "ar": "فنزويلا (جمهورية - البوليفارية)",
        "ru": "Венесуэла (Боливарианская Республика)",
        "zh": "委内瑞拉（玻利瓦尔共和国）",
    },
    "VN": {
        "en": "Viet Nam",
        "fr": "Viet Nam",
        "es": "Viet Nam",
        "ar": "فييت نام",
        "ru": "Вьетнам",
        "zh": "越南",
    },
}

TRANSLATIONS = Path(__file__).with_name("translations")


@cache
def _catalogue(language: str) -> NullTranslations:
    """The compiled catalogue of a language, as Flask-Babel reads it (none for English)."""
    return Translations.load(str(TRANSLATIONS), [language])


def _in_every_language(english: str) -> list[str]:
    """A message in English and in each catalogue's translation, each name once."""
    names = [english] + [
        _catalogue(babel_locale(lang)).gettext(english) for lang in LANGUAGES if lang != "en"
    ]
    return list(dict.fromkeys(name for name in names if name))


def theme_names_all(slug: str) -> list[str]:
    """A theme's name in English and in each language the directory speaks (for search);
    empty for an unknown slug."""
    theme = themes().get(slug)
    return _in_every_language(theme.name) if theme else []


def situation_names_all(code: str) -> list[str]:
    """An agenda item's name in English (the Council's wording) and in each language the
    directory speaks, as situation_name gives them; empty for an unknown code."""
    label = situations().get(code)
    if label is None:
        return []
    from .labels import SITUATION_LABELS

    if code in SITUATION_LABELS:
        return _in_every_language(label)
    names = [label] + [
        country_name(code, Locale.parse(babel_locale(lang))) for lang in LANGUAGES if lang != "en"
    ]
    return list(dict.fromkeys(names))


@cache
def resolutions() -> tuple[str, ...]:
    """The numbers of the Security Council's ten resolutions on Women, Peace and Security."""
    return tuple(row["number"] for row in _rows("wps_resolutions.csv"))


# The WPS theme (wps_themes.csv) whose people a thematic item's page lists: the closest one.
# "wps" is every theme (the directory itself) and "children-armed-conflict" none of them.
THEMATIC_THEMES = {
    "protection-of-civilians": "protection",
    "peace-security": "prevention",
    "peacekeeping": "peacekeeping-sea",
    "peacebuilding": "relief-recovery",
    "terrorism": "violent-extremism",
    "small-arms": "disarmament",
}


# The regions the Working Group's annual report groups the Council's country situations by;
# a thematic item (a WPS theme) has none ("thematic").
SITUATION_REGIONS = {
    "africa": ("BI", "CF", "CD", "GW", "ML", "SO", "SS", "SD"),
    "americas": ("CO", "HT"),
    "asia_pacific": ("AF", "MM"),
    "europe": ("BA", "CY", "UA"),
    "mena": ("IQ", "LB", "LY", "PS", "SY", "EH", "YE"),
}
REGION_OF = {code: region for region, codes in SITUATION_REGIONS.items() for code in codes}


def situation_region(item: str) -> str:
    """The region of an agenda item (SITUATION_REGIONS), "thematic" for a thematic item."""
    return REGION_OF.get(item, "thematic")

"""The nine languages (issue 20): which language a browser gets, the pages' lang and dir, the
plural forms of every catalogue at 0, 1, 2, 5, 11, 21 and 101, Persian digits and the Solar
Hijri calendar in Dari and Pashto, and the catalogues' review mark.

The expected plural forms and calendar days are written out here by hand (from CLDR's rules and
the Solar Hijri calendar's new years), apart from the code under test."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

from ngowg_directory import i18n

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "ngowg_directory" / "translations"
HTML_TAG = re.compile(r'<html lang="([^"]*)" dir="([^"]*)">')
NUMBERS = (0, 1, 2, 5, 11, 21, 101)
# The msgstr index each number takes, per catalogue (CLDR's plural rules as gettext writes
# them: Babel's Plural-Forms). English is the source: one, other.
FORMS = {
    "en": {0: 1, 1: 0, 2: 1, 5: 1, 11: 1, 21: 1, 101: 1},
    "fr": {0: 0, 1: 0, 2: 2, 5: 2, 11: 2, 21: 2, 101: 2},  # one (0, 1), many (millions), other
    "es": {0: 2, 1: 0, 2: 2, 5: 2, 11: 2, 21: 2, 101: 2},  # one, many (millions), other
    "ar": {0: 0, 1: 1, 2: 2, 5: 3, 11: 4, 21: 4, 101: 5},  # zero one two few many other
    "ru": {0: 2, 1: 0, 2: 1, 5: 2, 11: 2, 21: 0, 101: 0},  # one few many
    "uk": {0: 2, 1: 0, 2: 1, 5: 2, 11: 2, 21: 0, 101: 0},
    "zh_Hans": dict.fromkeys(NUMBERS, 0),
    "fa_AF": {0: 0, 1: 0, 2: 1, 5: 1, 11: 1, 21: 1, 101: 1},  # 0 and 1 singular
    "ps": {0: 1, 1: 0, 2: 1, 5: 1, 11: 1, 21: 1, 101: 1},
}
CATALOGUES = [i18n.babel_locale(code) for code in i18n.LANGUAGES if code != "en"]
NEW_CATALOGUES = ("ru", "uk", "zh_Hans", "fa_AF", "ps")
REVIEW_MARK = "TO BE REVIEWED BY A NATIVE SPEAKER BEFORE LAUNCH"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"


def catalogue(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def test_every_language_of_the_site_has_its_catalogue_and_the_test_its_rules():
    assert i18n.LANGUAGES == ("en", "fr", "es", "ar", "ru", "zh", "fa", "ps", "uk")
    assert sorted(FORMS) == sorted(["en", *CATALOGUES])
    for locale in CATALOGUES:
        assert (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").exists(), locale


@pytest.mark.parametrize("locale", CATALOGUES)
def test_each_plural_message_takes_the_right_form_at_each_number(locale):
    """Every ngettext message of the catalogue, rendered at 0, 1, 2, 5, 11, 21 and 101 (as
    the app renders it, from the compiled catalogue), is the form CLDR's rule gives that
    number, written with the number."""
    source = catalogue(locale)
    assert source.num_plurals == len(set(FORMS[locale].values())) or locale in ("fr", "es")
    compiled = Translations.load(str(TRANSLATIONS), [locale])
    plurals = [m for m in source if m.id and isinstance(m.id, tuple)]
    assert len(plurals) >= 20, "the catalogue's plural messages"
    for message in plurals:
        singular, plural = message.id
        for number in NUMBERS:
            expected = message.string[FORMS[locale][number]]
            assert expected, (locale, singular, number)
            got = compiled.ungettext(singular, plural, number)
            assert got == expected, (locale, singular, number, got)
            # A form for one number only (Arabic's zero, one, two) may spell it out; a form
            # for many numbers writes it (unless the English has none: the menu's count).
            shared = [n for n in NUMBERS if FORMS[locale][n] == FORMS[locale][number]]
            if "%(num)s" in plural and len(shared) > 1:
                assert "%(num)s" in got, (locale, singular, number, got)
            assert got % {"num": number, **_names(got)}


def _names(text: str) -> dict[str, str]:
    return {name: name for name in re.findall(r"%\((\w+)\)s", text) if name != "num"}


@pytest.mark.parametrize("locale", NEW_CATALOGUES)
def test_the_new_catalogues_are_marked_for_a_native_speakers_review(locale):
    """Written by the team: each says so in its header until a native speaker has read it and
    signed it as its Last-Translator (docs/GLOSSARY.md)."""
    text = (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    header = text.split('msgid ""', 1)[0]
    signed = "Last-Translator: FULL NAME" not in text
    assert REVIEW_MARK in header or signed, locale


# --- which language a browser gets ---------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("en-US", "en"),
        ("fr-CA", "fr"),
        ("es-419", "es"),
        ("ar-EG", "ar"),
        ("ru-RU", "ru"),
        ("ru-KZ", "ru"),
        ("uk-UA", "uk"),
        ("uk", "uk"),
        ("zh", "zh"),
        ("zh-CN", "zh"),
        ("zh-Hans", "zh"),
        ("zh-Hans-HK", "zh"),
        ("zh-SG", "zh"),
        ("zh_CN", "zh"),
        ("ZH-cn", "zh"),
        ("zh-TW", None),
        ("zh-HK", None),
        ("zh-MO", None),
        ("zh-Hant", None),
        ("zh-Hant-CN", None),
        ("fa", "fa"),
        ("fa-AF", "fa"),
        ("fa-IR", "fa"),
        ("prs", "fa"),
        ("prs-AF", "fa"),
        ("ps", "ps"),
        ("ps-AF", "ps"),
        ("pbt", "ps"),
        ("de-DE", None),
        ("ur", None),
        ("*", None),
        ("", None),
    ],
)
def test_a_browser_language_tag_maps_to_a_site_language(tag, code):
    assert i18n.match_language(tag) == code


@pytest.mark.parametrize(
    ("header", "lang", "direction"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru", "ltr"),
        ("uk-UA,uk;q=0.9", "uk", "ltr"),
        ("zh-CN,zh;q=0.9", "zh-Hans", "ltr"),
        ("zh-TW,en;q=0.5", "en", "ltr"),  # Traditional: not served Simplified
        ("zh-TW,fr;q=0.5", "fr", "ltr"),
        ("prs-AF,fa;q=0.9,en;q=0.5", "fa-AF", "rtl"),
        ("fa-IR", "fa-AF", "rtl"),
        ("ps-AF,en;q=0.5", "ps", "rtl"),
        ("de;q=1, ps;q=0.2", "ps", "rtl"),
        ("en;q=0, fr", "fr", "ltr"),
    ],
)
def test_the_sign_in_page_speaks_the_browsers_language(client, header, lang, direction):
    html = client.get("/auth/login", headers={"Accept-Language": header}).get_data(as_text=True)
    match = HTML_TAG.search(html)
    assert match and match.groups() == (lang, direction), html[:200]


def test_the_switch_offers_nine_languages_each_named_in_itself(client):
    html = client.get("/auth/login").get_data(as_text=True)
    options = re.findall(r'<option value="(\w+)" lang="([\w-]+)"[^>]*>([^<]+)</option>', html)
    assert options == [
        ("en", "en", "English"),
        ("fr", "fr", "Français"),
        ("es", "es", "Español"),
        ("ar", "ar", "العربية"),
        ("ru", "ru", "Русский"),
        ("zh", "zh-Hans", "中文（简体）"),
        ("fa", "fa-AF", "دری"),
        ("ps", "ps", "پښتو"),
        ("uk", "uk", "Українська"),
    ]
    for code in ("zh", "fa", "ps", "uk", "ru"):
        response = client.form("/language", {"locale": code, "next": "/auth/login"})
        assert response.status_code == 302
        page = client.get("/auth/login").get_data(as_text=True)
        assert HTML_TAG.search(page).group(1) == i18n.language_tag(code)
        assert f'<option value="{code}" lang="{i18n.language_tag(code)}" selected>' in page


# --- digits and calendars ----------------------------------------------------------------


def in_language(app, code: str):
    app_context = app.app_context()
    request_context = app.test_request_context("/", headers={"Accept-Language": code})
    return app_context, request_context


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "1,234,567"),
        ("ru", "1\xa0234\xa0567"),
        ("uk", "1\xa0234\xa0567"),
        ("zh", "1,234,567"),
        ("fa", "۱٬۲۳۴٬۵۶۷"),
        ("ps", "۱٬۲۳۴٬۵۶۷"),
        ("ar", "1,234,567"),  # Latin digits, as the Arabic pages always were
    ],
)
def test_counts_are_written_with_each_languages_digits(app, code, expected):
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": code}):
        assert i18n.format_count(1234567) == expected


# Solar Hijri new years (1 Hamal): 20 March 2024 (1403), 21 March 2025 (1404), 21 March 2026
# (1405); 1403 is a leap year (30 Hut).
SOLAR_DAYS = [
    (date(2024, 3, 20), "1 حمل 1403", "1 وری 1403"),
    (date(2025, 3, 20), "30 حوت 1403", "30 کب 1403"),
    (date(2025, 3, 21), "1 حمل 1404", "1 وری 1404"),
    (date(2026, 3, 20), "29 حوت 1404", "29 کب 1404"),
    (date(2026, 3, 21), "1 حمل 1405", "1 وری 1405"),
    (date(2026, 12, 4), "13 قوس 1405", "13 لیندۍ 1405"),
    (date(2026, 12, 22), "1 جدی 1405", "1 مرغومی 1405"),
]


def persian(text: str) -> str:
    return text.translate(str.maketrans("0123456789", PERSIAN))


@pytest.mark.parametrize(("day", "dari", "pashto"), SOLAR_DAYS)
def test_dari_and_pashto_dates_are_in_the_solar_hijri_calendar(app, day, dari, pashto):
    for code, expected in (("fa", dari), ("ps", pashto)):
        with app.app_context(), app.test_request_context("/", headers={"Accept-Language": code}):
            assert i18n.format_day(day) == persian(expected), code
            moment = datetime(day.year, day.month, day.day, 14, 5, tzinfo=UTC)
            assert persian(expected) in i18n.format_moment(moment), code
            assert persian("14:05") in i18n.format_moment(moment), code
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "ru"}):
        assert i18n.format_day(day) != i18n.format_day(date(2000, 1, 1))
        assert not set(i18n.format_day(day)) & set(PERSIAN)


def test_a_council_month_is_the_gregorian_one_with_the_solar_months_it_spans(app):
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "fa"}):
        assert i18n.format_month(date(2026, 12, 1)) == "دسمبر ۲۰۲۶ (قوس – جدی ۱۴۰۵)"
        assert i18n.format_month(date(2026, 3, 1)) == "مارچ ۲۰۲۶ (حوت ۱۴۰۴ – حمل ۱۴۰۵)"
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "ps"}):
        assert "(لیندۍ – مرغومی ۱۴۰۵)" in i18n.format_month(date(2026, 12, 1))


def test_a_messages_numbers_are_persian_digits_and_what_she_typed_is_left(app):
    """ngettext's count and a message's numbers take the page's digits; text values (an
    address, a phone number) are left as they were typed."""
    from flask_babel import gettext, ngettext

    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "fa"}):
        text = ngettext("%(num)s account", "%(num)s accounts", 21)
        assert "۲۱" in text and "21" not in text
        mixed = gettext("%(email)s invited", email="amira2026@example.org")
        assert "amira2026@example.org" in mixed
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert ngettext("%(num)s account", "%(num)s accounts", 21) == "21 accounts"


# --- digits as a Dari, Arabic or Chinese keyboard types them ---------------------------------


def test_a_two_step_code_typed_in_persian_arabic_or_full_width_digits_works_once(app, make_user):
    """The code the app shows, typed on her phone's Dari keyboard (۱۲۳۴۵۶), an Arabic one
    (١٢٣٤٥٦) or a Chinese full-width one: accepted as the same code, and spent once."""
    import pyotp

    from ngowg_directory.services import twofactor

    user = make_user("defender", totp=True)
    now = 1_800_000_000.0
    code = pyotp.TOTP(user.totp_secret, interval=twofactor.STEP_SECONDS).at(now)
    for typed in (persian(code), code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))):
        assert twofactor.matching_step(user.totp_secret, typed, now) is not None, typed
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert twofactor.matching_step(user.totp_secret, full_width, now) is not None
    assert twofactor.verify_totp(user, persian(code), now)
    assert not twofactor.verify_totp(user, code, now), "the same code twice"
    wrong = persian(str((int(code) + 1) % 1_000_000).zfill(6))
    assert twofactor.matching_step(user.totp_secret, wrong, now) is None
    assert twofactor.matching_step(user.totp_secret, "۱۲۳۴۵", now) is None
    assert twofactor.matching_step(user.totp_secret, "²³⁴⁵⁶⁷", now) is None  # digits, not these


def test_a_council_date_or_month_typed_in_persian_digits_is_read(app):
    from ngowg_directory.services import council

    assert council.parse_date("۲۰۲۶-۱۲-۰۴") == date(2026, 12, 4)
    assert council.parse_date("٢٠٢٦-١٢-٠٤") == date(2026, 12, 4)
    assert council.parse_month("۲۰۲۶-۱۲") is None, "a URL's month is written one way"


def test_the_secretariat_saves_a_month_typed_in_persian_digits(app, new_client, make_user, login):
    from ngowg_directory.extensions import db
    from ngowg_directory.models import CouncilMonth

    client = new_client()
    login(client, make_user("admin"))
    response = client.form("/admin/council", {"month": "۲۰۲۷-۰۳", "presidency": "FR"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/2027-03")
    assert db.session.query(CouncilMonth).one().month == date(2027, 3, 1)


def test_an_e_mail_rendered_outside_a_request_speaks_dari_dates_and_digits(app):
    """A command (the check-in reminders) renders e-mails with no request: in Dari its days
    and numbers are still Solar Hijri and Persian."""
    from flask_babel import ngettext

    with app.app_context(), i18n.speaking("fa"):
        assert i18n.format_day(date(2026, 12, 4)) == "۱۳ قوس ۱۴۰۵"
        assert "۳" in ngettext("%(num)s account", "%(num)s accounts", 3)
        assert i18n.format_count(1234) == "۱٬۲۳۴"
    with app.app_context(), i18n.speaking("en"):
        assert i18n.format_day(date(2026, 12, 4)) == "Dec 4, 2026"


@pytest.mark.parametrize("locale", ["ar", "fa_AF", "ps"])
def test_a_phone_number_in_a_right_to_left_message_reads_left_to_right(locale):
    """ "+249 912 345 678" inside Arabic-script text: without a left-to-right mark before it,
    the browser lays its groups out right to left (678 345 912 249+), and she types it so."""
    found = 0
    for message in catalogue(locale):
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            for match in re.finditer(r"\+\d[\d ]+\d", text):
                found += 1
                assert text[: match.start()].endswith(("\u200e", "\u2066")), (locale, text)
    assert found >= 3, locale


def test_a_profiles_lists_are_separated_as_each_language_writes_them(
    app, new_client, make_user, login
):
    """Her themes, one after another, in the preview of what each audience sees: "، " in
    Dari, "、" in Chinese, ", " in Russian."""
    from html import unescape

    from ngowg_directory import reference
    from ngowg_directory.extensions import db

    person = make_user("defender", name="List Person")
    person.profile.set_tags([], ["crsv", "disarmament"], [])
    db.session.commit()
    for code, separator in (("fa", "، "), ("zh", "、"), ("ru", ", ")):
        person.locale = code
        db.session.commit()
        client = new_client()
        login(client, person)
        html = unescape(client.get("/account/privacy").get_data(as_text=True))
        compiled = Translations.load(str(TRANSLATIONS), [i18n.babel_locale(code)])
        first, second = (
            compiled.gettext(reference.themes()[s].name) for s in ("crsv", "disarmament")
        )
        assert f"{first}{separator}{second}" in html or f"{second}{separator}{first}" in html, code


def test_an_error_pages_status_is_in_the_pages_digits(client):
    """A form sent without its CSRF token: the 400 page."""
    for code, status in (("ps", "(۴۰۰)"), ("fa", "(۴۰۰)"), ("ru", "(400)")):
        answer = client.post("/language", data={"locale": "ps"}, headers={"Accept-Language": code})
        assert answer.status_code == 400 and status in answer.get_data(as_text=True), code

"""The Solar Hijri calendar as Afghanistan writes it, for the Dari and Pashto pages.

Babel formats the Gregorian calendar only. The day is converted by jdatetime (the calendar's
arithmetic: the Iranian and the Afghan Solar Hijri calendars have the same months and leap
years); the month names are CLDR's for its `persian` calendar in `fa_AF` (Dari: حمل … حوت, the
Afghan names, not the Iranian فروردین …) and in `ps` (Pashto: وری … کب), in CLDR's order
`d MMMM y` for both. Digits are Latin here: i18n.local_digits writes them as the page does.
"""

from __future__ import annotations

from datetime import date

import jdatetime

MONTHS = {
    "fa": (
        "حمل",
        "ثور",
        "جوزا",
        "سرطان",
        "اسد",
        "سنبله",
        "میزان",
        "عقرب",
        "قوس",
        "جدی",
        "دلو",
        "حوت",
    ),
    "ps": (
        "وری",
        "غویی",
        "غبرگولی",
        "چنگاښ",
        "زمری",
        "وږی",
        "تله",
        "لړم",
        "لیندۍ",
        "مرغومی",
        "سلواغه",
        "کب",
    ),
}
LANGUAGES = frozenset(MONTHS)


def solar(value: date) -> tuple[int, int, int]:
    """(year, month, day) of a Gregorian date in the Solar Hijri calendar."""
    day = jdatetime.date.fromgregorian(date=value)
    return day.year, day.month, day.day


def format_day(value: date, language: str) -> str:
    """۱۳ قوس ۱۴۰۵, with Latin digits: 13 قوس 1405."""
    year, month, day = solar(value)
    return f"{day} {MONTHS[language][month - 1]} {year}"


def month_span(value: date, language: str) -> str:
    """The Solar Hijri months the Gregorian month of `value` spans, with Latin digits:
    'قوس – جدی 1405' (December 2026), 'حوت 1404 – حمل 1405' across a Solar year."""
    first = value.replace(day=1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    start = jdatetime.date.fromgregorian(date=first)
    end = jdatetime.date.fromgregorian(date=following) - jdatetime.timedelta(days=1)
    names = MONTHS[language]
    if (start.year, start.month) == (end.year, end.month):
        return f"{names[end.month - 1]} {end.year}"
    if start.year == end.year:
        return f"{names[start.month - 1]} – {names[end.month - 1]} {end.year}"
    return f"{names[start.month - 1]} {start.year} – {names[end.month - 1]} {end.year}"

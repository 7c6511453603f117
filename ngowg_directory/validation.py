"""Checking and normalising what people type: text, names, e-mail addresses, phone numbers.

Every service that stores a typed value cleans it here, so a value is judged by one rule
wherever it comes from (a form, an import, the command line). A leaf module: it imports
nothing of the app but the one rule for names (names.py), so every layer may use it
(docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from . import names

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection, OWASP):
# an export neutralises such a cell, an import refuses such a name or text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ValidationError(ValueError):
    """A value that cannot be stored; `field` names the form field, str() is for the person."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(str(message))
        self.field = field


def clean_text(value: str | None, limit: int, field: str) -> str:
    """Plain text without control characters (newlines kept) nor bidirectional embeddings,
    overrides and isolates (a bio's "+93 70…" that is stored as another number), within the
    limit."""
    text = _CONTROL.sub("", value or "").translate(BIDI_CONTROLS)
    text = unicodedata.normalize("NFC", text).strip()
    if len(text) > limit:
        raise ValidationError(field, _l("Use at most %(n)s characters.", n=limit))
    return text


def clean_name(value: str | None, limit: int, field: str = "name") -> str:
    """A name (of a person, an organisation, a token) as clean_text, but a line break, tab or
    other control character within it is refused, not dropped (names.py)."""
    if names.control_characters(value or ""):
        raise ValidationError(field, names.MESSAGE)
    return clean_text(value, limit, field)


# Digits as Arabic (٠-٩), Dari and Pashto (۰-۹) and Chinese full-width (０-９) keyboards type
# them, as the Latin ones a code or a date is checked in.
NATIVE_DIGITS = {
    **{chr(0x0660 + n): str(n) for n in range(10)},
    **{chr(0x06F0 + n): str(n) for n in range(10)},
    **{chr(0xFF10 + n): str(n) for n in range(10)},
}
_DIGITS = str.maketrans(
    {**NATIVE_DIGITS, "\uff0d": "-"}  # and the full-width hyphen-minus: 2026－12
)


def ascii_digits(value: str) -> str:
    """The text with Arabic-Indic, Persian and full-width digits written as Latin ones."""
    return value.translate(_DIGITS)


# Bidirectional embeddings and overrides (U+202A to U+202E) and isolates (U+2066 to U+2069),
# for str.translate: dropped from texts they could make read as other texts. The marks an
# Arabic or Hebrew text needs (LRM, RLM, ALM) are not among them.
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])

ONE_LINE = _l("Write this on one line, without tabs or invisible control characters.")


def clean_line(value: str | None, limit: int, field: str) -> str:
    """A one-line text (a title, a city, a messaging handle) as clean_text, but a line break,
    tab or other control character within it is refused, not kept: lists, CSV and vCards
    show it on one line, and a bidirectional control can make it read as something else."""
    if names.control_characters(value or ""):
        raise ValidationError(field, ONE_LINE)
    return clean_text(value, limit, field)


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet would run this cell as a formula."""
    return text.startswith(FORMULA_START)


def normalise_email(email: str, field: str = "email") -> str:
    """A checked, normalised e-mail address (domain lower-cased)."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(
            field, _l("This is not a valid e-mail address: %(reason)s", reason=str(exc))
        ) from exc
    return result.normalized.lower()


def normalise_phone(raw: str | None, country: str | None) -> str | None:
    """A phone number in E.164 (None when empty), read with the country's dialling rules."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            "phone",
            _l(
                "This is not a phone number. Write it with its country code, like +249 912 345 678."
            ),
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "phone", _l("This phone number does not exist. Check its country code and digits.")
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_city(raw: str | None) -> str | None:
    """A city or town name only: digits suggest a street address or coordinates."""
    city = clean_line(raw, 100, "city")
    if any(ch.isdigit() for ch in city):
        raise ValidationError(
            "city", _l("Only the name of a city or town, please: no street address or coordinates.")
        )
    return city or None


def clean_codes(
    values: list[str] | None, allowed: Container[str], field: str, *, upper: bool = False
) -> list[str]:
    """Codes from a closed list (countries, themes, languages), once each, in the given order."""
    stripped = [v.strip() for v in values or [] if v and v.strip()]
    codes = [v.upper() if upper else v.lower() for v in stripped]
    unknown = [code for code in codes if code not in allowed]
    if unknown:
        raise ValidationError(field, _l("Unknown value: %(v)s", v=", ".join(unknown)))
    return list(dict.fromkeys(codes))

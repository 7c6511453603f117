"""Canaries: contact details unique to one person, so that an output which shows one can be
caught naming whose it is. Used by the privacy tests with `visibility`; imports nothing of the
application."""

from __future__ import annotations

import string

# Every canary shape holds one of these: a text without them needs no closer look.
CANARY_MARKS = ("canary", "Canaryvale", "44207183")


def letters(n: int) -> str:
    """Two letters for n (a city may hold no digit)."""
    return string.ascii_lowercase[n // 26] + string.ascii_lowercase[n % 26]


def canaries_for(n: int) -> dict[str, str]:
    """Values unique to person n that pass the profile form's checks (E.164 London numbers)."""
    return {
        "email": f"canary{n:02d}-mail@example.org",
        "phone": f"+44207183{n:04d}",
        "messaging": f"signal-canary{n:02d}",
        "city": f"Canaryvale {letters(n).capitalize()}",
    }


def shapes(name: str, value: str) -> list[str]:
    """The value and the shapes a reformatted copy of it could take."""
    if name == "phone":
        return [value, value.lstrip("+")]
    if name == "email":
        return [value, value.split("@")[0]]
    return [value]

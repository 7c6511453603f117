"""The facets of search, in one table: the parameter a page or the API takes, the letter of
its index tokens, and the values it allows.

Parameters (params.py), index entries (index.py), facet counting (engine.py, base.py), the API
and the templates all read them from here: a query's filters and a result's counts are keyed
by the facet's name (`country`), the index by its token (`xcsd`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from .. import reference
from ..models import ORG_KINDS, ROLES
from .text import normalise


def token(letter: str, value: str) -> str:
    """A filter token: one word that cannot collide with ordinary text (x + letter + value)."""
    return "x" + letter + normalise(value).replace(" ", "")


def _same(value: str) -> str:
    return value


@dataclass(frozen=True)
class Facet:
    """One facet: `allowed` lists every value it takes (None: any organisation slug)."""

    name: str
    letter: str
    allowed: Callable[[], Iterable[str]] | None
    case: Callable[[str], str] = _same
    # A multi-valued facet's usual values, in a fixed order: the engine counts them through
    # bit columns (engine.py), far cheaper than a multi-valued column; others as they come.
    dense: Callable[[], Sequence[str]] | None = None

    def canonical(self, raw: str) -> str | None:
        """The value as the index writes it, or None when it is not one this facet takes."""
        value = self.case(raw.strip()[:100])
        if self.allowed is None:
            ok = 0 < len(value) <= 100 and all(ch.isalnum() or ch == "-" for ch in value)
            return value if ok else None
        return value if value in _allowed(self) else None

    def token(self, value: str) -> str:
        return token(self.letter, value)

    def dense_tokens(self) -> tuple[str, ...]:
        """The tokens of its usual values, in their fixed order (none: not counted by bits)."""
        return _dense_tokens(self)


@cache
def _allowed(facet: Facet) -> frozenset[str]:
    return frozenset(facet.allowed() if facet.allowed is not None else ())


@cache
def _dense_tokens(facet: Facet) -> tuple[str, ...]:
    return tuple(facet.token(value) for value in facet.dense()) if facet.dense else ()


# The languages most people of the directory speak (by the member organisations' work): the
# UN's six and the languages of the Council's situations. Any other is counted as it comes.
DENSE_LANGUAGES = (
    "en", "ar", "fr", "es", "ru", "zh", "pt", "fa", "ps", "uk", "sw", "so", "my", "ku", "tr", "am",
)  # fmt: skip


ROLE = Facet("role", "r", lambda: ROLES)
KIND = Facet("kind", "k", lambda: ORG_KINDS)
COUNTRY = Facet("country", "c", reference.country_codes, str.upper)
SITUATION = Facet(
    "situation", "s", reference.situations, str.upper, dense=lambda: tuple(reference.situations())
)
THEME = Facet("theme", "t", reference.themes, dense=lambda: tuple(reference.themes()))
LANGUAGE = Facet(
    "language", "l", reference.language_codes, str.lower, dense=lambda: DENSE_LANGUAGES
)
ORG = Facet("org", "o", None, str.lower)

# In the order the pages show them.
PEOPLE_FACETS = (ROLE, COUNTRY, SITUATION, THEME, LANGUAGE, ORG)
ORG_FACETS = (KIND, COUNTRY, THEME)
BY_NAME = {facet.name: facet for facet in (*PEOPLE_FACETS, *ORG_FACETS)}
BY_LETTER = {facet.letter: facet for facet in BY_NAME.values()}


@cache
def known_tokens() -> dict[str, tuple[str, str]]:
    """Filter token -> (facet name, value), for every facet whose values are known in advance
    (organisations are counted by their compact slug: base.with_org_slugs names them)."""
    return {
        facet.token(value): (facet.name, value)
        for facet in BY_NAME.values()
        if facet.allowed is not None
        for value in sorted(_allowed(facet))
    }

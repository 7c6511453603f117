"""Text normalisation shared by the index and the queries, identical on both back ends.

Lower case, accents stripped, Arabic diacritics (harakat) and tatweel removed, alef forms
unified, so that "Nuñez" finds "Nunez" and "محمد" finds "مُحَمَّد".
"""

from __future__ import annotations

import re
import unicodedata

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans(
    {
        "\u0622": "\u0627",  # آ
        "\u0623": "\u0627",  # أ
        "\u0625": "\u0627",  # إ
        "\u0671": "\u0627",  # ٱ
        "\u0649": "\u064a",  # ى -> ي
        "\u0629": "\u0647",  # ة -> ه
    }
)
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str | None) -> str:
    """Folded text for matching: words separated by single spaces."""
    if not text:
        return ""
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(unicodedata.normalize("NFC", stripped))).replace("_", " ")


def words(text: str | None, limit: int = 12) -> list[str]:
    """The normalised words of a query, at most `limit` of them."""
    return [word for word in normalise(text).split() if word][:limit]

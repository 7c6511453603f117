"""Text normalisation shared by the index and the queries, identical on both back ends.

Lower case, accents stripped, Arabic diacritics (harakat) and tatweel removed, alef forms
unified, so that "Nuñez" finds "Nunez" and "محمد" finds "مُحَمَّد". The Persian and Pashto
letters that are Arabic ones written otherwise are the Arabic ones (ی and ي, ک and ك, ۀ and ه),
so that Dari "علی" finds Arabic "علي", and Eastern Arabic and Persian digits are Latin ones
(۱۳۲۵ finds 1325). Chinese is written without spaces: each Han character (and kana) is a
word of its own, so that "裁军" finds "小武器与裁军" (every word of a query must match).
"""

from __future__ import annotations

import re
import unicodedata

from ..validation import NATIVE_DIGITS

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans(
    {
        "\u0622": "\u0627",  # آ
        "\u0623": "\u0627",  # أ
        "\u0625": "\u0627",  # إ
        "\u0671": "\u0627",  # ٱ
        "\u0649": "\u064a",  # ى -> ي
        "\u0629": "\u0647",  # ة -> ه
        "\u06cc": "\u064a",  # Persian ی -> ي
        "\u06d2": "\u064a",  # ے -> ي
        "\u06a9": "\u0643",  # Persian ک -> ك
        "\u06c0": "\u0647",  # ۀ -> ه
        "\u06be": "\u0647",  # ھ -> ه
        **NATIVE_DIGITS,  # ٠-٩, ۰-۹ (and full-width ones, which NFKD would fold too)
    }
)
_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def normalise(text: str | None) -> str:
    """Folded text for matching: words separated by single spaces."""
    if not text:
        return ""
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    spaced = _CJK.sub(r" \g<0> ", unicodedata.normalize("NFC", stripped))
    return " ".join(_WORD.findall(spaced)).replace("_", " ")


def is_ideograph(word: str) -> bool:
    """A word that is one Han character (or kana): a word of its own though one letter."""
    return len(word) == 1 and _CJK.match(word) is not None


def words(text: str | None, limit: int = 12) -> list[str]:
    """The normalised words of a query, at most `limit` of them."""
    return [word for word in normalise(text).split() if word][:limit]

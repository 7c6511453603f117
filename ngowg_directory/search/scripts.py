"""Name keys: one key per word that a Latin, an Arabic-script and a Cyrillic spelling of the
same name share, so that "Fatima" finds فاطمة and "Khadidja" finds Хадиджа.

A key is the word's consonant skeleton, written in a small alphabet of consonant classes. It is
built from a table of our own (no ICU), in this order:

1. The text goes through `text.normalise` (lower case, accents and Arabic diacritics removed,
   alef forms -> ا, ى -> ي, ة -> ه), after apostrophes and ʿ ʾ inside a word are removed, so
   that "Sa'ad" stays one word (as سعد is). Each word then gives its key.
2. A word of digits only (1325, ١٣٢٥) gives no key; digits inside a word are ignored.
3. A final h is dropped: in Latin and Cyrillic letters when a vowel comes before it (Aishah ->
   Aisha, Saleh, Sarah, Салех); in Arabic script a final ه or ح (ة is ه by then) when the word
   has at least three letters (فاطمة, صالح, عبدالله; but طه keeps its ه).
4. Latin digraphs are read before single letters: dzh, dj, zh, gh -> j; sch, tch, sh, ch -> c
   (French "ch" is ش: Chadia); kh -> h; th -> t; dh -> d; ph -> f; ck -> k; ou is a vowel
   (Nour). Cyrillic дж -> j.
5. Vowels and the letters that also write long vowels or glides are dropped: a e i o u y w v in
   Latin; ا و ي ى ی ء أ إ آ ئ ؤ ع ے and ڤ in Arabic script; а е ё и й о у ы э ю я і ї є ь ъ
   and в in Cyrillic. v and в are dropped with w because Persian writes v with و (Parvin /
   پروین), which Arabic uses for w and ū; so v is not merged into f.
6. The consonants fall into 14 classes, similar sounds merged:
   b = b p ب پ б п;  t = t th ت ط ث ٹ т;  d = d dh د ض ذ ڈ д;  s = s (c before e i y) ص س с;
   z = z ز ظ з;  k = k q c ck ق ك ک к (x is k + s, ц is t + s);  j = j dj g gh zh ج غ گ ژ г ґ ж;
   c = sh ch sch tch ش چ ш ч щ;  h = h kh ح خ ه ھ ہ х;  f = f ph ف ф;  l = l ل ڵ л;
   m = m م м;  n = n ن ں н;  r = r ر ڑ ڕ р.
   Pashto's letters join these classes: ټ t, ډ d, ړ r, ڼ n, ښ c, ګ and ږ j, ځ z, څ t + s; its
   ې and ۍ are dropped as yeh is. Letters of other scripts are ignored.
7. Doubled consonants are collapsed: two letters of one class side by side count once
   (Hassan = حسن, where Arabic writes the doubling with a shadda that normalise removes). Two
   of one class with a vowel letter between them stay two (Hanan = حنان, "hnn", is not Hana).
8. A word that starts with a vowel (or a dropped letter: y, w, ع, ا, و, ي) gets a leading "a",
   so Amina ("amn") is not Mona ("mn"), while Yasmin = ياسمين ("asmn").
9. A word with no consonant left (Eva, Aya, آية) gives no key: no empty key is ever emitted.

Words are not always cut in the same places in both scripts, so `name_keys` (for a name that
is indexed) gives, besides each word's key, the key of an Arabic-script word without its
article ال (four letters or more: "الحسن" -> "alhsn" and "hsn", as Alhassan and Hassan), and
the key of a particle (al, el, abd, abdel, abu, ibn, bin, bint, umm, عبد, ابو, ...) and the word
after it written as one ("Abdel Rahman" and "Al-Hassan" also give "abdlrhmn" and "alhsn").
`key` (for a query word) gives one key, of its words written as one.

The keys are permissive by design: they find a name however it is spelled, at the cost of
some collisions, which the engine should rank below exact and prefix matches. Known ones:
Hassan = Hussein = Hasan (h-s-n), Salma = Selim = Selma (s-l-m), Mona = Muna = Mina (m-n),
Khalil = Halil (kh and h are one class, so that Cyrillic х, which writes both, matches). Known
misses: words cut elsewhere than after a particle (Nurul Huda / نورالهدى), Is-haq written
"Ishaq" (read as sh), Turkish ş (normalise makes it s: Ayşe is not عائشة). Egyptian g for ج
works because g is in the j class (Gamal = Jamal = جمال).
"""

from __future__ import annotations

import re

from .text import normalise

VOWEL = "_"  # a dropped letter, kept while the key is built: it separates doubled consonants

# Sequences read before single letters (longest first; all lower case, after normalise).
_DIGRAPHS: dict[str, str] = {
    "dzh": "j",
    "sch": "c",
    "tch": "c",
    "dj": "j",
    "zh": "j",
    "gh": "j",
    "sh": "c",
    "ch": "c",
    "kh": "h",
    "th": "t",
    "dh": "d",
    "ph": "f",
    "ck": "k",
    "ou": VOWEL,
    "дж": "j",
}
_LONGEST_DIGRAPH = max(len(sequence) for sequence in _DIGRAPHS)


def _classes(spec: dict[str, str]) -> dict[str, str]:
    """{class symbol: letters} -> {letter: class symbol}."""
    return {letter: symbol for symbol, letters in spec.items() for letter in letters}


_LATIN = _classes(
    {
        VOWEL: "aeiouywvøæœı",
        "b": "bp",
        "t": "tþ",
        "d": "dđð",
        "s": "s",
        "z": "z",
        "k": "kqc",  # c before e, i, y is s (see _symbols)
        "j": "jg",
        "h": "h",
        "f": "f",
        "l": "lł",
        "m": "m",
        "n": "nŋ",
        "r": "r",
    }
)
_LATIN["x"] = "ks"

_ARABIC = _classes(
    {
        # alef, waw, yeh (Arabic and Persian), hamza and its seats, ain, Urdu yeh, veh, and
        # Pashto's yehs (ې ۍ).
        VOWEL: "اأإآٱوؤيئىیءعےڤېۍ",
        "b": "بپ",
        "t": "تطثٹټ",
        "d": "دضذڈډ",
        "s": "سص",
        "z": "زظځ",
        "k": "قكک",
        "j": "جغگژګږ",
        "c": "شچښ",
        "h": "حخهةھہ",
        "f": "ف",
        "l": "لڵ",
        "m": "م",
        "n": "نںڼ",
        "r": "رڑڕړ",
    }
)

_CYRILLIC = _classes(
    {
        VOWEL: "аеёийоуыэюяіїєьъв",
        "b": "бп",
        "t": "т",
        "d": "д",
        "s": "с",
        "z": "з",
        "k": "к",
        "j": "гґж",
        "c": "чшщ",
        "h": "х",
        "f": "ф",
        "l": "л",
        "m": "м",
        "n": "н",
        "r": "р",
    }
)
_CYRILLIC["ц"] = "ts"
_ARABIC["څ"] = "ts"  # Pashto ts (Latin "ts" is t + s too)

LETTERS: dict[str, str] = {**_LATIN, **_ARABIC, **_CYRILLIC}

_LATIN_VOWELS = frozenset("aeiouy")
_CYRILLIC_VOWELS = frozenset("аеёиоуыэюяіїє")
_ARABIC_FINAL_H = frozenset("هةحھہ")
_ARTICLE = "ال"
# Words that Arabic script often writes joined to the next one, and Latin letters apart.
PARTICLES = frozenset(
    {"al", "el", "ul", "abd", "abdel", "abdal", "abdul", "abdoul", "abdol", "abu", "abou"}
    | {"bou", "ibn", "bin", "ben", "bint", "umm", "um", "oum"}
    | {"ال", "عبد", "ابو", "ابن", "بن", "بنت", "ام"}
)
# Apostrophes and transliteration marks for ʿayn and hamza inside a word: removed, not a break.
_INNER_MARKS = re.compile(r"(?<=\w)['’ʿʾ`´‘](?=\w)")


def _drop_final_h(word: str) -> str:
    if len(word) < 3:
        return word
    last, before = word[-1], word[-2]
    if last in _ARABIC_FINAL_H:
        return word[:-1]
    if last == "h" and before in _LATIN_VOWELS:
        return word[:-1]
    if last == "х" and before in _CYRILLIC_VOWELS:
        return word[:-1]
    return word


def _symbols(word: str) -> list[str]:
    """The word as class symbols and VOWEL marks, digraphs first; other letters ignored."""
    out: list[str] = []
    i = 0
    while i < len(word):
        for size in range(_LONGEST_DIGRAPH, 1, -1):
            symbol = _DIGRAPHS.get(word[i : i + size])
            if symbol is not None:
                out.append(symbol)
                i += size
                break
        else:
            char = word[i]
            if char == "c" and word[i + 1 : i + 2] in ("e", "i", "y"):
                out.append("s")
            else:
                out.extend(LETTERS.get(char, ""))
            i += 1
    return out


def _skeleton(word: str) -> str | None:
    if not word or word.isdigit():
        return None
    symbols = _symbols(_drop_final_h(word))
    if not symbols:
        return None
    consonants: list[str] = []
    previous = ""
    for symbol in symbols:
        if symbol != VOWEL and symbol != previous:
            consonants.append(symbol)
        previous = symbol
    if not consonants:
        return None
    return ("a" if symbols[0] == VOWEL else "") + "".join(consonants)


def _words(text: str | None) -> list[str]:
    return normalise(_INNER_MARKS.sub("", text or "")).split()


def key(word: str) -> str:
    """The key of one query word ("" when it has none: digits only, no consonant, empty).

    Given several words ("Abdel Rahman", "Al-Hassan"), the key of the words written as one
    (as عبدالرحمن and الحسن are)."""
    return _skeleton("".join(_words(word))) or ""


def name_keys(text: str | None) -> list[str]:
    """The keys of every word of a name, in order, each once; none for words without one.

    Besides one key per word: the key of a word without its article ال, and the key of a
    particle and the next word written as one ("Abdel Rahman" -> "abdlrhmn", as عبدالرحمن)."""
    words = _words(text)
    keys: dict[str, None] = {}
    for index, word in enumerate(words):
        found = [_skeleton(word)]
        if word.startswith(_ARTICLE) and len(word) >= 4:
            found.append(_skeleton(word[len(_ARTICLE) :]))
        if word in PARTICLES and index + 1 < len(words):
            found.append(_skeleton(word + words[index + 1]))
        keys.update((k, None) for k in found if k)
    return list(keys)

"""One rule for every name (a person's, an organisation's, a token's): visible text on one line.

A line break, a tab or an invisible control character in a name breaks lists, CSV and vCard
exports, e-mail headers and the audit log, and bidirectional controls can make one name look
like another. Such a name is refused with a message, never silently changed. A leaf module:
forms and services import it, it imports nothing of the app.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

# Control (Cc), format (Cf: bidirectional controls, zero-width spaces, soft hyphens, tags),
# line and paragraph separators (Zl, Zp) and lone surrogates (Cs).
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# The two joiners are format characters that spell words: Persian, Dari, Pashto, Urdu and
# Kurdish names typed on their keyboards hold the zero-width non-joiner, Indic scripts both.
JOINERS = frozenset({"\u200c", "\u200d"})
# Invisible though not format characters: the combining grapheme joiner and the Hangul
# fillers, which make a name look exactly like another.
INVISIBLE = frozenset({"\u034f", "\u115f", "\u1160", "\u3164", "\uffa0"})
MESSAGE = _l("A name must be on one line, without tabs or invisible control characters.")


def control_characters(text: str) -> list[str]:
    """The refused characters of a name, as U+XXXX (empty when the name is fine).

    Judged inside the name: white space around it (a CSV cell's final line break, say) is
    trimmed, as from every text field."""
    return [
        f"U+{ord(char):04X}"
        for char in text.strip()
        if (unicodedata.category(char) in REFUSED_CATEGORIES and char not in JOINERS)
        or char in INVISIBLE
    ]


def one_line_name(form: Any, field: Any) -> None:
    """WTForms validator of the same rule, for every form with a name field."""
    if control_characters(field.data or ""):
        raise ValidationError(MESSAGE)

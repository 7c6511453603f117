"""Where a redirect read from a request may lead: a path on this site, nothing else.

Every redirect target that comes from a request (sign-in's `next`, the two-factor step, the
re-authentication page, the language switch) goes through `safe_local_path`. Browsers are
lenient where this check must not be: they drop tabs and line breaks anywhere in a URL, read a
backslash as a slash, and a proxy or a second redirect may decode percent-escapes once more.
So the target must be printable ASCII, and its path must begin with exactly one slash however
often it is decoded.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2000
# Decoding more often than this and still changing is no real link: refused.
MAX_DECODINGS = 3


def _printable_ascii(text: str) -> bool:
    # A URL on the wire is ASCII (RFC 3986): anything else is encoded by the browser, so a
    # control character, a space of any kind or a look-alike here was put there by hand.
    return all("!" <= ch <= "~" for ch in text)


def _plain_path(path: str) -> bool:
    # A decoded path may hold letters of any script, never a control, a separator or a
    # format character, and must not become two slashes or a backslash once normalised
    # (U+FF0F FULLWIDTH SOLIDUS is a slash under NFKC).
    if any(unicodedata.category(ch)[0] in "CZ" for ch in path):
        return False
    normalised = unicodedata.normalize("NFKC", path)
    if "\\" in normalised or not normalised.startswith("/") or normalised.startswith("//"):
        return False
    # No dot segments: a browser resolves `/./` and `/../` and could make `//` of what is left.
    return not any(segment in (".", "..") for segment in normalised.split("/"))


def safe_local_path(target: str | None) -> str | None:
    """`target` unchanged when it is a path on this site, else None."""
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return None
    if not _printable_ascii(target) or "\\" in target:
        return None
    # Checked before parsing too: urlsplit reads "///host" as an empty authority and "/host".
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not _plain_path(parts.path):
        return None
    path = parts.path
    for _ in range(MAX_DECODINGS):
        try:
            decoded = unquote(path, errors="strict")
        except UnicodeDecodeError:
            return None
        if decoded == path:
            return target
        if not _plain_path(decoded):
            return None
        path = decoded
    return None

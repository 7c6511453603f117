"""Query strings that are not UTF-8: read as if the odd bytes had been percent-encoded.

A browser percent-encodes what it sends, but any client can put raw bytes after the `?`.
Werkzeug decodes the raw query string strictly, so `GET /directory?q=\\xff` would raise in
every place that reads `request.args` or `request.full_path` (the error page included). This
middleware percent-encodes the bytes above 0x7f of such a query string; they then decode like
any other malformed percent-escape, to U+FFFD, and the page explains what it left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def safe_query_string(value: str) -> str:
    """The WSGI query string (bytes as latin-1), with non-ASCII bytes percent-encoded when
    the bytes are not UTF-8; unchanged otherwise."""
    try:
        data = value.encode("latin-1")
    except UnicodeEncodeError:
        data = value.encode("utf-8", "surrogatepass")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "".join(chr(b) if b < 0x80 else f"%{b:02X}" for b in data)
    return value


class QueryStringGuard:
    """WSGI middleware applying `safe_query_string` to every request."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        query = environ.get("QUERY_STRING")
        if query:
            environ["QUERY_STRING"] = safe_query_string(query)
        return self.app(environ, start_response)

"""Input no field can hold: raw non-UTF-8 query strings and NUL characters.

Query strings that are not UTF-8 are read as if the odd bytes had been percent-encoded.

A browser percent-encodes what it sends, but any client can put raw bytes after the `?`.
Werkzeug decodes the raw query string strictly, so `GET /directory?q=\\xff` would raise in
every place that reads `request.args` or `request.full_path` (the error page included). This
middleware percent-encodes the bytes above 0x7f of such a query string, and writes any
percent-escape that is not UTF-8 (`%FF`, raw or sent so) as U+FFFD: the search explains what
it left out (search/params.py).

Uploaded files are read into memory, never spooled to a temporary file.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import IO, Any
from urllib.parse import quote, unquote_to_bytes

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import BaseConverter


def safe_query_string(value: str) -> str:
    """The WSGI query string (bytes as latin-1), with non-ASCII bytes percent-encoded when
    the bytes are not UTF-8, and each name or value whose percent-escapes are not UTF-8
    written with U+FFFD in their place; unchanged otherwise."""
    try:
        data = value.encode("latin-1")
    except UnicodeEncodeError:
        data = value.encode("utf-8", "surrogatepass")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        value = "".join(chr(b) if b < 0x80 else f"%{b:02X}" for b in data)
    if "%" not in value:
        return value
    # Werkzeug would keep such an escape as its three characters ("%FF"), searched as text.
    return "&".join(
        "=".join(_readable(piece) for piece in part.split("=", 1)) for part in value.split("&")
    )


def _readable(piece: str) -> str:
    if "%" not in piece:
        return piece
    raw = unquote_to_bytes(piece.replace("+", " "))
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return quote(raw.decode("utf-8", "replace"), safe="")
    return piece


class QueryStringGuard:
    """WSGI middleware applying `safe_query_string` to every request."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        query = environ.get("QUERY_STRING")
        if query:
            environ["QUERY_STRING"] = safe_query_string(query)
        return self.app(environ, start_response)


# --- NUL characters ----------------------------------------------------------------------
# No field of this app can hold a NUL character (PostgreSQL refuses them in text, and stored
# text drops control characters anyway), yet any client can send one: as `%00` in a query
# string, in a form field or in a path segment. Dropping it where parameters are read keeps it
# out of every query; a path segment holding one matches no route (404).


def _without_nul(value: Any) -> Any:
    return value.replace("\x00", "") if isinstance(value, str) else value


class NulFreeMultiDict(ImmutableMultiDict):
    """Query and form parameters with NUL characters dropped from names and values."""

    def __init__(self, mapping: Any = None) -> None:
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            pairs = list(mapping.items(multi=True))
        elif isinstance(mapping, dict):
            pairs = [
                (key, item)
                for key, value in mapping.items()
                for item in (value if isinstance(value, list | tuple) else [value])
            ]
        else:
            pairs = list(mapping)
        super().__init__([(_without_nul(k), _without_nul(v)) for k, v in pairs])


class InputRequest(Request):
    """The app's request: parameters without NUL characters."""

    parameter_storage_class = NulFreeMultiDict

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        """Uploads stay in memory (MAX_CONTENT_LENGTH bounds them): an import file holds
        contact details, and Werkzeug's temporary file would put them on disk in clear."""
        return io.BytesIO()


class SegmentConverter(BaseConverter):
    """The default URL converter, without control characters in a segment."""

    regex = "[^/\\x00-\\x1f\\x7f]+"


def init_app(app: Flask) -> None:
    """Install the guards: raw query strings, NUL-free parameters, path segments."""
    app.wsgi_app = QueryStringGuard(app.wsgi_app)  # type: ignore[method-assign]
    app.request_class = InputRequest
    app.url_map.converters["default"] = SegmentConverter
    app.url_map.converters["string"] = SegmentConverter

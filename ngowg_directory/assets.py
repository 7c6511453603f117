"""Static files under content-hashed names, cached for a year and precompressed; HTML
compressed where BREACH cannot reach it.

At start-up every file of static/ is copied into `<instance>/static/` twice: under its own
name (short cache, for old links) and as `name.<hash>.ext` (cached for a year, immutable),
with `.gz` and `.br` siblings for text files. WhiteNoise serves that folder in front of the
app, and `url_for('static', filename='css/site.css')` yields the hashed name.

HTML is compressed by Flask-Compress only for requests an attacker cannot have made from
another site (`Sec-Fetch-Site: same-origin` or `none`; without that header, only requests
without a query string). Pages carry the CSRF token next to reflected search terms: a
cross-site page that could trigger many requests and watch their compressed sizes could
otherwise guess the token (BREACH).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import brotli
from flask import Flask, request
from flask import Response as FlaskResponse
from flask_compress import Compress
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response
from whitenoise import WhiteNoise

from .headers import STATIC_HEADERS

logger = logging.getLogger(__name__)

ONE_YEAR = 365 * 24 * 60 * 60
UNHASHED_MAX_AGE = 300
HASH_LENGTH = 12
COMPRESSIBLE = frozenset({".css", ".js", ".svg", ".txt", ".json", ".map", ".html"})
HSTS = "max-age=63072000; includeSubDomains"
SAFE_FETCH_SITES = frozenset({"same-origin", "none"})

compress = Compress()
_compressed: dict[tuple[str, str], bytes] = {}


def hashed_name(relative: str, data: bytes) -> str:
    """`css/site.css` becomes `css/site.<first 12 hex digits of SHA-256>.css`."""
    digest = hashlib.sha256(data).hexdigest()[:HASH_LENGTH]
    stem, dot, suffix = relative.rpartition(".")
    if not dot or "/" in suffix:
        return f"{relative}.{digest}"
    return f"{stem}.{digest}.{suffix}"


def _write_if_changed(path: Path, data: bytes) -> None:
    """Write atomically (several workers may build at once), only when the content differs."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _compressed_variant(data: bytes, encoding: str) -> bytes:
    """gzip (level 9, no timestamp) or brotli (quality 11) of a file, computed once a process."""
    key = (hashlib.sha256(data).hexdigest(), encoding)
    if key not in _compressed:
        if encoding == "gz":
            _compressed[key] = gzip.compress(data, compresslevel=9, mtime=0)
        else:
            _compressed[key] = brotli.compress(data, quality=11)
    return _compressed[key]


def build_static(source: Path, target: Path) -> dict[str, str]:
    """Copy static files into `target` under both names, with compressed siblings.

    Returns the manifest: each file's name relative to `source` and its hashed name."""
    manifest: dict[str, str] = {}
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in relative.split("/")):
            continue
        data = path.read_bytes()
        hashed = hashed_name(relative, data)
        manifest[relative] = hashed
        for name in (relative, hashed):
            _write_if_changed(target / name, data)
            if path.suffix in COMPRESSIBLE:
                for encoding in ("gz", "br"):
                    variant = _compressed_variant(data, encoding)
                    _write_if_changed(target / f"{name}.{encoding}", variant)
    return manifest


class StaticFiles(WhiteNoise):
    """WhiteNoise with a year (not ten) for hashed names and the app's security headers."""

    FOREVER = ONE_YEAR

    def __init__(self, application: Any, root: Path, prefix: str, hashed: set[str], hsts: bool):
        self._hashed_urls = {prefix.rstrip("/") + "/" + name for name in hashed}
        self._hsts = hsts
        super().__init__(
            application,
            root=str(root),
            prefix=prefix,
            max_age=UNHASHED_MAX_AGE,
            allow_all_origins=False,
            add_headers_function=self._security_headers,
            immutable_file_test=lambda _path, url: url in self._hashed_urls,
        )

    def add_mime_headers(self, headers: Headers, path: str, url: str) -> None:
        media_type = self.media_types.get_type(path)
        text = media_type.startswith("text/") or media_type == "application/javascript"
        headers["Content-Type"] = f"{media_type}; charset=utf-8" if text else media_type

    def add_cache_headers(self, headers: Headers, path: str, url: str) -> None:
        if self.immutable_file_test(path, url):
            headers["Cache-Control"] = f"public, max-age={self.FOREVER}, immutable"
        else:
            headers["Cache-Control"] = f"public, max-age={self.max_age}"

    def _security_headers(self, headers: Headers, _path: str, _url: str) -> None:
        """The headers headers.py gives every Flask answer (WhiteNoise answers before Flask)."""
        for name, value in STATIC_HEADERS.items():
            headers.setdefault(name, value)
        if self._hsts:
            headers.setdefault("Strict-Transport-Security", HSTS)


def breach_safe(req: Any) -> bool:
    """True when the request cannot have been made by another site (so compressing is safe)."""
    site = req.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in SAFE_FETCH_SITES
    return not req.query_string


def _add_vary(response: Response, name: str) -> None:
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = name
    elif name.lower() not in vary.lower():
        response.headers["Vary"] = f"{vary}, {name}"


def compress_html(response: FlaskResponse) -> FlaskResponse:
    """Compress an HTML answer when it is safe; say what the answer varies on either way."""
    if response.mimetype != "text/html":
        return response
    _add_vary(response, "Accept-Encoding")
    _add_vary(response, "Sec-Fetch-Site")
    if not breach_safe(request):
        return response
    return compress.after_request(response)


def init_app(app: Flask) -> None:
    """Build the static folder, serve it with WhiteNoise, hash static URLs, compress HTML.

    Register before headers.init_app: after_request hooks run last-registered first, so the
    security headers (and their Vary) are set before the answer is compressed."""
    if app.static_folder is None:
        return
    target = Path(app.instance_path) / "static"
    manifest = build_static(Path(app.static_folder), target)
    logger.debug("Static files built into %s: %s", target, manifest)
    prefix = app.static_url_path or "/static"
    app.wsgi_app = StaticFiles(  # type: ignore[method-assign]
        app.wsgi_app, target, prefix, set(manifest.values()), bool(app.config.get("HSTS"))
    )

    @app.url_defaults
    def hashed_static_url(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]

    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    compress.init_app(app)
    app.after_request(compress_html)

"""Static files under content-hashed names, cached for a year, compressed; HTML compressed
only where a cross-site page cannot have made the request (BREACH)."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotli

from .conftest import Client

ROOT = Path(__file__).resolve().parent.parent
SITE_CSS = (ROOT / "static" / "css" / "site.css").read_bytes()
HASHED = f"/static/css/site.{hashlib.sha256(SITE_CSS).hexdigest()[:12]}.css"


def stylesheet_href(client: Client) -> str:
    html = client.get("/auth/login").get_data(as_text=True)
    match = re.search(r'<link rel="stylesheet" href="([^"]+)">', html)
    assert match, html[:500]
    return match.group(1)


def test_pages_link_the_stylesheet_by_its_content_hash(client):
    assert stylesheet_href(client) == HASHED


def test_hashed_names_are_cached_for_a_year_and_plain_names_briefly(client):
    hashed = client.get(HASHED)
    assert hashed.status_code == 200
    assert hashed.data == SITE_CSS
    assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert hashed.headers["Content-Type"] == "text/css; charset=utf-8"
    plain = client.get("/static/css/site.css")
    assert plain.status_code == 200
    assert plain.data == SITE_CSS
    assert plain.headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/static/css/site.0123456789ab.css").status_code == 404


def test_static_files_carry_the_security_headers(client):
    for path in (HASHED, "/static/css/site.css"):
        headers = client.get(path).headers
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
        assert "Access-Control-Allow-Origin" not in headers


def test_stylesheet_is_served_brotli_or_gzip_as_asked(client):
    br = client.get(HASHED, headers={"Accept-Encoding": "gzip, br"})
    assert br.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in br.headers["Vary"]
    assert brotli.decompress(br.data) == SITE_CSS
    assert len(br.data) < len(SITE_CSS) / 2
    gz = client.get(HASHED, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz.data) == SITE_CSS
    plain = client.get(HASHED)
    assert "Content-Encoding" not in plain.headers
    assert plain.data == SITE_CSS


def test_pages_are_compressed_for_same_site_requests(client, make_user, login):
    login(client, make_user("staff", name="Compressed Reader"))
    response = client.get(
        "/directory?q=reader", headers={"Accept-Encoding": "br", "Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    html = brotli.decompress(response.data).decode()
    assert "Compressed Reader" in html
    vary = [v.strip() for v in response.headers["Vary"].split(",")]
    assert {"Cookie", "Accept-Encoding", "Sec-Fetch-Site"} <= set(vary)
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_a_cross_site_request_could_reflect_into_are_not_compressed(client, make_user, login):
    """BREACH: the CSRF token sits next to the reflected search words; a page on another
    site must not be able to measure compressed sizes of such answers."""
    login(client, make_user("staff"))
    for headers in (
        {"Accept-Encoding": "gzip, br", "Sec-Fetch-Site": "cross-site"},
        {"Accept-Encoding": "gzip, br", "Sec-Fetch-Site": "same-site"},
        {"Accept-Encoding": "gzip, br"},  # an old browser: the query string may be an attack
    ):
        response = client.get("/directory?q=csrf_token", headers=headers)
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers, headers
        assert 'name="csrf_token"' in response.get_data(as_text=True)
    # Without a query string nothing is reflected: compressed even for an old browser.
    response = client.get("/directory", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"

"""The baseline every page shares: headers, cookies, CSRF, the sign-in allow-list, errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import abort
from werkzeug.routing import AnyConverter, IntegerConverter

from ngowg_directory import create_app
from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, Organization
from ngowg_directory.sessions import PUBLIC_ENDPOINTS

from .conftest import FIELD_KEY, PASSWORD, SECRET_KEY, Client

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def check_headers(response, *, page: bool = True) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == EXPECTED_CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]
    if page:
        assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/auth/login", "/healthz", "/nope", "/auth/reset"])
def test_security_headers_on_anonymous_answers(client, path):
    check_headers(client.get(path))


def test_security_headers_and_no_store_on_signed_in_pages(client, make_user, login):
    login(client, make_user("defender"))
    for path in ("/", "/account/security", "/safety", "/does-not-exist"):
        check_headers(client.get(path))


def test_static_files_have_headers_but_may_be_cached(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    check_headers(response, page=False)
    assert response.headers.get("Cache-Control") != "no-store"


def test_no_hsts_outside_production_and_hsts_in_production(client, tmp_path):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    prod = production_app(tmp_path)
    response = prod.test_client().get("/auth/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")


def production_app(tmp_path):
    return create_app(
        "production",
        INSTANCE_PATH=str(tmp_path),
        SECRET_KEY=SECRET_KEY,
        FIELD_ENCRYPTION_KEY=FIELD_KEY,
        WEB_CONCURRENCY=1,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}",
    )


def test_session_cookie_flags_in_development(client):
    cookie = client.get("/auth/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_with_host_prefix_in_production(tmp_path):
    prod = production_app(tmp_path)
    response = prod.test_client().get("/auth/login", base_url="https://directory.example.org")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    assert "Domain=" not in cookie


def test_post_without_csrf_token_is_refused_and_changes_nothing(app, client, make_user):
    user = make_user("defender")
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired or was not sent from this site" in response.get_data(as_text=True)
    assert client.get("/account/security").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 1  # user_created


def test_csrf_token_of_another_session_is_refused(app, client, new_client, make_user, login):
    user = make_user("defender")
    login(client, user)
    foreign = new_client().csrf_token()
    response = client.post("/auth/logout", data={"csrf_token": foreign})
    assert response.status_code == 400
    assert client.get("/account/security").status_code == 200


def test_signed_in_forms_refuse_missing_tokens(app, client, make_user, login):
    admin = make_user("admin")
    login(client, admin)
    response = client.post("/admin/invitations", data={"email": "x@example.org", "role": "staff"})
    assert response.status_code == 400
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "invitation_sent"))
        == 0
    )


def _sample_url(rule) -> str:
    values: dict[str, object] = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]
        if isinstance(converter, IntegerConverter):
            values[arg] = 1
        elif isinstance(converter, AnyConverter):  # one of a few words: the first of them
            values[arg] = sorted(converter.items)[0]
        else:
            values[arg] = "sample"
    return rule.build(values, append_unknown=False)[1]


def test_every_route_outside_the_allow_list_sends_anonymous_visitors_to_sign_in(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = _sample_url(rule)
        if "GET" in rule.methods:
            response = client.get(url)
        else:
            response = client.form(url, {}, page="/auth/login")
        checked += 1
        if rule.endpoint == "api.openapi":
            assert response.status_code == 200  # the description is public
            continue
        if rule.endpoint.startswith("api."):
            # The API answers JSON 401 and asks for a token; it never redirects.
            assert response.status_code == 401, rule.endpoint
            assert response.get_json()["error"]["code"] == "unauthorized"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            continue
        assert response.status_code == 302, f"{rule.endpoint} answered {response.status_code}"
        assert response.headers["Location"].startswith("/auth/login"), rule.endpoint
    assert checked >= 10


def test_allow_list_is_short_and_reachable_anonymously(app, client):
    # Ten pages, and the Council's calendar feed, whose key is its sign-in (a calendar
    # application has no session): without a key it shows nothing.
    assert len(PUBLIC_ENDPOINTS) <= 11
    assert client.get("/council.ics").status_code == 404
    for endpoint in (
        "auth.login",
        "auth.reset_request",
        "main.healthz",
        "main.readyz",
        "main.safety",
    ):
        rule = next(app.url_map.iter_rules(endpoint))
        assert client.get(_sample_url(rule)).status_code == 200, endpoint


def test_templates_have_no_inline_scripts_or_styles():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        assert "<script>" not in text and not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert "<style" not in text, path
        assert not re.search(r"\sstyle=", text), path
        assert not re.search(r"\son[a-z]+=", text), path


# --- error pages -------------------------------------------------------------------------


@pytest.fixture
def error_app(app):
    """The app with a few routes that fail on purpose."""

    @app.get("/test-only/abort/<int:code>")
    def abort_with(code: int):
        abort(code)

    @app.get("/test-only/crash")
    def crash():
        db.session.add(Organization(name="Half-written", slug="half-written"))
        db.session.flush()
        raise RuntimeError("secret detail: SELECT password_hash FROM users")

    return app


@pytest.mark.parametrize(
    ("code", "title"),
    [
        (400, "Bad request"),
        (403, "Not allowed"),
        (404, "Page not found"),
        (413, "File too large"),
        (429, "Too many requests"),
        (500, "Something went wrong"),
    ],
)
def test_error_pages_are_in_the_site_look(error_app, client, make_user, login, code, title):
    login(client, make_user("defender"))
    response = client.get(f"/test-only/abort/{code}")
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert title in html and 'class="site-header"' in html
    assert "Traceback" not in html and "werkzeug" not in html.lower()


def test_405_has_a_page_and_an_allow_header(client, make_user, login):
    login(client, make_user("defender"))
    response = client.get("/account/hide")  # a button's POST (GET /auth/logout is a page now)
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "Method not allowed" in response.get_data(as_text=True)


def test_unexpected_error_rolls_back_and_shows_no_detail(
    error_app, client, make_user, login, caplog
):
    login(client, make_user("defender"))
    response = client.get("/test-only/crash")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html
    for leak in ("Traceback", "RuntimeError", "password_hash", "SELECT"):
        assert leak not in html
    assert (
        db.session.scalar(sa.select(Organization).where(Organization.slug == "half-written"))
        is None
    )
    assert any("unhandled error" in r.getMessage() for r in caplog.records)


def test_api_errors_are_json(client, make_user, login):
    login(client, make_user("defender"))
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"]["code"] == "not_found"
    assert response.get_json()["error"]["message"]


def test_oversized_upload_is_refused_with_413(client, make_user, login, app):
    login(client, make_user("defender"))
    token = client.csrf_token()
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(
        "/account/security", data={"csrf_token": token, "pw-current": big.decode()}
    )
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


def test_a_client_of_another_site_cannot_frame_or_post(client):
    response = client.get("/auth/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "form-action 'self'" in response.headers["Content-Security-Policy"]


def test_client_class_is_used(client):
    assert isinstance(client, Client)

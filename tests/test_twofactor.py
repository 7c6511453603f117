"""Two-factor sign-in: TOTP window and replay, recovery codes, enrolment, required roles."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from ngowg_directory import crypto
from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, RecoveryCode
from ngowg_directory.services import twofactor

from .conftest import PASSWORD, is_postgres, totp_now


def start_sign_in(client, user):
    response = client.form("/auth/login", {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/auth/two-factor"
    return response


def code_answer(client, code):
    return client.form("/auth/two-factor", {"code": code})


def test_secret_is_160_bits_and_stored_encrypted(app, make_user):
    user = make_user("admin")
    assert len(user.totp_secret) == 32  # base32: 32 characters = 160 bits
    raw = db.session.execute(
        sa.text("SELECT totp_secret FROM users WHERE id = :id"), {"id": user.id}
    ).scalar()
    assert user.totp_secret not in raw
    assert crypto.decrypt(raw) == user.totp_secret


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)]
)
def test_window_is_one_step_either_side(app, make_user, offset, accepted):
    user = make_user("admin")
    now = time.time()
    code = pyotp.TOTP(user.totp_secret).at(now + 30 * offset)
    assert twofactor.verify_totp(user, code, at=now) is accepted


def test_a_used_code_is_refused_a_second_time(app, client, new_client, make_user):
    user = make_user("manager")
    code = totp_now(user)
    start_sign_in(client, user)
    assert code_answer(client, code).headers["Location"] == "/"
    second = new_client()
    start_sign_in(second, user)
    response = code_answer(second, code)
    assert response.status_code == 200
    assert "already used" in response.get_data(as_text=True)
    # An older step than the one used is refused too.
    db.session.refresh(user)
    assert twofactor.verify_totp(user, totp_now(user, -1)) is False


def test_password_alone_does_not_sign_in_an_enrolled_user(app, client, make_user):
    user = make_user("defender", totp=True)
    start_sign_in(client, user)
    assert client.get("/account/security").status_code == 302
    assert client.get("/").headers["Location"].startswith("/auth/login")


def test_two_factor_page_without_a_password_step_goes_back_to_sign_in(client):
    response = client.get("/auth/two-factor")
    assert response.headers["Location"] == "/auth/login"


def test_pending_step_expires_after_five_minutes(app, client, make_user):
    user = make_user("admin")
    start_sign_in(client, user)
    with client.session_transaction() as session:
        session["pending_2fa"]["at"] -= 301
        session.modified = True
    response = code_answer(client, totp_now(user))
    assert response.headers["Location"] == "/auth/login"


def test_wrong_codes_count_towards_the_lockout(app, client, make_user):
    user = make_user("admin")
    start_sign_in(client, user)
    for _ in range(4):
        assert code_answer(client, "000000").status_code == 200
    response = code_answer(client, "000000")
    assert response.headers["Location"] == "/auth/login"
    db.session.refresh(user)
    assert user.locked_until is not None
    start = client.form("/auth/login", {"email": user.email, "password": PASSWORD})
    assert start.status_code == 200, "a locked account does not get to the code step"


def enrol(client, user) -> list[str]:
    client.get("/account/security/two-factor")
    with client.session_transaction() as session:
        stored = session["totp_setup"]
    secret = crypto.decrypt(stored)
    response = client.form("/account/security/two-factor", {"code": pyotp.TOTP(secret).now()})
    html = response.get_data(as_text=True)
    return re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", html)


def test_enrolment_shows_qr_svg_and_secret_then_ten_recovery_codes(app, client, make_user, login):
    user = make_user("defender")
    login(client, user)
    page = client.get("/account/security/two-factor").get_data(as_text=True)
    assert "<svg" in page and "style=" not in page.split("<svg", 1)[1].split("</svg>")[0]
    with client.session_transaction() as session:
        stored = session["totp_setup"]
    secret = crypto.decrypt(stored)
    assert secret in page
    assert secret not in stored, "the pending secret is kept encrypted in the cookie"
    codes = enrol(client, user)
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.refresh(user)
    assert user.totp_enabled and user.totp_secret == secret
    stored_hashes = db.session.scalars(
        sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    ).all()
    assert len(stored_hashes) == 10
    assert not any(code in h or code.replace("-", "") in h for code in codes for h in stored_hashes)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "2fa_enabled"))


def test_enrolment_offers_a_link_to_tap_on_the_phone(app, client, make_user, login):
    user = make_user("defender")
    login(client, user)
    page = client.get("/account/security/two-factor").get_data(as_text=True)
    with client.session_transaction() as session:
        secret = crypto.decrypt(session["totp_setup"])
    links = re.findall(r'<a [^>]*href="(otpauth://[^"]+)"[^>]*>', page)
    assert len(links) == 1, "one otpauth:// link beside the QR code"
    tag = re.search(r'<a [^>]*href="otpauth://[^>]*>', page).group(0)
    assert 'rel="noopener noreferrer"' in tag
    uri = links[0].replace("&amp;", "&")
    assert uri == twofactor.provisioning_uri(user, secret), "the same URI the QR code encodes"
    assert f"secret={secret}" in uri
    assert "Open in your authenticator app" in page
    assert secret in page, "the key is still shown as text"


def test_a_wrong_code_does_not_enrol(app, client, make_user, login):
    user = make_user("defender")
    login(client, user)
    client.get("/account/security/two-factor")
    response = client.form("/account/security/two-factor", {"code": "123456"})
    assert "That code is not right" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert not user.totp_enabled


def test_recovery_codes_work_once_each(app, client, new_client, make_user, login):
    user = make_user("defender")
    login(client, user)
    codes = enrol(client, user)
    client.form("/auth/logout", {})
    start_sign_in(client, user)
    assert code_answer(client, codes[3].upper()).headers["Location"] == "/"
    other = new_client()
    start_sign_in(other, user)
    assert code_answer(other, codes[3]).status_code == 200
    assert code_answer(other, codes[4]).headers["Location"] == "/"
    db.session.expire_all()
    assert twofactor.remaining_codes(user) == 8


def test_new_recovery_codes_replace_the_old_ones(app, client, make_user, login):
    user = make_user("defender")
    login(client, user)
    old = enrol(client, user)
    response = client.form("/account/security/recovery-codes", {"codes-current": PASSWORD})
    new = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    db.session.expire_all()
    assert twofactor.use_recovery_code(user, old[0]) is False
    assert twofactor.use_recovery_code(user, new[0]) is True


def test_required_roles_reach_nothing_but_enrolment(app, client, make_user, login):
    admin = make_user("admin", totp=False)
    login(client, admin)
    for path in ("/", "/admin/", "/admin/invitations", "/account/security"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/security/two-factor"
    assert client.get("/account/security/two-factor").status_code == 200
    assert client.get("/safety").status_code == 200
    enrol(client, admin)
    assert client.get("/admin/").status_code == 200


def test_required_roles_cannot_turn_2fa_off(app, client, make_user, login):
    manager = make_user("manager")
    login(client, manager)
    response = client.form("/account/security/two-factor/disable", {"off-current": PASSWORD})
    assert response.status_code == 403
    db.session.refresh(manager)
    assert manager.totp_enabled


def test_others_may_turn_2fa_off_with_their_password(app, client, make_user, login):
    user = make_user("defender")
    login(client, user)
    enrol(client, user)
    client.form("/account/security/two-factor/disable", {"off-current": "wrong password!"})
    db.session.refresh(user)
    assert user.totp_enabled
    client.form("/account/security/two-factor/disable", {"off-current": PASSWORD})
    db.session.refresh(user)
    assert not user.totp_enabled and user.totp_secret is None


class TestNoRequiredRoles:
    @pytest.fixture
    def app_overrides(self):
        return {"TWO_FACTOR_REQUIRED_ROLES": []}

    def test_an_empty_setting_requires_nobody(self, app, client, make_user, login):
        admin = make_user("admin")
        login(client, admin)
        assert client.get("/admin/").status_code == 200


def test_postgres_marker(app):
    """Documents which database this run used (visible in -v output)."""
    assert db.engine.dialect.name == ("postgresql" if is_postgres() else "sqlite")

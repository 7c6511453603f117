"""Sessions: renewed at sign-in; ended by sign-out, password, 2FA, suspension and time."""

from __future__ import annotations

import time

from flask.sessions import SecureCookieSessionInterface

from ngowg_directory.extensions import db
from ngowg_directory.services import accounts

from .conftest import PASSWORD

SIGNED_IN_PAGE = "/account/security"


def cookie_of(client, app) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def reaches(app, cookie_value: str, path: str = SIGNED_IN_PAGE) -> bool:
    """Would a browser holding only this cookie reach a signed-in page?"""
    from .conftest import Client

    app.test_client_class = Client
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie_value)
    return other.get(path).status_code == 200


def read_session(app, cookie_value: str) -> dict:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.loads(cookie_value)


def test_session_is_renewed_at_sign_in(app, client, make_user, login):
    user = make_user("defender")
    client.get("/auth/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone before sign-in"
    before = cookie_of(client, app)
    login(client, user)
    after = cookie_of(client, app)
    assert after != before
    data = read_session(app, after)
    assert "planted" not in data
    assert data["_user_id"] == f"{user.id}.{user.session_version}"
    assert not reaches(app, before)


def test_cookie_copied_before_sign_out_no_longer_works(app, client, make_user, login):
    user = make_user("defender")
    login(client, user)
    copied = cookie_of(client, app)
    assert reaches(app, copied)
    response = client.form("/auth/logout", {})
    assert response.headers["Location"] == "/auth/login"
    assert not reaches(app, copied)


def test_sign_out_ends_every_session_of_the_user(app, new_client, make_user, login):
    user = make_user("staff")
    laptop, phone = new_client(), new_client()
    login(laptop, user)
    login(phone, user)
    phone_cookie = cookie_of(phone, app)
    laptop.form("/auth/logout", {})
    assert not reaches(app, phone_cookie)


def test_password_change_ends_other_sessions_but_keeps_this_one(app, new_client, make_user, login):
    user = make_user("staff")
    laptop, phone = new_client(), new_client()
    login(laptop, user)
    login(phone, user)
    phone_cookie = cookie_of(phone, app)
    response = laptop.form(
        "/account/security",
        {
            "pw-current": PASSWORD,
            "pw-password": "a brand new passphrase",
            "pw-confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert laptop.get(SIGNED_IN_PAGE).status_code == 200
    assert not reaches(app, phone_cookie)


def test_turning_2fa_on_ends_other_sessions(app, new_client, make_user, login):
    import pyotp

    user = make_user("defender")
    laptop, phone = new_client(), new_client()
    login(laptop, user)
    login(phone, user)
    phone_cookie = cookie_of(phone, app)
    laptop.get("/account/security/two-factor")
    from ngowg_directory import crypto

    with laptop.session_transaction() as session:
        stored = session["totp_setup"]
    secret = crypto.decrypt(stored)
    response = laptop.form("/account/security/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert "Your recovery codes" in response.get_data(as_text=True)
    assert laptop.get(SIGNED_IN_PAGE).status_code == 200
    assert not reaches(app, phone_cookie)


def test_suspension_ends_every_session_at_once(app, client, make_user, login):
    user = make_user("policy_maker")
    login(client, user)
    copied = cookie_of(client, app)
    db.session.refresh(user)
    accounts.suspend(user, actor=None)
    db.session.commit()
    assert not reaches(app, copied)
    assert client.get(SIGNED_IN_PAGE).status_code == 302


def _age_session(client, **seconds_ago: int) -> None:
    with client.session_transaction() as session:
        for key, ago in seconds_ago.items():
            session[key] = int(time.time()) - ago


def test_thirty_minutes_idle_end_the_session(app, client, make_user, login):
    user = make_user("defender")
    login(client, user)
    _age_session(client, seen=29 * 60)
    assert client.get(SIGNED_IN_PAGE).status_code == 200
    _age_session(client, seen=31 * 60)
    response = client.get(SIGNED_IN_PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert "Your session ended" in client.get("/auth/login").get_data(as_text=True)


def test_activity_keeps_the_session_alive(app, client, make_user, login):
    user = make_user("defender")
    login(client, user)
    _age_session(client, seen=25 * 60)
    assert client.get(SIGNED_IN_PAGE).status_code == 200
    # The visit just now counts as activity: 25 more minutes are fine.
    with client.session_transaction() as session:
        session["seen"] -= 25 * 60 - (int(time.time()) - session["seen"])
    assert client.get(SIGNED_IN_PAGE).status_code == 200


def test_twelve_hours_end_the_session_even_when_active(app, client, make_user, login):
    user = make_user("defender")
    login(client, user)
    _age_session(client, started=12 * 3600 + 5, seen=10)
    assert client.get(SIGNED_IN_PAGE).status_code == 302


def test_a_forged_session_version_is_refused(app, client, make_user, login):
    user = make_user("defender")
    login(client, user)
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}.999"
    assert client.get(SIGNED_IN_PAGE).status_code == 302

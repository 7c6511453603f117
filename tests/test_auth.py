"""Sign-in: same answer for unknown and wrong, lockout, per-address limits, sessions."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import accounts, passwords
from ngowg_directory.services.importer import PEOPLE_COLUMNS
from testsupport.signin import send_password

from .conftest import PASSWORD

FAILED = "The e-mail address or password is not right"


def actions(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_sign_in_page_has_the_contract_fields(client):
    html = client.get("/auth/login").get_data(as_text=True)
    for name in ('name="email"', 'name="password"', 'name="csrf_token"'):
        assert name in html


def test_successful_sign_in_lands_on_the_start_page_and_is_audited(client, make_user):
    user = make_user("defender", name="Aïssata Traoré")
    response = send_password(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Aïssata Traoré" in client.get("/").get_data(as_text=True)
    assert [e.target_id for e in actions("login_success")] == [user.id]


def test_email_is_matched_without_regard_to_case(client, make_user):
    user = make_user("defender", email="Hawa.Nyakuong@Example.org")
    response = send_password(client, "HAWA.NYAKUONG@example.ORG", PASSWORD)
    assert response.status_code == 302
    assert user.email == "hawa.nyakuong@example.org"


def test_unknown_email_and_wrong_password_get_the_same_answer_and_work(
    app, client, new_client, make_user, monkeypatch
):
    user = make_user("defender")
    verified = []
    real = passwords.hasher

    def counting():
        hasher = real()
        verified.append(1)
        return hasher

    monkeypatch.setattr(passwords, "hasher", counting)
    unknown = send_password(client, "nobody@example.org", PASSWORD)
    unknown_checks = len(verified)
    wrong = send_password(new_client(), user.email, "wrong password here")
    assert unknown.status_code == wrong.status_code == 200
    assert FAILED in unknown.get_data(as_text=True)
    assert FAILED in wrong.get_data(as_text=True)
    # argon2 runs once in both cases, so the time taken is about the same.
    assert unknown_checks == 1
    assert len(verified) - unknown_checks == 1


def test_the_sign_in_time_is_similar_for_unknown_and_known_accounts(app, client, make_user):
    app.config["ARGON2_PROFILE"] = "RFC_9106_LOW_MEMORY"
    user = make_user("defender")

    def timed(email):
        start = time.perf_counter()
        send_password(client, email, "wrong password here")
        return time.perf_counter() - start

    timed("warm-up@example.org")
    unknown = min(timed("nobody@example.org") for _ in range(3))
    known = min(timed(user.email) for _ in range(3))
    # Both include one full argon2 verification; neither is a fraction of the other.
    assert 0.5 < unknown / known < 2.0


def test_invited_account_without_password_cannot_sign_in(client, app):
    accounts.create_user("invited@example.org", "staff")
    db.session.commit()
    response = send_password(client, "invited@example.org", PASSWORD)
    assert FAILED in response.get_data(as_text=True)


SUSPENDED = "Your account is suspended, so you cannot sign in."


def test_suspended_account_cannot_sign_in_and_is_told_so_after_the_right_password(
    app, client, new_client, make_user
):
    user = make_user("staff")
    accounts.suspend(user, actor=None)
    db.session.commit()
    response = send_password(client, user.email, PASSWORD)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert SUSPENDED in page
    assert "please contact the secretariat of the NGO Working Group" in page
    assert FAILED not in page
    assert client.get("/").headers["Location"].startswith("/auth/login")
    assert [e.details["reason"] for e in actions("login_failure")] == ["suspended"]
    # Without her password nobody learns that the account exists, let alone its state.
    wrong = send_password(new_client(), user.email, "not her password at all").get_data(
        as_text=True
    )
    assert FAILED in wrong and "suspended" not in wrong
    # Where the secretariat can be written to, the page says where.
    app.config["SECRETARIAT_EMAIL"] = "secretariat@ngowg.example"
    page = send_password(new_client(), user.email, PASSWORD).get_data(as_text=True)
    assert "please write to the secretariat at secretariat@ngowg.example." in page


def test_five_failures_lock_the_account_for_15_minutes(client, make_user, mailbox):
    user = make_user("policy_maker")
    for _ in range(5):
        send_password(client, user.email, "not the password")
    response = send_password(client, user.email, PASSWORD)
    assert response.status_code == 200, "the right password must not open a locked account"
    assert FAILED in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.locked_until is not None
    minutes = (user.locked_until - utcnow()).total_seconds() / 60
    assert 14 < minutes <= 15
    assert len(actions("lockout")) == 1
    notices = mailbox.to(user.email)
    assert len(notices) == 1 and "locked" in notices[0]["Subject"]
    # When the lock has run out, the right password works again.
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert send_password(client, user.email, PASSWORD).status_code == 302


def test_failures_spread_over_more_than_15_minutes_do_not_lock(client, make_user):
    user = make_user("policy_maker")
    for _ in range(4):
        send_password(client, user.email, "not the password")
    db.session.refresh(user)
    user.failed_window_start = utcnow() - timedelta(minutes=16)
    db.session.commit()
    send_password(client, user.email, "not the password")
    db.session.refresh(user)
    assert user.locked_until is None
    assert send_password(client, user.email, PASSWORD).status_code == 302


def test_a_locked_account_does_not_check_the_password(client, make_user, monkeypatch):
    user = make_user("defender")
    user.locked_until = utcnow() + timedelta(minutes=10)
    db.session.commit()
    seen = []
    real_verify = passwords.verify_password

    def spy(stored, password):
        seen.append(stored)
        return real_verify(stored, password)

    monkeypatch.setattr(passwords, "verify_password", spy)
    send_password(client, user.email, PASSWORD)
    assert seen == [None], "only the dummy hash may be verified while locked"


class TestPerAddressLimit:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_LOGIN": "3 per minute"}

    def test_too_many_attempts_from_one_address_get_429(self, client, make_user):
        user = make_user("defender")
        for _ in range(3):
            assert (
                send_password(client, "nobody@example.org", "whatever password").status_code == 200
            )
        response = send_password(client, user.email, PASSWORD)
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 0
        html = response.get_data(as_text=True)
        assert "Too many requests" in html and "Try again in" in html
        assert 'class="site-header"' in html
        # Another address is not affected.
        other = client.form(
            "/auth/login",
            {"email": user.email, "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "192.0.2.7"},
        )
        assert other.status_code == 302

    def test_reading_the_sign_in_page_is_not_limited(self, client):
        for _ in range(6):
            assert client.get("/auth/login").status_code == 200


def test_next_parameter_only_leads_to_local_pages(client, make_user):
    user = make_user("defender")
    response = client.form(
        "/auth/login?next=https://evil.example/", {"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"
    client.form("/auth/logout", {})
    response = client.form(
        "/auth/login?next=/account/security", {"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account/security"


def test_anonymous_visitor_is_sent_to_sign_in_and_back(client, make_user):
    response = client.get("/account/security")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/account/security"


# --- paths people type -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "/signin", "/sign-in", "/log-in", "/register"])
def test_a_typed_sign_in_path_leads_to_sign_in_and_then_to_the_start_page(client, make_user, path):
    user = make_user("defender", name="Typed Path")
    page = client.get(path, follow_redirects=True)
    assert page.status_code == 200 and page.request.path == "/auth/login"
    # The form posts where the page says (its `next` is the typed path).
    action = re.search(
        r'<form method="post" action="(/auth/login[^"]*)"', page.get_data(as_text=True)
    )
    answer = client.form(unescape(action.group(1)), {"email": user.email, "password": PASSWORD})
    assert answer.headers["Location"] == "/"
    assert "Typed Path" in client.get("/").get_data(as_text=True)
    # Signed in, the same path goes to the start page, not to a page that is not found.
    again = client.get(path, follow_redirects=True)
    assert again.status_code == 200 and again.request.path == "/"


def test_sign_in_never_continues_to_a_sign_in_or_sign_out_page(client, make_user):
    user = make_user("defender")
    lands = {
        target: "/"
        for target in ("/login", "/auth/login", "/sign-in?next=/logout", "/logout", "/auth/logout")
    }
    # A page behind sign-in is still where she goes on to, through a typed path too.
    for target in (
        "/account/security",
        "/login?next=/account/security",
        "/auth/login?next=/account/security",
    ):
        lands[target] = "/account/security"
    for target, expected in lands.items():
        response = client.form(
            "/auth/login",
            {"email": user.email, "password": PASSWORD},
            query_string={"next": target},
        )
        assert response.headers["Location"] == expected, target
        client.form("/auth/logout", {})
    page = client.get("/login?next=/account/security", follow_redirects=True)
    action = re.search(
        r'<form method="post" action="(/auth/login[^"]*)"', page.get_data(as_text=True)
    )
    answer = client.form(unescape(action.group(1)), {"email": user.email, "password": PASSWORD})
    assert client.get(answer.headers["Location"], follow_redirects=True).request.path == (
        "/account/security"
    )


@pytest.mark.parametrize("path", ["/logout", "/signout", "/sign-out", "/log-out", "/auth/logout"])
def test_a_typed_sign_out_path_asks_then_signs_out(client, make_user, login, path):
    user = make_user("defender")
    # Signed out already: the sign-in page.
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200 and response.request.path == "/auth/login"
    login(client, user)
    response = client.get(path, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.request.path == "/auth/logout"
    assert 'action="/auth/logout"' in page
    # Opening the page signs nobody out: a link alone (an image on another site) cannot.
    assert client.get("/account/security").status_code == 200
    answer = client.form("/auth/logout", {}, page="/auth/logout")
    assert answer.headers["Location"] == "/auth/login"
    assert client.get("/account/security").headers["Location"].startswith("/auth/login")


# --- accepting an invitation -------------------------------------------------------------------


def test_the_invitation_page_holds_the_name_the_invitation_gave(app, runner, tmp_path, mailbox):
    path = tmp_path / "people.csv"
    path.write_text(
        ",".join(PEOPLE_COLUMNS) + "\nsalma@example.org,Salma Idris,staff,,,,,,,,,,,\n",
        encoding="utf-8",
    )
    assert runner.invoke(args=["import-people", str(path)]).exit_code == 0
    (link,) = [link for link in mailbox.links("salma@example.org") if "/auth/invite/" in link]
    page_path = link.split("directory.test", 1)[1]
    client = app.test_client()
    page = client.get(page_path).get_data(as_text=True)
    field = re.search(r'<input[^>]* name="name"[^>]*>', page).group(0)
    assert 'value="Salma Idris"' in field
    # Leaving the name empty gets a message that says what to do (and changes nothing).
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "password": PASSWORD, "confirm": PASSWORD}
    emptied = client.post(page_path, data={**form, "name": ""}).get_data(as_text=True)
    assert "Please give a name; a pseudonym is fine." in emptied
    assert "This field is required" not in emptied
    assert accounts.find_by_email("salma@example.org").status == "invited"
    # What the browser sends back as the page filled it in creates her account.
    answer = client.post(page_path, data={**form, "name": "Salma Idris"})
    assert answer.headers["Location"] == "/account/consent"
    db.session.expire_all()
    user = accounts.find_by_email("salma@example.org")
    assert user.status == "active" and user.name == "Salma Idris"

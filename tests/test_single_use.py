"""Single use under concurrency: one authenticator code, one recovery code, one invitation link
and one reset link, each spent by several browsers at the same moment, let exactly one in.

Each browser is its own test client with its own session (its own pending sign-in or its own
open link page), so each request runs in its own app context on its own database connection;
a barrier releases the requests together.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, RecoveryCode
from ngowg_directory.services import accounts, invitations, twofactor

from .conftest import PASSWORD, totp_now

BROWSERS = 8
CODE_REFUSED = "That code is not right, or it was already used."
LINK_REFUSED = "This link does not work"


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    # Eight sign-ins from one test address in a few seconds: the per-address limit and the
    # lockout would answer instead of the code check; this module tests the code check.
    # The browsers share one process here (in production each worker serves one request at a
    # time): its pool holds a connection for each, or the requests would queue for one.
    return {
        "RATELIMIT_LOGIN": "1000 per minute",
        "LOCKOUT_THRESHOLD": 1000,
        "DATABASE_POOL_SIZE": BROWSERS,
    }


def at_once(browsers: list[Any], send: Callable[[Any], Any]) -> list[Any]:
    """Send one request from every browser at the same moment; their responses, in order.

    The requests start together (a barrier), and each one's first write waits until every
    request has reached its own first write: by then each has read and checked what it is
    about to spend. That is the interleaving a check made in Python cannot survive, made
    certain instead of left to the thread scheduler; an atomic claim (the first write) lets
    exactly one through.
    """
    start = threading.Barrier(len(browsers))
    writes = threading.Barrier(len(browsers))
    local = threading.local()
    responses: list[Any] = [None] * len(browsers)
    errors: list[BaseException] = []

    def hold_first_write(conn, cursor, statement, parameters, context, executemany) -> None:
        if not getattr(local, "browser", False) or getattr(local, "wrote", False):
            return
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            local.wrote = True
            # Every request here writes (its claim); a broken barrier fails the test below.
            with contextlib.suppress(threading.BrokenBarrierError):
                writes.wait(timeout=20)

    def run(index: int) -> None:
        local.browser = True
        try:
            start.wait(timeout=60)
            responses[index] = send(browsers[index])
        except BaseException as exc:
            errors.append(exc)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", hold_first_write)
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(browsers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        sa.event.remove(engine, "before_cursor_execute", hold_first_write)
    assert not errors, errors
    assert not writes.broken, "every request reaches its first write before any writes"
    assert all(response is not None for response in responses)
    return responses


def signed_in(browser: Any) -> bool:
    """True when this browser reaches a page that needs a sign-in."""
    return browser.get("/account/security").status_code == 200


def pending_sign_ins(new_client, user) -> list[tuple[Any, str]]:
    """Browsers that each passed the password step, with the CSRF token of their code page."""
    browsers = []
    for _ in range(BROWSERS):
        browser = new_client()
        response = browser.form("/auth/login", {"email": user.email, "password": PASSWORD})
        assert response.headers["Location"] == "/auth/two-factor"
        browsers.append((browser, browser.csrf_token("/auth/two-factor")))
    return browsers


def send_code(code: str) -> Callable[[tuple[Any, str]], Any]:
    def send(item: tuple[Any, str]) -> Any:
        browser, token = item
        return browser.post("/auth/two-factor", data={"code": code, "csrf_token": token})

    return send


def assert_one_signed_in(browsers: list[tuple[Any, str]], responses: list[Any]) -> None:
    winners = [r for r in responses if r.status_code == 302 and r.headers["Location"] == "/"]
    assert len(winners) == 1, [r.status_code for r in responses]
    for response in responses:
        if response not in winners:
            assert response.status_code == 200
            assert CODE_REFUSED in response.get_data(as_text=True)
    assert sum(signed_in(browser) for browser, _token in browsers) == 1


def test_one_authenticator_code_from_eight_pending_sign_ins_lets_one_in(app, new_client, make_user):
    user = make_user("manager")
    browsers = pending_sign_ins(new_client, user)
    responses = at_once(browsers, send_code(totp_now(user)))
    assert_one_signed_in(browsers, responses)
    successes = db.session.scalar(
        sa.select(sa.func.count()).where(
            AuditEvent.action == "login_success", AuditEvent.target_id == user.id
        )
    )
    assert successes == 1


def test_one_recovery_code_from_eight_pending_sign_ins_lets_one_in(app, new_client, make_user):
    user = make_user("defender", totp=True)
    codes = twofactor.regenerate_recovery_codes(user, event=None)
    db.session.commit()
    browsers = pending_sign_ins(new_client, user)
    responses = at_once(browsers, send_code(codes[0]))
    assert_one_signed_in(browsers, responses)
    used = db.session.scalar(
        sa.select(sa.func.count()).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_not(None)
        )
    )
    assert used == 1
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "recovery_code_used")
        )
        == 1
    )


def test_one_code_at_reauthentication_from_eight_sessions_confirms_one(app, new_client, make_user):
    admin = make_user("admin")
    codes = twofactor.regenerate_recovery_codes(admin, event=None)
    db.session.commit()
    browsers = []
    for browser, token in pending_sign_ins(new_client, admin):
        response = send_code(codes.pop())((browser, token))
        assert response.headers["Location"] == "/"
        browsers.append((browser, browser.csrf_token("/auth/reauthenticate")))
    code = totp_now(admin)

    def send(item: tuple[Any, str]) -> Any:
        browser, token = item
        data = {"password": PASSWORD, "code": code, "csrf_token": token}
        return browser.post("/auth/reauthenticate?next=/admin/", data=data)

    responses = at_once(browsers, send)
    confirmed = [r for r in responses if r.status_code == 302]
    assert len(confirmed) == 1, [r.status_code for r in responses]
    assert confirmed[0].headers["Location"] == "/admin/"
    for response in responses:
        if response is not confirmed[0]:
            assert response.status_code == 200
            assert "The password or the code is not right." in response.get_data(as_text=True)


def open_link(new_client, link: str) -> list[tuple[Any, str]]:
    """Browsers that each opened the link's page, with the CSRF token of its form."""
    browsers = []
    for _ in range(BROWSERS):
        browser = new_client()
        assert browser.get(link).status_code == 200
        browsers.append((browser, browser.csrf_token(link)))
    return browsers


def send_password(link: str, **fields: str) -> Callable[[tuple[Any, str]], Any]:
    def send(item: tuple[Any, str]) -> Any:
        browser, token = item
        password = f"{PASSWORD} {id(browser)}"  # each browser chooses its own password
        data = {**fields, "password": password, "confirm": password, "csrf_token": token}
        response = browser.post(link, data=data)
        response.chosen_password = password
        return response

    return send


def passwords_that_work(new_client, email: str, responses: list[Any]) -> list[str]:
    working = []
    for response in responses:
        browser = new_client()
        answer = browser.form("/auth/login", {"email": email, "password": response.chosen_password})
        if answer.status_code == 302:
            working.append(response.chosen_password)
    return working


def test_one_invitation_link_opened_in_eight_browsers_makes_one_account(app, new_client, mailbox):
    sent = invitations.invite("invited.once@example.org", "policy_maker")
    db.session.commit()
    link = "/auth/invite/" + sent.link.rsplit("/", 1)[1]
    browsers = open_link(new_client, link)
    responses = at_once(browsers, send_password(link, name="Amal Idris"))
    accepted = [r for r in responses if r.status_code == 302]
    assert len(accepted) == 1, [r.status_code for r in responses]
    for response in responses:
        if response is not accepted[0]:
            assert response.status_code == 400
            assert LINK_REFUSED in response.get_data(as_text=True)
    assert sum(signed_in(browser) for browser, _token in browsers) == 1
    db.session.expire_all()
    assert passwords_that_work(new_client, sent.invitation.user.email, responses) == [
        accepted[0].chosen_password
    ]
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "invitation_accepted")
        )
        == 1
    )


def test_one_reset_link_opened_in_eight_browsers_sets_one_password(app, new_client, make_user):
    user = make_user("defender")
    link = f"/auth/reset/{accounts.make_reset_token(user)}"
    db.session.commit()
    browsers = open_link(new_client, link)
    responses = at_once(browsers, send_password(link))
    changed = [r for r in responses if r.status_code == 302]
    assert len(changed) == 1, [r.status_code for r in responses]
    assert changed[0].headers["Location"] == "/auth/login"
    for response in responses:
        if response is not changed[0]:
            assert response.status_code == 400
            assert LINK_REFUSED in response.get_data(as_text=True)
    db.session.expire_all()
    assert passwords_that_work(new_client, user.email, responses) == [changed[0].chosen_password]
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "password_reset"))
        == 1
    )

"""API tokens are as strong as a sign-in: made with the password (and a code where two-factor
is on), dead after whatever changes what they were made with (the owner is told by e-mail),
and never back on reactivation. Every step goes through the real pages, the CLI or the API."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.header import decode_header, make_header

import pyotp
import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import ApiToken, AuditEvent, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import tokens
from testsupport.http import Browser, bearer
from testsupport.servers import ServerPool, app_env, ngowg, worker_pids

from .conftest import PASSWORD, Mailbox, next_code, totp_now
from .test_multiprocess import source_address

NEW_PASSWORD = "a fresh passphrase nobody guesses"
SECRET_RE = re.compile(r'<code class="secret" dir="ltr">([^<]+)</code>')
REVOKED_SUBJECT = "Your directory API tokens were revoked"
REVOKED_SUBJECT_FR = "Vos jetons d'API de l'annuaire ont été révoqués"


def subject(message) -> str:
    """The decoded Subject header (RFC 2047 words joined)."""
    return str(make_header(decode_header(message["Subject"])))


def make_token(client, password: str = PASSWORD, code: str | None = None, name: str = "our CRM"):
    """Post the token form; (the new token or None, the page's text)."""
    data = {"name": name, "days": "90", "password": password}
    if code is not None:
        data["code"] = code
    page = client.form("/account/tokens", data).get_data(as_text=True)
    match = SECRET_RE.search(page)
    return (match.group(1) if match else None), page


def api_status(client, token: str, path: str = "/api/v1/people") -> int:
    return client.get(path, headers=bearer(token)).status_code


def token_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(ApiToken.id))) or 0


def failures(user: User) -> list[str | None]:
    rows = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "login_failure", AuditEvent.target_id == user.id
        )
    )
    return [(row.details or {}).get("reason") for row in rows]


# --- making a token --------------------------------------------------------------------------


def test_a_session_cookie_alone_cannot_make_a_token(client, make_user, login):
    """Whoever holds her cookie (a thief, a shared computer) also needs her password."""
    victim = make_user("defender")
    login(client, victim)
    for password, message in (
        ("", "This field is required."),
        ("a guess at her password", "The password is not right, so no token was made."),
    ):
        token, page = make_token(client, password=password)
        assert token is None and "ngowg_" not in page
        assert message in page
    assert token_count() == 0
    assert failures(victim) == ["password"], "the wrong password counts as a failed sign-in"
    token, _page = make_token(client)
    assert token is not None and api_status(client, token) == 200


def test_where_two_factor_is_on_a_token_needs_a_current_code(client, make_user, login):
    user = make_user("defender", totp=True)
    login(client, user)
    db.session.refresh(user)
    spent = totp_now(user, user.totp_last_step - int(time.time() // 30))
    page = client.get("/account/tokens").get_data(as_text=True)
    assert 'name="code"' in page and 'name="password"' in page
    for password, code in (
        (PASSWORD, ""),
        (PASSWORD, "000000"),
        (PASSWORD, spent),  # the code her sign-in used: never twice
        ("not her password", next_code(user)),
    ):
        token, page = make_token(client, password=password, code=code)
        assert token is None
        assert "The password or the code is not right, so no token was made." in page
    assert token_count() == 0
    assert failures(user) == ["two_factor", "two_factor", "two_factor", "password"]
    token, _page = make_token(client, code=next_code(user))
    assert token is not None and api_status(client, token) == 200


def test_wrong_passwords_at_the_token_form_lock_the_account(
    client, make_user, login, new_client, mailbox
):
    user = make_user("staff")
    login(client, user)
    for attempt in range(5):
        token, _page = make_token(client, password=f"guess number {attempt}")
        assert token is None
    db.session.refresh(user)
    assert user.locked_until is not None
    assert len(mailbox.to(user.email)) == 1, "the owner is told her account was locked"
    token, page = make_token(client)  # even the right password, while locked
    assert token is None and "no token was made" in page
    assert token_count() == 0
    other = new_client()
    answer = other.form("/auth/login", {"email": user.email, "password": PASSWORD})
    assert answer.status_code == 200, "the lock holds for sign-in too"


def test_the_security_page_leads_to_the_tokens(client, make_user, login):
    login(client, make_user("staff"))
    assert 'href="/account/tokens"' in client.get("/account/security").get_data(as_text=True)


# --- every way a token dies --------------------------------------------------------------------


@dataclass
class Owner:
    user: User
    client: object
    token: str


@pytest.fixture
def owner(make_user, login, new_client):
    """Make a person of a role with a working token, made through the page."""

    def make(role: str = "defender", *, totp: bool = False, locale: str | None = None) -> Owner:
        user = make_user(role, org="wilpf", totp=totp or None, name="Token Owner")
        user.locale = locale
        db.session.commit()
        browser = new_client()
        login(browser, user)
        token, _page = make_token(browser, code=next_code(user) if user.totp_enabled else None)
        assert token is not None and api_status(browser, token) == 200
        return Owner(user, browser, token)

    return make


@pytest.fixture
def admin(make_user, login, new_client):
    """A browser signed in as an admin a moment ago (fresh enough for admin actions)."""
    browser = new_client()
    browser.user = make_user("admin", name="Secretariat")
    login(browser, browser.user)
    return browser


def admin_act(admin, person: User, action: str, **data) -> None:
    page = f"/admin/people/{person.id}"
    answer = admin.form(f"{page}/{action}", data, page=page)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]


def change_password(o, **_):
    o.client.form(
        "/account/security",
        {"pw-current": PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD},
    )


def reset_password(o, mailbox, new_client, **_):
    stranger = new_client()
    stranger.form("/auth/reset", {"email": o.user.email})
    (link,) = mailbox.links(o.user.email)
    path = link.removeprefix("http://directory.test")
    mailbox.clear()
    stranger.form(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, page=path)


def cli_set_password(o, runner, **_):
    result = runner.invoke(args=["set-password", o.user.email], input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output


def turn_two_factor_on(o, **_):
    enrol(o.client, o.user)


def turn_two_factor_off(o, **_):
    o.client.form(
        "/account/security/two-factor/disable", {"off-current": PASSWORD}, page="/account/security"
    )


def admin_resets_two_factor(o, admin, **_):
    admin_act(admin, o.user, "reset-2fa")


def admin_changes_role(o, admin, **_):
    admin_act(admin, o.user, "role", role="policy_maker")


def admin_makes_manager(o, admin, **_):
    page = "/orgs/wilpf/people"
    admin.form("/admin/organizations/wilpf/managers", {"email": o.user.email}, page=page)


def manager_makes_manager(o, make_user, login, new_client, **_):
    o.user.profile.consent_at = utcnow()  # listed: a manager acts on listed members
    db.session.commit()
    manager = make_user("manager", org="wilpf")
    browser = new_client()
    login(browser, manager)
    page = "/orgs/wilpf/people"
    browser.form(f"/orgs/wilpf/people/{o.user.id}/make-manager", {}, page=page)


def admin_suspends(o, admin, **_):
    admin_act(admin, o.user, "suspend", reason="Reported by two members")


def admin_deletes(o, admin, **_):
    answer = admin.form(f"/admin/people/{o.user.id}/delete", {}, page="/admin/people")
    assert answer.status_code == 302


def she_deletes_her_account(o, **_):
    o.client.form("/account/delete", {"current": PASSWORD, "confirm": "y"})


def code_that_forgets_to_revoke(o, **_):
    """A future path that changes the role without calling tokens.revoke_all."""
    user = db.session.get(User, o.user.id)
    user.role = "policy_maker"
    db.session.commit()


PATHS: dict[str, tuple[Callable, str, bool, str]] = {
    # name: (action, role, two-factor on, what the notice says)
    "password change": (change_password, "defender", False, "Your password was changed"),
    "password reset": (reset_password, "staff", False, "Your password was changed"),
    "set-password on the command line": (
        cli_set_password,
        "policy_maker",
        False,
        "Your password was changed",
    ),
    "two-factor turned on": (turn_two_factor_on, "defender", False, "Two-factor sign-in was"),
    "two-factor turned off": (turn_two_factor_off, "defender", True, "Two-factor sign-in was"),
    "two-factor reset by an admin": (
        admin_resets_two_factor,
        "staff",
        True,
        "The secretariat reset your two-factor",
    ),
    "role changed by an admin": (admin_changes_role, "staff", False, "Your role in the directory"),
    "made a manager by an admin": (
        admin_makes_manager,
        "staff",
        False,
        "Your role in the directory",
    ),
    # Staff only: a defender is not offered it, and refused (services.orgs.MAY_BECOME_MANAGER).
    "made a manager by her manager": (
        manager_makes_manager,
        "staff",
        False,
        "Your role in the directory",
    ),
    # In French: the notice speaks her language.
    "suspension": (admin_suspends, "defender", False, "Votre compte a été suspendu"),
    "deletion by an admin": (admin_deletes, "staff", False, "Your account was deleted"),
    "deletion by herself": (she_deletes_her_account, "defender", False, "Your account was deleted"),
    "a path that forgets": (code_that_forgets_to_revoke, "staff", False, "Your role"),
}


@pytest.mark.parametrize("path", list(PATHS))
def test_every_change_of_what_a_token_was_made_with_kills_it_and_tells_her(
    path, owner, admin, mailbox: Mailbox, make_user, login, new_client, runner
):
    action, role, totp, says = PATHS[path]
    o = owner(role, totp=totp, locale="fr" if path == "suspension" else None)
    _row, second = tokens.create(db.session.get(User, o.user.id), "second", 30)
    db.session.commit()
    mailbox.clear()
    action(
        o,
        admin=admin,
        mailbox=mailbox,
        new_client=new_client,
        runner=runner,
        make_user=make_user,
        login=login,
    )
    stranger = new_client()  # no cookie: the API reads only the token
    for token in (o.token, second):
        answer = stranger.get("/api/v1/people", headers=bearer(token))
        assert answer.status_code == 401, f"{path}: the token still answers {answer.status_code}"
    expected = REVOKED_SUBJECT_FR if path == "suspension" else REVOKED_SUBJECT
    notices = [m for m in mailbox.to(o.user.email) if subject(m) == expected]
    assert len(notices) == 1, f"{path}: {[subject(m) for m in mailbox.to(o.user.email)]}"
    body = Mailbox.body(notices[0])
    assert says in body and "our CRM" in body and "second" in body
    raw = b"".join(mailbox.raw).decode("utf-8", "replace")
    for token in (o.token, second):
        assert token not in raw and token[:12] not in raw, "no token, no prefix in any mail"
    if path == "suspension":
        assert body.startswith("Bonjour,"), "the notice speaks her language"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "tokens_revoked"))
    assert event is not None and event.target_id == o.user.id and event.details["count"] == 2


def test_reactivation_does_not_bring_tokens_back(owner, admin, new_client, mailbox):
    o = owner("defender")
    admin_act(admin, o.user, "suspend", reason="Reported by two members")
    admin_act(admin, o.user, "reactivate")
    db.session.refresh(o.user)
    assert o.user.status == "active"
    assert api_status(new_client(), o.token) == 401
    assert db.session.scalar(sa.select(ApiToken.revoked_at)) is not None


def test_a_suspension_from_before_these_rules_leaves_no_token_to_revive(owner, admin, new_client):
    """Tokens a suspension once left unrevoked (older code) die on reactivation."""
    o = owner("staff")
    user = db.session.get(User, o.user.id)
    db.session.execute(sa.update(User).where(User.id == user.id).values(status="suspended"))
    db.session.commit()
    admin_act(admin, o.user, "reactivate")
    assert api_status(new_client(), o.token) == 401


# --- roles that need two-factor --------------------------------------------------------------


def enrol(client, user: User) -> None:
    """Turn two-factor on through the setup page, as she would with her phone."""
    page = client.get("/account/security/two-factor").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1)
    code = pyotp.TOTP(secret).now()
    answer = client.form("/account/security/two-factor", {"code": code})
    assert answer.status_code == 200 and "recovery" in answer.get_data(as_text=True).lower()
    db.session.refresh(user)
    assert user.totp_enabled


def test_promoted_to_manager_her_token_dies_and_a_new_one_waits_for_enrolment(
    owner, admin, new_client, login
):
    o = owner("staff")
    admin_act(admin, o.user, "role", role="manager")
    assert api_status(new_client(), o.token) == 401, "the role change revoked it"
    browser = new_client()
    login(browser, o.user)
    assert browser.get("/account/tokens").headers["Location"] == "/account/security/two-factor"
    enrol(browser, o.user)
    token, page = make_token(browser)  # the password alone is not enough any more
    assert token is None and "the code is not right" in page
    token, _page = make_token(browser, code=next_code(o.user))
    assert api_status(new_client(), token) == 200


def test_a_role_that_comes_to_need_two_factor_reaches_nothing_until_she_enrols(
    app, owner, new_client
):
    o = owner("staff")
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = [*app.config["TWO_FACTOR_REQUIRED_ROLES"], "staff"]
    stranger = new_client()
    for path in ("/api/v1/people", f"/api/v1/people/{o.user.id}", "/api/v1/organizations"):
        answer = stranger.get(path, headers=bearer(o.token))
        assert answer.status_code == 403, path
        error = answer.get_json()["error"]
        assert error["code"] == "forbidden" and "two-factor" in error["message"]
        assert "/account/security/two-factor" in error["message"]
    enrol(o.client, o.user)
    # Made with the password alone, it dies at enrolment; one made with a code works.
    assert api_status(stranger, o.token) == 401
    token, _page = make_token(o.client, code=next_code(o.user))
    assert api_status(stranger, token) == 200


# --- limits are exact however the server runs -------------------------------------------------


@pytest.fixture(scope="module")
def server_env(tmp_path_factory):
    """The environment of `make run` (testing keys) on a freshly migrated SQLite file."""
    home = tmp_path_factory.mktemp("served")
    env = app_env(home / "cli", f"sqlite:///{home / 'served.db'}")
    ngowg(env, "db", "upgrade")
    return env


def failed_sign_ins(server, count: int) -> list[int]:
    browser = Browser(source_address=source_address())
    fields = {"email": "nobody@example.org", "password": "not the password"}
    return [browser.submit(server, "/auth/login", fields).status for _ in range(count)]


@pytest.mark.slow
def test_with_memory_limits_one_process_serves_and_every_limit_is_exact(tmp_path, server_env):
    env = {**server_env, "RATELIMIT_LOGIN": "3 per minute"}
    with ServerPool(tmp_path / "servers") as pool:
        # WEB_CONCURRENCY=2 as in `make run`; then 3 asked on gunicorn's own command line.
        (server,) = pool.start(["make-run"], env, workers=2)
        time.sleep(1)  # time enough for a second worker to boot, were there one
        assert len(worker_pids(server)) == 1, server.log()
        assert "1 worker, not 2" in server.log()
        # Each of two workers would have allowed three: up to six failures before a refusal.
        assert failed_sign_ins(server, 7) == [200, 200, 200, 429, 429, 429, 429]
        (flagged,) = pool.start(["flagged"], {**env, "GUNICORN_CMD_ARGS": "--workers 3"})
        time.sleep(1)
        assert len(worker_pids(flagged)) == 1 and "1 worker, not 3" in flagged.log()


@pytest.mark.slow
def test_production_refuses_memory_limits_with_several_workers(tmp_path, server_env):
    env = {**server_env, "NGOWG_ENV": "production"}
    with ServerPool(tmp_path / "servers") as pool:
        for name, workers, extra in (
            ("two", 2, {}),
            ("flag", 1, {"GUNICORN_CMD_ARGS": "--workers 2"}),
        ):
            server = pool.launch(name, {**env, **extra}, workers=workers)
            assert server.process.wait(30) != 0, f"{name}: production served"
            log = server.log()
            assert "refuses to start" in log and "RATELIMIT_STORAGE_URI" in log, log
        (alone,) = pool.start(["alone"], env, workers=1)  # one process: exact, so allowed
        assert len(worker_pids(alone)) == 1

"""Several real app processes (gunicorn) sharing one database, and one Redis for rate limits.

What must hold when more than one process serves: the per-address sign-in limit, the
per-account lockout and sign-out are shared by every process, and the access log never holds a
password or the secret part of a reset or invitation link.
"""

from __future__ import annotations

import random
import re
import shutil
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path

import pytest
import sqlalchemy as sa

from ngowg_directory.config import normalise_database_url
from ngowg_directory.models import AuditEvent, User
from testsupport.http import Browser
from testsupport.servers import Server, ServerPool, app_env, create_user, ngowg
from testsupport.signin import send_password

from .conftest import TEST_DATABASE_URL, TEST_REDIS_URL

pytestmark = pytest.mark.slow

SIGN_IN_FAILED = "The e-mail address or password is not right"


def unique_email(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.org"


def unique_password() -> str:
    return f"pw-{uuid.uuid4().hex}"


def source_address() -> str:
    """A loopback address of this test alone, so the per-address limit starts from zero."""
    return "127.{}.{}.{}".format(*(random.randint(1, 254) for _ in range(3)))


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """Migrate once with `ngowg db upgrade`: a template SQLite file, or TEST_DATABASE_URL."""
    directory = tmp_path_factory.mktemp("multiprocess-template")
    if TEST_DATABASE_URL:
        ngowg(app_env(directory, TEST_DATABASE_URL), "db", "upgrade")
        return None
    path = directory / "template.db"
    ngowg(app_env(directory, f"sqlite:///{path}"), "db", "upgrade")
    return path


@pytest.fixture
def shared_database(migrated_template: Path | None, tmp_path: Path) -> str:
    """The one database every server of a test uses (PostgreSQL keeps other tests' rows:
    each test creates its own people)."""
    if migrated_template is None:
        assert TEST_DATABASE_URL
        return TEST_DATABASE_URL
    path = tmp_path / "shared.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def env(tmp_path: Path, shared_database: str) -> dict[str, str]:
    """The environment of the CLI and of every server (each server gets its own instance)."""
    return app_env(tmp_path / "cli-instance", shared_database)


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[ServerPool]:
    with ServerPool(tmp_path / "servers") as servers:
        yield servers


@pytest.fixture
def engine(shared_database: str) -> Iterator[sa.Engine]:
    """Direct access to the shared database, to check what the servers wrote."""
    database = sa.create_engine(normalise_database_url(shared_database))
    yield database
    database.dispose()


def test_sign_in_limit_per_address_is_shared_through_redis(
    pool: ServerPool, env: dict[str, str]
) -> None:
    if not TEST_REDIS_URL:
        pytest.skip("needs TEST_REDIS_URL")
    import redis

    env = {**env, "RATELIMIT_STORAGE_URI": TEST_REDIS_URL, "RATELIMIT_LOGIN": "6 per minute"}
    server_a, server_b = pool.start(["a", "b"], env)
    address = source_address()
    prefix, last = address.rsplit(".", 1)
    other_address = f"{prefix}.{int(last) % 254 + 1}"
    store = redis.Redis.from_url(TEST_REDIS_URL)
    patterns = [f"*/{address}/*", f"*/{other_address}/*"]
    try:
        assert list(store.scan_iter(match=patterns[0])) == []
        browser = Browser(source_address=address)
        email = unique_email("nobody")
        remaining = []
        for attempt in range(1, 7):
            server = server_a if attempt % 2 else server_b
            answer = send_password(browser.on(server), email, f"wrong password {attempt}")
            assert answer.status == 200, (attempt, server.name, answer)
            assert SIGN_IN_FAILED in answer.text
            remaining.append(answer.headers.get("X-RateLimit-Remaining"))
        # One count for both servers: each answer saw the other server's attempts too.
        assert remaining == ["5", "4", "3", "2", "1", "0"]

        seventh = send_password(browser.on(server_a), email, "wrong password 7")
        assert seventh.status == 429, seventh
        retry_after = seventh.headers.get("Retry-After", "")
        assert retry_after.isdigit() and 0 < int(retry_after) <= 60, retry_after
        # Server B has answered only three attempts itself, yet refuses too.
        eighth = send_password(browser.on(server_b), email, "wrong password 8")
        assert eighth.status == 429
        assert eighth.headers.get("Retry-After", "").isdigit()
        # The count lives in Redis, not in the per-process in-memory fallback.
        assert list(store.scan_iter(match=patterns[0])), "no rate-limit key in Redis"

        # Another address is not affected.
        other = send_password(Browser(source_address=other_address).on(server_b), email, "wrong")
        assert other.status == 200
    finally:
        for pattern in patterns:
            for key in store.scan_iter(match=pattern):
                store.delete(key)
        store.close()

    pool.stop_all()
    # Each server answered fewer than seven attempts of the address, and refused one.
    expected = {"a": ["200"] * 3 + ["429"], "b": ["200"] * 3 + ["429", "200"]}
    for server in (server_a, server_b):
        posts = re.findall(r'"POST /auth/login HTTP/1\.1" (\d{3})', server.log())
        assert posts == expected[server.name], (server.name, posts)


def test_lockout_counts_failures_from_every_process(
    pool: ServerPool, env: dict[str, str], engine: sa.Engine
) -> None:
    email, password = unique_email("locked"), unique_password()
    user_id = create_user(env, email, password)
    server_a, server_b = pool.start(["a", "b"], env)
    browser = Browser()

    for attempt in range(5):
        server = (server_a, server_b)[attempt % 2]
        answer = send_password(browser.on(server), email, f"not-the-password-{attempt}")
        assert answer.status == 200, (attempt, answer)
        assert SIGN_IN_FAILED in answer.text

    for server in (server_a, server_b):
        answer = send_password(browser.on(server), email, password)
        assert answer.status == 200, f"the right password signed in on {server.name}"
        assert SIGN_IN_FAILED in answer.text
        home = browser.get(server, "/")
        assert home.status == 302
        assert home.location.startswith("/auth/login")

    with engine.connect() as conn:
        lockouts = conn.execute(
            sa.select(AuditEvent.id).where(
                AuditEvent.action == "lockout",
                AuditEvent.target_type == "user",
                AuditEvent.target_id == user_id,
            )
        ).all()
        failures = conn.execute(
            sa.select(AuditEvent.details)
            .where(
                AuditEvent.action == "login_failure",
                AuditEvent.target_type == "user",
                AuditEvent.target_id == user_id,
            )
            .order_by(AuditEvent.id)
        ).all()
        locked_until = conn.execute(sa.select(User.locked_until).where(User.id == user_id))
        assert locked_until.scalar_one() is not None
    assert len(lockouts) == 1
    reasons = [(details or {}).get("reason") for (details,) in failures]
    assert reasons == ["password"] * 5 + ["locked"] * 2


def test_failures_sent_at_the_same_moment_are_all_counted(
    pool: ServerPool, env: dict[str, str], engine: sa.Engine
) -> None:
    """Parallel guesses over several workers must not slip past the lockout."""
    from concurrent.futures import ThreadPoolExecutor

    email, password = unique_email("parallel"), unique_password()
    user_id = create_user(env, email, password)
    servers = pool.start(["a", "b"], env, workers=4)
    browsers = [Browser() for _ in range(8)]
    for index, browser in enumerate(browsers):
        browser.csrf_token(servers[index % 2], "/auth/login")

    def guess(index: int) -> int:
        return send_password(browsers[index].on(servers[index % 2]), email, f"guess-{index}").status

    with ThreadPoolExecutor(max_workers=8) as executor:
        statuses = list(executor.map(guess, range(8)))
    assert statuses == [200] * 8
    with engine.connect() as conn:
        locked_until = conn.execute(sa.select(User.locked_until).where(User.id == user_id))
        assert locked_until.scalar_one() is not None, "8 parallel failures did not lock"
        lockouts = conn.execute(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "lockout", AuditEvent.target_id == user_id
            )
        ).scalar_one()
    assert lockouts == 1
    answer = send_password(Browser().on(servers[0]), email, password)
    assert SIGN_IN_FAILED in answer.text


def test_a_change_made_through_one_server_is_seen_through_the_other(
    pool: ServerPool, env: dict[str, str]
) -> None:
    email, password = unique_email("hider"), unique_password()
    create_user(env, email, password, role="staff", name=f"Hider {uuid.uuid4().hex[:6]}")
    server_a, server_b = pool.start(["a", "b"], env)
    browser = Browser()
    assert send_password(browser.on(server_a), email, password).status == 302
    assert "Hide my profile now" in browser.get(server_b, "/account/privacy").text
    answer = browser.submit(server_a, "/account/hide", {}, page="/account/privacy")
    assert answer.status == 302, answer
    seen = browser.get(server_b, "/account/privacy").text
    assert "Your profile is hidden" in seen and "Show my profile again" in seen


def test_session_is_shared_and_sign_out_ends_it_on_every_server(
    pool: ServerPool, env: dict[str, str]
) -> None:
    email, password = unique_email("traveller"), unique_password()
    name = f"Traveller {uuid.uuid4().hex[:6]}"
    create_user(env, email, password, name=name)
    server_a, server_b = pool.start(["a", "b"], env, workers=2)

    browser = Browser()
    answer = send_password(browser.on(server_a), email, password)
    assert answer.status == 302, answer
    assert answer.location == "/"
    stolen = dict(browser.cookies)  # a copy of the cookie, taken before signing out
    assert "ngowg_session" in stolen

    # Several requests per server: with two workers each, more than one process answers.
    for server in (server_a, server_b, server_a, server_b, server_a, server_b):
        home = Browser(cookies=dict(stolen)).get(server, "/")
        assert home.status == 200, (server.name, home)
        assert f"Signed in as <strong>{name}</strong>" in home.text

    token = browser.csrf_token(server_b, "/")
    answer = browser.request(server_b, "POST", "/auth/logout", {"csrf_token": token})
    assert answer.status == 302
    assert answer.location.startswith("/auth/login")

    for server in (server_a, server_b, server_a, server_b, server_a, server_b):
        for cookies in (stolen, browser.cookies):
            home = Browser(cookies=dict(cookies)).get(server, "/")
            assert home.status == 302, (server.name, home)
            assert home.location.startswith("/auth/login"), home.location
            assert name not in home.text


def outbox_link(server: Server, kind: str) -> str:
    """The token of the one `/auth/<kind>/<token>` link the server has e-mailed (outbox)."""
    tokens = []
    for path in sorted((server.instance / "outbox").glob("*.eml")):
        body = message_from_bytes(path.read_bytes()).get_payload(decode=True)
        assert isinstance(body, bytes)
        tokens += re.findall(rf"/auth/{kind}/([^\s/?]+)", body.decode())
    assert len(tokens) == 1, (kind, tokens)
    return tokens[0]


def test_access_log_holds_no_password_and_no_link_token(
    pool: ServerPool, env: dict[str, str]
) -> None:
    env = {**env, "TWO_FACTOR_REQUIRED_ROLES": ""}
    email, password = unique_email("member"), unique_password()
    create_user(env, email, password)
    new_password, invited_password, wrong_password = (unique_password() for _ in range(3))
    bogus_reset, bogus_invite = uuid.uuid4().hex * 2, uuid.uuid4().hex * 2
    (server,) = pool.start(["a"], env)

    # The secretariat invites someone (the command prints the link); a member asks for a
    # reset link by e-mail.
    printed = ngowg(env, "invite", unique_email("invited"), "--role", "defender")
    invite_token = re.search(r"/auth/invite/(\S+)", printed).group(1)
    browser = Browser()
    assert browser.submit(server, "/auth/reset", {"email": email}).status == 302
    reset_token = outbox_link(server, "reset")

    reset_path = f"/auth/reset/{reset_token}"
    fields = {"password": new_password, "confirm": new_password}
    assert browser.submit(server, reset_path, fields).status == 302
    assert browser.get(server, reset_path).status == 400  # used up: the password changed
    assert browser.get(server, f"/auth/reset/{bogus_reset}?next=/").status == 400

    invite_path = f"/auth/invite/{invite_token}"
    fields = {"name": "Invited Person", "password": invited_password, "confirm": invited_password}
    assert browser.submit(server, invite_path, fields).status == 302
    assert browser.get(server, f"/auth/invite/{bogus_invite}").status == 400

    member = Browser()
    assert send_password(member.on(server), email, wrong_password).status == 200
    assert send_password(member.on(server), email, new_password).status == 302

    pool.stop_all()  # every access line is written once the server has stopped
    log = server.log()
    for line in (
        '"POST /auth/reset/[redacted] HTTP/1.1" 302',
        '"GET /auth/reset/[redacted] HTTP/1.1" 400',
        '"POST /auth/invite/[redacted] HTTP/1.1" 302',
        '"GET /auth/invite/[redacted] HTTP/1.1" 400',
        '"POST /auth/login HTTP/1.1" 200',
        '"POST /auth/login HTTP/1.1" 302',
    ):
        assert line in log, f"{line} is not in the access log:\n{log}"
    secrets = {
        "reset token": reset_token,
        "invitation token": invite_token,
        "made-up reset token": bogus_reset,
        "made-up invitation token": bogus_invite,
        "password": password,
        "new password": new_password,
        "invited person's password": invited_password,
        "wrong password": wrong_password,
    }
    for what, secret in secrets.items():
        assert secret not in log, f"the {what} is in the server's log"

"""Faults on purpose, with real processes: PostgreSQL stopped and started under load, Redis
stopped, a gunicorn worker killed, SQLite written by several processes at once, and two people
saving the same record through two servers.

PostgreSQL and Redis outages use a private cluster and a private redis-server (faults_support),
never the shared ones.
"""

from __future__ import annotations

import re
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from ngowg_directory.config import normalise_database_url
from testsupport.http import Browser
from testsupport.servers import Server, ServerPool, app_env, create_user, ngowg, worker_pids
from testsupport.services import PrivatePostgres, PrivateRedis
from testsupport.signin import send_password

from . import test_multiprocess
from .faults_support import (
    LoadPerson,
    MixedLoad,
    Outcome,
    Traffic,
    kill_process,
    probe_log_args,
    probes_by_worker,
    require_postgres,
    require_redis_server,
    send,
    wait_for_workers,
)
from .test_multiprocess import source_address, unique_email, unique_password
from .test_orgs import hidden_value

pytestmark = pytest.mark.slow

# Generous limits: the traffic of these tests is not what the rate limits are about.
NO_LIMITS = {
    "RATELIMIT_SEARCH": "100000 per hour",
    "RATELIMIT_PROFILE_VIEWS": "100000 per hour",
    "RATELIMIT_LOGIN": "100000 per minute",
}
DOWN_MESSAGE = "The directory is not available right now"


def assert_clean(outcome: Outcome) -> None:
    """An answer a person can read: no hang, no broken connection, no traceback."""
    assert outcome.error is None, outcome
    assert outcome.seconds < 10, f"{outcome} took {outcome.seconds:.1f} s"
    assert "Traceback" not in outcome.body, outcome.body[:2000]
    assert 'File "' not in outcome.body, outcome.body[:2000]


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[ServerPool]:
    with ServerPool(tmp_path / "servers") as servers:
        yield servers


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this module alone, that a test may stop and start."""
    cluster = PrivatePostgres(require_postgres())
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="module")
def outage_database(
    private_postgres: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory
) -> str:
    url = private_postgres.createdb("ngowg")
    ngowg(app_env(tmp_path_factory.mktemp("outage-cli"), url), "db", "upgrade")
    return url


@pytest.fixture(scope="module")
def limits_store() -> Iterator[str]:
    """Rate limits shared by several workers: with memory:// one process alone serves
    (gunicorn.conf.py), and these tests need more (skipped without redis-server)."""
    require_redis_server()
    server = PrivateRedis()
    try:
        server.start()
        yield server.url
    finally:
        server.destroy()


# The multi-process tests' fixtures: a database migrated once by `ngowg db upgrade`, a fresh
# copy of it (or TEST_DATABASE_URL) per test, and an engine on it.
migrated_template = test_multiprocess.migrated_template
shared_database = test_multiprocess.shared_database
engine = test_multiprocess.engine


# --- 1. PostgreSQL stopped and started under load --------------------------------------------


def outage_under_load(
    cluster: PrivatePostgres, server: Server, browser: Browser, mode: str, name: str
) -> None:
    """Stop PostgreSQL (`mode`) under steady traffic, wait, start it, and check every answer."""
    paths = ["/", "/readyz", "/healthz"]
    with Traffic(server, paths, browser, threads=3) as traffic:
        time.sleep(1.5)
        stopping = time.monotonic()
        cluster.stop(mode)
        down = time.monotonic()
        time.sleep(3)
        starting = time.monotonic()
        cluster.start()
        up = time.monotonic()
        time.sleep(4)
        outcomes = traffic.stop()

    for outcome in outcomes:
        assert_clean(outcome)
    before = [o for o in outcomes if o.ended < stopping]
    assert before and all(o.status == 200 for o in before), before

    while_down = traffic.between(down, starting)
    by_path = {path: [o for o in while_down if o.path == path] for path in paths}
    assert all(by_path.values()), f"too few requests while down: {by_path}"
    assert all(o.status == 200 and o.body == "ok" for o in by_path["/healthz"]), by_path
    assert all(o.status == 503 for o in by_path["/readyz"]), by_path["/readyz"]
    for page in by_path["/"]:
        assert page.status == 503, page
        assert DOWN_MESSAGE in page.body, page.body[:2000]
        assert page.headers.get("Retry-After", "").isdigit(), page.headers

    # Back: every request sent once PostgreSQL accepts connections again succeeds, on every
    # worker (the pool tests each connection before use and drops the dead ones).
    after = [o for o in outcomes if o.started >= up]
    assert len(after) > 10, after
    failed = [o for o in after if o.status != 200]
    assert not failed, failed
    assert all(name in o.body for o in after if o.path == "/")
    # Every access line is written once the answer is sent: wait for the last ones.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answered_by = probes_by_worker(server.log())
        if all(o.probe in answered_by for o in after):
            break
        time.sleep(0.2)
    workers_after = {answered_by[o.probe] for o in after}
    assert len(workers_after) == 2, f"only workers {workers_after} answered after the restart"
    spanning = [o for o in outcomes if o.started < down and o.ended > stopping]
    print(
        f"\n-m {mode}: {len(outcomes)} requests, {len(while_down)} while down "
        f"({sum(o.status == 503 for o in while_down)} answered 503), "
        f"{sum(o.status != 200 for o in spanning)} of {len(spanning)} in flight during the stop "
        f"failed, {len(after)} after the restart all 200 on {len(workers_after)} workers; "
        f"slowest answer {max(o.seconds for o in outcomes):.2f} s"
    )


@pytest.mark.backend_independent
def test_postgres_stopped_and_started_under_load(
    private_postgres: PrivatePostgres,
    outage_database: str,
    pool: ServerPool,
    tmp_path: Path,
    limits_store: str,
) -> None:
    """Stopped cleanly (`-m fast`), then killed (`-m immediate`), under the same two workers."""
    env = app_env(
        tmp_path / "cli",
        outage_database,
        GUNICORN_CMD_ARGS=probe_log_args(),
        RATELIMIT_STORAGE_URI=limits_store,
        **NO_LIMITS,
    )
    email, password = unique_email("outage"), unique_password()
    name = f"Outage Tester {uuid.uuid4().hex[:6]}"
    create_user(env, email, password, role="staff", name=name)
    (server,) = pool.start(["a"], env, workers=2)
    browser = Browser()
    assert send_password(browser.on(server), email, password).status == 302
    for mode in ("fast", "immediate"):
        outage_under_load(private_postgres, server, browser, mode, name)
    assert "database unavailable on GET /" in server.log(), "the outage was not logged"


# --- 2. Redis stopped ------------------------------------------------------------------------

SIGN_IN_FAILED = "The e-mail address or password is not right"
FALLBACK_WARNING = "Rate limit storage unreachable - falling back to in-memory storage"
RECOVERED = "Rate limit storage recovered"


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    require_redis_server()
    server = PrivateRedis()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


def failed_sign_in(browser: Browser, server: Server) -> tuple[int, str | None]:
    """One wrong password for an unknown address: the status and the attempts left."""
    answer = send_password(browser.on(server), "nobody@example.org", "not the password")
    if answer.status == 200:
        assert SIGN_IN_FAILED in answer.text
    return answer.status, answer.headers.get("X-RateLimit-Remaining")


def test_redis_stopped_sign_in_works_and_limits_stay_as_strict_per_process(
    private_redis: PrivateRedis, shared_database: str, pool: ServerPool, tmp_path: Path
) -> None:
    import redis

    env = app_env(
        tmp_path / "cli",
        shared_database,
        RATELIMIT_STORAGE_URI=private_redis.url,
        RATELIMIT_LOGIN="4 per minute",
        RATELIMIT_FALLBACK_PROCESSES="2",
    )
    email, password = unique_email("redis"), unique_password()
    name = f"Redis Tester {uuid.uuid4().hex[:6]}"
    create_user(env, email, password, role="staff", name=name)
    server_a, server_b = pool.start(["a", "b"], env)
    store = redis.Redis.from_url(private_redis.url)

    # Redis up: limits are counted there (and searches cached there).
    member = Browser(source_address=source_address())
    assert send_password(member.on(server_a), email, password).status == 302
    assert name in member.get(server_a, "/").text
    assert store.keys("*"), "nothing was written to Redis"
    store.close()

    # Redis hangs (SIGSTOP): sign-in and the directory wait half a second for it, not forever.
    private_redis.pause()
    try:
        started = time.monotonic()
        browser = Browser(source_address=source_address())
        assert send_password(browser.on(server_a), email, password).status == 302
        home = browser.get(server_a, "/")
        assert home.status == 200 and name in home.text, home
        assert time.monotonic() - started < 10, "a hung Redis held the requests"
    finally:
        private_redis.resume()

    private_redis.stop()

    # Sign-in and the directory still work on both servers, and promptly.
    for server in (server_a, server_b):
        started = time.monotonic()
        browser = Browser(source_address=source_address())
        assert send_password(browser.on(server), email, password).status == 302, server.name
        home = browser.get(server, "/")
        assert home.status == 200 and name in home.text, (server.name, home)
        assert time.monotonic() - started < 5, f"{server.name} was slow without Redis"
        assert FALLBACK_WARNING in server.log(), f"no warning in {server.name}'s log"

    # Each process now counts in its own memory, the limit divided by the number of processes
    # (RATELIMIT_FALLBACK_PROCESSES=2, two servers of one worker): 2 attempts on each, so that
    # together they still allow no more than the 4 configured.
    address = source_address()
    for server in (server_a, server_b):
        attempts = [failed_sign_in(Browser(source_address=address), server) for _ in range(3)]
        assert [status for status, _left in attempts] == [200, 200, 429], (server.name, attempts)

    # Redis back: each server finds it again (Flask-Limiter checks with a growing back-off,
    # at most 32 s apart) and the count is shared again.
    seen = {server.name: len(server.log()) for server in (server_a, server_b)}
    private_redis.start()
    deadline = time.monotonic() + 75
    waiting = {server.name: server for server in (server_a, server_b)}
    while waiting and time.monotonic() < deadline:
        for server in list(waiting.values()):
            Browser().get(server, "/auth/login")
            if RECOVERED in server.log()[seen[server.name] :]:
                del waiting[server.name]
        time.sleep(0.5)
    assert not waiting, f"{list(waiting)} did not use Redis again"

    shared = source_address()
    browser = Browser(source_address=shared)
    answers = [failed_sign_in(browser, (server_a, server_b)[n % 2]) for n in range(4)]
    assert answers == [(200, "3"), (200, "2"), (200, "1"), (200, "0")], answers
    assert failed_sign_in(browser, server_a)[0] == 429
    assert failed_sign_in(browser, server_b)[0] == 429
    store = redis.Redis.from_url(private_redis.url)
    assert list(store.scan_iter(match=f"*/{shared}/*")), "the count is not in Redis"
    store.close()


# --- 3. a gunicorn worker killed -------------------------------------------------------------


def test_a_killed_worker_is_replaced_and_requests_keep_being_served(
    shared_database: str, pool: ServerPool, tmp_path: Path, limits_store: str
) -> None:
    env = app_env(
        tmp_path / "cli",
        shared_database,
        GUNICORN_CMD_ARGS=probe_log_args(),
        RATELIMIT_STORAGE_URI=limits_store,
        **NO_LIMITS,
    )
    email, password = unique_email("kill"), unique_password()
    create_user(env, email, password, role="staff", name="Kill Tester")
    (server,) = pool.start(["a"], env, workers=2)
    browser = Browser()
    assert send_password(browser.on(server), email, password).status == 302
    workers = wait_for_workers(server, 2)
    victim = min(workers)

    with Traffic(server, ["/", "/healthz"], browser, threads=3) as traffic:
        time.sleep(1.5)
        killed = time.monotonic()
        kill_process(victim)
        # The master starts a new worker; traffic flows until it has answered requests too.
        replaced = wait_for_workers(server, 2, exclude={victim})
        (newcomer,) = replaced - workers
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if list(probes_by_worker(server.log()).values()).count(newcomer) >= 5:
                break
            time.sleep(0.2)
        time.sleep(1)
        outcomes = traffic.stop()

    failed = [o for o in outcomes if o.status != 200]
    # At most the request the killed worker was answering fails, and none sent afterwards.
    assert len(failed) <= 1, failed
    assert all(o.started < killed for o in failed), failed
    after = [o for o in outcomes if o.started > killed]
    assert len(after) > 10, after
    assert all("Kill Tester" in o.body for o in after if o.path == "/")

    pool.stop_all()
    log = server.log()
    assert f"Worker (pid:{victim}) was sent SIGKILL" in log, log[-3000:]
    answered_by = probes_by_worker(log)
    assert newcomer in {answered_by.get(o.probe) for o in after}, "the new worker served nothing"


# --- 4. several processes writing at once ----------------------------------------------------

LOCKED = "database is locked"


def profile_fields(html: str, name: str, **changes: str) -> dict[str, str]:
    """The profile edit form as a browser sends it, with some fields changed."""
    fields = {
        "name": name,
        "title": "",
        "affiliation": "",
        "country": "SS",
        "bio": "",
        "email": "",
        "phone": "",
        "messaging": "",
        "city": "",
        "opened": hidden_value(html, "opened"),
        "csrf_token": hidden_value(html, "csrf_token"),
    }
    fields.update(changes)
    return fields


Account = tuple[int, str, str, str]


def make_accounts(
    tmp_path: Path,
    database_url: str,
    labels: list[str],
    role: str = "staff",
    *,
    listed: bool = False,
) -> list[Account]:
    """Accounts made directly in the database (quicker than one CLI run each), staff unless
    told, `listed` ones having agreed to be listed: (id, e-mail, password, name) each."""
    from ngowg_directory.extensions import db
    from ngowg_directory.services import accounts, profiles

    from .conftest import build_app

    made = []
    app = build_app(tmp_path / "accounts", normalise_database_url(database_url))
    with app.app_context():
        for label in labels:
            email, password = unique_email("writer"), unique_password()
            name = f"{label} {uuid.uuid4().hex[:6]}"
            user = accounts.create_user(email, role, name=name, password=password)
            if listed:
                profiles.set_consent(user, True)
            db.session.commit()
            made.append((user.id, email, password, name))
        db.session.remove()
        db.engine.dispose()
    return made


def test_several_processes_writing_at_once_lose_nothing(
    shared_database: str, pool: ServerPool, tmp_path: Path, engine: sa.Engine, limits_store: str
) -> None:
    """4 gunicorn workers write profiles and sign-ins (audit rows, user rows) for 6 seconds."""
    from concurrent.futures import ThreadPoolExecutor

    from ngowg_directory.models import AuditEvent, Profile

    env = app_env(
        tmp_path / "cli", shared_database, RATELIMIT_STORAGE_URI=limits_store, **NO_LIMITS
    )
    editors = make_accounts(tmp_path, shared_database, [f"Editor {n}" for n in range(5)])
    signers = make_accounts(tmp_path, shared_database, [f"Signer {n}" for n in range(3)])
    (server,) = pool.start(["a"], env, workers=4)
    # Six seconds of writes, and at least three writes per thread on a slow machine.
    deadline = time.monotonic() + 6
    hard_stop = deadline + 60

    def edit(editor: Account) -> tuple[list[int], str | None]:
        _id, email, password, name = editor
        browser = Browser()
        assert send_password(browser.on(server), email, password).status == 302
        statuses, last_saved = [], None
        count = 0
        while time.monotonic() < deadline or (count < 3 and time.monotonic() < hard_stop):
            count += 1
            page = browser.get(server, "/account/profile")
            bio = f"Edit number {count} by {name}"
            answer = browser.request(
                server, "POST", "/account/profile", profile_fields(page.text, name, bio=bio)
            )
            statuses.append(answer.status)
            if answer.status == 302:
                last_saved = bio
        return statuses, last_saved

    def sign_ins(signer: Account) -> list[int]:
        _id, email, password, _name = signer
        statuses = []
        while time.monotonic() < deadline or (len(statuses) < 3 and time.monotonic() < hard_stop):
            statuses.append(send_password(Browser().on(server), email, password).status)
        return statuses

    with ThreadPoolExecutor(max_workers=len(editors) + len(signers)) as executor:
        edits = [executor.submit(edit, editor) for editor in editors]
        logins = [executor.submit(sign_ins, signer) for signer in signers]
        edit_results = [future.result() for future in edits]
        login_results = [future.result() for future in logins]

    pool.stop_all()
    log = server.log()
    assert LOCKED not in log, log[log.find(LOCKED) - 3000 :][:4000]
    assert "OperationalError" not in log
    every_status = [s for statuses, _last in edit_results for s in statuses]
    every_status += [s for statuses in login_results for s in statuses]
    assert set(every_status) == {302}, sorted(set(every_status))

    # Every acknowledged write is in the database.
    with engine.connect() as conn:
        for (user_id, _email, _password, _name), (statuses, last_saved) in zip(
            editors, edit_results, strict=True
        ):
            assert len(statuses) >= 3, "too few edits to mean anything"
            saved = conn.execute(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.action == "profile_updated", AuditEvent.target_id == user_id
                )
            ).scalar_one()
            assert saved == len(statuses)
            bio = conn.execute(sa.select(Profile.bio).where(Profile.user_id == user_id))
            assert bio.scalar_one() == last_saved
        for (user_id, *_rest), statuses in zip(signers, login_results, strict=True):
            recorded = conn.execute(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.action == "login_success", AuditEvent.target_id == user_id
                )
            ).scalar_one()
            assert recorded == len(statuses)
    print(f"{len(every_status)} acknowledged writes over 4 workers")


# --- 5. two people saving the same record ----------------------------------------------------

CONFLICT = "Changed since you opened it"


def org_fields(html: str, **changes: str) -> dict[str, str]:
    """The organisation edit form as a browser sends it (the imported values), changed."""
    fields = {
        "name": "Fault Tolerant Women",
        "acronym": "",
        "mission": "",
        "website": "https://ftw.example.org",
        "headquarters_country": "KE",
        "contact_email": "",
        "member_since": "",
        "opened": hidden_value(html, "opened"),
        "csrf_token": hidden_value(html, "csrf_token"),
    }
    fields.update(changes)
    return fields


def test_two_managers_saving_through_two_servers_never_overwrite(
    shared_database: str, pool: ServerPool, tmp_path: Path, engine: sa.Engine
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from ngowg_directory.models import AuditEvent, Organization

    env = app_env(tmp_path / "cli", shared_database, TWO_FACTOR_REQUIRED_ROLES="", **NO_LIMITS)
    slug = f"ftw-{uuid.uuid4().hex[:8]}"
    csv_file = tmp_path / "orgs.csv"
    csv_file.write_text(
        "name,slug,kind,website,headquarters_country,focus\n"
        f"Fault Tolerant Women,{slug},member,https://ftw.example.org,KE,\n"
    )
    ngowg(env, "import-orgs", str(csv_file))
    managers = []
    for n in range(2):
        email, password = unique_email(f"manager{n}"), unique_password()
        args = ["create-user", email, "--role", "manager", "--org", slug, "--name", f"Manager {n}"]
        ngowg(env, *args, stdin=password + "\n")
        managers.append((email, password))
    with engine.connect() as conn:
        org_id = conn.execute(sa.select(Organization.id).where(Organization.slug == slug))
        org_id = org_id.scalar_one()
    server_a, server_b = pool.start(["a", "b"], env)
    first, second = Browser(), Browser()
    assert send_password(first.on(server_a), *managers[0]).status == 302
    assert send_password(second.on(server_b), *managers[1]).status == 302
    edit = f"/orgs/{slug}/edit"

    # One after the other: both open the form, the first saves through A, then the second
    # saves through B and is refused with what changed, her input kept.
    form_a = first.get(server_a, edit).text
    form_b = second.get(server_b, edit).text
    saved = first.request(server_a, "POST", edit, org_fields(form_a, mission="Mission from A"))
    assert saved.status == 302, saved
    refused = second.request(server_b, "POST", edit, org_fields(form_b, acronym="FTW-B"))
    assert refused.status == 200, refused
    assert CONFLICT in refused.text
    notice = refused.text.split(CONFLICT, 1)[1].split("<form", 1)[0]
    assert "Mission from A" in notice
    assert re.search(r'<input[^>]*name="acronym"[^>]*value="FTW-B"', refused.text)

    def stored() -> tuple[str | None, str | None, int]:
        with engine.connect() as conn:
            row = conn.execute(
                sa.select(Organization.mission, Organization.acronym).where(
                    Organization.slug == slug
                )
            ).one()
            updates = conn.execute(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.action == "organization_updated", AuditEvent.target_id == org_id
                )
            ).scalar_one()
        return row.mission, row.acronym, updates

    mission, acronym, updates = stored()
    assert (mission, updates) == ("Mission from A", 1)
    assert not acronym, "the refused save was written"

    # At the same moment, ten times: exactly one of the two saves wins each time, the other
    # is refused, and the database holds the winner's text.
    for round_number in range(10):
        form_a = first.get(server_a, edit).text
        form_b = second.get(server_b, edit).text
        fields_a = org_fields(form_a, mission=f"A wrote round {round_number}")
        fields_b = org_fields(form_b, mission=f"B wrote round {round_number}")
        with ThreadPoolExecutor(max_workers=2) as executor:
            answer_a = executor.submit(first.request, server_a, "POST", edit, fields_a)
            answer_b = executor.submit(second.request, server_b, "POST", edit, fields_b)
            answers = {"A": answer_a.result(), "B": answer_b.result()}
        winners = [who for who, answer in answers.items() if answer.status == 302]
        assert len(winners) == 1, (round_number, answers)
        (loser,) = set(answers) - set(winners)
        assert answers[loser].status == 200
        assert CONFLICT in answers[loser].text, answers[loser].text[:3000]
        kept = f"{loser} wrote round {round_number}"
        assert kept in answers[loser].text, "the refused text is not in the form any more"
        assert stored()[0] == f"{winners[0]} wrote round {round_number}"
    assert stored()[2] == 11


# --- the answers themselves, in one process ---------------------------------------------------


@pytest.mark.backend_independent
def test_answers_while_the_database_cannot_be_reached(tmp_path: Path) -> None:
    """Nothing listens where the database should be: pages answer 503 with the site's page,
    the API answers its JSON error, the probes tell the load balancer, and nothing hangs."""
    from testsupport.http import CSRF_RE
    from testsupport.servers import free_port

    from .conftest import Client, build_app

    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    app = build_app(tmp_path / "instance", normalise_database_url(url))
    app.test_client_class = Client
    client = app.test_client()

    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_data(as_text=True) == "database unavailable"

    form = client.get("/auth/login")
    token = CSRF_RE.search(form.get_data(as_text=True))
    assert form.status_code == 200 and token
    started = time.monotonic()
    answer = client.post(
        "/auth/login",
        data={"email": "someone@example.org", "password": "a password", "csrf_token": token[1]},
    )
    assert time.monotonic() - started < 10
    html = answer.get_data(as_text=True)
    assert answer.status_code == 503
    # 30 s, or the end of the sign-in limit's window when later: Flask-Limiter rewrites the
    # header as int(reset - now) a moment after the app set it, so 30 can read as 29.
    assert int(answer.headers["Retry-After"]) >= 29
    assert DOWN_MESSAGE in html
    assert "Traceback" not in html and "OperationalError" not in html

    api = client.get("/api/v1/people", headers={"Authorization": "Bearer ngowg_" + "x" * 40})
    assert api.status_code == 503
    assert int(api.headers["Retry-After"]) >= 29
    error = api.get_json()["error"]
    assert error["code"] == "service_unavailable"
    assert DOWN_MESSAGE in error["message"]


@pytest.mark.backend_independent
def test_a_database_error_that_is_a_bug_is_not_called_an_outage(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A missing table (never migrated) is a 500 with its traceback in the log, not a 503."""
    from testsupport.http import CSRF_RE

    from .conftest import Client, build_app

    app = build_app(tmp_path / "instance", f"sqlite:///{tmp_path / 'empty.db'}")
    app.test_client_class = Client
    client = app.test_client()
    assert client.get("/readyz").status_code == 200  # the database answers
    token = CSRF_RE.search(client.get("/auth/login").get_data(as_text=True))
    assert token
    answer = client.post(
        "/auth/login",
        data={"email": "someone@example.org", "password": "a password", "csrf_token": token[1]},
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 500
    assert DOWN_MESSAGE not in html and "no such table" not in html
    logged = [r for r in caplog.records if r.exc_info and "no such table" in str(r.exc_info[1])]
    assert logged, "the traceback is not in the log"


# --- 6. the mixed load through every fault ----------------------------------------------------

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")


def assert_site_answer(outcome: Outcome) -> None:
    """A complete answer from the app: never a broken connection, never a 5xx other than the
    site's own 503 page with every security header, no-store and Retry-After."""
    assert outcome.error is None, outcome
    assert outcome.status is not None
    assert "Traceback" not in outcome.body and "Internal Server Error" not in outcome.body
    if outcome.status < 500:
        return
    assert outcome.status == 503, (outcome, outcome.body[:500])
    if outcome.kind == "readyz":
        assert outcome.body in {"database unavailable", "shutting down"}, outcome.body
    else:
        assert DOWN_MESSAGE in outcome.body, outcome.body[:2000]
    for name in SECURITY_HEADERS:
        assert name in outcome.headers, (outcome, outcome.headers)
    assert outcome.headers.get("Cache-Control") == "no-store", outcome.headers
    if outcome.body != "shutting down":  # a stopping server: the balancer tries another
        assert outcome.headers.get("Retry-After", "").isdigit(), outcome.headers


def edit_form(html: str, name: str, marker: str) -> dict[str, str]:
    return profile_fields(html, name, title=marker)


def first_success_after(load: MixedLoad, moment: float, kind: str) -> float | None:
    """Seconds from `moment` until a request of `kind` sent after it was answered 2xx/3xx."""
    found = [o for o in load.between(moment, time.monotonic() + 3600, kind) if o.status < 400]
    return found[0].ended - moment if found else None


@pytest.mark.backend_independent
def test_mixed_load_through_every_fault(
    private_postgres: PrivatePostgres,
    outage_database: str,
    private_redis: PrivateRedis,
    pool: ServerPool,
    tmp_path: Path,
) -> None:
    """4 signed-in people search (query strings), view profiles, edit theirs and send contact
    requests on one server of 2 workers, through: a PostgreSQL restart, its backends
    terminated every 0.3 s, PostgreSQL hung (every process stopped), Redis hung, then SIGTERM
    with a drain period followed by a balancer's /readyz check. Every answer is the app's own
    (5xx only as the site's 503 with its headers), no acknowledged write is lost or written
    twice, each fault is over within seconds, no worker is killed, and no query string
    reaches the log."""
    from ngowg_directory.database import WATCHDOG_GRACE_SECONDS
    from ngowg_directory.extensions import db
    from ngowg_directory.models import AuditEvent, ContactRequest, Profile

    from .conftest import build_app

    env = app_env(
        tmp_path / "cli",
        outage_database,
        RATELIMIT_STORAGE_URI=private_redis.url,
        CONNECTION_REQUESTS_PER_DAY="100000",
        DATABASE_STATEMENT_TIMEOUT="2",
        DATABASE_CONNECT_TIMEOUT="2",
        SHUTDOWN_DRAIN_SECONDS="2",
        **NO_LIMITS,
    )
    people = make_accounts(tmp_path, outage_database, [f"Loader {n}" for n in range(4)])
    targets = make_accounts(
        tmp_path, outage_database, [f"Target {n}" for n in range(20)], "defender", listed=True
    )
    (server,) = pool.start(["a"], env, workers=2)
    workers = wait_for_workers(server, 2)
    signed_in = []
    for user_id, email, password, name in people:
        browser = Browser()
        assert send_password(browser.on(server), email, password).status == 302
        signed_in.append(LoadPerson(user_id, name, browser))
    target_ids = [target[0] for target in targets]
    marks: dict[str, tuple[float, float]] = {}

    with MixedLoad(server, signed_in, target_ids, edit_form) as load:
        time.sleep(2)
        # 1. PostgreSQL restarted.
        began = time.monotonic()
        private_postgres.stop("fast")
        time.sleep(2)
        private_postgres.start()
        marks["restart"] = (began, time.monotonic())
        time.sleep(3)
        # 2. Its backends terminated every 0.3 s for 4 s.
        began, ended_count = time.monotonic(), 0
        while time.monotonic() < began + 4:
            ended_count += private_postgres.terminate_backends("ngowg")
            time.sleep(0.3)
        marks["terminate"] = (began, time.monotonic())
        time.sleep(2)
        # 3. PostgreSQL hung: every process stopped for 8 s.
        began = time.monotonic()
        stopped = private_postgres.pause()
        try:
            time.sleep(8)
        finally:
            private_postgres.resume(stopped)
        marks["hung"] = (began, time.monotonic())
        time.sleep(4)
        # 4. Redis hung for 6 s.
        began = time.monotonic()
        private_redis.pause()
        try:
            time.sleep(6)
        finally:
            private_redis.resume()
        marks["redis"] = (began, time.monotonic())
        time.sleep(3)
        # 5. SIGTERM: /readyz says 503 at once, the server serves on for the drain period,
        # the balancer stops the load when it sees the 503, then the server stops.
        load.follow_readiness = True
        term_at = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        drained = [
            send(server, "/directory?q=zebrafault", signed_in[0].browser, kind="during drain")
            for _ in range(3)
        ]
        server.process.wait(30)
        stopped_at = time.monotonic()
        outcomes = load.stop()

    # Every answer is the app's own, and nobody was signed out.
    for outcome in outcomes:
        assert_site_answer(outcome)
        assert "/auth/login" not in outcome.headers.get("Location", ""), outcome
    for outcome in drained:
        assert outcome.status == 200, outcome
    assert load.unready_at is not None and load.unready_at - term_at < 1, "no 503 on SIGTERM"
    assert stopped_at - term_at >= 2, "the server stopped before the drain period ended"

    # Each fault: how long pages were refused, and service back within seconds.
    report = []
    starts = [*[began for began, _ended in marks.values()][1:], term_at]
    for (name, (began, ended)), following in zip(marks.items(), starts, strict=True):
        during = load.between(began, following)
        refused = [o for o in during if o.status == 503 and o.kind != "readyz"]
        back = first_success_after(load, ended, "search")
        assert back is not None and back < 2.5, f"{name}: searches not back {back} s after"
        late = [o for o in load.between(ended + 2.5, following) if o.status >= 500]
        assert not late, f"{name}: still failing 2.5 s after: {late[:5]}"
        report.append(
            f"{name}: {len(during)} requests, {len(refused)} answered 503, slowest "
            f"{max(o.seconds for o in during):.2f} s, searches back {back:.2f} s after"
        )

    # A hung database: answers in seconds, /readyz within a second, no worker killed. A sync
    # worker busy with a page whose query hung when the database stopped answers a probe
    # queued behind it once the watchdog cuts that query (statement timeout 2 s + grace 1 s):
    # probes sent in those first seconds are answered 503 within that bound, later ones
    # (the breaker open, the workers free) within a second of the readiness wait.
    began, ended = marks["hung"]
    while_hung = load.between(began + 0.5, ended)
    ready = [o for o in while_hung if o.kind == "readyz"]
    cut_by = began + 2 + WATCHDOG_GRACE_SECONDS  # 2: DATABASE_STATEMENT_TIMEOUT above
    early = [o for o in ready if o.started < cut_by]
    late_ready = [o for o in ready if o.started >= cut_by]
    assert late_ready and all(o.status == 503 and o.seconds < 1.5 for o in late_ready), ready
    assert all(o.status == 503 and o.ended < cut_by + 1.5 for o in early), ready
    pages = [o for o in while_hung if o.kind != "readyz"]
    assert pages and max(o.seconds for o in pages) < 10, pages
    assert any(o.status == 503 for o in pages), pages
    # A hung Redis costs its first timeouts, then only the probes (the cache's breaker after
    # 5 s, the limiter's after 1, 2, 4 ... s, each up to 0.5 s): searches stay quick.
    began, ended = marks["redis"]
    searches = load.between(began + 1.5, ended, "search")
    slow = [o for o in searches if o.seconds > 0.45]
    assert len(searches) > 20 and len(slow) <= len(searches) * 0.15, (len(searches), slow)
    assert sorted(o.seconds for o in searches)[len(searches) // 2] < 0.15, searches

    log = server.log()
    assert "WORKER TIMEOUT" not in log and "SIGKILL" not in log, log[-3000:]
    assert "Traceback" not in log, log[log.find("Traceback") - 500 :][:4000]
    assert "zebrafault" not in log and "country=" not in log, "a query string was logged"
    assert "None HTTP" not in log
    assert worker_pids(server) == set() and workers  # all stopped at the end

    # No acknowledged write lost or written twice.
    app = build_app(tmp_path / "check", normalise_database_url(outage_database))
    with app.app_context():
        messages = [m for (m,) in db.session.execute(sa.select(ContactRequest.message))]
        for write in [w for w in load.writes if w.kind == "request"]:
            found = sum(write.marker in message for message in messages)
            assert found == (1 if write.acknowledged else found), write
            assert found <= 1, write
        for user_id, *_rest in people:
            edits = [w for w in load.writes if w.kind == "edit" and w.person == user_id]
            acknowledged = [w for w in edits if w.acknowledged]
            assert acknowledged, f"no edit of {user_id} was acknowledged"
            title = db.session.execute(
                sa.select(Profile.title).where(Profile.user_id == user_id)
            ).scalar_one()
            last = edits.index(acknowledged[-1])
            assert title in {w.marker for w in edits[last:]}, (title, edits[last:])
            saved = db.session.execute(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.action == "profile_updated", AuditEvent.target_id == user_id
                )
            ).scalar_one()
            assert len(acknowledged) <= saved <= len(edits), (saved, len(acknowledged))
        db.session.remove()
        db.engine.dispose()
    writes = load.writes
    searches.sort(key=lambda o: o.seconds)
    report.append(
        f"hung database: slowest page {max(o.seconds for o in pages):.2f} s, slowest /readyz "
        f"{max(o.seconds for o in ready):.2f} s; hung Redis: searches median "
        f"{searches[len(searches) // 2].seconds * 1000:.0f} ms, "
        f"slowest {searches[-1].seconds:.2f} s"
    )
    report.append(
        f"SIGTERM: /readyz 503 after {load.unready_at - term_at:.2f} s, server gone after "
        f"{stopped_at - term_at:.2f} s (drain 2 s)"
    )
    print(
        f"\n{len(outcomes)} requests, {sum(w.acknowledged for w in writes)} of {len(writes)} "
        f"writes acknowledged, {ended_count} backends terminated\n" + "\n".join(report)
    )

"""The search answer cache: the same answers as without it, every change seen by the very next
search (in every process), nothing viewer-specific kept, shared through Redis between servers."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.search import Query, cache, search_organizations, search_people
from ngowg_directory.services import profiles
from testsupport.http import Browser
from testsupport.servers import Server, ServerPool, app_env, create_user, ngowg

from .conftest import PASSWORD, TEST_DATABASE_URL, TEST_REDIS_URL
from .test_profiles import profile_form, save
from .test_search import CANARY_EMAIL, CANARY_PHONE, corpus, searcher  # noqa: F401  (fixtures)

QUERIES = [
    Query(),
    Query(text="amina"),
    Query(text="soudan"),
    Query(text="peace"),
    Query(text="nunez", sort="name"),
    Query(filters={"c": "SD"}),
    Query(filters={"t": "crsv", "l": "ar"}),
    Query(text="a", filters={"o": "wilpf"}),
    Query(sort="name", per_page=2, page=2),
    Query(text="zzzqqq"),
]


def statements_during(function) -> tuple[object, list[str]]:
    seen: list[str] = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        value = function()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    return value, seen


def stored_values(app) -> list[str]:
    """Every answer the cache holds right now, as stored."""
    where = app.extensions.get("search_cache")
    if isinstance(where, cache.LocalStore):
        return [value for _expiry, value in where._items.values()]
    if isinstance(where, cache.RedisStore):
        keys = list(where.client.scan_iter(match="ngowg:search:*"))
        return [v.decode() for v in where.client.mget(keys)] if keys else []
    return []


def test_cached_answers_equal_fresh_ones_and_a_hit_reads_one_row(app, corpus):  # noqa: F811
    for query in QUERIES:
        app.config["SEARCH_CACHE_SECONDS"] = 0
        fresh = search_people(query)
        app.config["SEARCH_CACHE_SECONDS"] = 600
        first, _ = statements_during(lambda q=query: search_people(q))
        second, statements = statements_during(lambda q=query: search_people(q))
        assert first == fresh and second == fresh, query
        assert (second.ids, second.total, second.facets) == (fresh.ids, fresh.total, fresh.facets)
        if fresh.total:
            # A hit costs one primary-key read of the index version, nothing else.
            assert len(statements) == 1 and "search_state" in statements[0], statements
    org_query = Query(text="women")
    app.config["SEARCH_CACHE_SECONDS"] = 0
    fresh = search_organizations(org_query)
    app.config["SEARCH_CACHE_SECONDS"] = 600
    assert search_organizations(org_query) == fresh == search_organizations(org_query)
    assert fresh.total == 2


def test_edit_hide_show_and_new_people_are_seen_by_the_next_search(
    app,
    corpus,  # noqa: F811
    searcher,  # noqa: F811
    new_client,
    login,
    make_user,
):
    assert "Amina Núñez" in searcher(q="amina")
    assert searcher(q="amina") == searcher(q="amina")  # the second one came from the cache
    amina = new_client()
    login(amina, corpus["Amina Núñez"])

    # An edit through the profile page: the old name leaves the answer, the new one enters.
    response = save(amina, profile_form(amina, name="Aminata Qorvex", country="SD"))
    assert response.status_code == 302
    assert "Amina Núñez" not in searcher(q="amina")
    assert searcher(q="qorvex") == ["Aminata Qorvex"]

    # Hiding: gone from the very next search and from the facet counts; showing brings it back.
    before = searcher.client.get("/directory?q=qorvex").get_data(as_text=True)
    assert "1 person found" in before
    amina.form("/account/hide", {}, page="/account/privacy")
    assert searcher(q="qorvex") == []
    assert searcher(country="SD").count("Aminata Qorvex") == 0
    amina.form("/account/show", {}, page="/account/privacy")
    assert searcher(q="qorvex") == ["Aminata Qorvex"]

    # A new listed person is found by the next search of a query answered from the cache.
    assert searcher(q="peace") == searcher(q="peace")
    newcomer = make_user("staff", name="Peace Newcomer Zyx")
    newcomer.profile.title = "Peace envoy"
    db.session.commit()
    assert "Peace Newcomer Zyx" in searcher(q="peace")


def test_nothing_viewer_specific_is_cached(app, corpus, new_client, login, make_user):  # noqa: F811
    viewers = [
        make_user("policy_maker", name="Viewing Policy Maker"),
        make_user("defender", name="Viewing Defender"),
        make_user("admin", name="Viewing Admin"),
        corpus["Amina Núñez"],  # in the results herself
    ]
    pages = []
    for viewer in viewers:
        browser = new_client()
        login(browser, viewer)
        html = browser.get("/directory?q=sudan&sort=name").get_data(as_text=True)
        assert "people found" in html or "person found" in html
        names = re.findall(r'<h3><a href="/people/(\d+)">', html)
        pages.append(names)
    # The same answer for a policy-maker, a defender, an admin and a person in the results.
    assert all(page == pages[0] for page in pages), pages
    assert pages[0], "the query matches people"
    values = stored_values(app)
    assert values, "the answers were stored"
    for value in values:
        data = json.loads(value)
        assert set(data) == {"version", "ids", "total", "facets", "org_names"}
        # Ids, counts and organisation names only: no contact detail, no person's name.
        for secret in (CANARY_EMAIL, CANARY_PHONE, "Amina", "Viewing"):
            assert secret not in value


def stored_sections(app) -> list[str]:
    """Every rendered results section this process holds right now."""
    where = app.extensions.get("search_sections")
    return [value for _expiry, value in where._items.values()] if where else []


def test_rendered_sections_are_the_same_for_every_viewer_and_hold_nothing_of_theirs(
    app,
    corpus,  # noqa: F811
    new_client,
    login,
    make_user,
):
    viewers = [
        make_user("policy_maker", name="Viewing Policy Maker"),
        make_user("admin", name="Viewing Admin"),
        corpus["Amina Núñez"],
    ]
    sections = []
    for viewer in viewers:
        browser = new_client()
        login(browser, viewer)
        html = browser.get("/directory?q=sudan").get_data(as_text=True)
        start = html.index("<h1>")
        sections.append(html[start : html.index("</main>", start)])
    assert sections[0] == sections[1] == sections[2]
    stored = stored_sections(app)
    assert len(stored) == 1 and stored[0].strip() in sections[0]
    for secret in (CANARY_EMAIL, CANARY_PHONE, "Viewing", "csrf_token"):
        assert secret not in stored[0]


def test_a_repeated_search_page_reads_the_account_and_the_index_version_only(
    app,
    corpus,  # noqa: F811
    searcher,  # noqa: F811
):
    first, _ = statements_during(lambda: searcher.client.get("/directory?q=sudan&country=SD"))
    again, statements = statements_during(
        lambda: searcher.client.get("/directory?q=sudan&country=SD")
    )
    assert first.status_code == again.status_code == 200
    assert again.get_data(as_text=True).count('<li class="result">') == first.get_data(
        as_text=True
    ).count('<li class="result">')
    assert len(statements) == 2, statements
    assert "FROM users" in statements[0] and "search_state" in statements[1]


def test_a_section_is_kept_per_language(app, corpus, searcher):  # noqa: F811
    english = searcher.client.get("/directory?q=sudan").get_data(as_text=True)
    searcher.client.set_cookie("ngowg_locale", "fr")
    french = searcher.client.get("/directory?q=sudan").get_data(as_text=True)
    assert "people found" in english or "person found" in english
    assert "trouvée" in french and "people found" not in french
    assert len(stored_sections(app)) == 2


def test_cache_keys_hold_no_search_terms(app, corpus):  # noqa: F811
    search_people(Query(text="amina nunez"))
    key = cache.cache_key("people", Query(text="amina nunez"))
    assert "amina" not in key and "nunez" not in key


def test_an_unreachable_redis_only_costs_speed(app, corpus):  # noqa: F811
    app.config["SEARCH_CACHE_URL"] = "redis://127.0.0.1:9/0"  # nothing listens on port 9
    app.extensions.pop("search_cache", None)
    assert search_people(Query(text="amina")).total == 1
    assert search_people(Query(text="amina")).total == 1


def test_bulk_data_written_without_the_orm_is_seen(app, corpus, runner):  # noqa: F811
    before = search_people(Query()).total
    assert search_people(Query()).total == before  # from the cache
    result = runner.invoke(args=["generate-data", "--people", "30", "--orgs", "2"])
    assert result.exit_code == 0, result.output
    assert search_people(Query()).total == before + 30


def test_a_failed_sign_in_does_not_change_the_index_version(app, client, make_user):
    user = make_user("staff")
    version = cache.current_version()
    client.form("/auth/login", {"email": user.email, "password": "not the password at all"})
    assert cache.current_version() == version
    profiles.set_hidden(user, True)
    db.session.commit()
    assert cache.current_version() != version


# --- several real servers ----------------------------------------------------------------------


@pytest.fixture
def shared_env(tmp_path: Path) -> dict[str, str]:
    """One database for the CLI and every server (a migrated SQLite file, or PostgreSQL)."""
    if TEST_DATABASE_URL:
        url = TEST_DATABASE_URL
        ngowg(app_env(tmp_path / "migrate", url), "db", "upgrade")
    else:
        template = tmp_path / "template.db"
        ngowg(app_env(tmp_path / "migrate", f"sqlite:///{template}"), "db", "upgrade")
        shutil.copyfile(template, tmp_path / "shared.db")
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    return app_env(tmp_path / "cli", url, RATELIMIT_SEARCH="1000 per hour")


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[ServerPool]:
    with ServerPool(tmp_path / "servers") as servers:
        yield servers


def _people(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/people/\d+">([^<]+)</a>', html)


def _two_servers_hide_and_show(
    pool: ServerPool, env: dict[str, str]
) -> tuple[str, Browser, Server, Server]:
    word = "Q" + uuid.uuid4().hex[:8]
    password = "pw-" + uuid.uuid4().hex
    searcher_email = f"searcher-{uuid.uuid4().hex[:8]}@example.org"
    hider_email = f"hider-{uuid.uuid4().hex[:8]}@example.org"
    create_user(env, searcher_email, password, role="staff", name=f"Searcher {word}")
    create_user(env, hider_email, password, role="staff", name=f"Hider {word}")
    server_a, server_b = pool.start(["a", "b"], env)
    searcher_browser, hider = Browser(), Browser()
    login = {"email": searcher_email, "password": password}
    assert searcher_browser.submit(server_a, "/auth/login", login).status == 302
    login = {"email": hider_email, "password": password}
    assert hider.submit(server_b, "/auth/login", login).status == 302
    path = f"/directory?q={word}&sort=name"
    for server in (server_a, server_b, server_a, server_b):
        assert _people(searcher_browser.get(server, path).text) == [
            f"Hider {word}",
            f"Searcher {word}",
        ]
    # Hidden through server B: the very next search through server A no longer finds her.
    assert hider.submit(server_b, "/account/hide", {}, page="/account/privacy").status == 302
    assert _people(searcher_browser.get(server_a, path).text) == [f"Searcher {word}"]
    assert _people(searcher_browser.get(server_b, path).text) == [f"Searcher {word}"]
    assert hider.submit(server_a, "/account/show", {}, page="/account/privacy").status == 302
    assert len(_people(searcher_browser.get(server_b, path).text)) == 2
    return word, searcher_browser, server_a, server_b


@pytest.mark.slow
def test_per_process_caches_see_a_change_made_through_another_server(
    pool: ServerPool, shared_env: dict[str, str]
) -> None:
    if TEST_REDIS_URL:
        shared_env = {**shared_env, "RATELIMIT_STORAGE_URI": "memory://"}
    _two_servers_hide_and_show(pool, {**shared_env, "SEARCH_CACHE_URL": "memory://"})


@pytest.mark.slow
def test_two_servers_share_answers_through_redis(
    pool: ServerPool, shared_env: dict[str, str]
) -> None:
    if not TEST_REDIS_URL:
        pytest.skip("needs TEST_REDIS_URL")
    import redis

    store = redis.Redis.from_url(TEST_REDIS_URL)
    env = {
        **shared_env,
        "RATELIMIT_STORAGE_URI": TEST_REDIS_URL,
        "SEARCH_CACHE_URL": TEST_REDIS_URL,
    }
    word, browser, server_a, server_b = _two_servers_hide_and_show(pool, env)
    keys = list(store.scan_iter(match="ngowg:search:*"))
    assert keys, "the answers are in Redis"
    # Server A stores an answer; server B answers from that very entry (marked here).
    fresh = f"/directory?q={word}&sort=name&per_page=7"
    assert len(_people(browser.get(server_a, fresh).text)) == 2
    new_keys = set(store.scan_iter(match="ngowg:search:*")) - set(keys)
    assert len(new_keys) == 1
    (key,) = new_keys
    entry = json.loads(store.get(key))
    entry["total"] = 777
    store.set(key, json.dumps(entry))
    assert "777 people found" in browser.get(server_b, fresh).text
    # PASSWORD is the suite's; this module's accounts use their own random passwords.
    assert PASSWORD not in store.get(key).decode()


def test_the_organisation_facet_lists_the_hundred_with_most_matches(app, runner):
    from collections import Counter

    from ngowg_directory.models import Organization, User
    from ngowg_directory.search.base import ORG_FACET_SIZE

    result = runner.invoke(args=["generate-data", "--people", "900", "--orgs", "150"])
    assert result.exit_code == 0, result.output
    counts = Counter(
        db.session.scalars(
            sa.select(Organization.slug).join(User, User.organization_id == Organization.id)
        )
    )
    assert len(counts) > ORG_FACET_SIZE
    facet = search_people(Query()).facets["o"]
    assert len(facet) == ORG_FACET_SIZE
    smallest_kept = min(facet.values())
    assert all(counts[slug] == facet[slug] for slug in facet)
    assert all(n <= smallest_kept for slug, n in counts.items() if slug not in facet)
    # Filtered on one organisation, its menu holds that one (every match belongs to it).
    rarest = min(counts, key=lambda slug: (counts[slug], slug))
    filtered = search_people(Query(filters={"o": rarest})).facets["o"]
    assert filtered == {rarest: counts[rarest]}

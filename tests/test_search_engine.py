"""The search engine following the database: every change seen by the very next search, in
every process and through every server; rendered sections kept by what they show, nothing
viewer-specific in them."""

from __future__ import annotations

import re
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.search import Query, changes, search_organizations, search_people
from ngowg_directory.services import profiles
from testsupport.http import Browser
from testsupport.servers import Server, ServerPool, app_env, create_user, ngowg

from .conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from .test_faults import profile_fields
from .test_profiles import profile_form, save
from .test_search import CANARY_EMAIL, CANARY_PHONE, corpus, searcher  # noqa: F401  (fixtures)

QUERIES = [
    Query(),
    Query(text="amina"),
    Query(text="soudan"),
    Query(text="peace"),
    Query(text="nunez", sort="name"),
    Query(filters={"country": "SD"}),
    Query(filters={"theme": "crsv", "language": "ar"}),
    Query(text="a", filters={"org": "wilpf"}),
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


def test_the_same_query_gives_the_same_answer_and_reads_the_state_row_once(app, corpus):  # noqa: F811
    for query in QUERIES:
        first = search_people(query)
        second, statements = statements_during(lambda q=query: search_people(q))
        assert first == second, query
        # Nothing changed: the state row, then the facet's organisation names when any.
        assert "search_state" in statements[0], statements
        assert len(statements) <= 2, statements
    assert search_organizations(Query(text="women")).total == 2


def test_edit_hide_show_and_new_people_are_seen_by_the_next_search(
    app,
    corpus,  # noqa: F811
    searcher,  # noqa: F811
    new_client,
    login,
    make_user,
):
    assert "Amina Núñez" in searcher(q="amina")
    assert searcher(q="amina") == searcher(q="amina")
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

    # A new listed person is found by the next search.
    assert searcher(q="peace") == searcher(q="peace")
    newcomer = make_user("staff", name="Peace Newcomer Zyx")
    newcomer.profile.title = "Peace envoy"
    db.session.commit()
    assert "Peace Newcomer Zyx" in searcher(q="peace")


def test_every_viewer_gets_the_same_answer(app, corpus, new_client, login, make_user):  # noqa: F811
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


def test_a_repeated_search_page_reads_no_change_and_no_entry(
    app,
    corpus,  # noqa: F811
    searcher,  # noqa: F811
):
    """Nothing changed since the last search: the account, the state row, the facet's
    organisation names and the people of the page, nothing of the index's changes."""
    first, _ = statements_during(lambda: searcher.client.get("/directory?q=sudan&country=SD"))
    again, statements = statements_during(
        lambda: searcher.client.get("/directory?q=sudan&country=SD")
    )
    assert first.status_code == again.status_code == 200
    assert again.get_data(as_text=True).count('<li class="result">') == first.get_data(
        as_text=True
    ).count('<li class="result">')
    assert "FROM users" in statements[0], statements
    # The state row once (the Council's recommendations matching the words may come first).
    assert sum("search_state" in s for s in statements) == 1, statements
    assert not any("search_changes" in s for s in statements), statements
    assert len(statements) <= 6, statements


def test_a_section_is_kept_per_language(app, corpus, searcher):  # noqa: F811
    english = searcher.client.get("/directory?q=sudan").get_data(as_text=True)
    searcher.client.set_cookie("ngowg_locale", "fr")
    french = searcher.client.get("/directory?q=sudan").get_data(as_text=True)
    assert "people found" in english or "person found" in english
    assert "trouvée" in french and "people found" not in french
    assert len(stored_sections(app)) == 2


def test_bulk_data_written_without_the_orm_is_seen(app, corpus, runner):  # noqa: F811
    before = search_people(Query()).total
    result = runner.invoke(args=["generate-data", "--people", "30", "--orgs", "2"])
    assert result.exit_code == 0, result.output
    assert search_people(Query()).total == before + 30


def test_a_failed_sign_in_logs_no_change(app, client, make_user):
    user = make_user("staff")
    state = changes.database_state()
    client.form("/auth/login", {"email": user.email, "password": "not the password at all"})
    assert changes.database_state() == state
    profiles.set_hidden(user, True)
    db.session.commit()
    assert changes.database_state()[1] == state[1] + 1


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
def test_a_change_through_one_server_is_found_through_the_other_within_a_second(
    pool: ServerPool, shared_env: dict[str, str]
) -> None:
    """Two servers (each its own instance folder and index, as on two machines) on one
    database: hiding and showing through one is seen by the next search through the other,
    and a new name saved through one is found through the other within a second."""
    if TEST_REDIS_URL:
        shared_env = {**shared_env, "RATELIMIT_STORAGE_URI": TEST_REDIS_URL}
    word, browser, server_a, server_b = _two_servers_hide_and_show(pool, shared_env)
    editor_email = f"editor-{uuid.uuid4().hex[:8]}@example.org"
    password = "pw-" + uuid.uuid4().hex
    create_user(shared_env, editor_email, password, role="staff", name=f"Editor {word}")
    editor = Browser()
    assert (
        editor.submit(server_b, "/auth/login", {"email": editor_email, "password": password}).status
        == 302
    )
    renamed = "Z" + uuid.uuid4().hex[:10]
    form = profile_fields(editor.get(server_b, "/account/profile").text, f"Editor {renamed}")
    assert editor.submit(server_b, "/account/profile", form).status == 302
    saved = time.monotonic()
    found: list[str] = []
    while time.monotonic() - saved < 1 and not found:
        found = _people(browser.get(server_a, f"/directory?q={renamed}").text)
    assert found == [f"Editor {renamed}"], found
    assert time.monotonic() - saved < 1


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
    facet = search_people(Query()).facets["org"]
    assert len(facet) == ORG_FACET_SIZE
    smallest_kept = min(facet.values())
    assert all(counts[slug] == facet[slug] for slug in facet)
    assert all(n <= smallest_kept for slug, n in counts.items() if slug not in facet)
    # Filtered on one organisation, the others stay in its menu with their counts (the facet
    # is counted without its own filter), and the one picked is there even when it is not
    # among the hundred.
    rarest = min(counts, key=lambda slug: (counts[slug], slug))
    assert rarest not in facet
    answer = search_people(Query(filters={"org": rarest}))
    assert answer.total == counts[rarest]
    assert answer.facets["org"][rarest] == counts[rarest]
    assert {slug: n for slug, n in answer.facets["org"].items() if slug != rarest} == facet


def test_the_organisation_menu_names_follow_a_rename_and_an_archival_at_once(app, corpus):  # noqa: F811
    """The organisations' names are read once for each state of the database: a rename or an
    archival is in the very next answer."""
    from ngowg_directory.models import Organization
    from ngowg_directory.models._types import utcnow

    assert search_people(Query()).org_names["wilpf"].startswith("Women's International")
    org = db.session.scalar(sa.select(Organization).where(Organization.slug == "wilpf"))
    org.name = "Renamed League"
    db.session.commit()
    assert search_people(Query()).org_names["wilpf"] == "Renamed League"
    org.archived_at = utcnow()
    db.session.commit()
    answer = search_people(Query())
    assert "wilpf" not in answer.org_names and "wilpf" not in answer.facets.get("org", {})


def test_an_index_behind_another_process_on_its_folder_catches_up_without_a_rebuild(
    app,
    corpus,  # noqa: F811
    monkeypatch,
):
    """Two processes on one instance folder: while one waits for the folder's lock, another
    change commits and the other process applies it. The one that waited finds the index
    ahead of what it had read and takes it as it is: no rebuild."""
    from contextlib import contextmanager

    import tantivy

    from ngowg_directory.search.engine import PEOPLE, Engine

    first, second = Engine(app, PEOPLE), Engine(app, PEOPLE)
    first.searcher()
    second.searcher()
    rebuilt: list[object] = []
    for engine in (first, second):
        original = engine._rebuild
        monkeypatch.setattr(
            engine, "_rebuild", lambda wanted, o=original: rebuilt.append(wanted) or o(wanted)
        )
    corpus["Amina Núñez"].profile.title = "Changed once"
    db.session.commit()
    lock = second._folder_lock

    @contextmanager
    def racing():
        corpus["Fatima Nunez"].profile.title = "Changed twice"
        db.session.commit()
        first.searcher()  # the other process applies both changes first
        with lock():
            yield

    monkeypatch.setattr(second, "_folder_lock", racing)
    index_searcher = second.searcher()
    assert rebuilt == []
    assert second._seen == changes.database_state()
    twice = index_searcher.search(tantivy.Query.term_query(second.schema, "title", "twice"), 5)
    assert len(twice.hits) == 1


def test_a_restored_database_is_read_afresh(app, corpus):  # noqa: F811
    """A restore names the database anew (`changes.new_epoch`, backup.restore): an index
    that holds what came after the backup is rebuilt before the next search, even though
    no change was logged."""
    amina = corpus["Amina Núñez"]
    assert search_people(Query(text="amina")).total == 1
    db.session.execute(
        sa.text("UPDATE profiles SET search_text = NULL WHERE user_id = :id"), {"id": amina.id}
    )
    db.session.commit()
    assert search_people(Query(text="amina")).total == 1  # nothing logged: not seen
    changes.new_epoch(db.session.connection())
    db.session.commit()
    assert search_people(Query(text="amina")).total == 0


def test_situations_themes_and_languages_are_counted_once_per_person_and_value(app, runner):
    """The multi-valued facets (a person works on several situations and themes, speaks
    several languages) count each person once for each of her values: each count is the
    database's, over everyone, within a filter, and with a value of the facet itself picked
    (counted without it). Usual values are counted through bit columns, the others (a rare
    language) through a column of their own: both are checked."""
    from collections import Counter

    from ngowg_directory.models import Profile, ProfileLanguage, ProfileSituation, ProfileTheme
    from ngowg_directory.search.facets import DENSE_LANGUAGES

    result = runner.invoke(args=["generate-data", "--people", "600", "--orgs", "30"])
    assert result.exit_code == 0, result.output

    def truth(model, column, country=None) -> dict[str, int]:
        statement = sa.select(column)
        if country is not None:
            statement = statement.join(Profile, Profile.user_id == model.user_id).where(
                Profile.country == country
            )
        return dict(Counter(db.session.scalars(statement)))

    per_person = Counter(db.session.scalars(sa.select(ProfileTheme.user_id)))
    assert max(per_person.values()) > 1, "nobody with several themes"
    everyone = search_people(Query()).facets
    assert everyone["theme"] == truth(ProfileTheme, ProfileTheme.slug)
    assert everyone["situation"] == truth(ProfileSituation, ProfileSituation.code)
    country = Counter(db.session.scalars(sa.select(Profile.country))).most_common(1)[0][0]
    within = search_people(Query(filters={"country": country})).facets
    assert within["theme"] == truth(ProfileTheme, ProfileTheme.slug, country)
    assert within["situation"] == truth(ProfileSituation, ProfileSituation.code, country)
    languages = truth(ProfileLanguage, ProfileLanguage.code)
    assert set(languages) - set(DENSE_LANGUAGES), "no language beyond the usual ones"
    assert everyone["language"] == languages
    assert within["language"] == truth(ProfileLanguage, ProfileLanguage.code, country)
    picked = search_people(Query(filters={"language": "en", "country": country})).facets
    assert picked["language"] == truth(ProfileLanguage, ProfileLanguage.code, country)


def _count_in_child(results) -> None:
    from ngowg_directory.search import engine

    results.put(engine._counting_pool().submit(sum, [20, 22]).result(timeout=10))


def test_the_counting_threads_work_in_a_forked_worker():
    """gunicorn's preloading master may have counted facets before it forks its workers: each
    worker counts on threads of its own (the master's do not exist in it)."""
    import multiprocessing

    from ngowg_directory.search import engine

    assert engine._counting_pool().submit(sum, [1, 2]).result(timeout=10) == 3  # started here
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_count_in_child, args=(results,))
    child.start()
    child.join(timeout=20)
    assert child.exitcode == 0 and results.get(timeout=1) == 42


def test_the_counting_threads_give_the_answer_counted_on_one_thread(app, runner, monkeypatch):
    """From PARALLEL_FROM entries the facets are counted on threads, below it on the request's
    own: the same page, total and counts either way, filters picked or not."""
    from ngowg_directory.search import engine

    result = runner.invoke(args=["generate-data", "--people", "400", "--orgs", "20"])
    assert result.exit_code == 0, result.output
    queries = [
        Query(),
        Query(text="peace"),
        Query(text="women", filters={"country": "SD"}),
        Query(filters={"role": "defender", "theme": "crsv"}),
        Query(text="nobodyatallzzz"),
    ]
    inline = [search_people(query) for query in queries]
    monkeypatch.setattr(engine, "PARALLEL_FROM", 0)
    threaded = [search_people(query) for query in queries]
    for query, one, other in zip(queries, inline, threaded, strict=True):
        assert (one.ids, one.total, one.facets) == (other.ids, other.total, other.facets), query
    assert any(answer.total > 0 for answer in threaded)

"""Directory search on one shared corpus: the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, Organization, Profile, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import accounts, profiles
from testsupport.worlds import fill_profile

ROOT = Path(__file__).resolve().parents[1]
CANARY_PHONE = "+249912345678"
CANARY_EMAIL = "canary-search-5b1d@example.org"
PEOPLE = {
    # name: (role, org, country, situations, themes, languages, title, affiliation)
    "Amina Núñez": (
        "defender",
        "wilpf",
        "SD",
        ["SD"],
        ["crsv", "peace-processes"],
        ["ar", "en"],
        "Peacebuilding trainer",
        "",
    ),
    "Fatima Nunez": (
        "staff",
        "gnwp",
        "ML",
        ["ML"],
        ["participation"],
        ["fr"],
        "Programme officer",
        "",
    ),
    "مُحَمَّد الحسن": (
        "policy_maker",
        None,
        "US",
        ["SD", "SS"],
        ["crsv"],
        ["ar"],
        "Expert",
        "UN Women",
    ),
    "Olivier Dupont": (
        "policy_maker",
        None,
        "US",
        ["ML"],
        ["participation"],
        ["fr", "en"],
        "First secretary",
        "Permanent Mission of France",
    ),
}
UNLISTED = ("Hidden Person", "Unconsented Person", "Suspended Person")


@pytest.fixture
def corpus(app, make_user, make_org):
    make_org("wilpf", "Women's International League for Peace and Freedom")
    make_org("gnwp", "Global Network of Women Peacebuilders")
    made = {}
    for name, (
        role,
        org,
        country,
        situations,
        themes,
        languages,
        title,
        affiliation,
    ) in PEOPLE.items():
        user = make_user(role, org=org, name=name, totp=False)
        _fill(user, country, situations, themes, languages, title, affiliation)
        made[name] = user
    for name in UNLISTED:
        user = make_user("defender" if name != "Suspended Person" else "staff", name=name)
        _fill(user, "SD", ["SD"], ["crsv"], ["ar"], "Peacebuilding trainer", "")
        made[name] = user
    profiles.set_hidden(made["Hidden Person"], True)
    made["Unconsented Person"].profile.consent_at = None
    accounts.suspend(made["Suspended Person"], actor=None)
    db.session.commit()
    return made


def _fill(user, country, situations, themes, languages, title, affiliation):
    fill_profile(
        user,
        country=country,
        situations=situations,
        themes=themes,
        languages=languages,
        title=title,
        affiliation=affiliation,
        phone=CANARY_PHONE,
        email=CANARY_EMAIL,
    )


@pytest.fixture
def searcher(app, corpus, client, login, make_user):
    login(client, make_user("staff", name="Searching Staff", org="gnwp"))

    def names(path: str = "/directory", **params) -> list[str]:
        response = client.get(path, query_string=params)
        assert response.status_code == 200, response.status_code
        html = response.get_data(as_text=True)
        return [unescape(n) for n in re.findall(r'<h3><a href="/[^"]+">([^<]+)</a>', html)]

    names.client = client
    return names


def found(searcher, **params) -> set[str]:
    return set(searcher(**params)) - {"Searching Staff"}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Nuñez", {"Amina Núñez", "Fatima Nunez"}),
        ("nunez", {"Amina Núñez", "Fatima Nunez"}),
        ("NÚÑEZ", {"Amina Núñez", "Fatima Nunez"}),
        ("peaceb", {"Amina Núñez", "Fatima Nunez"}),  # her organisation: Peacebuilders
        ("محمد", {"مُحَمَّد الحسن"}),
        ("مُحَمَّد", {"مُحَمَّد الحسن"}),
        ("Sudan", {"Amina Núñez", "مُحَمَّد الحسن"}),
        ("Soudan", {"Amina Núñez", "مُحَمَّد الحسن"}),
        ("Sudán", {"Amina Núñez", "مُحَمَّد الحسن"}),
        ("السودان", {"Amina Núñez", "مُحَمَّد الحسن"}),
        ("Mission France", {"Olivier Dupont"}),
        ("conflict-related sexual", {"Amina Núñez", "مُحَمَّد الحسن"}),
        ("league peace", {"Amina Núñez"}),
        ("Women's International League", {"Amina Núñez"}),
        ("zzzzqqq", set()),
    ],
)
def test_text_matching(searcher, q, expected):
    assert found(searcher, q=q) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"role": "defender"}, {"Amina Núñez"}),
        ({"role": "policy_maker"}, {"مُحَمَّد الحسن", "Olivier Dupont"}),
        ({"country": "ML"}, {"Fatima Nunez"}),
        ({"country": "sd"}, {"Amina Núñez"}),
        ({"situation": "ML"}, {"Fatima Nunez", "Olivier Dupont"}),
        ({"theme": "crsv"}, {"Amina Núñez", "مُحَمَّد الحسن"}),
        ({"language": "fr"}, {"Fatima Nunez", "Olivier Dupont"}),
        ({"org": "wilpf"}, {"Amina Núñez"}),
        ({"q": "amina", "country": "SD", "theme": "crsv"}, {"Amina Núñez"}),
        ({"q": "sudan", "role": "policy_maker", "language": "ar"}, {"مُحَمَّد الحسن"}),
        ({"theme": "crsv", "language": "fr"}, set()),
    ],
)
def test_filters(searcher, params, expected):
    assert found(searcher, **params) == expected


def test_unlisted_people_and_contact_details_never_match(searcher, corpus):
    for q in ("Hidden", "Unconsented", "Suspended", "Person", "249912345678", "canary search"):
        assert found(searcher, q=q) == set(), q
    indexed = db.session.scalars(sa.select(Profile.search_text)).all()
    text = " ".join(t or "" for t in indexed) + " ".join(
        f or "" for f in db.session.scalars(sa.select(Profile.search_filters))
    )
    assert "249912345678" not in text and "canary" not in text
    for name in UNLISTED:
        assert corpus[name].profile.search_text is None, name
    # The engine's own index: no term of any field is a contact detail or an unlisted name.
    from ngowg_directory.search.engine import PEOPLE, engine

    searcher = engine("people").searcher()
    vocabulary = {
        term
        for field_name, _weight in PEOPLE.fields
        for term, _count in searcher.terms_with_prefix(field_name, "")
    }
    assert vocabulary, "the index holds no term at all"
    for term in ("hidden", "unconsented", "suspended", "249912345678", "canary"):
        assert term not in vocabulary, term


def facet_counts(client, **params) -> dict[str, dict[str, str]]:
    html = client.get("/directory", query_string=params).get_data(as_text=True)
    counts: dict[str, dict[str, str]] = {}
    for select in re.finditer(r'<select name="(\w+)" id="f-\w+">(.*?)</select>', html, re.S):
        options = re.findall(
            r'<option value="([^"]+)"[^>]*>[^<]*\((\d+)\)</option>', select.group(2)
        )
        counts[select.group(1)] = dict(options)
    return counts


def test_facets_count_what_matches_and_nothing_unlisted(searcher, corpus):
    counts = facet_counts(searcher.client, theme="crsv")
    assert counts["role"] == {"defender": "1", "policy_maker": "1"}
    assert counts["country"] == {"SD": "1", "US": "1"}
    assert counts["situation"] == {"SD": "2", "SS": "1"}
    assert counts["language"] == {"ar": "2", "en": "1"}
    assert counts["org"] == {"wilpf": "1"}
    everything = facet_counts(searcher.client)
    assert everything["role"]["defender"] == "1", "unlisted defenders are not counted"
    assert everything["country"]["SD"] == "1"
    html = searcher.client.get("/directory").get_data(as_text=True)
    assert "5 people found" in html  # four in the corpus and the searching staff member


def test_sort_by_name_and_by_last_update(searcher, corpus):
    by_name = [n for n in searcher(sort="name") if n != "Searching Staff"]
    assert by_name == sorted(by_name, key=str.lower)
    corpus["Fatima Nunez"].profile.updated_at = utcnow()
    corpus["Fatima Nunez"].profile.title = "Touched last"
    db.session.commit()
    assert searcher(sort="updated")[0] == "Fatima Nunez"


def test_paging_bounds_and_bad_parameters_never_fail(searcher):
    client = searcher.client
    first = searcher(per_page=2, sort="name")
    second = searcher(per_page=2, page=2, sort="name")
    assert len(first) == 2 and len(second) == 2 and not set(first) & set(second)
    cases = {
        "page=0": "must be a number from 1",
        "page=abc": "must be a number from 1",
        "per_page=500": "must be a number from 1 to 50",
        "country=XX": "not a known country",
        "role=king": "not a known role",
        "theme=astrology": "not a known theme",
        "sort=random": "Unknown sort order",
        "q=" + "peace " * 900: "cut to its first 200 characters",
    }
    for query, message in cases.items():
        response = client.get(f"/directory?{query}")
        assert response.status_code == 200, query
        assert message in response.get_data(as_text=True), query
    far = client.get("/directory?page=10000").get_data(as_text=True)
    assert "There is only 1 page of results." in far and "Go to the last page" in far
    orgs = client.get("/directory/organizations?page=10000").get_data(as_text=True)
    assert "There is only 1 page of results." in orgs
    assert "No organisation matches" not in orgs


def test_bytes_that_are_not_text_are_left_out_of_the_search_and_said(searcher):
    """Percent-escapes that are not UTF-8 (sent by a client, or raw bytes after the `?`) and
    control characters are not searched as text ("%FF" with a "did you mean"): they are left
    out, and the page and the API say so."""
    client = searcher.client
    everyone = searcher()
    message = "Characters of the search that are not text were left out."
    cases = {"q=%ff%fe": "", "q=%c3%28": "(", "q=%00%01%02": "", "q=\xff\xfe": ""}
    for raw, kept in cases.items():
        response = client.get("/directory", environ_overrides={"QUERY_STRING": raw})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, raw
        assert message in html, raw
        assert "Did you mean" not in html and "%FF" not in html, raw
        assert f'name="q" id="q" value="{kept}"' in html, raw
    assert searcher(q="\x01peace\x02") == searcher(q="peace")
    assert len(everyone) > 1
    both = client.get("/directory", environ_overrides={"QUERY_STRING": "q=%ff+peace"})
    assert message in both.get_data(as_text=True)
    assert "Did you mean" not in both.get_data(as_text=True)


def test_empty_state_offers_a_wider_search(searcher):
    html = searcher.client.get("/directory?q=zzzzqqq&role=defender").get_data(as_text=True)
    assert "Nobody matches this search" in html
    assert "search without any filter" in html
    assert 'href="/directory/organizations?q=zzzzqqq"' in html


def count_queries(client, path: str) -> int:
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


def test_results_page_runs_at_most_six_queries(app, searcher, runner):
    """At most six statements a page, whatever it finds; the first search after a change
    reads the state again under the index's lock, the changes, their entries and the names of
    the organisations every member may see (four more; three when the index is built afresh:
    the state, every entry and the names)."""
    searcher.client.get("/directory?q=sudan")  # the first search builds the index
    small = count_queries(searcher.client, "/directory?q=sudan")
    runner.invoke(args=["generate-data", "--people", "120", "--orgs", "5"])
    following = count_queries(searcher.client, "/directory?per_page=50&sort=name")
    big = count_queries(searcher.client, "/directory?per_page=50&sort=name")
    filtered = count_queries(searcher.client, "/directory?q=a&theme=crsv&org=wilpf")
    assert max(small, big, filtered) <= 6, (small, big, filtered)
    assert following <= big + 4, (following, big)


def test_start_page_is_the_directory(searcher):
    html = searcher.client.get("/").get_data(as_text=True)
    assert "Find people" in html and "Amina Núñez" in html


def test_organisation_search(searcher, corpus, make_org):
    archived = make_org("old-org", "Archived Women Network")
    archived.archived_at = utcnow()
    db.session.commit()
    names = set(searcher("/directory/organizations", q="women"))
    assert names == {
        "Women's International League for Peace and Freedom",
        "Global Network of Women Peacebuilders",
    }
    # "peaceb": a prefix of Peacebuilders first, then "peace" within its one typo.
    assert searcher("/directory/organizations", q="peaceb") == [
        "Global Network of Women Peacebuilders",
        "Women's International League for Peace and Freedom",
    ]
    assert searcher("/directory/organizations", kind="un_entity") == []


def filters_of(client, path: str, **params) -> tuple[str, str]:
    """The filters disclosure's opening tag and its summary, and what follows the form."""
    html = client.get(path, query_string=params).get_data(as_text=True)
    match = re.search(r'(<details class="filters"[^>]*>)\s*<summary>([^<]*)</summary>', html)
    assert match, "the filters are in a disclosure"
    disclosure = html[match.start() : html.index("</details>", match.start())]
    assert '<select name="country"' in disclosure and '<select name="sort"' in disclosure
    assert '<input type="search" name="q"' not in disclosure, "the search box stays outside"
    return match.group(1), match.group(2).strip()


@pytest.mark.parametrize("path", ["/directory", "/directory/organizations"])
def test_filters_are_behind_a_disclosure_open_only_when_one_is_used(searcher, path):
    client = searcher.client
    assert filters_of(client, path) == ('<details class="filters">', "Filters")
    assert filters_of(client, path, q="peace") == ('<details class="filters">', "Filters")
    opened = '<details class="filters" open>'
    assert filters_of(client, path, country="SD") == (opened, "Filters (1)")
    assert filters_of(client, path, sort="name") == (opened, "Filters")
    # Without JavaScript: a closed disclosure's selects are sent with the form all the same,
    # and the wide screen shows them without a click.
    css = (ROOT / "static" / "css" / "site.css").read_text(encoding="utf-8")
    assert ".filters::details-content{content-visibility:visible" in css


RESULT_LINE = re.compile(
    r'<li class="result">\s*<h3>.*?</h3>\s*<p class="muted[^"]*">(.*?)</p>', re.S
)
ISOLATED = re.compile(r'<bdi>[^<]*</bdi>|<span class="badge" dir="auto">[^<]*</span>')


def test_arabic_results_isolate_each_field_of_a_result_line(searcher, corpus, make_org):
    client = searcher.client
    client.form("/language", {"locale": "ar", "next": "/directory"})
    org = make_org("latin-focus", "Women Mediators Network")
    org.focus, org.headquarters_country = "Mediation, ceasefires and peace talks.", "SD"
    db.session.commit()
    for path, fields in (("/directory", 2), ("/directory/organizations", 1)):
        html = client.get(path).get_data(as_text=True)
        assert 'dir="rtl"' in html.split(">", 2)[1], "an Arabic page"
        lines = RESULT_LINE.findall(html)
        assert lines, f"{path}: result lines"
        for line in lines:
            # What is left outside the isolated fields: the separators between them, no text.
            assert ISOLATED.sub("", line).replace("·", "").strip() == "", line
        assert max(len(ISOLATED.findall(line)) for line in lines) > fields, path
    people = client.get("/directory").get_data(as_text=True)
    line = next(
        line
        for line in RESULT_LINE.findall(people)
        if "Global Network of Women Peacebuilders" in line
    )
    # badge, then the fields separated by " · ", each in its own <bdi>
    assert re.fullmatch(
        r'<span class="badge" dir="auto">[^<]+</span>( <bdi>[^<]+</bdi>)'
        r"( · <bdi>[^<]+</bdi>)+",
        line,
    ), line
    assert "<bdi>Global Network of Women Peacebuilders</bdi>" in line
    orgs = client.get("/directory/organizations", query_string={"q": "mediators"})
    assert '<p dir="auto">Mediation, ceasefires and peace talks.</p>' in orgs.get_data(as_text=True)
    css = (ROOT / "static" / "css" / "site.css").read_text(encoding="utf-8")
    assert ".result h3 a{unicode-bidi:plaintext}" in css, "the name link is isolated too"


class TestHarvestingGuard:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_SEARCH": "3 per hour", "RATELIMIT_PROFILE_VIEWS": "2 per hour"}

    def test_searches_per_user_are_limited(self, searcher, corpus, new_client, login, make_user):
        for _ in range(3):
            searcher(q="sudan")
        response = searcher.client.get("/directory?q=sudan")
        assert response.status_code == 429
        html = response.get_data(as_text=True)
        assert "Try again in" in html and response.headers["Retry-After"]
        rows = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "rate_limited")
        ).all()
        assert len(rows) == 1 and rows[0].details["endpoint"] == "directory.people"
        other = new_client()
        login(other, make_user("staff"))
        assert other.get("/directory").status_code == 200, "limits are per user"

    def test_the_start_page_is_one_search_of_the_same_budget(self, searcher, corpus):
        """/ shows the people search: it spends one search, as /directory does (it spent two
        while it called the directory's rate-limited view)."""
        paths = ("/", "/directory", "/", "/directory")
        assert [searcher.client.get(path).status_code for path in paths] == [200, 200, 200, 429]
        rows = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "rate_limited")
        ).all()
        assert [row.details["endpoint"] for row in rows] == ["directory.people"]

    def test_profile_views_per_user_are_limited(self, searcher, corpus):
        person = corpus["Amina Núñez"]
        for _ in range(2):
            assert searcher.client.get(f"/people/{person.id}").status_code == 200
        assert searcher.client.get(f"/people/{person.id}").status_code == 429
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "rate_limited"))
            == 1
        )


def test_generate_data_spreads_over_countries_themes_languages_and_orgs(app, runner):
    result = runner.invoke(args=["generate-data", "--people", "400", "--orgs", "12"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 400
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 12
    countries = db.session.scalar(sa.select(sa.func.count(sa.distinct(Profile.country))))
    roles = set(db.session.scalars(sa.select(User.role).distinct()))
    assert countries >= 15 and {"defender", "staff", "policy_maker", "manager"} <= roles
    for table in ("profile_themes", "profile_languages", "profile_situations"):
        distinct = db.session.execute(
            sa.text(
                f"SELECT count(DISTINCT {'slug' if 'themes' in table else 'code'}) FROM {table}"
            )
        ).scalar()
        assert distinct >= 10, table
    listed = db.session.scalar(sa.select(sa.func.count()).where(Profile.search_text.is_not(None)))
    assert listed == 400
    from ngowg_directory.search import Query, search_people

    assert search_people(Query(text="sudan")).total > 0


def test_unicode_digits_in_paging_get_a_message_not_a_500(searcher):
    for value in ("²", "١٢", "٣"):
        response = searcher.client.get(f"/directory?page={value}&per_page={value}")
        assert response.status_code == 200
        assert "must be a number" in response.get_data(as_text=True)


@pytest.mark.parametrize("sort", ["relevance", "name", "updated"])
def test_an_index_kept_in_step_answers_as_one_built_afresh(app, runner, sort):
    """Each search applies the changes logged since the last (engine.py); after edits,
    hiding, a new organisation name and a deletion, its answers are those of an index built
    afresh from the database."""
    from ngowg_directory.models import Organization, User
    from ngowg_directory.search import Query, search_people
    from ngowg_directory.search.engine import engine

    result = runner.invoke(args=["generate-data", "--people", "300", "--orgs", "8"])
    assert result.exit_code == 0, result.output
    queries = [
        Query(text="sudan", sort=sort),
        Query(text="ma", sort=sort, page=2),
        Query(filters={"theme": "crsv"}, sort=sort),
        Query(text="peace", filters={"language": "fr"}, sort=sort, page=2, per_page=7),
    ]
    before = [search_people(query) for query in queries]
    people = db.session.scalars(sa.select(User).join(User.profile).limit(40)).all()
    for n, user in enumerate(people[:10]):
        user.profile.bio = f"Mediation in Sudan and peace talks {n}"
    people[10].profile.hidden = True
    db.session.delete(people[11])
    org = db.session.scalars(sa.select(Organization)).first()
    org.name = "Renamed Peace Network"
    db.session.commit()
    followed = [search_people(query) for query in queries]
    assert followed != before
    engine("people").rebuild()
    afresh = [search_people(query) for query in queries]
    assert followed == afresh
    assert all(answer.total > 14 for answer in followed), [a.total for a in followed]
    assert all(len(answer.ids) > 0 and answer.facets for answer in followed)


def test_the_index_listeners_are_attached_by_the_app_factory_not_by_an_import(tmp_path):
    """Importing the search package attaches nothing; create_app's step does (once)."""
    import subprocess
    import sys

    script = """
import sys
import sqlalchemy as sa
from sqlalchemy.orm import Session
from ngowg_directory import search
from ngowg_directory.services import profiles  # and everything a service imports
attached = lambda: [sa.event.contains(t, n, f) for t, n, f in search.LISTENERS]
assert attached() == [False] * 3, attached()
from ngowg_directory import create_app
for name in ("a", "b"):
    create_app("testing", INSTANCE_PATH=sys.argv[1] + name, SQLALCHEMY_DATABASE_URI="sqlite://")
assert attached() == [True] * 3, attached()
print("ok")
"""
    command = [sys.executable, "-c", script, str(tmp_path / "instance-")]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr

"""The privacy matrix over every output (issue 10).

One cast: a person of each role at each audience setting (all four contact fields at that
audience), plus a hidden, an unconsented and a suspended person, each with a unique canary in
every contact field. Viewers: anonymous, a defender, a policy-maker, staff of the people's
organisation, a manager of it, a manager of another organisation, an admin, and each person
herself. The relationship of every viewer with every person goes through none, pending,
accepted, ended and blocked, driven through the real pages where the person is listed.

Every output is read and scanned for every canary: profile pages, the people search (each
canary value and broad searches) and its facet counts, organisation pages, /connections, the
API, vCards, the secretariat's exports and `export-directory`, every e-mail sent, the
application's log records, the audit log, an encrypted backup and the raw database (the
SQLite file with its WAL, or every PostgreSQL table). A second test runs a real gunicorn
server and searches its log. What a viewer should see comes from testsupport/visibility.py,
written independently of ngowg_directory.privacy.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus, urlencode, urlsplit

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import (
    AUDIENCES,
    CONTACT_FIELDS,
    AuditEvent,
    ContactRequest,
    Organization,
    User,
)
from ngowg_directory.models._types import utcnow
from ngowg_directory.models.connections import Block
from ngowg_directory.services import accounts, tokens
from testsupport import visibility
from testsupport.canaries import CANARY_MARKS, canaries_for, letters, shapes
from testsupport.council import add_council
from testsupport.http import CSRF_RE, Browser, bearer
from testsupport.servers import ServerPool, app_env
from testsupport.signin import sign_in

from .conftest import PASSWORD, is_postgres
from .test_connections import result_names

ROLES = ("defender", "staff", "manager", "policy_maker", "admin")
# Persons of these roles belong to the viewers' organisation; the others to none.
ORG_ROLES = ("defender", "staff", "manager")
UNLISTED = {"hidden": "defender", "unconsented": "defender", "suspended": "staff"}
RELATIONSHIPS = ("none", "pending", "accepted", "ended", "blocked")
VIEWER_KINDS = (
    "defender",
    "policy_maker",
    "staff",
    "manager_same_org",
    "manager_other_org",
    "admin",
)
MESSAGE = "We would like to invite you to brief the Security Council in March."
COUNTRY = "SD"  # every listed person of the matrix
UNLISTED_COUNTRY = "NO"  # only the unlisted persons: no count may ever show it
OPTION = re.compile(r'<option value="([^"]*)"[^>]*>[^<]*\((\d+)\)</option>')


@dataclass
class Person:
    key: str
    user_id: int
    name: str
    role: str
    audience: str
    state: str  # listed, hidden, unconsented, suspended
    in_org: bool
    canaries: dict[str, str]

    @property
    def listed(self) -> bool:
        return self.state == "listed"


@dataclass
class Cast:
    persons: list[Person]
    viewers: dict[str, User]
    clients: dict[str, Any]
    self_clients: dict[int, Any]
    secrets: dict[str, str]  # viewer kind or person key -> API token
    council_key: str = ""  # the Council's month of the matrix, YYYY-MM
    cases: Counter = field(default_factory=Counter)
    leaks: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)

    def person(self, user_id: int) -> Person:
        return next(p for p in self.persons if p.user_id == user_id)

    def all_canaries(self) -> list[tuple[Person, str, str]]:
        """(person, field, variant) for every canary shape."""
        return [
            (p, f, shape)
            for p in self.persons
            for f, value in p.canaries.items()
            for shape in shapes(f, value)
        ]


def may_see(kind: str, person: Person, relationship: str) -> bool:
    """One field of `person` at her audience, seen by a viewer of this kind (not herself)."""
    viewer = visibility.of_kind(kind, relationship, her_org=person.in_org)
    return visibility.sees(viewer, person.audience)


def may_open(kind: str, person: Person) -> bool:
    """Whether the viewer may see the person at all (unlisted: 404 but to admins)."""
    return visibility.may_open(visibility.of_kind(kind), person.listed)


def in_exports(persons: list[Person]) -> set[tuple[int, str]]:
    """What the secretariat's exports hold: (person, field) of the listed persons."""
    return {
        (p.user_id, f)
        for p in persons
        if p.listed and visibility.in_export(p.audience)
        for f in CONTACT_FIELDS
    }


# --- scanning ------------------------------------------------------------------------------


def scan(
    cast: Cast,
    text: str,
    output: str,
    case: str,
    *,
    allowed: set[tuple[int, str]] = frozenset(),  # type: ignore[assignment]
    required: set[tuple[int, str]] = frozenset(),  # type: ignore[assignment]
    ignore: str = "",
) -> None:
    """Record every canary in `text` not allowed, and every required one missing."""
    if ignore:
        once = {ignore, quote(ignore), quote(ignore, safe=""), quote_plus(ignore)}
        # A sign-in redirect's `next` holds the search link, quoted once more.
        for typed in once | {quote(form, safe="") for form in once}:
            text = text.replace(typed, "")
    if any(mark in text for mark in CANARY_MARKS):
        for person, name, shape in cast.all_canaries():
            if (person.user_id, name) not in allowed and shape in text:
                cast.leaks.append(f"{output}: {person.key}'s {name} ({shape}) shown to {case}")
    for user_id, name in required:
        value = cast.person(user_id).canaries[name]
        if value not in text:
            cast.withheld.append(f"{output}: {cast.person(user_id).key}'s {name} hidden: {case}")
    cast.cases[output] += 1


def unlisted_names_absent(cast: Cast, text: str, output: str, case: str) -> None:
    """Nobody unlisted may appear by name (viewers other than admins and herself)."""
    for person in cast.persons:
        if not person.listed and person.name in text:
            cast.leaks.append(f"{output}: unlisted {person.key} named to {case}")


# --- the cast ------------------------------------------------------------------------------


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    # The scenario is many times one person's day: limits must not cut it short.
    return {
        "CONNECTION_REQUESTS_PER_DAY": 100_000,
        "RATELIMIT_LOGIN": "1000 per minute",
        "RATELIMIT_SEARCH": "100000 per hour",
        "RATELIMIT_PROFILE_VIEWS": "100000 per hour",
        "RATELIMIT_API": "100000 per hour",
        "RATELIMIT_API_AUTH_FAILURES": "100000 per minute",
        "ADMIN_FRESH_SECONDS": 86_400,
    }


def build_cast(make_user, make_org) -> tuple[list[Person], dict[str, User]]:
    """The persons and the viewers, written to the database."""
    make_org("wilpf")
    make_org("amnesty")
    persons: list[Person] = []
    specs = [(role, audience, "listed") for role in ROLES for audience in AUDIENCES]
    specs += [(role, "members", state) for state, role in UNLISTED.items()]
    for n, (role, audience, state) in enumerate(specs, start=1):
        key = f"{role}@{audience}" if state == "listed" else state
        name = f"Matrix {role.replace('_', ' ')} {letters(n)}"
        in_org = role in ORG_ROLES
        user = make_user(
            role, org="wilpf" if in_org else None, name=name, consent=state != "unconsented"
        )
        profile = user.profile
        values = canaries_for(n)
        for field_name, value in values.items():
            setattr(profile, field_name, value)
            setattr(profile, f"{field_name}_audience", audience)
        profile.country = COUNTRY if state == "listed" else UNLISTED_COUNTRY
        profile.set_tags([COUNTRY], [], [])  # everyone works on Sudan: the Council's pages
        if state == "hidden":
            profile.hidden = True
        db.session.commit()
        if state == "suspended":
            accounts.suspend(user, actor=None)
            db.session.commit()
        persons.append(Person(key, user.id, name, role, audience, state, in_org, values))
    viewers = {
        "defender": make_user("defender", name="Viewer defender"),
        "policy_maker": make_user("policy_maker", name="Viewer policy maker"),
        "staff": make_user("staff", org="wilpf", name="Viewer staff"),
        "manager_same_org": make_user("manager", org="wilpf", name="Viewer manager here"),
        "manager_other_org": make_user("manager", org="amnesty", name="Viewer manager there"),
        "admin": make_user("admin", name="Viewer admin"),
    }
    viewers["defender"].profile.consent_at = utcnow()
    db.session.commit()
    return persons, viewers


@pytest.fixture
def cast(app, make_user, make_org, new_client, login) -> Cast:
    """Everyone signed in in her own browser, with her own API token."""
    persons, viewers = build_cast(make_user, make_org)
    clients, self_clients, secrets = {}, {}, {}
    for kind, viewer in viewers.items():
        clients[kind] = new_client()
        login(clients[kind], viewer)
        _token, secrets[kind] = tokens.create(viewer, "matrix", 30)
        db.session.commit()
    for person in persons:
        user = db.session.get(User, person.user_id)
        _token, secrets[person.key] = tokens.create(user, "matrix", 30)
        db.session.commit()
        if person.state != "suspended":
            self_clients[person.user_id] = new_client()
            login(self_clients[person.user_id], user)
    db.session.commit()
    # Everyone, listed or not, is credited on the published recommendation and accepted.
    everyone = [db.session.get(User, p.user_id) for p in persons]
    wilpf = db.session.scalar(sa.select(Organization).where(Organization.slug == "wilpf"))
    council = add_council(viewers["admin"], people=everyone, org_ids=[wilpf.id], accepted=True)
    return Cast(persons, viewers, clients, self_clients, secrets, council_key=council.key)


# --- relationships ---------------------------------------------------------------------------


def drive(cast: Cast, relationship: str) -> None:
    """Every viewer's relationship with every person becomes `relationship`.

    Listed persons: through the pages (request, then accept, end or block). The unlisted
    cannot be asked: their rows are written as if made before they left the directory."""
    db.session.execute(sa.delete(ContactRequest))
    db.session.execute(sa.delete(Block))
    db.session.commit()
    if relationship == "none":
        return
    tokens_of: dict[int, str] = {}

    def post(client: Any, path: str, data: dict[str, str] | None = None) -> Any:
        token = tokens_of.setdefault(id(client), client.csrf_token())
        return client.form(path, {**(data or {}), "csrf_token": token})

    for kind, viewer in cast.viewers.items():
        asker = cast.clients[kind]
        for person in cast.persons:
            if not person.listed:
                _write_relationship(viewer.id, person.user_id, relationship)
                continue
            answer = post(asker, f"/connections/request/{person.user_id}", {"message": MESSAGE})
            assert answer.status_code == 302, (kind, person.key, answer.status_code)
            if relationship == "pending":
                continue
            request_id = db.session.scalar(
                sa.select(ContactRequest.id).where(
                    ContactRequest.requester_id == viewer.id,
                    ContactRequest.recipient_id == person.user_id,
                )
            )
            owner = cast.self_clients[person.user_id]
            action = "block" if relationship == "blocked" else "accept"
            assert post(owner, f"/connections/{request_id}/{action}").status_code == 302
            if relationship == "ended":
                assert post(asker, f"/connections/{request_id}/end").status_code == 302
    db.session.expire_all()
    states = Counter(db.session.scalars(sa.select(ContactRequest.status)))
    expected_status = {"ended": "ended", "blocked": "blocked", "accepted": "accepted"}
    expected = {expected_status.get(relationship, "pending"): len(cast.viewers) * len(cast.persons)}
    assert states == expected, f"the pages did not make every request {relationship}: {states}"


def _write_relationship(viewer_id: int, person_id: int, relationship: str) -> None:
    db.session.add(
        ContactRequest(
            requester_id=viewer_id, recipient_id=person_id, message=MESSAGE, status=relationship
        )
    )
    if relationship == "blocked":
        db.session.add(Block(blocker_id=person_id, blocked_id=viewer_id))
    db.session.commit()


# --- outputs -------------------------------------------------------------------------------


def check_profiles_and_api(cast: Cast, kind: str, relationship: str, client: Any) -> None:
    """/people/<id> and /api/v1/people/<id> for every person."""
    headers = bearer(cast.secrets[kind])
    for person in cast.persons:
        case = f"{kind} ({relationship}) on {person.key}"
        visible = {
            (person.user_id, f) for f in CONTACT_FIELDS if may_see(kind, person, relationship)
        }
        page = client.get(f"/people/{person.user_id}")
        detail = client.get(f"/api/v1/people/{person.user_id}", headers=headers)
        if may_open(kind, person):
            assert page.status_code == detail.status_code == 200, (case, page.status_code)
            shown = detail.get_json()["data"]["contact"]
            expected = {f: person.canaries[f] for p, f in visible}
            if shown != expected:
                cast.leaks.append(f"api contact of {person.key} to {case}: {shown} != {expected}")
        else:
            assert page.status_code == detail.status_code == 404, (case, page.status_code)
            visible = set()
            unlisted_names_absent(cast, page.get_data(as_text=True), "profile page", case)
        scan(cast, page.get_data(as_text=True), "profile page", case, allowed=visible,
             required=visible)  # fmt: skip
        scan(cast, detail.get_data(as_text=True), "api person", case, allowed=visible,
             required=visible)  # fmt: skip


def check_vcards(cast: Cast, kind: str, relationship: str, client: Any) -> None:
    """The vCard of every request the viewer is a side of, and of one she is not."""
    viewer = cast.viewers[kind]
    first = cast.persons[0].user_id
    rows = db.session.execute(
        sa.select(
            ContactRequest.id, ContactRequest.recipient_id, ContactRequest.requester_id
        ).where(
            # Her own requests, and every viewer's request to the first person.
            sa.or_(ContactRequest.requester_id == viewer.id, ContactRequest.recipient_id == first)
        )
    ).all()
    for request_id, recipient_id, requester_id in rows:
        person = cast.person(recipient_id)
        case = f"{kind} ({relationship}) on {person.key}'s card"
        answer = client.get(f"/connections/{request_id}/vcard")
        text = answer.get_data(as_text=True)
        mine = requester_id == viewer.id
        if mine and relationship == "accepted" and may_open(kind, person):
            assert answer.status_code == 200, (case, answer.status_code)
            visible = {
                (person.user_id, f) for f in CONTACT_FIELDS if may_see(kind, person, "accepted")
            }
            scan(cast, text, "vcard", case, allowed=visible, required=visible)
        else:
            assert answer.status_code == 404, (case, answer.status_code, mine)
            scan(cast, text, "vcard", case)


def check_search(cast: Cast, kind: str, relationship: str, client: Any, *, every: bool) -> None:
    """Broad searches (names and facet counts), and each canary value when `every`."""
    listed_names = {p.name for p in cast.persons if p.listed}
    listed_names |= {v.name for v in cast.viewers.values()}
    case = f"{kind} ({relationship})"
    everyone = client.get("/directory?per_page=50&sort=name").get_data(as_text=True)
    scan(cast, everyone, "people search", case)
    unlisted_names_absent(cast, everyone, "people search", case)
    if set(result_names(everyone)) != listed_names:
        cast.leaks.append(f"people search lists {sorted(result_names(everyone))} to {case}")
    check_facets(cast, everyone, case)
    matrix = client.get("/directory?q=matrix&per_page=50").get_data(as_text=True)
    scan(cast, matrix, "people search", case)
    if set(result_names(matrix)) != {p.name for p in cast.persons if p.listed}:
        cast.leaks.append(f"search for 'matrix' lists {sorted(result_names(matrix))} to {case}")
    hidden_country = client.get(f"/directory?country={UNLISTED_COUNTRY}").get_data(as_text=True)
    if result_names(hidden_country):
        cast.leaks.append(f"country {UNLISTED_COUNTRY} lists {result_names(hidden_country)}")
    unlisted_names_absent(cast, hidden_country, "people search", case)
    if not every:
        return
    for person in cast.persons:
        for name, value in person.canaries.items():
            found = client.get(f"/directory?q={quote(value)}").get_data(as_text=True)
            # The search box shows what the viewer typed: that one value is hers.
            scan(cast, found, "people search", f"{case} for {name}", ignore=value)
            if result_names(found):
                cast.leaks.append(
                    f"searching {person.key}'s {name} finds {result_names(found)} for {case}"
                )


def check_facets(cast: Cast, html: str, case: str) -> None:
    """Role, country and organisation counts hold listed people only."""
    listed = [p for p in cast.persons if p.listed]
    viewers = list(cast.viewers.values())
    expected = {
        "role": Counter([p.role for p in listed] + [v.role for v in viewers]),
        "country": Counter({COUNTRY: len(listed)}),
        "org": Counter(
            ["wilpf" for p in listed if p.in_org]
            + [v.organization.slug for v in viewers if v.organization is not None]
        ),
    }
    for name, counts in expected.items():
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
        assert select, f"no {name} facet"
        shown = Counter({value: int(n) for value, n in OPTION.findall(select.group(1))})
        if shown != counts:
            cast.leaks.append(f"{name} facet {dict(shown)} != {dict(counts)} for {case}")
        cast.cases["facet counts"] += 1


def check_api_lists(cast: Cast, kind: str, relationship: str, client: Any, *, every: bool) -> None:
    """/api/v1/people: listed ids, facet counts, no contact detail; canary searches."""
    headers = bearer(cast.secrets[kind])
    case = f"{kind} ({relationship})"
    answer = client.get("/api/v1/people?per_page=50", headers=headers)
    body = answer.get_json()
    ids = {item["id"] for item in body["data"]}
    expected_ids = {p.user_id for p in cast.persons if p.listed}
    expected_ids |= {v.id for v in cast.viewers.values()}
    if ids != expected_ids:
        cast.leaks.append(f"api list ids {sorted(ids - expected_ids)} extra for {case}")
    facets = body["meta"]["facets"]
    if facets.get("country") != {COUNTRY: len([p for p in cast.persons if p.listed])}:
        cast.leaks.append(f"api country facet {facets.get('country')} for {case}")
    cast.cases["facet counts"] += 1
    scan(cast, answer.get_data(as_text=True), "api people", case)
    for path in ("/api/v1/organizations?per_page=50", "/api/v1/organizations/wilpf"):
        scan(cast, client.get(path, headers=headers).get_data(as_text=True), "api orgs", case)
    if not every:
        return
    for person in cast.persons:
        for name, value in person.canaries.items():
            found = client.get(f"/api/v1/people?{urlencode({'q': value})}", headers=headers)
            scan(cast, found.get_data(as_text=True), "api people", case, ignore=value)
            if found.get_json()["meta"]["total"] != 0:
                cast.leaks.append(f"api search for {person.key}'s {name} finds someone ({case})")


def check_org_pages(cast: Cast, kind: str, relationship: str, client: Any) -> None:
    """Organisation pages, their people lists, the organisation search and /connections."""
    case = f"{kind} ({relationship})"
    for path in (
        "/orgs/wilpf",
        "/orgs/amnesty",
        "/orgs/wilpf/people",
        "/directory/organizations?per_page=50",
        "/connections",
    ):
        answer = client.get(path)
        assert answer.status_code in (200, 403, 404), (path, case, answer.status_code)
        text = answer.get_data(as_text=True)
        scan(cast, text, path.split("?")[0], case)
        if kind != "admin" or not path.startswith("/connections"):
            unlisted_names_absent(cast, text, path, case)


def check_council(cast: Cast, kind: str, relationship: str, client: Any) -> None:
    """The Council's pages and API: the situation's people through the listing (every listed
    person by name, nobody unlisted, no contact detail whatever the audience), credits only of
    listed people, the month and its API."""
    case = f"{kind} ({relationship})"
    listed_names = {p.name for p in cast.persons if p.listed}
    pages = {
        "council month": f"/council/{cast.council_key}",
        "council situation": f"/council/situations/{COUNTRY}",
        "council situation page 2": f"/council/situations/{COUNTRY}?page=2",
    }
    shown: set[str] = set()
    for output, path in pages.items():
        answer = client.get(path)
        assert answer.status_code == 200, (path, case, answer.status_code)
        text = answer.get_data(as_text=True)
        scan(cast, text, output, case)
        unlisted_names_absent(cast, text, output, case)
        shown |= {name for name in listed_names if name in text}
    if shown != listed_names:
        cast.withheld.append(f"council situation leaves out {listed_names - shown} for {case}")
    headers = bearer(cast.secrets[kind])
    for output, path in (
        ("council api month", f"/api/v1/council/{cast.council_key}"),
        ("council api situation", f"/api/v1/council/situations/{COUNTRY}"),
    ):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200, (path, case, answer.status_code)
        text = answer.get_data(as_text=True)
        scan(cast, text, output, case)
        # The API lists no people at all: not even a listed person's name.
        named = [p.key for p in cast.persons if p.name in text]
        if named:
            cast.leaks.append(f"{output} names {named} to {case}")


def check_exports(cast: Cast, kind: str, relationship: str, client: Any) -> None:
    """The secretariat's exports: what an admin may see without her own connections."""
    case = f"{kind} ({relationship})"
    visible = in_exports(cast.persons)
    for fmt in ("csv", "vcf"):
        answer = client.get(f"/admin/export.{fmt}")
        text = answer.get_data(as_text=True)
        if kind == "admin":
            assert answer.status_code == 200, (fmt, answer.status_code)
            scan(cast, text, f"admin export .{fmt}", case, allowed=visible, required=visible)
            unlisted_names_absent(cast, text, f"admin export .{fmt}", case)
        else:
            assert answer.status_code == 403, (fmt, case, answer.status_code)
            scan(cast, text, f"admin export .{fmt}", case)


def check_self(cast: Cast, relationship: str) -> None:
    """Each person sees all of her own details, on her profile and through the API."""
    for person in cast.persons:
        client = cast.self_clients.get(person.user_id)
        if client is None:
            continue  # suspended: cannot sign in
        case = f"{person.key} herself ({relationship})"
        mine = {(person.user_id, f) for f in CONTACT_FIELDS}
        page = client.get(f"/people/{person.user_id}").get_data(as_text=True)
        scan(cast, page, "profile page", case, allowed=mine, required=mine)
        headers = bearer(cast.secrets[person.key])
        detail = client.get(f"/api/v1/people/{person.user_id}", headers=headers)
        assert detail.get_json()["data"]["contact"] == person.canaries, case
        scan(cast, detail.get_data(as_text=True), "api person", case, allowed=mine)
        for path in ("/connections", "/directory?per_page=50", "/orgs/wilpf"):
            scan(cast, client.get(path).get_data(as_text=True), path.split("?")[0], case)


def check_anonymous(cast: Cast, new_client: Any) -> None:
    """Signed out: sign-in redirects and 401s, never a detail."""
    client = new_client()
    paths = ["/directory", "/connections", "/admin/export.csv", "/orgs/wilpf", "/api/v1/people"]
    paths += ["/council", f"/council/situations/{COUNTRY}", f"/api/v1/council/{cast.council_key}"]
    for person in cast.persons:
        paths += [f"/people/{person.user_id}", f"/api/v1/people/{person.user_id}"]
        paths += [f"/directory?q={quote(value)}" for value in person.canaries.values()]
    for path in paths:
        answer = client.get(path)
        expected = 401 if path.startswith("/api/") else 302
        assert answer.status_code == expected, (path, answer.status_code)
        # A sign-in redirect carries what the visitor typed, back to her: that is hers.
        typed = parse_qs(urlsplit(path).query).get("q", [""])[0]
        text = answer.get_data(as_text=True)
        scan(cast, text, "signed-out answer", f"anonymous on {path}", ignore=typed)


def check_export_command(cast: Cast, runner: Any, tmp_path: Path) -> None:
    """`ngowg export-directory`: listed people, fields at members and policy_makers."""
    visible = in_exports(cast.persons)
    for fmt in ("csv", "vcard"):
        out = tmp_path / f"export.{fmt}"
        result = runner.invoke(args=["export-directory", "--format", fmt, str(out)])
        assert result.exit_code == 0, result.output
        text = out.read_text(encoding="utf-8")
        scan(cast, text, "export-directory", fmt, allowed=visible, required=visible)
        unlisted_names_absent(cast, text, "export-directory", fmt)
        if fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(text)))
            assert {int(r["id"]) for r in rows} >= {p.user_id for p in cast.persons if p.listed}


def raw_store_text(tmp_path: Path) -> tuple[str, str]:
    """What the database holds, byte for byte: the SQLite file and its WAL, or every
    PostgreSQL table as text. (what, text)"""
    if not is_postgres():
        url = sa.engine.make_url(str(db.engine.url))
        path = Path(url.database or "")
        chunks = [
            Path(f"{path}{suffix}").read_bytes()
            for suffix in ("", "-wal", "-shm")
            if Path(f"{path}{suffix}").exists()
        ]
        return "the SQLite file and WAL", b"".join(chunks).decode("latin-1")
    with db.engine.connect() as conn:
        tables = conn.scalars(
            sa.text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ).all()
        dumped = [
            f"{table}: "
            + json.dumps(
                [list(map(str, row)) for row in conn.execute(sa.text(f'SELECT * FROM "{table}"'))]
            )
            for table in tables
        ]
    return f"{len(tables)} PostgreSQL tables", "\n".join(dumped)


def check_stores(cast: Cast, runner: Any, tmp_path: Path, mailbox: Any, logged: str) -> None:
    """E-mails, logs, the audit log, a backup and the raw database: no canary at all."""
    assert mailbox.messages, "the scenario sent notices"
    for message in mailbox.messages:
        text = str(message["Subject"]) + "\n" + mailbox.body(message)
        scan(cast, text, "e-mail", f"to {message['To']}")
        unlisted_names_absent(cast, text, "e-mail", f"to {message['To']}")
    assert "contact_requested" in logged
    scan(cast, logged, "application log", "any reader")
    audit = [
        json.dumps([e.action, e.actor_id, e.target_type, e.target_id, e.ip, e.details])
        for e in db.session.scalars(sa.select(AuditEvent))
    ]
    reveals = [row for row in audit if "contact_revealed" in row]
    assert reveals and all('"fields"' in row for row in reveals)
    for row in audit:
        scan(cast, row, "audit row", "the audit log")
    (tmp_path / "backup").mkdir()
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    (backup_file,) = (tmp_path / "backup").glob("*.ngowg-backup")
    scan(cast, backup_file.read_bytes().decode("latin-1"), "backup file", "its bytes")
    what, raw = raw_store_text(tmp_path)
    assert "Matrix defender" in raw, f"{what}: names are stored readable, the read works"
    scan(cast, raw, "raw database", what)


# --- the matrix ----------------------------------------------------------------------------


def test_privacy_matrix_over_every_output(app, cast, new_client, runner, mailbox, caplog, tmp_path):
    # The SMTP sink's own log stands for the outside mail server: not ours, and verbose.
    caplog.set_level(logging.WARNING, logger="mail.log")
    caplog.set_level(logging.INFO)  # the production level, for every other logger
    started = time.monotonic()
    check_anonymous(cast, new_client)
    spent: Counter = Counter()

    def timed(check: Any, *args: Any, **kwargs: Any) -> None:
        begin = time.monotonic()
        check(*args, **kwargs)
        spent[check.__name__] += time.monotonic() - begin

    for relationship in RELATIONSHIPS:
        timed(drive, cast, relationship)
        # Every canary value is searched in the round where viewers see the most; the broad
        # searches and their counts run in every round.
        every = relationship == "accepted"
        for kind in VIEWER_KINDS:
            client = cast.clients[kind]
            timed(check_profiles_and_api, cast, kind, relationship, client)
            timed(check_vcards, cast, kind, relationship, client)
            timed(check_search, cast, kind, relationship, client, every=every)
            timed(check_api_lists, cast, kind, relationship, client, every=every)
            timed(check_org_pages, cast, kind, relationship, client)
            timed(check_council, cast, kind, relationship, client)
            timed(check_exports, cast, kind, relationship, client)
        if relationship in ("none", "accepted"):
            timed(check_self, cast, relationship)
    print({name: round(seconds, 1) for name, seconds in spent.items()})
    check_export_command(cast, runner, tmp_path)
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    check_stores(cast, runner, tmp_path, mailbox, logged)
    assert not cast.leaks, f"{len(cast.leaks)} leaks:\n" + "\n".join(cast.leaks[:80])
    assert not cast.withheld, f"{len(cast.withheld)} withheld:\n" + "\n".join(cast.withheld[:80])
    total = sum(cast.cases.values())
    print(
        f"\nprivacy matrix: {len(cast.persons)} persons x {len(CONTACT_FIELDS)} fields, "
        f"{len(VIEWER_KINDS) + 2} viewer kinds, {len(RELATIONSHIPS)} relationships; "
        f"{total} outputs scanned for {len(cast.all_canaries())} canary shapes "
        f"in {time.monotonic() - started:.0f} s: "
        + ", ".join(f"{name} {n}" for name, n in sorted(cast.cases.items()))
    )
    # Every output was read for every viewer in every relationship.
    assert cast.cases["profile page"] >= len(RELATIONSHIPS) * 6 * len(cast.persons)
    assert cast.cases["vcard"] >= 4 * 6 * (len(cast.persons) + 5)


# --- a real server's log ---------------------------------------------------------------------


def api_text(server: Any, path: str, secret: str) -> str:
    """One API answer from a served app, with a bearer token."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("GET", path, headers=bearer(secret))
        return connection.getresponse().read().decode("utf-8", errors="replace")
    finally:
        connection.close()


def resubmit_profile(browser: Any, server: Any, person: Person, **changes: str) -> Any:
    """Post her profile form with every contact detail in the body (as a browser would)."""
    page = browser.get(server, "/account/profile")
    opened = re.search(r'name="opened" type="hidden" value="([^"]+)"', page.text)
    token = CSRF_RE.search(page.text)
    assert opened and token, page.status
    fields = {
        "csrf_token": token.group(1),
        "opened": opened.group(1),
        "name": person.name,
        "country": COUNTRY,
        **person.canaries,
        **changes,
    }
    return browser.request(server, "POST", "/account/profile", fields)


@pytest.mark.slow
def test_no_contact_detail_reaches_a_real_servers_log(
    app, cast, database_url, smtp_server, tmp_path
):
    """gunicorn's access and error log, and the app's own log lines, over signed-in
    browsing, searches for every canary, API reads, profile saves and a refused save."""
    _box, smtp_port = smtp_server
    env = app_env(
        tmp_path / "instance",
        database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_port),
        RATELIMIT_LOGIN="1000 per minute",
        RATELIMIT_SEARCH="100000 per hour",
        RATELIMIT_PROFILE_VIEWS="100000 per hour",
        RATELIMIT_API="100000 per hour",
        RATELIMIT_API_AUTH_FAILURES="100000 per minute",
    )
    with ServerPool(tmp_path / "servers") as pool:
        (server,) = pool.start(["privacy"], env)
        for kind in ("defender", "policy_maker", "staff"):
            browser = Browser()
            sign_in(browser.on(server), cast.viewers[kind].email, PASSWORD)
            for person in cast.persons:
                browser.get(server, f"/people/{person.user_id}")
                for value in person.canaries.values():
                    browser.get(server, f"/directory?{urlencode({'q': value})}")
        for secret in (cast.secrets[kind] for kind in VIEWER_KINDS):
            api_text(server, "/api/v1/people?per_page=50", secret)
            for person in cast.persons:
                api_text(server, f"/api/v1/people/{person.user_id}", secret)
                api_text(
                    server, f"/api/v1/people?{urlencode({'q': person.canaries['phone']})}", secret
                )
        asker = Browser()
        sign_in(asker.on(server), cast.viewers["policy_maker"].email, PASSWORD)
        for person in cast.persons:
            if person.listed and person.role in ("defender", "staff"):
                db.session.expire_all()
                owner = db.session.get(User, person.user_id)
                browser = Browser()
                signed_in = sign_in(browser.on(server), owner.email, PASSWORD)
                assert signed_in.location.endswith("/"), (person.key, signed_in)
                assert resubmit_profile(browser, server, person).status == 302
                refused = resubmit_profile(browser, server, person, phone=person.canaries["city"])
                assert refused.status == 200 and refused.messages(), refused
                asker.submit(
                    server,
                    f"/connections/request/{person.user_id}",
                    {"message": MESSAGE},
                    page=f"/people/{person.user_id}",
                )
        served = server.log()
    assert served.count('"GET /people/') >= 3 * len(cast.persons), served[-2000:]
    assert '"POST /account/profile' in served and "contact_requested" in served
    scan(cast, served, "gunicorn log", "the log file")
    assert not cast.leaks, "\n".join(cast.leaks[:80])

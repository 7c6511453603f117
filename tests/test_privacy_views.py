"""What a viewer is shown of people and organisations goes through privacy.py (issue 15).

Three defects, each reproduced against `make run`: a hidden profile's 404 cost more work than a
missing id's; a manager's people page counted hidden members; archived organisations still
showed in people facets, the organisation filter and API hits. What a viewer should see is
restated here and in testsupport/visibility.py, not read from ngowg_directory.privacy.
"""

from __future__ import annotations

import dataclasses
import re
from html import unescape

import pytest
import sqlalchemy as sa
from flask import template_rendered

from ngowg_directory.extensions import db
from ngowg_directory.models import CONTACT_FIELDS, ContactRequest, Organization, Profile, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import profiles, tokens
from testsupport.http import CSRF_RE, bearer
from testsupport.visibility import MEMBERS_FIELDS
from testsupport.worlds import UNLISTED_STATES, make_unlisted

CSRF_VALUE = re.compile(r'(?<=name="csrf_token")[^>]*value="[^"]*"')
MISSING_ID = 987654


def listed(user: User) -> User:
    """She agreed to be listed, in the app."""
    profiles.set_consent(user, True)
    db.session.commit()
    return user


def statements_of(send) -> list[str]:
    """The SQL statements one request runs, in order."""
    seen: list[str] = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        send()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    return seen


def api_token(user: User) -> str:
    _token, secret = tokens.create(user, "views test", 30)
    db.session.commit()
    return secret


# --- a hidden person costs what a missing id costs ---------------------------------------------


@pytest.fixture
def targets(app, make_user, make_org):
    """One listed defender per unlisted state, and a policy-maker looking for them."""
    make_org("wilpf")
    viewer = make_user("policy_maker", name="Looking Policy Maker")
    people = {
        state: listed(make_user("defender", org="wilpf", name=f"Target {state}"))
        for state in UNLISTED_STATES
    }
    # Someone after them, so that SQLite never hands the deleted id to a new account.
    listed(make_user("defender", name="Later Bystander"))
    ids = {state: person.id for state, person in people.items()}
    for state, person in people.items():
        make_unlisted(person, state)
    return ids, viewer


def test_hidden_and_missing_people_run_the_same_statements(app, client, login, targets):
    """Profile page, API detail and the contact request: one set of statements for all."""
    ids, viewer = targets
    login(client, viewer)
    secret = api_token(viewer)
    token = CSRF_RE.search(client.get("/safety").get_data(as_text=True)).group(1)

    def profile(person_id: int) -> None:
        assert client.get(f"/people/{person_id}").status_code == 404

    def api(person_id: int) -> None:
        assert client.get(f"/api/v1/people/{person_id}", headers=bearer(secret)).status_code == 404

    def ask(person_id: int) -> None:
        response = client.post(
            f"/connections/request/{person_id}", data={"csrf_token": token, "message": "Hello"}
        )
        assert response.status_code == 404

    for route in (profile, api, ask):
        route(MISSING_ID)  # warm: first-use loading is not what is measured
        missing = statements_of(lambda route=route: route(MISSING_ID))
        for state, person_id in ids.items():
            seen = statements_of(lambda route=route, person_id=person_id: route(person_id))
            assert seen == missing, (
                f"{route.__name__}: {state} ran {len(seen)} statements, a missing id {len(missing)}"
            )


def test_a_listed_profile_still_loads_and_hidden_ones_stay_for_admins(
    app, client, new_client, login, make_user, targets
):
    ids, viewer = targets
    login(client, viewer)
    shown = listed(make_user("defender", name="Shown Defender"))
    assert "Shown Defender" in client.get(f"/people/{shown.id}").get_data(as_text=True)
    admin = new_client()
    login(admin, make_user("admin"))
    for state in ("hidden", "unconsented", "suspended", "invited"):
        assert admin.get(f"/people/{ids[state]}").status_code == 200, state
    assert admin.get(f"/people/{ids['deleted']}").status_code == 404


# --- the manager's people page -----------------------------------------------------------------


@pytest.mark.parametrize("state", ["hidden", "unconsented", "suspended"])
def test_the_managers_people_page_shows_no_sign_of_an_unlisted_member(
    app, client, new_client, login, make_user, make_org, state
):
    make_org("wilpf", name="Peace League")
    manager = make_user("manager", org="wilpf", name="Maria Manager")
    listed(make_user("defender", org="wilpf", name="Listed Lou"))
    quiet = listed(make_user("defender", org="wilpf", name="Quiet Hana"))
    login(client, manager)
    before = CSRF_VALUE.sub("", client.get("/orgs/wilpf/people").get_data(as_text=True))
    assert "Quiet Hana" in before and "Listed Lou" in before
    make_unlisted(quiet, state)
    html = client.get("/orgs/wilpf/people").get_data(as_text=True)
    assert "Quiet Hana" not in html
    assert "Listed Lou" in html
    assert "not listed" not in html.lower() and "more person" not in html
    # No count, no trace: the page reads as if she had never belonged to the organisation.
    make_unlisted(quiet, "deleted")
    never = client.get("/orgs/wilpf/people").get_data(as_text=True)
    assert CSRF_VALUE.sub("", html) == CSRF_VALUE.sub("", never)
    # Nor can the manager act on her: the member actions answer as for a stranger's id.


def test_the_manager_cannot_act_on_a_hidden_member(app, client, login, make_user, make_org):
    make_org("wilpf")
    manager = make_user("manager", org="wilpf")
    quiet = listed(make_user("defender", org="wilpf", name="Quiet Hana"))
    make_unlisted(quiet, "hidden")
    login(client, manager)
    for action in ("remove", "make-manager"):
        response = client.form(f"/orgs/wilpf/people/{quiet.id}/{action}", page="/orgs/wilpf/people")
        assert response.status_code == 404, action
    db.session.refresh(quiet)
    assert quiet.organization_id is not None and quiet.role == "defender"


def test_the_secretariat_sees_how_many_members_are_unlisted(
    app, client, login, make_user, make_org
):
    make_org("wilpf")
    quiet = listed(make_user("defender", org="wilpf", name="Quiet Hana"))
    make_unlisted(quiet, "hidden")
    login(client, make_user("admin"))
    html = client.get("/orgs/wilpf/people").get_data(as_text=True)
    assert "1 more person belongs to the organisation but is not listed" in html


# --- archived organisations --------------------------------------------------------------------


@pytest.fixture
def archived(app, make_user, make_org):
    """An archived organisation with one listed person, and a live one with another."""
    old = make_org("oldorg", name="Oldfield Sisters Collective")
    make_org("liveorg", name="Livewell Peace Network")
    archie = listed(make_user("defender", org="oldorg", name="Archie Member"))
    livia = listed(make_user("defender", org="liveorg", name="Livia Member"))
    for person in (archie, livia):
        person.profile.country = "SD"
    db.session.commit()
    old.archived_at = utcnow()
    db.session.commit()
    return archie, livia


def org_options(html: str) -> dict[str, str]:
    select = re.search(r'<select name="org" id="f-org">(.*?)</select>', html, re.S)
    assert select, "the organisation filter is on the page"
    return dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', select.group(1)))


def hit_names(html: str) -> list[str]:
    return [unescape(n) for n in re.findall(r'<h3><a href="/[^"]+">([^<]+)</a>', html)]


@pytest.mark.parametrize("role", ["defender", "staff", "policy_maker", "manager"])
def test_an_archived_organisation_is_shown_to_no_member(
    app, client, login, make_user, make_org, archived, role
):
    archie, _livia = archived
    make_org("viewerorg")
    viewer = make_user(role, org="viewerorg" if role in ("staff", "manager") else None)
    login(client, viewer)
    secret = api_token(viewer)
    name = "Oldfield Sisters Collective"

    html = client.get("/directory").get_data(as_text=True)
    assert "Archie Member" in hit_names(html), "her people stay listed"
    assert name not in html and "oldorg" not in org_options(html)
    assert "liveorg" in org_options(html)
    # Filtering by the archived slug finds what an unknown slug finds: nobody.
    assert hit_names(client.get("/directory?org=oldorg").get_data(as_text=True)) == []
    assert hit_names(client.get("/directory?q=oldfield").get_data(as_text=True)) == []
    assert "Archie Member" in hit_names(client.get("/directory?q=archie").get_data(as_text=True))

    listing = client.get("/api/v1/people", headers=bearer(secret)).get_json()
    items = {item["name"]: item for item in listing["data"]}
    assert items["Archie Member"]["organization"] is None
    assert items["Livia Member"]["organization"] == {
        "slug": "liveorg",
        "name": "Livewell Peace Network",
    }
    assert "oldorg" not in listing["meta"]["facets"].get("o", {})
    assert name not in str(listing)
    assert client.get("/api/v1/people?org=oldorg", headers=bearer(secret)).get_json()["data"] == []
    detail = client.get(f"/api/v1/people/{archie.id}", headers=bearer(secret)).get_json()
    assert detail["data"]["organization"] is None

    page = client.get(f"/people/{archie.id}").get_data(as_text=True)
    assert "Archie Member" in page and name not in page and "/orgs/oldorg" not in page
    assert client.get("/orgs/oldorg").status_code == 404
    assert client.get("/api/v1/organizations/oldorg", headers=bearer(secret)).status_code == 404


def test_the_manager_of_an_archived_organisation_is_not_offered_its_pages(
    app, client, login, make_user, archived
):
    manager = make_user("manager", org="oldorg")
    login(client, manager)
    html = client.get("/directory").get_data(as_text=True)
    assert "/orgs/oldorg" not in html and "Oldfield Sisters Collective" not in html
    assert client.get("/orgs/oldorg/people").status_code == 404


def test_the_secretariat_sees_an_archived_organisation_next_to_its_people(
    app, client, login, make_user, archived
):
    archie, _livia = archived
    admin = make_user("admin")
    login(client, admin)
    secret = api_token(admin)
    name = "Oldfield Sisters Collective"
    page = client.get(f"/people/{archie.id}").get_data(as_text=True)
    assert name in page and "/orgs/oldorg" in page
    html = client.get("/directory?q=archie").get_data(as_text=True)
    assert "Archie Member" in hit_names(html) and name in html
    listing = client.get("/api/v1/people", headers=bearer(secret)).get_json()
    items = {item["name"]: item for item in listing["data"]}
    assert items["Archie Member"]["organization"] == {"slug": "oldorg", "name": name}
    detail = client.get(f"/api/v1/people/{archie.id}", headers=bearer(secret)).get_json()
    assert detail["data"]["organization"]["slug"] == "oldorg"
    assert client.get("/orgs/oldorg").status_code == 200
    assert "Archie Member" in client.get("/orgs/oldorg/people").get_data(as_text=True)
    # The search index is what every member may see: its facets name no archived organisation,
    # for the secretariat too (decided in privacy.py: the secretariat finds its people above).
    assert "oldorg" not in org_options(client.get("/directory").get_data(as_text=True))


def test_what_the_secretariat_sees_never_reaches_a_members_cached_results(
    app, new_client, login, make_user, archived
):
    """The results section is kept rendered per process: an admin's view must not enter it."""
    name = "Oldfield Sisters Collective"
    admin, member = new_client(), new_client()
    login(admin, make_user("admin"))
    login(member, make_user("staff"))
    for _round in range(2):
        assert name in admin.get("/directory?q=archie").get_data(as_text=True)
        assert name not in member.get("/directory?q=archie").get_data(as_text=True)


def test_archiving_and_restoring_reaches_the_search_at_once(
    app, client, login, make_user, make_org, archived
):
    _archie, _livia = archived
    login(client, make_user("staff"))
    assert hit_names(client.get("/directory?org=oldorg").get_data(as_text=True)) == []
    old = db.session.scalar(sa.select(Organization).where(Organization.slug == "oldorg"))
    old.archived_at = None
    db.session.commit()
    html = client.get("/directory?org=oldorg").get_data(as_text=True)
    assert hit_names(html) == ["Archie Member"] and "oldorg" in org_options(html)
    assert "Archie Member" in hit_names(client.get("/directory?q=oldfield").get_data(as_text=True))


def test_an_archived_organisation_is_no_longer_shown_to_a_connection(
    app, client, login, make_user, archived
):
    """The vCard and /connections show the organisation only while it is live."""
    archie, _livia = archived
    viewer = listed(make_user("defender", name="Connected Viewer"))
    request = ContactRequest(
        requester_id=viewer.id, recipient_id=archie.id, message="Hello", status="accepted"
    )
    db.session.add(request)
    db.session.commit()
    login(client, viewer)
    card = client.get(f"/connections/{request.id}/vcard").get_data(as_text=True)
    assert "Archie Member" in card and "Oldfield" not in card


# --- the shapes themselves ---------------------------------------------------------------------


def test_a_listing_shows_nothing_beyond_the_members_audience():
    from ngowg_directory import privacy

    names = {f.name for f in dataclasses.fields(privacy.ListingView)}
    assert not names & set(CONTACT_FIELDS), names & set(CONTACT_FIELDS)
    assert names <= MEMBERS_FIELDS, names - MEMBERS_FIELDS
    org_names = {f.name for f in dataclasses.fields(privacy.OrgRef)}
    assert org_names == {"slug", "name"}


MODELS = (User, Profile, Organization)


def _models_in(value, depth: int = 0):
    if isinstance(value, MODELS):
        yield value
    elif depth < 3 and isinstance(value, list | tuple | set):
        for item in value:
            yield from _models_in(item, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for item in value.values():
            yield from _models_in(item, depth + 1)
    elif depth < 3 and dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _models_in(getattr(value, f.name), depth + 1)


@pytest.mark.parametrize("role", ["policy_maker", "manager"])
def test_templates_that_show_others_get_views_never_models(
    app, client, login, make_user, make_org, role
):
    make_org("wilpf", name="Peace League")
    other = listed(make_user("defender", org="wilpf", name="Other Person"))
    viewer = make_user(role, org="wilpf" if role == "manager" else None)
    login(client, viewer)
    rendered: list[tuple[str, dict]] = []

    def record(sender, template, context, **extra):
        rendered.append((template.name, context))

    paths = ["/directory", "/directory?q=other", f"/people/{other.id}", "/orgs/wilpf"]
    if role == "manager":
        paths.append("/orgs/wilpf/people")
    template_rendered.connect(record, app)
    try:
        for path in paths:
            assert client.get(path).status_code == 200, path
    finally:
        template_rendered.disconnect(record, app)
    found = []
    for name, context in rendered:
        for key, value in context.items():
            if key in ("current_user", "g", "session", "config"):
                continue
            for model in _models_in(value):
                found.append(f"{name}: {key} holds {model!r}")
    assert not found, "\n".join(found)

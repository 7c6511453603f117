"""The privacy matrix on the profile page: viewer × audience × relationship × field.

The expected answer comes from testsupport/visibility.py, written independently of
ngowg_directory.privacy, so a mistake in the policy shows up as a named leak (or a named
withholding).
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import AUDIENCES, CONTACT_FIELDS, AuditEvent, ContactRequest, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.privacy import default_audiences
from ngowg_directory.services import profiles
from testsupport import visibility
from testsupport.http import bearer
from testsupport.worlds import make_unlisted

CSRF_VALUE = re.compile(r'name="csrf_token" value="[^"]*"')

CANARIES = {
    "email": "canary-mail-7f3e@example.org",
    "phone": "+442071838750",
    "messaging": "canary-signal-7f3e",
    "city": "Canarytown",
}
RELATIONSHIPS = ("none", "pending", "accepted", "declined")
VIEWERS = (
    "self",
    "admin",
    "manager_same_org",
    "manager_other_org",
    "staff",
    "defender",
    "policy_maker",
)


@pytest.fixture
def cast(app, make_user, make_org):
    """The person (a defender of WILPF who agreed to be listed) and one viewer per kind."""
    make_org("wilpf")
    make_org("amnesty")
    person = make_user("defender", org="wilpf", name="Canary Person")
    person.profile.consent_at = utcnow()
    for field, value in CANARIES.items():
        setattr(person.profile, field, value)
    db.session.commit()
    viewers = {
        "self": person,
        "admin": make_user("admin"),
        "manager_same_org": make_user("manager", org="wilpf"),
        "manager_other_org": make_user("manager", org="amnesty"),
        "staff": make_user("staff", org="wilpf"),
        "defender": make_user("defender"),
        "policy_maker": make_user("policy_maker"),
    }
    return person, viewers


def set_relationship(viewer: User, person: User, relationship: str) -> None:
    db.session.execute(sa.delete(ContactRequest))
    if relationship != "none":
        db.session.add(
            ContactRequest(
                requester_id=viewer.id,
                recipient_id=person.id,
                message="We would like to invite you to brief the Council.",
                status=relationship,
            )
        )
    db.session.commit()


def set_audiences(person: User, field: str, audience: str) -> None:
    """`field` gets `audience`; the other fields stay private so they cannot mask a leak."""
    for name in CONTACT_FIELDS:
        setattr(person.profile, f"{name}_audience", audience if name == field else "private")
    db.session.commit()


def test_privacy_matrix_on_the_profile_page(app, new_client, login, cast):
    person, viewers = cast
    clients = {}
    for kind, viewer in viewers.items():
        clients[kind] = new_client()
        login(clients[kind], viewer)
    leaks, withheld, cases = [], [], 0
    for field in CONTACT_FIELDS:
        for audience in AUDIENCES:
            db.session.refresh(person)
            set_audiences(person, field, audience)
            for kind, viewer in viewers.items():
                for relationship in RELATIONSHIPS if kind != "self" else ("none",):
                    set_relationship(viewer, person, relationship)
                    response = clients[kind].get(f"/people/{person.id}")
                    assert response.status_code == 200, (kind, response.status_code)
                    html = response.get_data(as_text=True)
                    case = f"{field} at {audience!r} seen by {kind} ({relationship})"
                    sees = visibility.sees(visibility.of_kind(kind, relationship), audience)
                    for other in CONTACT_FIELDS:
                        shown = CANARIES[other] in html
                        should = other == field and sees
                        if kind == "self":
                            should = True
                        if shown and not should:
                            leaks.append(f"{other} leaked: {case}")
                        if should and not shown:
                            withheld.append(f"{other} withheld: {case}")
                    cases += 1
    assert not leaks, "\n".join(leaks)
    assert not withheld, "\n".join(withheld)
    assert cases == len(CONTACT_FIELDS) * len(AUDIENCES) * (1 + 6 * len(RELATIONSHIPS))


@pytest.mark.parametrize("role", ["defender", "staff", "manager", "policy_maker", "admin"])
def test_new_profiles_start_with_the_contract_defaults(app, make_user, role):
    user = make_user(role)
    chosen = {name: user.profile.audience(name) for name in CONTACT_FIELDS}
    assert chosen == visibility.default_audiences(role)
    assert chosen == default_audiences(role)


def not_found_like(client, person_id: int, missing_id: int = 987654):
    """The answer for this profile and for an id that never existed."""
    return client.get(f"/people/{person_id}"), client.get(f"/people/{missing_id}")


@pytest.mark.parametrize("state", ["hidden", "unconsented", "deleted", "suspended", "invited"])
def test_unlisted_profiles_look_exactly_like_missing_ids(app, new_client, login, cast, state):
    person, viewers = cast
    person_id = person.id
    make_unlisted(person, state)
    for kind in ("manager_same_org", "policy_maker", "defender", "staff"):
        client = new_client()
        login(client, viewers[kind])
        hidden, missing = not_found_like(client, person_id)
        assert hidden.status_code == missing.status_code == 404, kind
        # The sign-out form's CSRF token carries a timestamp that may tick between the two
        # requests; everything else must be byte for byte the same.
        body = CSRF_VALUE.sub("", hidden.get_data(as_text=True))
        other = CSRF_VALUE.sub("", missing.get_data(as_text=True))
        assert body == other, f"{state} differs from a missing id"
        assert "Canary Person" not in body
    admin = new_client()
    login(admin, viewers["admin"])
    expected = 404 if state == "deleted" else 200
    assert admin.get(f"/people/{person_id}").status_code == expected


def test_the_owner_sees_her_hidden_profile(app, client, login, cast):
    person, _viewers = cast
    profiles.set_hidden(person, True)
    db.session.commit()
    login(client, person)
    html = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Not listed" in html and CANARIES["phone"] in html


def test_reveals_above_members_are_audited_without_values(app, new_client, login, cast):
    person, viewers = cast
    person.profile.phone_audience = "policy_makers"
    person.profile.email_audience = "members"
    person.profile.city_audience = "connections"
    db.session.commit()
    pm = new_client()
    login(pm, viewers["policy_maker"])
    pm.get(f"/people/{person.id}")
    rows = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "contact_revealed")
    ).all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.actor_id, row.target_id) == (viewers["policy_maker"].id, person.id)
    assert row.details["fields"] == ["phone"]
    assert not any(value in str(row.details) for value in CANARIES.values())
    # Members-only fields and the owner's own views are not reveals.
    staff = new_client()
    login(staff, viewers["staff"])
    staff.get(f"/people/{person.id}")
    me = new_client()
    login(me, person)
    me.get(f"/people/{person.id}")
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "contact_revealed"))
        == 1
    )
    log = me.get("/account/reveals").get_data(as_text=True)
    assert viewers["policy_maker"].name in log and "Phone" in log


def test_profile_page_query_count_does_not_grow_with_lists(app, new_client, login, make_user):
    from ngowg_directory import reference

    viewer = make_user("policy_maker")
    small = make_user("staff", name="Few Tags")
    large = make_user("staff", name="Many Tags")
    small.profile.set_tags(["SD"], ["crsv"], ["ar"])
    large.profile.set_tags(
        list(reference.situations()),
        list(reference.themes()),
        sorted(reference.language_codes())[:40],
    )
    db.session.commit()
    client = new_client()
    login(client, viewer)

    def count(person_id: int) -> int:
        statements: list[str] = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            assert client.get(f"/people/{person_id}").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)
        return len(statements)

    few, many = count(small.id), count(large.id)
    assert few == many, f"{few} queries for 3 tags, {many} for {len(reference.themes())}+"
    # 7: the menu's one statement (her waiting requests and her listed or hidden state, on
    # every page: services/connections.py:menu_state) came on top of the page's own 6.
    assert many <= 7, f"{many} queries for one profile page"


def test_privacy_matrix_through_the_api(app, new_client, cast):
    """The same matrix through /api/v1 with each viewer's own token: zero leaks."""
    from ngowg_directory.services import tokens

    person, viewers = cast
    secrets_by_kind = {}
    for kind, viewer in viewers.items():
        _token, secrets_by_kind[kind] = tokens.create(viewer, "matrix", 30)
    db.session.commit()
    client = new_client()
    leaks, withheld = [], []
    for field in CONTACT_FIELDS:
        for audience in AUDIENCES:
            db.session.refresh(person)
            set_audiences(person, field, audience)
            for kind, viewer in viewers.items():
                for relationship in (
                    ("none", "pending", "accepted", "declined") if kind != "self" else ("none",)
                ):
                    set_relationship(viewer, person, relationship)
                    headers = bearer(secrets_by_kind[kind])
                    detail = client.get(f"/api/v1/people/{person.id}", headers=headers)
                    listing = client.get("/api/v1/people?q=canary", headers=headers)
                    assert detail.status_code == listing.status_code == 200
                    shown = detail.get_json()["data"]["contact"]
                    case = f"{field} at {audience!r} seen by {kind} ({relationship})"
                    sees = visibility.sees(visibility.of_kind(kind, relationship), audience)
                    for other in CONTACT_FIELDS:
                        should = kind == "self" or (other == field and sees)
                        if other in shown and not should:
                            leaks.append(f"{other} leaked: {case}")
                        if should and shown.get(other) != CANARIES[other]:
                            withheld.append(f"{other} withheld: {case}")
                    text = listing.get_data(as_text=True)
                    leaks += [f"{n} in the list: {case}" for n, v in CANARIES.items() if v in text]
    assert not leaks, "\n".join(leaks)
    assert not withheld, "\n".join(withheld)

"""Consent is hers: nobody, of any role, is listed until she agrees herself in the app.

Each output another member can reach (search, the profile, the organisation page, the API list
and item, facet counts, exports) is checked for people who have not agreed, before and right
after they agree on the consent step; plus the step itself (each audience's preview, the
landing after an invitation, her language, "not now"), withdrawing, the agreement on file from
an import, and what the migration makes of existing rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from ngowg_directory import privacy
from ngowg_directory.extensions import db
from ngowg_directory.models import ROLES, AuditEvent, Profile, User
from ngowg_directory.services import accounts, invitations, tokens
from testsupport.http import bearer

from .conftest import PASSWORD, Client

PEOPLE_HEADER = (
    "email,name,role,organization,title,country,city,phone,messaging,"
    "situations,themes,languages,bio,consent"
)
IMPORTED = (
    "nadia@example.org,Nadia Imported,defender,wilpf,Monitor,SD,Khartoum,+249912345678,,"
    "SD,crsv,ar;en,Documents abuses.,yes"
)
IMPORTED_NO = "omar@example.org,Omar Notonfile,staff,wilpf,Officer,CH,Geneva,,,,,en,,no"
ARABIC_AGREE = "أوافق على إدراجي في الدليل"
ARABIC_NOT_LISTED = "اسمك غير مدرج في الدليل."
FORM = {"password": PASSWORD, "confirm": PASSWORD}


@pytest.fixture
def app_overrides():
    # Many searches and profile views from one test client in a few seconds.
    return {"RATELIMIT_SEARCH": "100000 per hour", "RATELIMIT_PROFILE_VIEWS": "100000 per hour"}


@pytest.fixture
def onlooker(app, make_org, make_user, new_client, login):
    """An organisation with one listed staff member, and a signed-in policy-maker with a token."""
    org = make_org("wilpf", "Women's International League")
    make_user("staff", org="wilpf", name="Listed Colleague")
    viewer = make_user("policy_maker", name="Looking Policymaker")
    _token, secret = tokens.create(viewer, "consent test", 30)
    db.session.commit()
    client = new_client()
    login(client, viewer)
    return {"client": client, "token": secret, "org": org}


def seen_by(onlooker, person_id: int, name: str, role: str) -> dict[str, object]:
    """Every output where another member could meet the person, and the facet count."""
    client: Client = onlooker["client"]
    auth = bearer(onlooker["token"])
    link = f'href="/people/{person_id}"'
    found = client.get("/directory", query_string={"q": name}).get_data(as_text=True)
    listing = client.get("/api/v1/people", query_string={"q": name}, headers=auth).get_json()
    everyone = client.get("/api/v1/people", headers=auth).get_json()
    return {
        "search": link in found,
        "browse": link in client.get("/directory?per_page=50").get_data(as_text=True),
        "profile": client.get(f"/people/{person_id}").status_code,
        "org page": link in client.get("/orgs/wilpf").get_data(as_text=True),
        "api list": [item["id"] for item in listing["data"]] == [person_id],
        "api item": client.get(f"/api/v1/people/{person_id}", headers=auth).status_code,
        "role facet": everyone["meta"]["facets"].get("role", {}).get(role, 0),
        "api total": everyone["meta"]["total"],
    }


NOWHERE = {"search": False, "browse": False, "profile": 404, "org page": False, "api list": False}
EVERYWHERE = {"search": True, "browse": True, "profile": 200, "org page": True, "api list": True}


def check(seen: dict[str, object], expected: dict[str, object]) -> None:
    wrong = {key: seen[key] for key in expected if seen[key] != expected[key]}
    assert not wrong, f"expected {expected}, got {wrong}"


def accept(client: Client, link_or_token: str, name: str):
    token = link_or_token.rsplit("/", 1)[1]
    page = f"/auth/invite/{token}"
    return client.form(page, {"name": name, **FORM}, page=page)


def import_people(runner, tmp_path: Path, *rows: str) -> None:
    path = tmp_path / "people.csv"
    path.write_text("\n".join([PEOPLE_HEADER, *rows]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import-people", str(path)])
    assert result.exit_code == 0, result.output


def invitation_link(mailbox, email: str) -> str:
    links = [link for link in mailbox.links(email) if "/auth/invite/" in link]
    assert len(links) == 1, links
    return links[0]


def agree(client: Client):
    return client.form("/account/consent", {}, page="/account/consent")


# --- nobody is listed before she agrees ----------------------------------------------------


def test_an_invited_staff_member_is_listed_nowhere_until_she_agrees(onlooker, new_client):
    sent = invitations.invite("new.staff@example.org", "staff", organization=onlooker["org"])
    db.session.commit()
    newcomer = new_client()
    assert accept(newcomer, sent.link, "Newcomer Staffer").status_code == 302
    db.session.expire_all()
    person = accounts.find_by_email("new.staff@example.org")
    assert person.status == "active"
    before = seen_by(onlooker, person.id, "Newcomer Staffer", "staff")
    check(before, NOWHERE)
    assert before["api item"] == 404
    assert agree(newcomer).status_code == 302
    after = seen_by(onlooker, person.id, "Newcomer Staffer", "staff")
    check(after, EVERYWHERE)
    assert after["api item"] == 200
    assert after["role facet"] == before["role facet"] + 1
    assert after["api total"] == before["api total"] + 1


def test_a_defender_imported_with_consent_yes_is_listed_only_once_she_agrees(
    onlooker, runner, tmp_path, mailbox, new_client
):
    import_people(runner, tmp_path, IMPORTED)
    newcomer = new_client()
    response = accept(newcomer, invitation_link(mailbox, "nadia@example.org"), "Nadia Imported")
    assert response.status_code == 302
    db.session.expire_all()
    person = accounts.find_by_email("nadia@example.org")
    assert person.status == "active" and person.profile.consent_on_file_at is not None
    before = seen_by(onlooker, person.id, "Nadia Imported", "defender")
    check(before, NOWHERE)
    assert before["api item"] == 404 and before["role facet"] == 0
    agree(newcomer)
    after = seen_by(onlooker, person.id, "Nadia Imported", "defender")
    check(after, EVERYWHERE)
    assert after["api item"] == 200 and after["role facet"] == 1


@pytest.mark.parametrize("role", ROLES)
def test_the_search_index_holds_nobody_of_any_role_who_has_not_agreed(
    app, make_user, new_client, login, role
):
    person = make_user(role, org="wilpf" if role == "manager" else None, consent=False)
    assert not privacy.is_listed(person)
    assert person.profile.search_text is None and person.profile.search_filters is None
    listed = db.session.scalars(
        sa.select(User.id).join(Profile).where(privacy.listed_clause())
    ).all()
    assert person.id not in listed
    client = new_client()
    login(client, person)
    agree(client)
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert privacy.is_listed(person) and person.profile.search_text


def test_exports_hold_nobody_who_has_not_agreed(
    app, runner, make_user, new_client, login, tmp_path
):
    make_user("staff", name="Agreed Exportee")
    waiting = make_user("staff", name="Waiting Exportee", consent=False)
    admin = make_user("admin", name="Export Admin")
    admin_client = new_client()
    login(admin_client, admin)

    def exported() -> str:
        out = tmp_path / "directory.csv"
        assert runner.invoke(args=["export-directory", "--format", "csv", str(out)]).exit_code == 0
        page = admin_client.get("/admin/export.csv")
        assert page.status_code == 200
        cards = admin_client.get("/admin/export.vcf").get_data(as_text=True)
        return out.read_text(encoding="utf-8") + page.get_data(as_text=True) + cards

    text = exported()
    assert "Agreed Exportee" in text and "Waiting Exportee" not in text
    # The secretariat still finds her account, and her profile (marked as not listed).
    assert "Waiting Exportee" in admin_client.get("/admin/people").get_data(as_text=True)
    profile = admin_client.get(f"/people/{waiting.id}").get_data(as_text=True)
    assert "Not listed:" in profile
    client = new_client()
    login(client, waiting)
    agree(client)
    assert "Waiting Exportee" in exported()


# --- the consent step ------------------------------------------------------------------------


def preview_section(html: str, key: str) -> str:
    start = html.index(f'id="preview-{key}"')
    return html[start : html.index("</section>", start)]


def test_the_step_shows_what_each_audience_will_see(app, make_user, new_client, login):
    person = make_user("staff", org="wilpf", name="Previewed Person", consent=False)
    profile = person.profile
    profile.title = "Field Coordinator"
    profile.email, profile.email_audience = "previewed@example.org", "members"
    profile.phone, profile.phone_audience = "+249912345678", "connections"
    profile.city, profile.city_audience = "Khartoum", "policy_makers"
    profile.messaging, profile.messaging_audience = "signal-handle-xyz", "private"
    db.session.commit()
    client = new_client()
    login(client, person)

    def stored() -> tuple:
        db.session.expire_all()
        row = db.session.get(Profile, person.id)
        audits = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
        return (row.consent_at, row.consent_deferred_at, row.version_id, row.search_text, audits)

    before = stored()
    html = client.get("/account/consent").get_data(as_text=True)
    assert stored() == before, "showing the step wrote something"
    members = preview_section(html, "members")
    policy = preview_section(html, "policy_makers")
    connection = preview_section(html, "connections")
    for section in (members, policy, connection):
        assert "Previewed Person" in section and "Field Coordinator" in section
        assert "WILPF" in section and "previewed@example.org" in section
        assert "signal-handle-xyz" not in section
    assert "+249912345678" in connection
    assert "+249912345678" not in members and "+249912345678" not in policy
    assert "Khartoum" in policy
    assert "Khartoum" not in members and "Khartoum" not in connection
    assert "Not shown to them:" in members and "Phone" in members.split("Not shown to them:")[1]
    assert 'action="/account/consent"' in html and "I agree to be listed in the directory" in html
    assert 'href="/account/profile?first_run=1"' in html
    assert 'href="/account/privacy?first_run=1"' in html
    # Nothing of the preview reached anyone: she is still unlisted.
    assert not privacy.is_listed(db.session.get(User, person.id))


def test_a_new_invitee_lands_on_the_step_and_is_led_there_at_each_sign_in(app, new_client, login):
    sent = invitations.invite("led@example.org", "defender")
    db.session.commit()
    client = new_client()
    response = accept(client, sent.link, "Led Defender")
    assert response.headers["Location"] == "/account/consent"
    html = client.get("/account/consent").get_data(as_text=True)
    for heading in (
        "As a member sees you",
        "As a policy-maker sees you",
        "As a connection sees you",
    ):
        assert heading in html
    assert "Welcome. Your account is ready." in html
    # The start page does not lead her there twice in one sign-in: she may use the site.
    assert client.get("/").status_code == 200
    client.form("/auth/logout", {})
    user = accounts.find_by_email("led@example.org")
    assert login(client, user).headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/account/consent"
    page = client.get("/directory").get_data(as_text=True)
    assert "consent-notice" in page and 'href="/account/consent"' in page
    # "Not now": no longer led there at sign-in, but every page still says she is not listed.
    assert client.form("/account/consent/later", {}, page="/account/consent").status_code == 302
    client.form("/auth/logout", {})
    login(client, user)
    home = client.get("/")
    assert home.status_code == 200 and "consent-notice" in home.get_data(as_text=True)
    assert not privacy.is_listed(accounts.find_by_email("led@example.org"))
    agree(client)
    assert "consent-notice" not in client.get("/").get_data(as_text=True)


def test_the_step_speaks_her_language(app, new_client):
    sent = invitations.invite("arabic@example.org", "defender")
    db.session.commit()
    client = new_client()
    page = "/auth/invite/" + sent.link.rsplit("/", 1)[1]
    client.form("/language", {"locale": "ar", "next": page}, page=page)
    assert accept(client, sent.link, "مدافعة جديدة").headers["Location"] == "/account/consent"
    html = client.get("/account/consent").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert ARABIC_AGREE in html and ARABIC_NOT_LISTED in html
    assert "I agree to be listed in the directory" not in html


def test_a_bad_consent_post_changes_nothing(app, client, make_user, login):
    person = make_user("defender", consent=False)
    login(client, person)
    assert client.post("/account/consent", data={}).status_code == 400
    assert client.post("/account/consent/later", data={}).status_code == 400
    db.session.expire_all()
    profile = db.session.get(Profile, person.id)
    assert profile.consent_at is None and profile.consent_deferred_at is None


# --- withdrawing, hiding, the agreement on file ---------------------------------------------


def test_withdrawing_unlists_at_once_until_she_agrees_again(onlooker, make_user, new_client, login):
    person = make_user("staff", org="wilpf", name="Withdrawing Member")
    check(seen_by(onlooker, person.id, "Withdrawing Member", "staff"), EVERYWHERE)
    client = new_client()
    login(client, person)
    privacy_page = client.get("/account/privacy").get_data(as_text=True)
    for text in ("Hide my profile", "Withdraw my agreement to be listed", "To undo it"):
        assert text in privacy_page
    response = client.form("/account/consent/withdraw", {}, page="/account/privacy")
    assert response.status_code == 302
    check(seen_by(onlooker, person.id, "Withdrawing Member", "staff"), NOWHERE)
    assert "You are not listed." in client.get("/account/privacy").get_data(as_text=True)
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.target_id == person.id)
    ).all()
    assert "consent_withdrawn" in actions
    # Withdrawing is her choice: sign-in does not press her to agree again.
    client.form("/auth/logout", {})
    login(client, person)
    assert client.get("/").status_code == 200
    agree(client)
    check(seen_by(onlooker, person.id, "Withdrawing Member", "staff"), EVERYWHERE)


def test_the_agreement_on_file_is_shown_to_her_and_to_admins(
    app, runner, tmp_path, mailbox, make_org, make_user, new_client, login
):
    make_org("wilpf", "Women's International League")
    import_people(runner, tmp_path, IMPORTED, IMPORTED_NO)
    on_file = "The secretariat has your written agreement on file"
    for email, name, expected in (
        ("nadia@example.org", "Nadia Imported", True),
        ("omar@example.org", "Omar Notonfile", False),
    ):
        client = new_client()
        # Nadia's invitation is in Arabic (the first of her languages): she reads in English.
        client.form("/language", {"locale": "en", "next": "/"})
        accept(client, invitation_link(mailbox, email), name)
        for page in ("/account/consent", "/account/privacy"):
            html = client.get(page).get_data(as_text=True)
            assert (on_file in html) is expected, (email, page)
            assert "You are not listed." in html, (email, page)
    admin = make_user("admin")
    admin_client = new_client()
    login(admin_client, admin)
    nadia = accounts.find_by_email("nadia@example.org")
    omar = accounts.find_by_email("omar@example.org")
    people = admin_client.get("/admin/people").get_data(as_text=True)
    rows = {
        person.id: people[people.index(f'/admin/people/{person.id}"') :].split("</tr>")[0]
        for person in (nadia, omar)
    }
    assert "agreement on file" in rows[nadia.id] and "agreement on file" not in rows[omar.id]
    assert (
        "not agreed to be listed" in rows[nadia.id] and "not agreed to be listed" in rows[omar.id]
    )
    page = admin_client.get(f"/admin/people/{nadia.id}").get_data(as_text=True)
    assert "Written agreement on file with the secretariat" in page
    assert "Not agreed in the app yet." in page
    assert "Written agreement" not in admin_client.get(f"/admin/people/{omar.id}").get_data(
        as_text=True
    )


# --- demo and bulk data ------------------------------------------------------------------


def test_demo_people_agreed_in_the_app_and_every_role_is_listed(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    people = db.session.scalars(sa.select(User).where(User.is_demo.is_(True))).all()
    listed_roles = {person.role for person in people if privacy.is_listed(person)}
    assert listed_roles == set(ROLES)
    unlisted = [person for person in people if not privacy.is_listed(person)]
    assert [person.email for person in unlisted] == ["defender.myanmar@demo.example.org"]
    assert unlisted[0].profile.consent_on_file_at is not None
    agreed = db.session.scalars(
        sa.select(AuditEvent.target_id).where(AuditEvent.action == "consent_given")
    ).all()
    assert sorted(agreed) == sorted(p.id for p in people if privacy.is_listed(p))


def test_generated_people_agreed_in_the_app(app, runner):
    result = runner.invoke(args=["generate-data", "--people", "30", "--orgs", "3"])
    assert result.exit_code == 0, result.output
    people = db.session.scalars(sa.select(User)).all()
    assert people and all(privacy.is_listed(person) for person in people)


# --- the migration -----------------------------------------------------------------------


def _previous_revision() -> str:
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_revision("0008_consent").down_revision


def _insert_person(label: str, role: str, *, demo: bool, consent: bool, text: str | None) -> int:
    # No explicit id: on PostgreSQL the id sequence must stay ahead of the rows, since tests
    # that start servers share this database after this one.
    user_id = db.session.execute(
        sa.text(
            "INSERT INTO users (email, name, role, status, session_version, failed_logins, "
            "totp_enabled, is_demo, created_at) VALUES (:email, :name, :role, 'active', 1, "
            "0, false, :demo, CURRENT_TIMESTAMP) RETURNING id"
        ),
        {
            "email": f"{label}@example.org",
            "name": text or "x",
            "role": role,
            "demo": demo,
        },
    ).scalar_one()
    db.session.execute(
        sa.text(
            "INSERT INTO profiles (user_id, title, affiliation, bio, email_audience, "
            "phone_audience, messaging_audience, city_audience, hidden, last_confirmed_at, "
            "updated_at, version_id, consent_at, search_name, search_text, search_filters) "
            "VALUES (:id, '', '', '', 'members', 'connections', 'connections', 'members', false, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, "
            f"{'CURRENT_TIMESTAMP' if consent else 'NULL'}, :name, :text, :filters)"
        ),
        {"id": user_id, "name": text, "text": text, "filters": "xrstaff" if text else None},
    )
    return user_id


def _insert_consent_event(actor_id: int, target_id: int) -> None:
    db.session.execute(
        sa.text(
            "INSERT INTO audit_events (created_at, actor_id, action, target_type, target_id) "
            "VALUES (CURRENT_TIMESTAMP, :actor, 'consent_given', 'user', :target)"
        ),
        {"actor": actor_id, "target": target_id},
    )


def test_the_migration_keeps_only_agreements_given_in_the_app(app):
    from flask_migrate import downgrade, upgrade

    from ngowg_directory.search import Query, search_people

    downgrade(revision=_previous_revision())
    try:
        admin = _insert_person("admin", "admin", demo=False, consent=False, text=None)
        imported = _insert_person(
            "imp", "defender", demo=False, consent=True, text="importedperson"
        )
        _insert_consent_event(admin, imported)  # an import run by the admin
        agreed = _insert_person("agr", "defender", demo=False, consent=True, text="agreedperson")
        _insert_consent_event(agreed, agreed)  # she agreed herself
        staff = _insert_person("stf", "staff", demo=False, consent=False, text="stafferperson")
        demo_pm = _insert_person(
            "dpm", "policy_maker", demo=True, consent=False, text="demopolicyperson"
        )
        demo_def = _insert_person("ddf", "defender", demo=True, consent=False, text=None)
        db.session.execute(sa.text("DELETE FROM search_state"))
        db.session.execute(sa.text("INSERT INTO search_state (id, version) VALUES (1, 'old')"))
        db.session.commit()
    finally:
        upgrade()  # to the head whatever happened: PostgreSQL's schema is shared by the suite
    db.session.expire_all()
    rows = {
        row.user_id: row
        for row in db.session.execute(
            sa.text("SELECT user_id, consent_at, consent_on_file_at, search_text FROM profiles")
        )
    }
    assert rows[imported].consent_at is None and rows[imported].consent_on_file_at is not None
    assert rows[imported].search_text is None
    assert rows[agreed].consent_at is not None and rows[agreed].consent_on_file_at is None
    assert rows[staff].consent_at is None and rows[staff].search_text is None
    assert rows[demo_pm].consent_at is not None and rows[demo_pm].search_text == "demopolicyperson"
    assert rows[demo_def].consent_at is None
    assert db.session.execute(sa.text("SELECT version FROM search_state")).scalar() != "old"
    for word, total in (("importedperson", 0), ("stafferperson", 0), ("agreedperson", 1)):
        assert search_people(Query(text=word)).total == total, word

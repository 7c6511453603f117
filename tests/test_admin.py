"""The secretariat's pages: access, every action with its audit row, fresh sign-in, audit log."""

from __future__ import annotations

import csv
import io
import time

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.validation import FORMULA_START

from .conftest import PASSWORD, totp_now


def audited(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def admin_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]


def sample(rule) -> str:
    return rule.build({a: 1 for a in rule.arguments}, append_unknown=False)[1]


@pytest.mark.parametrize("role", ["defender", "staff", "policy_maker", "manager"])
def test_non_admins_get_403_on_every_admin_route_and_nothing_changes(
    app, client, make_user, login, role
):
    target = make_user("staff", name="Untouched")
    login(client, make_user(role))
    before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    rules = admin_rules(app)
    assert len(rules) >= 10
    for rule in rules:
        url = sample(rule).replace("/1/", f"/{target.id}/")
        if "GET" in rule.methods:
            assert client.get(url).status_code == 403, rule.endpoint
        if "POST" in rule.methods:
            assert client.form(url, {"role": "admin"}).status_code == 403, rule.endpoint
    db.session.refresh(target)
    assert target.role == "staff" and target.status == "active"
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == before


@pytest.fixture
def admin_client(app, client, make_user, login):
    admin = make_user("admin", name="Secretariat Admin")
    login(client, admin)
    client.admin = admin
    return client


REASON = "Reported for harassing defenders"


def act(client, person, action, **data):
    if action == "suspend":
        data.setdefault("reason", REASON)  # a suspension needs one
    return client.form(
        f"/admin/people/{person.id}/{action}", data, page=f"/admin/people/{person.id}"
    )


def test_change_role_is_audited_and_ends_sessions(admin_client, make_user, new_client, login):
    person = make_user("staff", org="wilpf")
    other = new_client()
    login(other, person)
    response = act(admin_client, person, "role", role="policy_maker")
    assert response.headers["Location"] == f"/admin/people/{person.id}"
    db.session.refresh(person)
    assert person.role == "policy_maker"
    assert other.get("/account/security").status_code == 302, "her sessions ended"
    assert audited("role_changed")[0].details == {"old": "staff", "new": "policy_maker"}
    refused = act(admin_client, person, "role", role="emperor")
    assert refused.status_code == 302
    db.session.refresh(person)
    assert person.role == "policy_maker"


def test_verify_a_policy_maker_shows_a_badge(admin_client, make_user, new_client, login):
    pm = make_user("policy_maker", email="expert@un.org")
    page = admin_client.get(f"/admin/people/{pm.id}").get_data(as_text=True)
    assert "UN address" in page, "un.org is flagged as likely genuine"
    act(admin_client, pm, "verify", verified="1")
    db.session.refresh(pm)
    assert pm.verified_at is not None and audited("verified")
    assert "Verified" in admin_client.get("/admin/people").get_data(as_text=True)
    member = new_client()
    login(member, make_user("defender"))
    profile = member.get(f"/people/{pm.id}").get_data(as_text=True)
    assert "Verified by the secretariat" in profile
    staff = make_user("staff")
    act(admin_client, staff, "verify", verified="1")
    db.session.refresh(staff)
    assert staff.verified_at is None


def test_suspend_ends_every_session_and_reactivate_lets_her_back(
    admin_client, make_user, new_client, login
):
    person = make_user("defender")
    browser = new_client()
    login(browser, person)
    act(admin_client, person, "suspend")
    assert browser.get("/account/security").status_code == 302
    db.session.refresh(person)
    assert person.status == "suspended" and audited("user_suspended")
    act(admin_client, person, "reactivate")
    db.session.refresh(person)
    assert person.status == "active" and audited("user_reactivated")
    login(new_client(), person)


def test_reset_2fa_and_delete(admin_client, make_user):
    manager = make_user("manager")
    act(admin_client, manager, "reset-2fa")
    db.session.refresh(manager)
    assert not manager.totp_enabled and manager.totp_secret is None
    assert audited("2fa_disabled")[0].actor_id == admin_client.admin.id
    person_id = make_user("staff").id
    response = admin_client.form(f"/admin/people/{person_id}/delete", {}, page="/admin/people")
    assert response.headers["Location"] == "/admin/people"
    db.session.expire_all()
    assert db.session.get(User, person_id) is None
    assert audited("account_deleted")[0].actor_id == admin_client.admin.id


def test_admins_cannot_act_on_themselves(admin_client):
    me = admin_client.admin
    for action in ("suspend", "delete"):
        act(admin_client, me, action)
    act(admin_client, me, "role", role="staff")
    db.session.refresh(me)
    assert me.status == "active" and me.role == "admin"


def test_resend_an_invitation_from_the_person_page(admin_client, runner, mailbox):
    runner.invoke(args=["invite", "late@example.org", "--role", "staff"])
    person = db.session.scalar(sa.select(User).where(User.email == "late@example.org"))
    mailbox.clear()
    act(admin_client, person, "resend")
    assert len(mailbox.to("late@example.org")) == 1 and audited("invitation_resent")


def test_actions_need_a_sign_in_of_the_last_ten_minutes(admin_client, make_user):
    person = make_user("staff")
    with admin_client.session_transaction() as session:
        session["auth_at"] = int(time.time()) - 11 * 60
    response = act(admin_client, person, "suspend")
    assert response.headers["Location"].startswith("/auth/reauthenticate")
    db.session.refresh(person)
    assert person.status == "active", "nothing happened before re-authentication"
    wrong = admin_client.form(
        "/auth/reauthenticate", {"password": "wrong password here", "code": "000000"}
    )
    assert "not right" in wrong.get_data(as_text=True)
    db.session.refresh(admin_client.admin)
    code = totp_now(admin_client.admin, 1)
    done = admin_client.form(
        f"/auth/reauthenticate?next=/admin/people/{person.id}",
        {"password": PASSWORD, "code": code},
        page="/auth/reauthenticate",
    )
    assert done.headers["Location"] == f"/admin/people/{person.id}"
    act(admin_client, person, "suspend")
    db.session.refresh(person)
    assert person.status == "suspended"


class TestWithoutRequiredTwoFactor:
    @pytest.fixture
    def app_overrides(self):
        return {"TWO_FACTOR_REQUIRED_ROLES": []}

    def test_an_admin_without_2fa_is_sent_to_enrol_before_any_action(
        self, client, make_user, login
    ):
        admin = make_user("admin", totp=False)
        person = make_user("staff")
        login(client, admin)
        assert client.get("/admin/people").status_code == 200
        response = act(client, person, "suspend")
        assert response.headers["Location"] == "/account/security/two-factor"
        db.session.refresh(person)
        assert person.status == "active"


def test_people_list_searches_and_filters(admin_client, make_user):
    make_user("defender", name="Findable Defender", email="findable@example.org")
    make_user("staff", name="Other Staff")
    html = admin_client.get("/admin/people?q=findable").get_data(as_text=True)
    assert "Findable Defender" in html and "Other Staff" not in html
    html = admin_client.get("/admin/people?role=staff").get_data(as_text=True)
    assert "Other Staff" in html and "Findable Defender" not in html
    html = admin_client.get("/admin/people?q=nobody-at-all").get_data(as_text=True)
    assert "No account matches" in html
    assert admin_client.get("/admin/people?page=999&role=zzz").status_code == 200


def test_dashboard_draws_charts_without_javascript(admin_client, make_user):
    person = make_user("staff")
    person.profile.country = "SD"
    person.profile.set_tags([], ["crsv"], [])
    person.profile.last_confirmed_at = utcnow().replace(year=utcnow().year - 2)
    db.session.commit()
    html = admin_client.get("/admin/").get_data(as_text=True)
    # Three of the listed people, five of the briefings (issue 19: beside the published figures).
    assert (
        html.count('<figure class="chart">') == 3 + 5 and "<svg" in html and "<script" not in html
    )
    assert "Sudan" in html and "Conflict-related sexual violence" in html
    assert "1 profile not confirmed for a year" in html
    assert "login_success" not in html, "only security events are listed"


def test_audit_log_filters_and_exports_csv_with_neutralised_cells(admin_client, make_user):
    person = make_user("staff")
    act(admin_client, person, "suspend")
    db.session.add(AuditEvent(action="=cmd|' /C calc'!A0", actor_id=person.id))
    db.session.commit()
    html = admin_client.get(f"/admin/audit?person={person.id}&action=user_suspended").get_data(
        as_text=True
    )
    assert "Account suspended" in html and "1 event" in html
    assert admin_client.get("/admin/audit?person=²").status_code == 200
    bad = admin_client.get("/admin/audit?since=yesterday&person=abc").get_data(as_text=True)
    assert "is not a date" in bad and "account number" in bad
    response = admin_client.get(f"/admin/audit.csv?person={person.id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "a byte order mark: Excel reads the file as UTF-8"
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    codes = {r["Action code"] for r in rows}
    assert codes >= {"user_created", "user_suspended", "'=cmd|' /C calc'!A0"}
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(FORMULA_START), cell
    assert audited("audit_exported")


def test_create_archive_and_restore_an_organisation(admin_client, make_user, new_client, login):
    page = "/admin/organizations"
    response = admin_client.form(
        page, {"name": "New Network", "slug": "new-network", "kind": "partner"}, page=page
    )
    assert response.headers["Location"] == "/orgs/new-network/edit"
    for bad in (
        {"name": "", "slug": "x"},
        {"name": "X", "slug": "Not A Slug"},
        {"name": "Dup", "slug": "new-network"},
    ):
        admin_client.form(page, {"kind": "member", **bad}, page=page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.text("organizations"))) == 1
    member = new_client()
    login(member, make_user("staff"))
    assert member.get("/orgs/new-network").status_code == 200
    admin_client.form("/admin/organizations/new-network/archive", {}, page=page)
    assert member.get("/orgs/new-network").status_code == 404
    assert "New Network" not in member.get("/directory/organizations?q=network").get_data(
        as_text=True
    )
    admin_client.form("/admin/organizations/new-network/archive", {}, page=page)
    assert member.get("/orgs/new-network").status_code == 200
    actions = [e.action for e in db.session.scalars(sa.select(AuditEvent))]
    assert {"organization_created", "organization_archived", "organization_restored"} <= set(
        actions
    )


def test_assign_and_remove_a_manager(admin_client, make_user, make_org):
    make_org("madre")
    person = make_user("staff", email="future.manager@example.org")
    page = "/orgs/madre/people"
    admin_client.form("/admin/organizations/madre/managers", {"email": person.email}, page=page)
    db.session.refresh(person)
    assert person.role == "manager" and person.organization.slug == "madre"
    admin_client.form(f"/admin/organizations/madre/managers/{person.id}/remove", {}, page=page)
    db.session.refresh(person)
    assert person.role == "staff" and person.organization.slug == "madre"
    unknown = admin_client.form(
        "/admin/organizations/madre/managers", {"email": "nobody@example.org"}, page=page
    )
    assert unknown.status_code == 302
    assert audited("manager_assigned") and audited("manager_removed")


def test_export_pages_hold_what_the_admin_may_see_and_are_audited(admin_client, make_user):
    person = make_user("policy_maker", name="+Exported Person")
    person.profile.phone, person.profile.phone_audience = "+12125550101", "policy_makers"
    person.profile.messaging, person.profile.messaging_audience = "secret-handle", "private"
    db.session.commit()
    response = admin_client.get("/admin/export.csv")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and "'+Exported Person" in text
    assert "'+12125550101" in text and "secret-handle" not in text
    vcf = admin_client.get("/admin/export.vcf").get_data(as_text=True)
    assert "+12125550101" in vcf and "secret-handle" not in vcf
    assert admin_client.get("/admin/export.xlsx").status_code == 404
    assert len(audited("directory_exported")) == 2

"""The secretariat's and the organisation managers' everyday path (issue 18): what they see
and do on their pages, each defect with the test that showed it."""

from __future__ import annotations

import ast
import csv
import io
import re
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from ngowg_directory import reference
from ngowg_directory.extensions import db
from ngowg_directory.labels import AUDIT_ACTIONS
from ngowg_directory.models import AuditEvent, Invitation, Organization, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import export, invitations
from testsupport.mail import Mailbox

from .conftest import PASSWORD
from .test_admin_import import people_csv, upload
from .test_orgs import hidden_value

ROOT = Path(__file__).resolve().parent.parent
ORG_HEADER = "name,slug,kind,website,headquarters_country,focus"


def audited(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def text_of(response) -> str:
    return response.get_data(as_text=True)


def visible(html: str) -> str:
    """The page's text as a reader sees it (tags dropped, entities of quotes undone)."""
    text = re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&#34;", '"')
    return re.sub(r"\s+", " ", text.replace("&amp;", "&"))


@pytest.fixture
def admin(make_user):
    return make_user("admin", name="Sara Secretariat", email="sara.admin@example.org")


@pytest.fixture
def admin_client(client, admin, login):
    login(client, admin)
    client.admin = admin
    return client


def make_stale(client) -> None:
    """As if her last password-and-code confirmation was eleven minutes ago."""
    with client.session_transaction() as session:
        session["auth_at"] = int(time.time()) - 11 * 60


# --- defect: chart labels cut ("Peace processes and mediat") ------------------------------


def listed_with(make_user, country: str, theme: str) -> User:
    person = make_user("defender")
    person.profile.country = country
    person.profile.set_tags([], [theme], [])
    db.session.commit()
    return person


@pytest.mark.parametrize("locale", ["en", "fr", "es", "ar"])
def test_dashboard_charts_show_every_label_whole_in_every_language(
    client, make_user, login, locale
):
    listed_with(make_user, "CD", "peace-processes")
    listed_with(make_user, "PS", "humanitarian-gbv")
    admin = make_user("admin")
    admin.locale = locale
    db.session.commit()
    login(client, admin)
    html = text_of(client.get("/admin/"))
    with force_locale(locale):
        labels = [
            reference.theme_name("peace-processes"),
            reference.theme_name("humanitarian-gbv"),
            reference.country_name("CD"),
            reference.country_name("PS"),
        ]
    for label in labels:
        assert f'<span class="bar-label">{label}</span>' in html, label
    assert "…" not in html.split('<div class="charts">')[1].split("</div>")[0]
    bars = re.findall(r'<rect x="([\d.]+)" y="0" height="8" width="([\d.]+)"', html)
    assert bars, "each value has its bar"
    for x, width in bars:
        # Right to left, a bar grows from the right edge, next to its label.
        expected = 100 - float(width) if locale == "ar" else 0
        assert abs(float(x) - expected) < 0.2, (locale, x, width)


# --- import ----------------------------------------------------------------------------


def test_a_semicolon_separated_file_previews_and_imports_through_the_page(
    admin_client, make_org, mailbox
):
    """Already fixed before issue 18 (services/importer._delimiter): checked through the
    page, for both kinds of file, as French and Spanish spreadsheets save them."""
    make_org("wilpf", "WILPF")
    header = people_csv().decode().strip().replace(",", ";")
    row = 'amelie@example.org;Amélie Dupont;staff;wilpf;Officer;KE;;;;;;"fr;ar";;'
    data = ("\ufeff" + header + "\r\n" + row + "\r\n").encode()
    html = text_of(upload(admin_client, data))
    assert "1 row can be imported" in html, visible(html)
    token = hidden_value(html, "token")
    admin_client.form("/admin/import/confirm", {"token": token, "kind": "people"})
    person = db.session.scalar(sa.select(User).where(User.email == "amelie@example.org"))
    assert person is not None and person.name == "Amélie Dupont"
    assert sorted(lang.code for lang in person.profile.languages) == ["ar", "fr"]
    orgs = (
        ORG_HEADER.replace(",", ";") + "\r\nRéseau Paix;reseau-paix;member;;SN;Paix\r\n"
    ).encode()
    html = text_of(upload(admin_client, orgs, kind="orgs"))
    assert "1 row can be imported" in html, visible(html)


def test_every_problem_of_a_row_is_shown_not_only_the_first(admin_client, runner, tmp_path):
    row = "not-an-email,,queen,nowhere,,XX,,,,,knitting,qq,,maybe"
    html = text_of(upload(admin_client, people_csv(row)))
    shown = visible(html)
    for words in (
        "not a valid e-mail address",
        "unknown role queen",
        "unknown organisation nowhere",
        "write yes or no",
        "Unknown country code XX",
        "knitting",
        "qq",
        "Please give a name",
    ):
        assert words in shown or words in html, words
    problems = re.search(r'<ul class="problems">(.*?)</ul>', html, re.S).group(1)
    assert problems.count("<li>") >= 8, problems
    # The command line says the same, on the row's one line.
    path = tmp_path / "people.csv"
    path.write_bytes(people_csv(row))
    output = runner.invoke(args=["import-people", str(path), "--dry-run"]).output
    line = next(text for text in output.splitlines() if text.startswith("line 2:"))
    for field in ("email:", "role:", "organization:", "consent:", "country:", "themes:"):
        assert field in line, (field, line)


def test_a_row_twice_in_the_file_is_said_to_be_on_its_other_line(admin_client, make_user, make_org):
    make_user("staff", email="existing@example.org")
    data = people_csv(
        "twice@example.org,First Time,staff,,,,,,,,,,,",  # line 2
        "existing@example.org,Already Here,staff,,,,,,,,,,,",  # line 3
        "Twice@Example.org,Second Time,staff,,,,,,,,,,,",  # line 4: same as line 2
        "bad-first@example.org,Bad First,queen,,,,,,,,,,,",  # line 5: refused itself
        "bad-first@example.org,Bad Again,staff,,,,,,,,,,,",  # line 6: same as line 5
    )
    shown = visible(text_of(upload(admin_client, data)))
    assert "the e-mail twice@example.org is also on line 2 of this file" in shown
    assert "the e-mail bad-first@example.org is also on line 5 of this file" in shown
    assert shown.count("already exists") == 1, "only the address in the directory"
    assert "a person with the e-mail existing@example.org already exists" in shown
    orgs = (
        f"{ORG_HEADER}\nFirst,same-slug,member,,,\nSecond,same-slug,member,,,\n"
        "Taken,wilpf,member,,,\n"
    ).encode()
    make_org("wilpf")
    shown = visible(text_of(upload(admin_client, orgs, kind="orgs")))
    assert "the slug same-slug is also on line 2 of this file" in shown
    assert "an organisation with the slug wilpf already exists" in shown


def test_the_preview_shows_the_values_it_read_for_each_row(admin_client, make_org):
    make_org("wilpf", "WILPF")
    data = people_csv(
        "amina@example.org,Amina Yusuf,defender,wilpf,Coordinator,SD,,,,SD,"
        "crsv;protection,ar;en,,yes",
        "bad-country@example.org,Rana Haddad,staff,,,ZZ,,,,,,,,",
    )
    html = text_of(upload(admin_client, data))
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>.*?</tr>", html, re.S)
    assert rows == ["2", "3"]
    first, second = re.findall(r'<dl class="cells">(.*?)</dl>', html, re.S)
    for column, value in (
        ("email", "amina@example.org"),
        ("name", "Amina Yusuf"),
        ("role", "defender"),
        ("organization", "wilpf"),
        ("title", "Coordinator"),
        ("country", "SD"),
        ("themes", "crsv;protection"),
        ("languages", "ar;en"),
        ("consent", "yes"),
    ):
        assert f'<dt dir="ltr">{column}</dt><dd><bdi>{value}</bdi></dd>' in first, column
    # The cell that was refused is marked, with what was read in it.
    assert '<div class="bad"><dt dir="ltr">country</dt><dd><bdi>ZZ</bdi></dd></div>' in second
    assert "Rana Haddad" in second


def test_an_acronym_column_is_read_when_the_file_has_one(app, runner, tmp_path):
    """CONTRACT.md: import-orgs reads ... (and optionally acronym); it was dropped."""
    path = tmp_path / "orgs.csv"
    path.write_text(
        f"{ORG_HEADER},acronym\nWomen's League,womens-league,member,,,,WL\n", encoding="utf-8"
    )
    result = runner.invoke(args=["import-orgs", str(path)])
    assert result.exit_code == 0, result.output
    org = db.session.scalar(sa.select(Organization).where(Organization.slug == "womens-league"))
    assert org.acronym == "WL"


# --- defect: the website field refused wilpf.org ------------------------------------------


def edit_org(client, fields: dict) -> object:
    page = "/orgs/wilpf/edit"
    html = text_of(client.get(page))
    values = {"name": "WILPF", "opened": hidden_value(html, "opened"), **fields}
    return client.form(page, values, page=page)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("wilpf.org", "https://wilpf.org"),
        ("www.wilpf.org/en/about", "https://www.wilpf.org/en/about"),
        ("  peacewomen.org  ", "https://peacewomen.org"),
        ("https://www.wilpf.org", "https://www.wilpf.org"),
        ("http://old.example.org", "http://old.example.org"),
        ("HTTPS://Example.org/Path", "https://Example.org/Path"),
    ],
)
def test_a_website_without_https_is_accepted_and_stored_with_it(
    client, make_user, login, typed, stored
):
    login(client, make_user("manager", org="wilpf"))
    response = edit_org(client, {"website": typed})
    assert response.status_code == 302, visible(text_of(response))
    org = db.session.scalar(sa.select(Organization).where(Organization.slug == "wilpf"))
    db.session.refresh(org)
    assert org.website == stored
    assert f'href="{stored}"' in text_of(client.get("/orgs/wilpf"))


@pytest.mark.parametrize(
    "typed",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox",
        "mailto:someone@example.org",
        "wilpf .org",
        "https://wil pf.org",
        "not a website",
        "wilpf",
        "//wilpf.org",
        "https://user@evil.example.org",
        "ftp://files.example.org",
    ],
)
def test_what_is_not_a_web_address_is_still_refused(client, make_user, login, typed):
    login(client, make_user("manager", org="wilpf"))
    response = edit_org(client, {"website": typed})
    assert response.status_code == 200
    assert "Give a web address such as wilpf.org or https://www.wilpf.org." in text_of(response)
    org = db.session.scalar(sa.select(Organization).where(Organization.slug == "wilpf"))
    db.session.refresh(org)
    assert org.website is None


def test_the_import_takes_a_bare_domain_too(app, runner, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(
        f"{ORG_HEADER}\nBare,bare,member,bare.example.org,,\nBad,bad,member,javascript:x,,\n",
        encoding="utf-8",
    )
    runner.invoke(args=["import-orgs", str(path)])
    websites = dict(db.session.execute(sa.select(Organization.slug, Organization.website)).all())
    assert websites == {"bare": "https://bare.example.org"}


# --- defect: "make manager" offered for defenders -------------------------------------------


def test_make_manager_is_offered_for_staff_only_and_refused_for_a_defender(
    client, make_user, login, new_client, admin
):
    manager = make_user("manager", org="wilpf", name="Maya Manager")
    staff = make_user("staff", org="wilpf", name="Sam Staff")
    defender = make_user("defender", org="wilpf", name="Dina Defender")
    login(client, manager)
    page = "/orgs/wilpf/people"
    html = text_of(client.get(page))
    assert f"/orgs/wilpf/people/{staff.id}/make-manager" in html
    assert f"/orgs/wilpf/people/{defender.id}/make-manager" not in html
    refused = client.form(
        f"/orgs/wilpf/people/{defender.id}/make-manager", page=page, follow_redirects=True
    )
    assert "Only staff of the organisation can be made managers." in text_of(refused)
    db.session.refresh(defender)
    assert defender.role == "defender" and not audited("manager_assigned")
    # The secretariat's form by e-mail refuses her too; the person's page changes roles.
    secretariat = new_client()
    login(secretariat, admin)
    answer = secretariat.form(
        "/admin/organizations/wilpf/managers",
        {"email": defender.email},
        page=page,
        follow_redirects=True,
    )
    assert "Only staff (or a manager of another organisation)" in text_of(answer)
    db.session.refresh(defender)
    assert defender.role == "defender" and not audited("manager_assigned")
    client.form(f"/orgs/wilpf/people/{staff.id}/make-manager", page=page)
    db.session.refresh(staff)
    assert staff.role == "manager" and len(audited("manager_assigned")) == 1


# --- feature: names and readable actions in the audit log and on the dashboard ------------


def test_the_audit_log_names_people_and_organisations_and_shows_no_contact_value(
    admin_client, make_user, make_org, new_client, login
):
    org = make_org("wilpf", "Women's International League")
    person = make_user("staff", org="wilpf", name="Amina Yusuf", email="amina.canary@example.org")
    person.profile.phone = "+249912345678"
    db.session.commit()
    admin_client.form(
        f"/admin/people/{person.id}/suspend",
        {"reason": "Reported by two members"},
        page=f"/admin/people/{person.id}",
    )
    manager = make_user("manager", org="wilpf", name="Maya Manager")
    browser = new_client()
    login(browser, manager)
    other = make_user("staff", org="wilpf", name="Sam Staff")
    browser.form(f"/orgs/wilpf/people/{other.id}/make-manager", page="/orgs/wilpf/people")
    gone = make_user("staff", name="Gone Person")
    gone_id = gone.id
    admin_client.form(f"/admin/people/{gone_id}/delete", page="/admin/people")
    html = text_of(admin_client.get("/admin/audit"))
    shown = visible(html)
    assert "Account suspended" in shown and "Manager assigned" in shown
    assert f'<a href="/admin/people/{person.id}"><bdi>Amina Yusuf</bdi></a>' in html
    assert (
        f'<a href="/admin/people/{admin_client.admin.id}"><bdi>Sara Secretariat</bdi></a>' in html
    )
    assert "Maya Manager" in shown and "Sam Staff" in shown
    assert f"Organisation: {org.name}" in shown, "the organisation by its name"
    assert f"deleted account (number {gone_id})" in shown
    assert "Reason: Reported by two members" in shown
    assert not re.search(r"user #\d|#\d+ ", shown), "no bare account numbers"
    for contact in ("amina.canary@example.org", "+249912345678", "sara.admin@example.org"):
        assert contact not in html, contact
    dashboard = text_of(admin_client.get("/admin/"))
    assert f'<a href="/admin/people/{person.id}"><bdi>Amina Yusuf</bdi></a>' in dashboard
    assert "amina.canary@example.org" not in dashboard


def _names_in(node: ast.expr) -> set[str]:
    """The action names an expression may give: a string, either branch of `a if c else b`,
    the values of `{...}[key]`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _names_in(node.body) | _names_in(node.orelse)
    if isinstance(node, ast.Subscript):
        return _names_in(node.value)
    if isinstance(node, ast.Dict):
        return set().union(*(_names_in(value) for value in node.values))
    return set()


def _recorded_actions() -> set[str]:
    """Every action name the code passes to audit.record or audit.record_many, including both
    branches of a conditional and the defaults of an `event` parameter."""
    found: set[str] = set()
    for path in (ROOT / "ngowg_directory").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in (
                "record",
                "record_many",
            ):
                if getattr(node.func.value, "id", "") != "audit" or not node.args:
                    continue
                found |= _names_in(node.args[0])
            if isinstance(node, ast.FunctionDef):
                arguments = node.args.args + node.args.kwonlyargs
                defaults = [None] * (len(node.args.args) - len(node.args.defaults))
                defaults += node.args.defaults + node.args.kw_defaults
                for argument, default in zip(arguments, defaults, strict=True):
                    value = default.value if isinstance(default, ast.Constant) else None
                    if argument.arg == "event" and isinstance(value, str):
                        found.add(value)
    return found


def test_every_audited_action_has_a_readable_name_in_the_one_table():
    actions = _recorded_actions()
    assert {"user_suspended", "invitation_revoked", "manager_assigned"} <= actions
    assert sorted(actions - set(AUDIT_ACTIONS)) == []


def test_actions_read_in_the_admins_language(client, make_user, login):
    """Needs the French catalogue (the action names were already translated)."""
    admin = make_user("admin")
    admin.locale = "fr"
    db.session.commit()
    login(client, admin)
    person = make_user("staff")
    client.form(
        f"/admin/people/{person.id}/suspend",
        {"reason": "Signalée par deux membres"},
        page=f"/admin/people/{person.id}",
    )
    with force_locale("fr"):
        label = str(AUDIT_ACTIONS["user_suspended"])
    assert label != "Account suspended"
    assert label in visible(text_of(client.get("/admin/audit")))


# --- feature: a reason when suspending ------------------------------------------------------


def test_a_suspension_needs_a_reason_kept_for_admins_and_never_shown_to_her(
    admin_client, make_user, new_client, login, mailbox
):
    person = make_user("defender", name="Hawa Nyakuong")
    page = f"/admin/people/{person.id}"
    assert 'name="reason"' in text_of(admin_client.get(page)) and "required" in text_of(
        admin_client.get(page)
    )
    for reason in ("", "  ", "no", "write to hawa@example.org", "call +249 912 345 678"):
        answer = admin_client.form(
            f"/admin/people/{person.id}/suspend", {"reason": reason}, page=page
        )
        assert answer.headers["Location"] == page
        db.session.refresh(person)
        assert person.status == "active", reason
    assert not audited("user_suspended")
    messages = visible(text_of(admin_client.get(page)))
    assert "without an e-mail address or a phone number" in messages
    reason = "Shared another member's details outside the directory"
    admin_client.form(f"/admin/people/{person.id}/suspend", {"reason": reason}, page=page)
    db.session.refresh(person)
    assert person.status == "suspended"
    (event,) = audited("user_suspended")
    assert event.details == {"reason": reason} and event.actor_id == admin_client.admin.id
    shown = visible(text_of(admin_client.get(page)))
    assert f"Reason: {reason}" in shown and "Sara Secretariat" in shown
    assert f"Reason: {reason}" in visible(text_of(admin_client.get("/admin/audit")))
    # She is told nothing of it: not at sign-in, not in any e-mail.
    browser = new_client()
    answer = browser.form(
        "/auth/login", {"email": person.email, "password": PASSWORD}, follow_redirects=True
    )
    assert reason not in text_of(answer) and "outside the directory" not in text_of(answer)
    for message in mailbox.messages:
        assert "outside the directory" not in Mailbox.body(message)
    # Reactivated, the page no longer shows an old reason as current.
    admin_client.form(f"/admin/people/{person.id}/reactivate", page=page)
    assert "Reason:" not in visible(text_of(admin_client.get(page)))


# --- feature: revoke a pending invitation --------------------------------------------------


def invite(email: str, *, organization: Organization | None = None, inviter=None) -> str:
    sent = invitations.invite(email, "staff", organization=organization, inviter=inviter)
    db.session.commit()
    return sent.link.rsplit("/", 1)[-1]  # a notice (to an existing account) has no link


def test_the_secretariat_withdraws_an_invitation_and_its_link_stops_working(
    admin_client, client, make_org
):
    token = invite("late@example.org")
    invitation = db.session.scalar(sa.select(Invitation).join(Invitation.user))
    invitation_id, user_id = invitation.id, invitation.user_id
    page = text_of(admin_client.get("/admin/invitations"))
    # A confirmation first: the button sits behind a <details>, and says what it does.
    assert re.search(r"<details class=\"confirm\">\s*<summary>Withdraw</summary>", page)
    assert "Withdraw the invitation for late@example.org" in page
    answer = admin_client.form(
        f"/admin/invitations/{invitation_id}/revoke",
        page="/admin/invitations",
        follow_redirects=True,
    )
    assert "The invitation for late@example.org was withdrawn" in text_of(answer)
    assert "late@example.org" not in text_of(admin_client.get("/admin/invitations"))
    db.session.expire_all()
    assert db.session.get(User, user_id) is None, "the never-used account went with it"
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
    link = admin_client.application.test_client().get(f"/auth/invite/{token}")
    assert link.status_code == 400 and "This link does not work" in text_of(link)
    (event,) = audited("invitation_revoked")
    assert event.actor_id == admin_client.admin.id and event.target_id == user_id
    assert "late@example.org" not in str(event.details)
    assert "Invitation withdrawn" in visible(text_of(admin_client.get("/admin/audit")))
    # Twice: nothing left to withdraw.
    again = admin_client.form(
        f"/admin/invitations/{invitation_id}/revoke", page="/admin/invitations"
    )
    assert again.status_code == 404


def test_a_manager_withdraws_her_organisations_invitations_only(client, make_user, make_org, login):
    own = make_org("wilpf")
    other = make_org("other-org")
    manager = make_user("manager", org="wilpf")
    mine = invite("mine@example.org", organization=own, inviter=manager)
    invite("theirs@example.org", organization=other)
    login(client, manager)
    html = text_of(client.get("/orgs/wilpf/people"))
    assert "Withdraw the invitation for mine@example.org" in html
    ids = dict(
        db.session.execute(
            sa.select(User.email, Invitation.id).select_from(Invitation).join(Invitation.user)
        ).all()
    )
    refused = client.form(
        f"/orgs/wilpf/invitations/{ids['theirs@example.org']}/revoke", page="/orgs/wilpf/people"
    )
    assert refused.status_code == 404
    client.form(
        f"/orgs/wilpf/invitations/{ids['mine@example.org']}/revoke", page="/orgs/wilpf/people"
    )
    emails = set(db.session.scalars(sa.select(User.email)))
    assert "mine@example.org" not in emails and "theirs@example.org" in emails
    assert invitations.find_open(mine) is None


def test_a_withdrawn_notice_leaves_the_existing_account_and_an_accepted_one_stays(
    admin_client, make_user, login, new_client
):
    holder = make_user("staff", email="holder@example.org", name="Holder")
    invite("holder@example.org")  # a notice: her account exists
    notice = db.session.scalar(sa.select(Invitation).where(Invitation.notice.is_(True)))
    admin_client.form(f"/admin/invitations/{notice.id}/revoke", page="/admin/invitations")
    db.session.expire_all()
    assert db.session.get(User, holder.id).status == "active"
    assert audited("invitation_revoked")[0].details["notice"] is True
    token = invite("accepts@example.org")
    browser = new_client()
    accepted = browser.form(
        f"/auth/invite/{token}",
        {
            "name": "Quick",
            "password": "a long enough passphrase 26",
            "confirm": "a long enough passphrase 26",
        },
        page=f"/auth/invite/{token}",
    )
    assert accepted.status_code == 302
    done = db.session.scalar(
        sa.select(Invitation).join(Invitation.user).where(User.email == "accepts@example.org")
    )
    answer = admin_client.form(f"/admin/invitations/{done.id}/revoke", page="/admin/invitations")
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "accepts@example.org"))
    assert len(audited("invitation_revoked")) == 1


# --- feature: exports Excel reads --------------------------------------------------------


def test_the_directory_export_opens_in_excel_with_readable_column_names(
    admin_client, make_user, runner, tmp_path
):
    make_user("defender", name="فاطمة الزهراء")
    response = admin_client.get("/admin/export.csv")
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode()), "UTF-8 byte order mark"
    text = raw.decode("utf-8")
    header = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert header[:4] == ["Account number", "Name", "Role", "Organisation"]
    assert header[-1] == "Last confirmed" and len(header) == len(export.COLUMNS)
    assert "فاطمة الزهراء" in text
    # The command line's file keeps the machine names and no mark (scripts read it).
    out = tmp_path / "directory.csv"
    runner.invoke(args=["export-directory", "--format", "csv", str(out)])
    assert out.read_text(encoding="utf-8").split("\n", 1)[0].strip() == ",".join(export.COLUMNS)


def test_the_audit_export_opens_in_excel_with_names_and_readable_actions(admin_client, make_user):
    person = make_user("staff", name="Amina Yusuf")
    admin_client.form(
        f"/admin/people/{person.id}/suspend",
        {"reason": "Reported"},
        page=f"/admin/people/{person.id}",
    )
    response = admin_client.get("/admin/audit.csv?action=user_suspended")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    (row,) = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert row["Action"] == "Account suspended" and row["Action code"] == "user_suspended"
    assert row["Actor"] == "Sara Secretariat" and row["Target"] == "Amina Yusuf"
    assert row["Target number"] == str(person.id) and row["Details"] == "Reason: Reported"


# --- feature: re-authentication only to change or export -----------------------------------


def test_reading_admin_pages_does_not_ask_for_the_password_again(admin_client, make_user, make_org):
    make_org("wilpf")
    person = make_user("staff")
    make_stale(admin_client)
    for page in (
        "/admin/",
        "/admin/people",
        f"/admin/people/{person.id}",
        "/admin/audit",
        "/admin/organizations",
        "/admin/invitations",
        "/admin/import",
        "/orgs/wilpf/people",
    ):
        answer = admin_client.get(page)
        assert answer.status_code == 200, (page, answer.headers.get("Location"))
    notice = visible(text_of(admin_client.get(f"/admin/people/{person.id}")))
    assert "Confirm it is you now" in notice


def test_changes_and_exports_still_ask_for_it(admin_client, make_user):
    person = make_user("staff")
    make_stale(admin_client)
    for page in ("/admin/audit.csv", "/admin/export.csv", "/admin/export.vcf"):
        answer = admin_client.get(page)
        assert answer.headers["Location"].startswith("/auth/reauthenticate"), page
    for url, data, back in (
        (
            f"/admin/people/{person.id}/suspend",
            {"reason": "Reported"},
            f"/admin/people/{person.id}",
        ),
        ("/admin/invitations", {"email": "n@example.org", "role": "staff"}, "/admin/invitations"),
        ("/admin/import/confirm", {"token": "0" * 32, "kind": "people"}, "/admin/import"),
    ):
        # Pages send no referrer (base.html): the way back is found from the action's path.
        answer = admin_client.form(url, data, page=back)
        location = urlsplit(answer.headers["Location"])
        assert location.path == "/auth/reauthenticate", url
        assert parse_qs(location.query)["next"] == [back], "back to the page of the form"
    db.session.refresh(person)
    assert person.status == "active" and not audited("invitation_sent")
    assert "Nothing was changed yet" in visible(text_of(admin_client.get("/auth/reauthenticate")))


# --- feature: managers see how complete and current their people's profiles are -------------


def test_a_manager_sees_how_complete_and_how_recently_confirmed_each_profile_is(
    client, make_user, login
):
    manager = make_user("manager", org="wilpf", name="Maya Manager")
    full = make_user("staff", org="wilpf", name="Full Profile")
    full.profile.title, full.profile.country, full.profile.bio = "Officer", "SD", "Works on CRSV."
    full.profile.set_tags(["SD"], ["crsv"], ["ar"])
    sparse = make_user("defender", org="wilpf", name="Sparse Profile")
    sparse.profile.phone, sparse.profile.phone_audience = "+249912345678", "private"
    sparse.profile.last_confirmed_at = utcnow() - timedelta(days=400)
    hidden = make_user("staff", org="wilpf", name="Hidden Person", consent=False)
    db.session.commit()
    login(client, manager)
    html = text_of(client.get("/orgs/wilpf/people"))
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {
        name: visible(row)
        for row, name in re.findall(
            r'(<tr>.*?<a href="/people/\d+">([^<]+)</a>.*?</tr>)', body, re.S
        )
    }
    assert "complete" in rows["Full Profile"]
    assert full.profile.last_confirmed_at.strftime("%Y") in rows["Full Profile"]
    assert "over a year ago" not in rows["Full Profile"]
    sparse_row = rows["Sparse Profile"]
    assert "0 of 6 parts filled in" in sparse_row
    for part in ("Title or position", "Country", "Themes", "Languages", "About her work"):
        assert part in sparse_row, part
    assert "over a year ago" in sparse_row
    # Nothing of a contact detail she keeps private, nor of anyone who is not listed.
    assert "+249912345678" not in html and "Phone" not in sparse_row
    assert hidden.name not in html


def test_other_members_do_not_see_it(client, make_user, login):
    make_user("staff", org="wilpf", name="Some Member")
    login(client, make_user("staff", org="wilpf"))
    assert client.get("/orgs/wilpf/people").status_code == 403
    assert "parts filled in" not in text_of(client.get("/orgs/wilpf"))


def test_withdrawing_tells_a_manager_nothing_of_whether_the_address_had_an_account(
    client, make_user, make_org, login
):
    """An invitation to an address with an account is a notice (the holder is told, nothing
    is created): withdrawing it must read exactly as withdrawing any other invitation."""
    org = make_org("wilpf")
    manager = make_user("manager", org="wilpf")
    make_user("defender", email="holder@example.org", org="elsewhere")
    for address in ("new.person@example.org", "holder@example.org"):
        invite(address, organization=org, inviter=manager)
    login(client, manager)
    page = "/orgs/wilpf/people"
    before = text_of(client.get(page))
    answers = []
    for address in ("new.person@example.org", "holder@example.org"):
        row = re.search(rf"<tr>\s*<td><bdi>{re.escape(address)}</bdi>.*?</tr>", before, re.S)
        action = re.search(r'action="(/orgs/wilpf/invitations/\d+/revoke)"', row.group(0))
        answer = client.form(action.group(1), page=page, follow_redirects=True)
        flashed = re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', text_of(answer), re.S)
        # (the rows of the table are compared in test_hardening.py's same-answer tests)
        answers.append((answer.status_code, [f.replace(address, "ADDRESS") for f in flashed]))
    assert answers[0] == answers[1]
    assert "The invitation for ADDRESS was withdrawn" in answers[0][1][0]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/people?page=9223372036854775807",
        "/admin/people?page=18446744073709551616",
        "/admin/people?page=00000000000000000000000000000000000000000000002",
        "/admin/audit?page=9223372036854775808",
        "/admin/audit?person=9223372036854775808",
        "/admin/audit?person=2147483648",  # past PostgreSQL's INTEGER
        "/admin/audit?person=00000000000000000000000000000099999999999999999999",
        "/admin/audit?until=9999-12-31",
        "/admin/audit?since=0001-01-01&until=9999-12-31",
    ],
)
def test_page_numbers_account_numbers_and_dates_past_their_range_are_not_an_error(
    admin_client, admin, path
):
    """Found by the red team: each was a 500 (an integer past 64 bits for the database, a day
    after 9999-12-31). Now the lists answer: a page past the last one is empty, an account
    number no account can have is a filter left out with a message, the last day is no bound."""
    response = admin_client.get(path)
    assert response.status_code == 200, path
    html = visible(response.get_data(as_text=True))
    if "person=" in path:
        assert "“person” is an account number; that filter was left out." in html
    if "until=9999" in path:
        assert admin.name in html, "every event is until the last day there is"


def test_the_audit_export_takes_the_same_values(admin_client, admin):
    for query in ("person=99999999999999999999", "until=9999-12-31"):
        response = admin_client.get(f"/admin/audit.csv?{query}")
        assert response.status_code == 200, query
        assert response.mimetype == "text/csv"

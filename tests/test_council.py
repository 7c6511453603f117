"""The Council's month (issue 19, part A): pages, the secretariat's work, Markdown, languages,
credits with consent, the directory's search box, the programme import."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import (
    AuditEvent,
    CouncilMeeting,
    CouncilMonth,
    Recommendation,
    RecommendationCredit,
)
from ngowg_directory.services import council, markdown
from testsupport.council import DRAFT_TITLE, PUBLISHED_TITLE, add_council, recommendation
from testsupport.worlds import make_unlisted


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def admin(make_user):
    return make_user("admin", name="Council Admin")


@pytest.fixture
def admin_client(app, new_client, admin, login):
    client = new_client()
    login(client, admin)
    return client


@pytest.fixture
def member(app, new_client, make_user, login):
    user = make_user("staff", org="wilpf", name="Member Reader")
    client = new_client()
    login(client, user)
    client.user = user
    return client


# --- the month's pages --------------------------------------------------------------------


def test_the_month_shows_presidency_meetings_and_only_published_recommendations(admin, member):
    data = add_council(admin)
    for path in ("/council", f"/council/{data.key}"):
        html = member.get(path).get_data(as_text=True)
        assert "Greece" in html and "Sudan briefing" in html
        assert "Women and peace and security" in html and "Open debate" in html
        assert PUBLISHED_TITLE in html and "<strong>listen</strong>" in html
        assert DRAFT_TITLE not in html
        assert 'rel="prev"' in html and 'rel="next"' in html


@pytest.mark.parametrize(
    "key", ["2026-13", "1945-12", "2101-01", "26-01", "2026-1", "abc", "２０２６-01"]
)
def test_a_bad_or_out_of_range_month_is_a_clear_404(member, key):
    response = member.get(f"/council/{key}")
    assert response.status_code == 404
    assert "There is no such month" in response.get_data(as_text=True)


def test_the_first_and_last_months_link_only_inside_the_range(member):
    first = member.get("/council/1946-01").get_data(as_text=True)
    assert 'rel="prev"' not in first and "/council/1946-02" in first
    last = member.get("/council/2100-12").get_data(as_text=True)
    assert 'rel="next"' not in last and "/council/2100-11" in last


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in ("/council", "/council/2027-01", "/council/situations/SD"):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_page_speaks_the_readers_language_else_english_with_a_note(admin, member):
    data = add_council(admin)
    member.set_cookie("ngowg_locale", "fr")
    html = member.get(f"/council/{data.key}").get_data(as_text=True)
    assert "Soudan : protéger les défenseuses" in html and PUBLISHED_TITLE not in html
    member.set_cookie("ngowg_locale", "es")
    html = member.get(f"/council/{data.key}").get_data(as_text=True)
    assert PUBLISHED_TITLE in html and 'lang="en"' in html
    assert "no text in your language" in html or "no tiene" in html.lower() or "inglés" in html
    member.set_cookie("ngowg_locale", "ar")
    html = member.get(f"/council/{data.key}").get_data(as_text=True)
    assert 'dir="rtl"' in html and 'lang="en" dir="ltr"' in html


# --- the situation's page -----------------------------------------------------------------


def test_the_situation_page_lists_meetings_archive_and_listed_people_only(
    admin, member, make_user, make_org
):
    data = add_council(admin)
    org = make_org("wilpf")
    council.add_meeting(
        {"date": council.this_month(), "item": "AF", "kind": "briefing", "title": "Not Sudan"},
        admin,
    )
    listed = make_user("defender", name="Listed Sudanese Defender")
    listed.profile.set_tags(["SD"], [], [])
    listed.profile.phone, listed.profile.phone_audience = "+249911111111", "members"
    hidden = make_user("defender", name="Hidden Sudanese Defender")
    hidden.profile.set_tags(["SD"], [], [])
    from ngowg_directory.models import OrganizationCountry

    db.session.add(OrganizationCountry(organization_id=org.id, code="SD"))
    db.session.commit()
    make_unlisted(hidden, "hidden")
    html = member.get("/council/situations/sd").get_data(as_text=True)
    assert "Sudan briefing" in html and "Not Sudan" not in html
    assert PUBLISHED_TITLE in html and f"/council/{data.key}" in html
    assert "Listed Sudanese Defender" in html and "Hidden Sudanese Defender" not in html
    assert "+249911111111" not in html  # a listing never shows a contact detail
    assert "/orgs/wilpf" in html
    assert member.get("/council/situations/XX").status_code == 404
    assert member.get("/council/situations/wps").status_code == 200


@pytest.mark.parametrize("make_unlisted_as", ["hidden", "unconsented", "suspended"])
def test_a_thematic_items_page_lists_the_listed_people_of_its_theme(
    admin, member, make_user, make_unlisted_as
):
    """Protection of civilians lists who works on protection, through the listing; the
    Women, Peace and Security item (the whole directory) lists nobody."""
    add_council(admin)
    listed = make_user("defender", name="Listed Protection Worker")
    listed.profile.set_tags([], ["protection"], [])
    listed.profile.phone, listed.profile.phone_audience = "+249922222222", "members"
    away = make_user("defender", name="Unlisted Protection Worker")
    away.profile.set_tags([], ["protection"], [])
    other = make_user("defender", name="Disarmament Worker")
    other.profile.set_tags([], ["disarmament"], [])
    db.session.commit()
    make_unlisted(away, make_unlisted_as)
    html = member.get("/council/situations/protection-of-civilians").get_data(as_text=True)
    assert "Listed Protection Worker" in html and "1 person works on it" in html
    assert "Unlisted Protection Worker" not in html and "Disarmament Worker" not in html
    assert "+249922222222" not in html and "/directory?theme=protection" in html
    wps = member.get("/council/situations/wps").get_data(as_text=True)
    assert "works on it" not in wps and "Listed Protection Worker" not in wps


def test_the_situation_page_is_paginated(admin, member, make_user):
    add_council(admin)
    for n in range(23):
        user = make_user("staff", name=f"Person {n:02d}")
        user.profile.set_tags(["SD"], [], [])
    db.session.commit()
    first = member.get("/council/situations/SD").get_data(as_text=True)
    second = member.get("/council/situations/SD?page=2").get_data(as_text=True)
    assert "Person 00" in first and "Person 22" not in first and "Person 22" in second
    assert member.get("/council/situations/SD?page=99999999999").status_code == 200


# --- the secretariat ----------------------------------------------------------------------


def test_the_secretariat_enters_a_month_and_its_meetings_audited(admin_client):
    response = admin_client.form("/admin/council", {"month": "2027-03", "presidency": "FR"})
    assert response.status_code == 302 and response.headers["Location"].endswith("2027-03")
    form = {"date": "2027-03-04", "item": "SD", "kind": "briefing", "title": "UNITAMS"}
    assert admin_client.form("/admin/council/2027-03/meetings", form).status_code == 302
    meeting = db.session.scalar(sa.select(CouncilMeeting))
    meeting_id = meeting.id
    html = admin_client.get("/admin/council/2027-03").get_data(as_text=True)
    assert "UNITAMS" in html and "France" in html
    # As the importer: no second meeting of the same day, item and kind; no formula title.
    for bad, said in (
        ({**form, "title": "Again"}, "already on the programme"),
        ({**form, "kind": "consultations", "title": "=1+2"}, "spreadsheet formula"),
    ):
        admin_client.form("/admin/council/2027-03/meetings", bad)
        assert said in admin_client.get("/admin/council/2027-03").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(CouncilMeeting.id))) == 1
    moved = {**form, "date": "2027-04-01", "title": "Moved"}
    assert admin_client.form(f"/admin/council/meetings/{meeting.id}", moved).status_code == 302
    db.session.refresh(meeting)
    assert meeting.month.key == "2027-04"
    confirm = admin_client.get(f"/admin/council/meetings/{meeting.id}/delete")
    assert "Delete this meeting?" in confirm.get_data(as_text=True)
    assert db.session.get(CouncilMeeting, meeting.id) is not None  # asking deletes nothing
    assert admin_client.form(f"/admin/council/meetings/{meeting.id}/delete").status_code == 302
    db.session.expunge_all()
    assert db.session.get(CouncilMeeting, meeting_id) is None
    assert {
        "council_month_saved",
        "council_meeting_added",
        "council_meeting_changed",
        "council_meeting_deleted",
    } <= set(actions())


@pytest.mark.parametrize(
    "form",
    [
        {"date": "2027-02-30", "item": "SD", "kind": "briefing"},
        {"date": "2027-03-01", "item": "FR", "kind": "briefing"},
        {"date": "2027-03-01", "item": "SD", "kind": "party"},
        {"date": "2027-03-01", "item": "SD", "kind": "briefing", "title": "x" * 201},
        {"date": "2027-03-01", "item": "SD", "kind": "briefing", "title": "a\nb"},
    ],
)
def test_a_bad_meeting_gets_a_message_and_changes_nothing(admin_client, form):
    response = admin_client.form("/admin/council/2027-03/meetings", form)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(CouncilMeeting.id))) == 0
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "flash-error" in page


def test_a_bad_presidency_or_month_changes_nothing(admin_client):
    admin_client.form("/admin/council", {"month": "2027-03", "presidency": "ZZ"})
    admin_client.form("/admin/council", {"month": "2027-13", "presidency": "FR"})
    assert db.session.scalar(sa.select(sa.func.count(CouncilMonth.id))) == 0


def test_recommendations_are_written_previewed_published_and_unpublished(admin_client, member):
    admin_client.form("/admin/council", {"month": "2027-03", "presidency": "FR"})
    response = admin_client.form("/admin/council/2027-03/recommendations", {"item": "YE"})
    rec = db.session.scalar(sa.select(Recommendation))
    assert response.headers["Location"].endswith(f"/admin/council/recommendations/{rec.id}")
    url = f"/admin/council/recommendations/{rec.id}"
    texts = {"en-title": "Yemen now", "en-body": "Free **movement**", "fr-title": "", "fr-body": ""}
    preview = admin_client.form(url, {**texts, "action": "preview"}).get_data(as_text=True)
    assert "<strong>movement</strong>" in preview
    db.session.expire_all()
    assert recommendation(rec.id).texts == []  # a preview saves nothing
    assert admin_client.form(url, {**texts, "action": "save"}).status_code == 302
    assert "Yemen now" not in member.get("/council/2027-03").get_data(as_text=True)
    response = admin_client.form(f"{url}/publish", {"published_on": "2027-03-02"})
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot be in the future" in page or recommendation(rec.id).state == "published"
    admin_client.form(f"{url}/publish", {"published_on": "2026-01-02"})
    db.session.expire_all()
    assert recommendation(rec.id).state == "published"
    assert recommendation(rec.id).published_at.date().isoformat() == "2026-01-02"
    assert "Yemen now" in member.get("/council/2027-03").get_data(as_text=True)
    assert "Yemen now" in member.get("/council/situations/YE").get_data(as_text=True)
    again = admin_client.form(f"{url}/publish", {"published_on": "2026-01-02"})
    assert "already published" in admin_client.get(again.headers["Location"]).get_data(as_text=True)
    admin_client.form(f"{url}/unpublish")
    assert "Yemen now" not in member.get("/council/2027-03").get_data(as_text=True)
    assert {
        "recommendation_saved",
        "recommendation_published",
        "recommendation_unpublished",
    } <= set(actions())


def test_publishing_needs_an_english_text(admin_client):
    admin_client.form("/admin/council/2027-03/recommendations", {"item": "YE"})
    rec = db.session.scalar(sa.select(Recommendation))
    url = f"/admin/council/recommendations/{rec.id}"
    admin_client.form(url, {"fr-title": "Yémen", "fr-body": "Texte", "action": "save"})
    response = admin_client.form(f"{url}/publish", {"published_on": "2026-01-02"})
    assert "English text" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert recommendation(rec.id).state == "draft"


def test_non_admins_cannot_reach_the_secretariats_council_pages(admin, member):
    data = add_council(admin)
    assert member.get("/admin/council").status_code == 403
    assert member.get(f"/admin/council/recommendations/{data.draft_id}").status_code == 403
    response = member.form(
        f"/admin/council/recommendations/{data.draft_id}/publish", {"published_on": "2026-01-01"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert recommendation(data.draft_id).state == "draft"


# --- Markdown -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "absent"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("[x](javascript:alert(1))", 'href="javascript'),
        ("[x](JaVaScRiPt:alert(1))", "href="),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "href="),
        ("![a](https://evil.example/pixel.png)", "<img"),
        ('<img src=x onerror="alert(1)">', "<img"),
        ('<a href="https://x.org" onclick="alert(1)">x</a>', "<a href"),
        ("<iframe src=https://x.org></iframe>", "<iframe"),
        ("[x](//evil.example/login)", "href="),
        ("[x](/admin/people)", "href="),
        ("[x](../account/delete)", "href="),
        ("Pay \u202egnp.exe here", "\u202e"),
        ("An \u2066isolate\u2069", "\u2066"),
    ],
)
def test_markdown_is_sanitised(source, absent):
    assert absent not in markdown.render(source).lower()


def test_links_get_rel_and_headings_stay_under_the_page():
    html = markdown.render("# Title\n\n[WILPF](https://www.wilpf.org)")
    assert "<h3>Title</h3>" in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert 'href="mailto:info@wilpf.org"' in markdown.render("[mail](mailto:info@wilpf.org)")
    arabic = "\u0627\u0644\u0633\u0648\u062f\u0627\u0646\u200f (UNITAMS)"
    assert "\u200f" in markdown.render(arabic), "the marks Arabic needs are kept"


# --- credits --------------------------------------------------------------------------------


def test_a_credit_shows_only_once_she_accepts_and_while_she_is_listed(
    admin, member, make_user, new_client, login
):
    defender = make_user("defender", name="Credited Defender")
    own = new_client()
    login(own, defender)
    data = add_council(admin, people=[defender])
    path = "/council/situations/SD"
    assert "Credited Defender" not in member.get(path).get_data(as_text=True)
    page = own.get("/account/credits").get_data(as_text=True)
    assert "waiting for your answer" in page
    credit_id = data.credit_ids[defender.id]
    # Someone else cannot answer for her, the secretariat included.
    assert member.form(f"/account/credits/{credit_id}/accept").status_code == 404
    assert new_admin_answer(admin, new_client, login, credit_id) == 404
    assert own.form(f"/account/credits/{credit_id}/accept").status_code == 302
    assert "Credited Defender" in member.get(path).get_data(as_text=True)
    make_unlisted(defender, "hidden")
    assert "Credited Defender" not in member.get(path).get_data(as_text=True)
    from ngowg_directory.services import profiles

    profiles.set_hidden(defender, False)
    db.session.commit()
    assert "Credited Defender" in member.get(path).get_data(as_text=True)
    assert own.form(f"/account/credits/{credit_id}/withdraw").status_code == 302
    assert "Credited Defender" not in member.get(path).get_data(as_text=True)
    assert {"credit_accepted", "credit_withdrawn"} <= set(actions())


def new_admin_answer(admin, new_client, login, credit_id: int) -> int:
    client = new_client()
    login(client, admin)
    return client.form(f"/account/credits/{credit_id}/accept").status_code


def test_an_organisations_credit_is_answered_by_its_manager(
    admin, member, make_user, make_org, new_client, login
):
    org = make_org("gnwp", "Global Network of Women Peacebuilders")
    manager = make_user("manager", org="gnwp")
    staff = make_user("staff", org="gnwp")
    data = add_council(admin, org_ids=[org.id])
    credit_id = data.credit_ids[-org.id]
    staff_client, manager_client = new_client(), new_client()
    login(staff_client, staff)
    login(manager_client, manager)
    assert staff_client.form(f"/account/credits/{credit_id}/accept").status_code == 404
    assert manager_client.form(f"/account/credits/{credit_id}/accept").status_code == 302
    assert "Global Network of Women Peacebuilders" in member.get("/council/situations/SD").get_data(
        as_text=True
    )


def test_the_secretariat_offers_and_removes_credits(admin, admin_client, make_user):
    data = add_council(admin)
    person = make_user("defender", email="credit@example.org")
    url = f"/admin/council/recommendations/{data.published_id}/credits"
    admin_client.form(url, {"who": "credit@example.org"})
    admin_client.form(url, {"who": "credit@example.org"})  # twice: refused
    admin_client.form(url, {"who": "nobody@example.org"})
    credits = list(db.session.scalars(sa.select(RecommendationCredit)))
    assert [(c.user_id, c.state) for c in credits] == [(person.id, "offered")]
    admin_client.form(f"/admin/council/credits/{credits[0].id}/remove")
    assert db.session.scalar(sa.select(sa.func.count(RecommendationCredit.id))) == 0
    assert {"credit_offered", "credit_removed"} <= set(actions())


def test_whoever_may_answer_a_credit_is_told_that_something_waits_and_nothing_more(
    admin, admin_client, make_user, make_org, mailbox
):
    """She, or her organisation's active managers: a notice that names no recommendation,
    situation or organisation (her mailbox may be read by others); nobody else, and not her
    when she turned notices off."""
    data = add_council(admin)
    org = make_org("larkspur")
    person = make_user("defender", email="credited@example.org")
    quiet = make_user("defender", email="quiet@example.org")
    quiet.profile.notify_email = False
    managers = [make_user("manager", org="larkspur") for _ in range(2)]
    suspended = make_user("manager", org="larkspur")
    suspended.status = "suspended"
    staff = make_user("staff", org="larkspur")
    db.session.commit()
    url = f"/admin/council/recommendations/{data.published_id}/credits"
    mailbox.clear()
    for who in ("credited@example.org", "quiet@example.org", org.slug):
        assert admin_client.form(url, {"who": who}).status_code == 302
    told = sorted(m["To"] for m in mailbox.messages)
    assert told == sorted([person.email, *(m.email for m in managers)]), told
    for message in mailbox.messages:
        text = str(message["Subject"]) + mailbox.body(message)
        assert "Something is waiting for you" in text
        for word in ("Sudan", "credit", "Larkspur", "recommendation", PUBLISHED_TITLE):
            assert word.lower() not in text.lower(), word
    assert not mailbox.to(quiet.email) and not mailbox.to(suspended.email)
    assert not mailbox.to(staff.email) and not mailbox.to(admin.email)


# --- the directory's search box -----------------------------------------------------------


def test_published_recommendations_are_found_from_the_directory_search(admin, member):
    add_council(admin)
    html = member.get("/directory?q=defenders").get_data(as_text=True)
    assert "Recommendations to the Security Council" in html and PUBLISHED_TITLE in html
    assert "council-hits" not in member.get("/directory?q=draft").get_data(as_text=True)
    assert "council-hits" not in member.get("/directory").get_data(as_text=True)
    found = member.get("/directory?q=DÉFENSEUSES").get_data(as_text=True)  # normalised, French
    assert "council-hits" in found
    assert "council-hits" not in member.get("/directory?q=%25").get_data(as_text=True)


# --- the programme import -----------------------------------------------------------------

PROGRAMME = (
    "date;item;kind;title\n"
    "2027-05-04;SD;briefing;UNITAMS\n"
    "2027-05-05;wps;open_debate;Annual open debate\n"
    "2027-05-40;XX;party;=cmd\n"
    "2027-05-04;SD;briefing;again\n"
)


def test_import_programme_reports_each_row_and_a_bad_row_changes_nothing(runner, tmp_path):
    path = tmp_path / "programme.csv"
    path.write_bytes(b"\xef\xbb\xbf" + PROGRAMME.encode())
    dry = runner.invoke(args=["import-programme", "--dry-run", str(path)])
    assert dry.exit_code == 1 and "2 would be added, 2 refused." in dry.output
    assert db.session.scalar(sa.select(sa.func.count(CouncilMeeting.id))) == 0
    done = runner.invoke(args=["import-programme", str(path)])
    assert "line 4: error:" in done.output and "spreadsheet formula" in done.output
    assert "also on line 2" in done.output and "2 added, 2 refused." in done.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(CouncilMonth.month)).isoformat() == "2027-05-01"
    assert db.session.scalar(sa.select(sa.func.count(CouncilMeeting.id))) == 2
    again = runner.invoke(args=["import-programme", str(path)])
    assert "already on the programme" in again.output
    assert db.session.scalar(sa.select(sa.func.count(CouncilMeeting.id))) == 2
    header = tmp_path / "bad.csv"
    header.write_text("when,what\n2027-05-04,SD\n")
    wrong = runner.invoke(args=["import-programme", str(header)])
    assert wrong.exit_code != 0 and "date,item,kind,title" in wrong.output


def test_the_secretariat_uploads_a_programme(admin_client):
    data = {"file": (io.BytesIO(PROGRAMME.replace(";", ",").encode()), "p.csv"), "dry_run": "1"}
    html = admin_client.form("/admin/council/import", data).get_data(as_text=True)
    assert "2 meetings would be added" in html
    assert db.session.scalar(sa.select(sa.func.count(CouncilMeeting.id))) == 0
    data = {"file": (io.BytesIO(PROGRAMME.encode()), "p.csv")}
    html = admin_client.form("/admin/council/import", data).get_data(as_text=True)
    assert "2 meetings added" in html
    assert db.session.scalar(sa.select(sa.func.count(CouncilMeeting.id))) == 2


def test_a_programme_beyond_five_thousand_rows_is_refused_whole(runner, admin_client, tmp_path):
    rows = "".join(f"2027-05-{1 + i % 28:02d};wps;briefing;Row {i}\n" for i in range(5_001))
    path = tmp_path / "big.csv"
    path.write_text("date;item;kind;title\n" + rows)
    answer = runner.invoke(args=["import-programme", str(path)])
    assert answer.exit_code != 0 and "more than 5,000 rows" in answer.output
    data = {"file": (io.BytesIO(path.read_bytes()), "big.csv")}
    html = admin_client.form("/admin/council/import", data).get_data(as_text=True)
    assert "more than 5,000 rows" in html
    assert db.session.scalar(sa.select(sa.func.count(CouncilMeeting.id))) == 0


def test_seed_demo_has_a_month(runner, member):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    html = member.get("/council").get_data(as_text=True)
    assert html.count("<tr>") >= 8 + 1
    for name in ("Sudan", "Afghanistan", "Democratic Republic of the Congo", "Yemen"):
        assert name in html
    member.set_cookie("ngowg_locale", "fr")
    assert "Afghanistan : pas de normalisation" in member.get("/council").get_data(as_text=True)


# --- hostile input ----------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 'tmpl' ~ 7*7 ~ 'eval' }}",
    "' OR 1=1 --",
    "\u202etxt.exe",
    "x" * 30_000,
    "\x00\x01",
    "%",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_input_in_every_council_form_is_refused_or_escaped(
    admin, admin_client, member, value
):
    data = add_council(admin)
    rec = f"/admin/council/recommendations/{data.draft_id}"
    posts = [
        ("/admin/council", {"month": value, "presidency": value, "notes": value}),
        ("/admin/council", {"month": data.key, "presidency": "FR", "notes": value}),
        (
            f"/admin/council/{data.key}/meetings",
            {"date": value, "item": value, "kind": value, "title": value},
        ),
        (
            f"/admin/council/{data.key}/meetings",
            {"date": f"{data.key}-03", "item": "SD", "kind": "briefing", "title": value},
        ),
        (f"/admin/council/{data.key}/recommendations", {"item": value}),
        (rec, {"en-title": value, "en-body": value, "fr-title": value, "action": "preview"}),
        (rec, {"en-title": value[:200], "en-body": value, "action": "save"}),
        (f"{rec}/publish", {"published_on": value}),
        (f"{rec}/credits", {"who": value}),
        (f"/account/credits/{value}/accept", {}),
    ]
    for url, form in posts:
        response = admin_client.form(url, form)
        assert response.status_code < 500, (url, response.status_code)
        assert "<script>alert(1)" not in response.get_data(as_text=True), url
    recommendation(data.draft_id)  # still there
    db.session.expire_all()
    if recommendation(data.draft_id).state == "draft":
        admin_client.form(f"{rec}/publish", {"published_on": "2026-01-01"})
    for path in (
        f"/council/{data.key}",
        "/council/situations/AF",
        f"/council/{value[:50]}",
        f"/council/situations/{value[:50]}",
        f"/admin/council/{data.key}",
        rec,
        f"/directory?q={value[:200]}",
    ):
        response = (
            member.get(path)
            if path.startswith(("/council", "/directory"))
            else (admin_client.get(path))
        )
        html = response.get_data(as_text=True)
        assert response.status_code < 500, (path, response.status_code)
        assert "<script>alert(1)" not in html and "<img src=x" not in html, path
        assert "tmpl49eval" not in html, path

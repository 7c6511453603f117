"""Organisation profiles: the page, editing by its managers, locking, logos and members."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from PIL import Image, PngImagePlugin

from ngowg_directory.extensions import db
from ngowg_directory.models import (
    AuditEvent,
    Organization,
    OrganizationCountry,
    OrganizationTheme,
    User,
)
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import accounts
from testsupport.images import jpeg_bytes, png_bytes

CONFLICT = "Changed since you opened it"
NOT_AN_IMAGE = "This file is not a PNG, JPEG or WebP image."
TOO_BIG = "The logo may be at most 512 KB."


# --- helpers -----------------------------------------------------------------------------


def hidden_value(html: str, name: str) -> str:
    """The value of a hidden input of the page."""
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag:
            match = re.search(r'value="([^"]*)"', tag)
            return match.group(1) if match else ""
    raise AssertionError(f"no input named {name}")


def stored(slug: str = "wilpf") -> Organization:
    """The organisation as the database holds it now."""
    db.session.expire_all()
    org = db.session.scalar(sa.select(Organization).where(Organization.slug == slug))
    assert org is not None
    return org


def form_of(org: Organization) -> dict:
    """What the edit form holds when opened for this organisation."""
    return {
        "name": org.name,
        "acronym": org.acronym or "",
        "mission": org.mission or "",
        "website": org.website or "",
        "headquarters_country": org.headquarters_country or "",
        "countries": list(org.country_codes),
        "themes": list(org.theme_slugs),
        "contact_email": org.contact_email or "",
        "member_since": org.member_since.isoformat() if org.member_since else "",
    }


def open_edit(client, slug: str = "wilpf") -> dict:
    """GET the edit form as a browser does: its values and its signed `opened` field."""
    response = client.get(f"/orgs/{slug}/edit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return {
        **form_of(stored(slug)),
        "opened": hidden_value(html, "opened"),
        "csrf_token": hidden_value(html, "csrf_token"),
    }


def save(client, fields: dict, slug: str = "wilpf"):
    return client.post(f"/orgs/{slug}/edit", data=fields)


def upload(client, data: bytes, filename: str, slug: str = "wilpf"):
    token = client.csrf_token(f"/orgs/{slug}/edit")
    return client.post(
        f"/orgs/{slug}/logo",
        data={
            "logo-csrf_token": token,
            "csrf_token": token,
            "logo-logo": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def audit_count(action: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == action)
    )


@pytest.fixture
def manager(make_user, make_org, login, client):
    make_org("wilpf", name="Women's International League")
    user = make_user("manager", org="wilpf", name="Maria Manager")
    login(client, user)
    return user


# --- the profile page --------------------------------------------------------------------


def test_org_page_shows_the_profile_and_only_listed_people(client, make_user, make_org, login):
    org = make_org("wilpf", name="Peace Women Network")
    org.acronym = "PWN"
    org.mission = "We bring women into every peace process."
    org.website = "https://peacewomen.example.org"
    org.headquarters_country = "CH"
    org.countries = [OrganizationCountry(code="SD"), OrganizationCountry(code="CO")]
    org.themes = [OrganizationTheme(slug="crsv"), OrganizationTheme(slug="participation")]
    org.contact_email = "info@peacewomen.example.org"
    db.session.commit()
    make_user("staff", org="wilpf", name="Listed Staffer")
    consenting = make_user("defender", org="wilpf", name="Consenting Defender")
    consenting.profile.consent_at = utcnow()
    make_user("defender", org="wilpf", name="Unconsented Defender", consent=False)
    make_user("staff", org="wilpf", name="Unconsented Staffer", consent=False)
    hidden = make_user("staff", org="wilpf", name="Hidden Staffer")
    hidden.profile.hidden = True
    accounts.create_user("invited@example.org", "staff", name="Invited Staffer", organization=org)
    make_user("staff", org="other", name="Other Org Staffer")
    db.session.commit()
    viewer = make_user("policy_maker")
    login(client, viewer)

    response = client.get("/orgs/wilpf")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in (
        "Peace Women Network",
        "PWN",
        "We bring women into every peace process.",
        "Switzerland",
        "Sudan",
        "Colombia",
        "Conflict-related sexual violence",
        "Participation",
        'href="https://peacewomen.example.org"',
        "info@peacewomen.example.org",
        "Listed Staffer",
        "Consenting Defender",
    ):
        assert text in html, text
    for text in (
        "Unconsented Defender",
        "Unconsented Staffer",
        "Hidden Staffer",
        "Invited Staffer",
        "Other Org Staffer",
    ):
        assert text not in html, text
    # A plain member sees no management buttons.
    assert "/orgs/wilpf/edit" not in html


def test_unknown_org_is_404(client, make_user, login):
    login(client, make_user("staff"))
    assert client.get("/orgs/no-such-org").status_code == 404
    assert client.get("/orgs/no-such-org/edit").status_code == 404
    assert client.get("/orgs/no-such-org/people").status_code == 404
    assert client.get("/orgs/no-such-org/logo").status_code == 404


def test_org_pages_need_sign_in(client, make_org):
    make_org("wilpf")
    response = client.get("/orgs/wilpf")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_archived_org_is_404_for_everyone_but_admins(
    client, new_client, make_user, make_org, login
):
    org = make_org("wilpf", name="Archived Org")
    org.archived_at = utcnow()
    db.session.commit()
    for role in ("staff", "defender", "policy_maker"):
        browser = new_client()
        login(browser, make_user(role, org="wilpf" if role == "staff" else None))
        assert browser.get("/orgs/wilpf").status_code == 404, role
    admin_browser = new_client()
    login(admin_browser, make_user("admin"))
    response = admin_browser.get("/orgs/wilpf")
    assert response.status_code == 200
    assert "This organisation is archived." in response.get_data(as_text=True)


# --- editing -----------------------------------------------------------------------------


def test_manager_edits_her_organisation(client, manager):
    fields = open_edit(client)
    fields.update(
        name="WILPF International",
        acronym="WILPF",
        mission="Peace through women's participation.",
        website="https://www.wilpf.org",
        headquarters_country="CH",
        countries=["SD", "UA", "CO"],
        themes=["participation", "disarmament"],
        contact_email="Info@WILPF.org",
        member_since="2000-10-31",
    )
    response = save(client, fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"] == "/orgs/wilpf"
    org = stored()
    assert org.name == "WILPF International"
    assert org.acronym == "WILPF"
    assert org.mission == "Peace through women's participation."
    assert org.website == "https://www.wilpf.org"
    assert org.headquarters_country == "CH"
    assert sorted(org.country_codes) == ["CO", "SD", "UA"]
    assert sorted(org.theme_slugs) == ["disarmament", "participation"]
    assert org.contact_email == "info@wilpf.org"
    assert org.member_since == date(2000, 10, 31)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "organization_updated")
    )
    assert event is not None
    assert event.actor_id == manager.id and event.target_id == org.id
    page = client.get("/orgs/wilpf").get_data(as_text=True)
    assert "The organisation&#39;s profile has been saved." in page
    assert "WILPF International" in page and "Small arms and disarmament" in page


def test_manager_can_clear_optional_fields(client, manager):
    org = stored()
    org.acronym = "OLD"
    org.website = "https://old.example.org"
    org.countries = [OrganizationCountry(code="SD")]
    db.session.commit()
    fields = open_edit(client)
    fields.update(acronym="", website="", countries=[], themes=[])
    assert save(client, fields).status_code == 302
    org = stored()
    assert org.acronym == "" and org.website is None and org.country_codes == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("website", "not a website", "Give a web address such as wilpf.org"),
        ("website", "javascript:alert(1)", "Give a web address such as wilpf.org"),
        ("website", "data:text/html,<b>x</b>", "Give a web address such as wilpf.org"),
        ("headquarters_country", "ZZ", "Unknown country code ZZ."),
        ("countries", ["SD", "XX"], "Unknown value: XX"),
        ("themes", ["not-a-theme"], "Unknown theme."),
        ("contact_email", "not-an-email", "This is not a valid e-mail address"),
        ("name", "", "This field is required."),
        ("member_since", "31/10/2000", "Not a valid date value."),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(client, manager, field, value, message):
    org = stored()
    org.mission = "The mission before."
    db.session.commit()
    before = form_of(stored())
    fields = open_edit(client)
    fields.update(mission="A new mission that must not be saved.")
    fields[field] = value
    response = save(client, fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert 'aria-invalid="true"' in html
    assert form_of(stored()) == before
    assert audit_count("organization_updated") == 0


def test_text_fields_are_shown_as_text_not_markup(client, manager):
    fields = open_edit(client)
    fields["mission"] = "<script>alert(1)</script> & <b>bold</b>"
    fields["acronym"] = "<i>X</i>"
    assert save(client, fields).status_code == 302
    html = client.get("/orgs/wilpf").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;i&gt;X&lt;/i&gt;" in html


def test_a_tampered_opened_field_is_refused(client, manager):
    fields = open_edit(client)
    fields.update(mission="Sneaky", opened="tampered")
    response = save(client, fields)
    assert response.status_code == 200
    assert "The form was damaged" in response.get_data(as_text=True)
    assert stored().mission == ""


def test_two_managers_editing_at_once_never_overwrite_silently(
    client, new_client, manager, make_user, login
):
    org = stored()
    org.mission = "The original mission."
    org.acronym = "OLD"
    db.session.commit()
    second_manager = make_user("manager", org="wilpf", name="Second Manager")
    other = new_client()
    login(other, second_manager)

    first_form = open_edit(client)
    second_form = open_edit(other)

    first_form["mission"] = "The mission as the first manager wrote it."
    assert save(client, first_form).status_code == 302

    second_form["acronym"] = "NEW"
    response = save(other, second_form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert CONFLICT in html
    # What changed is shown: the first manager's mission.
    notice = html.split(CONFLICT, 1)[1].split("<form", 1)[0]
    assert "The mission as the first manager wrote it." in notice
    assert "Mission statement" in notice
    # Nothing was overwritten, and the second manager's typing is still in the form.
    assert stored().mission == "The mission as the first manager wrote it."
    assert stored().acronym == "OLD"
    assert re.search(r'<input[^>]*name="acronym"[^>]*value="NEW"', html), html
    assert audit_count("organization_updated") == 1

    # Saving again from the conflict page works, with the new `opened` token.
    again = {
        **second_form,
        "mission": "The mission as the first manager wrote it.",
        "opened": hidden_value(html, "opened"),
    }
    response = save(other, again)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    org = stored()
    assert org.acronym == "NEW"
    assert org.mission == "The mission as the first manager wrote it."
    assert audit_count("organization_updated") == 2


def test_a_change_to_the_themes_alone_is_a_conflict_too(
    client, new_client, manager, make_user, login
):
    admin = make_user("admin")
    other = new_client()
    login(other, admin)
    manager_form = open_edit(client)
    admin_form = open_edit(other)
    admin_form["themes"] = ["crsv"]
    assert save(other, admin_form).status_code == 302
    assert stored().theme_slugs == ["crsv"]

    manager_form["acronym"] = "MINE"
    response = save(client, manager_form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and CONFLICT in html
    notice = html.split(CONFLICT, 1)[1].split("<form", 1)[0]
    assert "Themes" in notice
    assert stored().theme_slugs == ["crsv"] and stored().acronym == ""


def test_admin_edits_any_organisation(client, make_user, make_org, login):
    make_org("wilpf")
    login(client, make_user("admin"))
    fields = open_edit(client)
    fields["mission"] = "Set by the secretariat."
    assert save(client, fields).status_code == 302
    assert stored().mission == "Set by the secretariat."
    assert client.get("/orgs/wilpf/people").status_code == 200


def test_archived_org_cannot_be_managed_by_its_manager(client, manager, make_user):
    org = stored()
    org.archived_at = utcnow()
    db.session.commit()
    staff = make_user("staff", org="wilpf")
    assert client.get("/orgs/wilpf").status_code == 404
    assert client.get("/orgs/wilpf/edit").status_code == 404
    assert client.get("/orgs/wilpf/people").status_code == 404
    response = client.form(
        "/orgs/wilpf/people", {"email": "late@example.org", "name": "", "role": "staff"}
    )
    assert response.status_code == 404
    assert accounts.find_by_email("late@example.org") is None
    assert client.form(f"/orgs/wilpf/people/{staff.id}/remove").status_code == 404
    db.session.expire_all()
    assert db.session.get(User, staff.id).organization_id == org.id


def test_a_stale_form_whose_fields_were_not_changed_elsewhere_still_saves(
    client, new_client, manager, make_user, login
):
    """A logo upload in between changes no field of the form: no conflict to report."""
    first_form = open_edit(client)
    assert "The logo has been updated." in upload(client, png_bytes(), "logo.png").get_data(
        as_text=True
    )
    first_form["mission"] = "Saved after the logo changed."
    assert save(client, first_form).status_code == 302
    assert stored().mission == "Saved after the logo changed."


# --- who may manage ----------------------------------------------------------------------


def _outsiders(make_user, make_org):
    make_org("other")
    return {
        "staff": make_user("staff", org="wilpf"),
        "defender": make_user("defender", org="wilpf"),
        "policy_maker": make_user("policy_maker"),
        "manager of another organisation": make_user("manager", org="other"),
    }


def test_only_her_managers_may_manage_an_organisation(
    client, new_client, make_user, make_org, login
):
    org = make_org("wilpf", name="WILPF")
    org.mission = "Untouched mission."
    db.session.commit()
    member = make_user("staff", org="wilpf", name="Member Of Wilpf")
    outsiders = _outsiders(make_user, make_org)
    for label, user in outsiders.items():
        browser = new_client()
        login(browser, user)
        token = browser.csrf_token()
        assert browser.get("/orgs/wilpf/edit").status_code == 403, label
        assert browser.get("/orgs/wilpf/people").status_code == 403, label
        fields = {**form_of(stored()), "mission": "Hijacked", "csrf_token": token}
        assert browser.post("/orgs/wilpf/edit", data=fields).status_code == 403, label
        invite = {"email": "x@example.org", "role": "staff", "name": "", "csrf_token": token}
        assert browser.post("/orgs/wilpf/people", data=invite).status_code == 403, label
        response = browser.post(
            "/orgs/wilpf/logo",
            data={
                "csrf_token": token,
                "logo-csrf_token": token,
                "logo-logo": (io.BytesIO(png_bytes()), "logo.png"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 403, label
        assert (
            browser.post("/orgs/wilpf/logo/remove", data={"csrf_token": token}).status_code == 403
        ), label
        for action in ("remove", "make-manager"):
            response = browser.post(
                f"/orgs/wilpf/people/{member.id}/{action}", data={"csrf_token": token}
            )
            assert response.status_code == 403, (label, action)
        # The page offers them no management links either.
        assert "/orgs/wilpf/edit" not in browser.get("/orgs/wilpf").get_data(as_text=True)
    org = stored()
    assert org.mission == "Untouched mission." and org.logo is None
    member = db.session.get(User, member.id)
    assert member.organization_id == org.id and member.role == "staff"
    assert accounts.find_by_email("x@example.org") is None
    assert audit_count("organization_updated") == 0


def test_a_manager_sees_her_people_and_invites_staff(client, manager, mailbox):
    response = client.get("/orgs/wilpf/people")
    assert response.status_code == 200 and "Maria Manager" in response.get_data(as_text=True)
    response = client.form(
        "/orgs/wilpf/people",
        {"email": "new.staff@example.org", "name": "New Staff", "role": "staff"},
        page="/orgs/wilpf/people",
    )
    assert response.status_code == 302
    invited = accounts.find_by_email("new.staff@example.org")
    assert invited.organization.slug == "wilpf" and invited.role == "staff"
    assert len(mailbox.to("new.staff@example.org")) == 1
    # Only staff and defenders: not an administrator.
    response = client.form(
        "/orgs/wilpf/people",
        {"email": "boss@example.org", "name": "", "role": "admin"},
        page="/orgs/wilpf/people",
    )
    assert response.status_code == 200
    assert accounts.find_by_email("boss@example.org") is None


# --- members -----------------------------------------------------------------------------


def test_manager_removes_a_member_and_the_account_stays(client, manager, make_user):
    staff = make_user("staff", org="wilpf", name="Staff To Remove")
    co_manager = make_user("manager", org="wilpf", name="Manager To Remove")
    page = "/orgs/wilpf/people"
    assert "Staff To Remove" in client.get(page).get_data(as_text=True)
    response = client.form(f"/orgs/wilpf/people/{staff.id}/remove", page=page)
    assert response.status_code == 302
    response = client.form(f"/orgs/wilpf/people/{co_manager.id}/remove", page=page)
    assert response.status_code == 302
    db.session.expire_all()
    staff = db.session.get(User, staff.id)
    co_manager = db.session.get(User, co_manager.id)
    assert staff is not None and staff.organization_id is None and staff.role == "staff"
    assert staff.is_active
    assert co_manager is not None and co_manager.organization_id is None
    assert co_manager.role == "staff"
    assert audit_count("member_removed") == 2
    html = client.get(page).get_data(as_text=True)
    assert "Manager To Remove is no longer part of the organisation." in html
    html = client.get(page).get_data(as_text=True)
    assert "Staff To Remove" not in html and "Manager To Remove" not in html
    assert "Staff To Remove" not in client.get("/orgs/wilpf").get_data(as_text=True)


def test_manager_makes_a_staff_member_a_manager(client, manager, make_user):
    staff = make_user("staff", org="wilpf", name="Future Manager")
    response = client.form(f"/orgs/wilpf/people/{staff.id}/make-manager", page="/orgs/wilpf/people")
    assert response.status_code == 302
    db.session.expire_all()
    staff = db.session.get(User, staff.id)
    assert staff.role == "manager" and staff.organization.slug == "wilpf"
    assert audit_count("manager_assigned") == 1


def test_manager_cannot_remove_herself(client, manager):
    response = client.form(
        f"/orgs/wilpf/people/{manager.id}/remove", page="/orgs/wilpf/people", follow_redirects=True
    )
    assert "You cannot remove yourself" in response.get_data(as_text=True)
    db.session.expire_all()
    me = db.session.get(User, manager.id)
    assert me.role == "manager" and me.organization.slug == "wilpf"
    assert audit_count("member_removed") == 0


def test_people_of_another_org_are_404_through_her_own_orgs_urls(
    client, manager, make_user, make_org
):
    make_org("other")
    stranger = make_user("staff", org="other", name="Other Org Staff")
    loner = make_user("staff", name="No Org Staff")
    for person in (stranger, loner):
        for action in ("remove", "make-manager"):
            response = client.form(
                f"/orgs/wilpf/people/{person.id}/{action}", page="/orgs/wilpf/people"
            )
            assert response.status_code == 404, (person.name, action)
    assert client.form("/orgs/wilpf/people/999999/remove").status_code == 404
    db.session.expire_all()
    stranger = db.session.get(User, stranger.id)
    loner = db.session.get(User, loner.id)
    assert stranger.organization.slug == "other" and stranger.role == "staff"
    assert loner.organization_id is None and loner.role == "staff"


def test_member_actions_need_the_csrf_token(client, manager, make_user):
    staff = make_user("staff", org="wilpf")
    response = client.post(f"/orgs/wilpf/people/{staff.id}/remove", data={})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, staff.id).organization_id is not None


# --- logos -------------------------------------------------------------------------------


def served_logo(client, slug: str = "wilpf"):
    response = client.get(f"/orgs/{slug}/logo")
    assert response.status_code == 200
    assert response.mimetype in ("image/png", "image/jpeg", "image/webp")
    with Image.open(io.BytesIO(response.data)) as image:
        image.load()
        assert image.format in ("PNG", "JPEG", "WEBP")
    return response


def test_png_logo_is_stored_reencoded_and_served(client, manager):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "SECRET-TEXT-CHUNK")
    info.add_itxt("Author", "SECRET-ITXT-CHUNK")
    original = png_bytes(pnginfo=info)
    assert b"SECRET-TEXT-CHUNK" in original
    response = upload(client, original, "logo.png")
    assert "The logo has been updated." in response.get_data(as_text=True)
    served = served_logo(client)
    assert b"SECRET" not in served.data and b"tEXt" not in served.data
    assert served.data != original
    # The profile page shows it.
    assert '/orgs/wilpf/logo"' in client.get("/orgs/wilpf").get_data(as_text=True)
    assert audit_count("organization_logo_changed") == 1


def test_png_with_alpha_keeps_its_transparency(client, manager):
    upload(client, png_bytes(mode="RGBA"), "logo.png")
    served = served_logo(client)
    assert served.mimetype == "image/png"
    with Image.open(io.BytesIO(served.data)) as image:
        assert image.mode == "RGBA"


def test_jpeg_logo_loses_its_exif_and_comments(client, manager):
    exif = Image.Exif()
    exif[0x010E] = "SECRET-EXIF-DESCRIPTION"
    exif[0x010F] = "SECRET-CAMERA-MAKER"
    original = jpeg_bytes(exif=exif.tobytes())
    assert b"SECRET-EXIF-DESCRIPTION" in original
    response = upload(client, original, "photo.jpg")
    assert "The logo has been updated." in response.get_data(as_text=True)
    served = served_logo(client)
    assert served.mimetype == "image/jpeg"
    assert b"SECRET" not in served.data and b"Exif" not in served.data


def test_jpeg_logo_loses_its_comment_marker(client, manager):
    original = jpeg_bytes(comment=b"SECRET-JPEG-COMMENT")
    assert b"SECRET-JPEG-COMMENT" in original
    upload(client, original, "photo.jpg")
    served = served_logo(client)
    assert b"SECRET-JPEG-COMMENT" not in served.data


def test_webp_logo_is_accepted(client, manager):
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (1, 2, 3)).save(out, "WEBP")
    response = upload(client, out.getvalue(), "logo.webp")
    assert "The logo has been updated." in response.get_data(as_text=True)
    served_logo(client)


def test_big_logo_is_scaled_down(client, manager):
    upload(client, png_bytes(size=(1600, 800)), "wide.png")
    with Image.open(io.BytesIO(served_logo(client).data)) as image:
        assert max(image.size) <= 512


def test_png_with_a_script_appended_is_cleaned(client, manager):
    payload = png_bytes() + b"<script>alert(1)</script>"
    response = upload(client, payload, "logo.png")
    assert "The logo has been updated." in response.get_data(as_text=True)
    served = served_logo(client)
    assert b"<script>" not in served.data and b"alert(1)" not in served.data
    assert served.headers.get("X-Content-Type-Options") == "nosniff"


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (20, 20)).save(out, "GIF")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (SVG, "logo.png", NOT_AN_IMAGE),
        (SVG, "logo.svg", NOT_AN_IMAGE),
        (b"just some text, not an image\n" * 10, "logo.png", NOT_AN_IMAGE),
        (_gif(), "logo.gif", NOT_AN_IMAGE),
        (_gif(), "logo.png", NOT_AN_IMAGE),
        (png_bytes()[:60], "truncated.png", NOT_AN_IMAGE),
        (png_bytes() + b"\0" * (512 * 1024), "huge.png", TOO_BIG),
    ],
    ids=["svg-as-png", "svg", "text", "gif", "gif-as-png", "truncated-png", "over-512kb"],
)
def test_bad_logo_files_are_refused(client, manager, content, filename, message):
    response = upload(client, content, filename)
    html = response.get_data(as_text=True)
    assert message in html
    assert "The logo has been updated." not in html
    org = stored()
    assert org.logo is None and org.logo_mime is None
    assert client.get("/orgs/wilpf/logo").status_code == 404
    assert audit_count("organization_logo_changed") == 0


def test_a_refused_file_keeps_the_previous_logo(client, manager):
    upload(client, png_bytes(), "logo.png")
    before = served_logo(client).data
    upload(client, SVG, "logo.png")
    assert served_logo(client).data == before


def test_logo_exactly_at_the_limit_is_accepted(client, manager):
    base = png_bytes()
    # Pad after IEND: still a valid PNG, exactly 512 KB.
    data = base + b"\0" * (512 * 1024 - len(base))
    assert len(data) == 512 * 1024
    response = upload(client, data, "logo.png")
    assert "The logo has been updated." in response.get_data(as_text=True)


def test_an_image_of_too_many_pixels_is_refused(client, manager):
    data = png_bytes(size=(4097, 4097))
    assert len(data) < 512 * 1024
    response = upload(client, data, "huge.png")
    assert "The image is too large" in response.get_data(as_text=True)
    assert stored().logo is None


def test_manager_removes_the_logo(client, manager):
    upload(client, png_bytes(), "logo.png")
    response = client.form("/orgs/wilpf/logo/remove", page="/orgs/wilpf/edit")
    assert response.status_code == 302
    assert stored().logo is None
    assert client.get("/orgs/wilpf/logo").status_code == 404


def test_a_form_opened_on_one_organisation_is_refused_on_another(app, make_org, make_user):
    """The signed `opened` field names its record: one organisation's form, posted for
    another at the same version, saves nothing (a manager of both gains nothing new, but an
    edit never lands on a record it was not opened for)."""
    from ngowg_directory.services import orgs as org_service
    from ngowg_directory.validation import ValidationError

    first, second = make_org("first-org", "First"), make_org("second-org", "Second")
    admin = make_user("admin")
    assert first.version_id == second.version_id
    opened = org_service.sign_snapshot(first)
    with pytest.raises(ValidationError, match="damaged"):
        org_service.update(
            second, {**form_of(second), "member_since": None, "mission": "Moved"}, opened, admin
        )
    db.session.rollback()
    assert stored("second-org").mission in ("", None)
    org_service.update(
        first, {**form_of(first), "member_since": None, "mission": "Kept"}, opened, admin
    )
    db.session.commit()
    assert stored("first-org").mission == "Kept"

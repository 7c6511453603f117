"""A person's own profile: editing, privacy settings, hiding, consent, deletion, reminders,
and contact details encrypted at rest."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from ngowg_directory import crypto
from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, ContactRequest, Profile, RecoveryCode, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import accounts, profiles

from .conftest import PASSWORD, TEST_DATABASE_URL, is_postgres

CANARY_PHONE = "+249912345678"


def profile_form(client, **changes):
    """The edit form as the page offers it, with some fields changed."""
    html = client.get("/account/profile").get_data(as_text=True)
    opened = re.search(r'name="opened" type="hidden" value="([^"]+)"', html)
    assert opened, "the edit form carries the signed `opened` field"
    data = {
        "name": "Hawa Nyakuong",
        "title": "",
        "affiliation": "",
        "country": "SS",
        "bio": "",
        "email": "",
        "phone": "",
        "messaging": "",
        "city": "",
        "opened": opened.group(1),
    }
    data.update(changes)
    return data


def save(client, data):
    return client.form("/account/profile", data, page="/account/profile")


def test_editing_the_profile_saves_every_field(app, client, make_user, login):
    user = make_user("defender")
    login(client, user)
    data = profile_form(
        client,
        title="Community organiser",
        bio="Line one.\nLine two <b>not html</b>.",
        phone="0912 345 678",
        messaging="@hawa.signal",
        city="Juba",
        email="hawa@example.org",
    )
    data["situations"] = ["SS", "SD"]
    data["themes"] = ["humanitarian-gbv", "displacement"]
    data["languages"] = ["en", "ar"]
    response = save(client, data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/people/{user.id}"
    db.session.expire_all()
    profile = db.session.get(Profile, user.id)
    assert profile.title == "Community organiser"
    assert profile.phone == "+211912345678", "stored in E.164 with the country's code"
    assert profile.situation_codes == ["SD", "SS"]
    assert profile.theme_slugs == ["displacement", "humanitarian-gbv"]
    assert profile.language_codes == ["ar", "en"]
    page = client.get(f"/people/{user.id}").get_data(as_text=True)
    assert "&lt;b&gt;not html&lt;/b&gt;" in page and "<b>not html</b>" not in page
    assert "South Sudan" in page and "Arabic" in page
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "profile_updated"))


def test_languages_are_checkboxes_the_most_used_first_the_rest_in_a_disclosure(
    app, client, make_user, login
):
    user = make_user("defender", name="Hawa Nyakuong")
    user.profile.set_tags([], [], ["ar", "qu"])  # Arabic (common) and Quechua (other)
    db.session.commit()
    login(client, user)
    html = client.get("/account/profile").get_data(as_text=True)
    assert '<select multiple id="languages"' not in html and "Hold Ctrl" not in html
    start = html.index('<fieldset class="field choices" id="languages"')
    field = html[start : html.index("</fieldset>", start)]
    common, others = field.split('<details class="more"', 1)
    boxes = re.findall(r'<input type="checkbox" name="languages" id="[^"]+" value="(\w+)"', common)
    assert {"ar", "en", "fr", "es", "ru", "zh", "sw", "fa", "uk", "so"} <= set(boxes)
    assert len(boxes) < 25, "a short list first"
    more = re.findall(r'name="languages" id="[^"]+" value="(\w+)"', others)
    assert len(more) > 150 and not set(more) & set(boxes), "every other language, once"
    assert "<summary>Other languages</summary>" in others
    checked = re.findall(r'value="(\w+)" checked', field)
    assert sorted(checked) == ["ar", "qu"], "everything she had chosen stays chosen"
    assert others.startswith(" open>"), "opened, since one of them is chosen"

    # Saved as before: the same field name, the same codes.
    data = profile_form(client)
    data["languages"] = ["qu", "en", "ar"]
    assert save(client, data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Profile, user.id).language_codes == ["ar", "en", "qu"]

    # Only common ones chosen: the disclosure stays closed.
    data = profile_form(client)
    data["languages"] = ["en"]
    assert save(client, data).status_code == 302
    html = client.get("/account/profile").get_data(as_text=True)
    assert '<details class="more">' in html

    # A bad value: a message at the field, nothing changed.
    data = profile_form(client)
    data["languages"] = ["en", "klingon"]
    response = save(client, data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Unknown value: klingon" in page and 'id="languages-error"' in page
    db.session.expire_all()
    assert db.session.get(Profile, user.id).language_codes == ["en"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"phone": "12"}, "phone number"),
        ({"phone": "+999 1234"}, "phone number"),
        ({"city": "12 Freedom Street"}, "no street address"),
        ({"city": "15.5007, 32.5599"}, "no street address"),
        ({"bio": "x" * 1001}, "1000"),
        ({"country": "XX"}, "Unknown country"),
        ({"name": ""}, "This field is required"),
        # looks exactly like "Nasrin Ahmadi" (a combining grapheme joiner)
        ({"name": "Nasrin\u034f Ahmadi"}, "invisible control characters"),
        ({"email": "not-an-address"}, "not a valid e-mail"),
        ({"situations": ["ZZ"]}, "Unknown value"),
        ({"themes": ["astrology"]}, "Unknown value"),
        ({"languages": ["xx"]}, "Unknown value"),
    ],
)
def test_bad_profile_input_gets_a_message_and_changes_nothing(
    app, client, make_user, login, changes, message
):
    user = make_user("defender", name="Before Edit")
    login(client, user)
    before = profiles.snapshot(user)
    response = save(client, profile_form(client, **changes))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html.replace(",", ""), html[html.find("error-summary") :][:600]
    db.session.expire_all()
    assert profiles.snapshot(db.session.get(User, user.id)) == before


def test_a_second_save_over_a_newer_one_is_refused_and_shows_what_changed(
    app, new_client, make_user, login
):
    user = make_user("staff", name="Original Name")
    laptop, phone = new_client(), new_client()
    login(laptop, user)
    login(phone, user)
    first = profile_form(laptop, title="Title from the laptop")
    second = profile_form(phone, bio="Bio typed on the phone")
    assert save(laptop, first).status_code == 302
    response = save(phone, second)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Changed since you opened it" in html
    assert "Title from the laptop" in html, "shows what the other save changed"
    assert "Bio typed on the phone" in html, "the refused input is still in the form"
    db.session.expire_all()
    profile = db.session.get(Profile, user.id)
    assert profile.title == "Title from the laptop" and profile.bio == ""
    # Saving again from the refreshed form keeps both changes.
    retry = profile_form(phone, title="Title from the laptop", bio="Bio typed on the phone")
    assert save(phone, retry).status_code == 302
    db.session.expire_all()
    profile = db.session.get(Profile, user.id)
    assert (profile.title, profile.bio) == ("Title from the laptop", "Bio typed on the phone")


def test_a_tampered_opened_field_is_refused(app, client, make_user, login):
    user = make_user("staff")
    login(client, user)
    data = profile_form(client, title="Sneaky")
    data["opened"] = data["opened"][:-2] + "xx"
    response = save(client, data)
    assert response.status_code == 200 and "Reload the page" in response.get_data(as_text=True)


def test_privacy_page_sets_each_audience(app, client, make_user, login):
    user = make_user("defender")
    login(client, user)
    response = client.form(
        "/account/privacy",
        {
            "email": "members",
            "phone": "policy_makers",
            "messaging": "private",
            "city": "connections",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    profile = db.session.get(Profile, user.id)
    assert [profile.audience(n) for n in ("email", "phone", "messaging", "city")] == [
        "members",
        "policy_makers",
        "private",
        "connections",
    ]
    bad = client.form(
        "/account/privacy",
        {"email": "everyone", "phone": "members", "messaging": "members", "city": "members"},
    )
    assert bad.status_code == 200 and "Not a valid choice" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Profile, user.id).audience("phone") == "policy_makers"


def test_hide_and_show_in_one_click(app, client, new_client, make_user, login):
    user = make_user("staff", name="Hideable Person")
    viewer = make_user("policy_maker")
    other = new_client()
    login(other, viewer)
    login(client, user)
    assert other.get(f"/people/{user.id}").status_code == 200
    client.form("/account/hide", {}, page="/account/privacy")
    assert other.get(f"/people/{user.id}").status_code == 404
    assert "Your profile is hidden" in client.get("/account/privacy").get_data(as_text=True)
    client.form("/account/show", {}, page="/account/privacy")
    assert other.get(f"/people/{user.id}").status_code == 200
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "profile_hidden" in actions and "profile_shown" in actions


@pytest.mark.parametrize("role", ["defender", "staff", "policy_maker"])
def test_people_appear_only_after_consent_and_vanish_when_it_is_withdrawn(
    app, client, new_client, make_user, login, role
):
    defender = make_user(role, consent=False)
    viewer = make_user("policy_maker")
    other = new_client()
    login(other, viewer)
    login(client, defender)
    assert other.get(f"/people/{defender.id}").status_code == 404
    assert "You are not listed" in client.get("/account/privacy").get_data(as_text=True)
    client.form("/account/consent", {}, page="/account/consent")
    db.session.expire_all()
    assert db.session.get(Profile, defender.id).consent_at is not None
    assert other.get(f"/people/{defender.id}").status_code == 200
    client.form("/account/consent/withdraw", {}, page="/account/privacy")
    assert other.get(f"/people/{defender.id}").status_code == 404


def test_hide_without_csrf_or_with_get_changes_nothing(app, client, make_user, login):
    user = make_user("staff")
    login(client, user)
    assert client.get("/account/hide").status_code == 405
    assert client.post("/account/hide").status_code == 400
    db.session.expire_all()
    assert db.session.get(Profile, user.id).hidden is False


def test_deleting_the_account_removes_everything_personal(app, client, make_user, login):
    user = make_user("defender", name="Leaving Person")
    other = make_user("policy_maker")
    user.totp_secret, user.totp_enabled = "A" * 32, False
    db.session.add(
        ContactRequest(
            requester_id=other.id, recipient_id=user.id, message="x" * 30, status="accepted"
        )
    )
    db.session.commit()
    user_id, email = user.id, user.email
    login(client, user)
    refused = client.form("/account/delete", {"current": "wrong password!!", "confirm": "y"})
    assert refused.status_code == 200
    unconfirmed = client.form("/account/delete", {"current": PASSWORD})
    assert unconfirmed.status_code == 200
    assert db.session.get(User, user_id) is not None
    response = client.form("/account/delete", {"current": PASSWORD, "confirm": "y"})
    assert response.headers["Location"] == "/auth/login"
    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    assert db.session.get(Profile, user_id) is None
    assert db.session.scalar(sa.select(sa.func.count(ContactRequest.id))) == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user_id)
        )
        == 0
    )
    row = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account_deleted"))
    assert row.target_id == user_id
    assert email not in str(row.details) and "Leaving" not in str(row.details)
    assert client.get("/account/privacy").status_code == 302, "the session ended"


def test_reminders_go_to_stale_profiles_once_and_confirm_them(
    app, client, runner, make_user, login, mailbox
):
    stale = make_user("staff")
    fresh = make_user("staff")
    stale.profile.last_confirmed_at = utcnow() - timedelta(days=400)
    db.session.commit()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 reminders sent" in result.output
    assert [m["To"] for m in mailbox.messages] == [stale.email]
    assert mailbox.to(fresh.email) == []
    again = runner.invoke(args=["send-reminders"])
    assert "0 reminders sent" in again.output
    link = mailbox.links(stale.email)[0]
    path = "/" + link.split("/", 3)[3]
    assert client.get(path).status_code == 302, "the link asks to sign in first"
    login(client, stale)
    assert "still right" in client.get(path).get_data(as_text=True)
    client.form(path, {}, page=path)
    db.session.expire_all()
    confirmed = db.session.get(Profile, stale.id).last_confirmed_at
    assert utcnow() - confirmed < timedelta(minutes=1)
    assert client.get(path).status_code == 400, "the link works once"


def test_contact_details_are_encrypted_at_rest(app, make_user, tmp_path):
    user = make_user("defender")
    user.profile.phone = CANARY_PHONE
    user.profile.messaging = "canary-signal-handle"
    db.session.commit()
    raw = db.session.execute(
        sa.text("SELECT phone, messaging FROM profiles WHERE user_id = :id"), {"id": user.id}
    ).one()
    assert CANARY_PHONE not in raw.phone and raw.phone.startswith("gAAAA")
    if is_postgres():
        dump = subprocess.run(
            ["pg_dump", "--data-only", TEST_DATABASE_URL], capture_output=True, check=True
        ).stdout
        assert b"gAAAA" in dump
    else:
        db.session.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        path = db.engine.url.database
        dump = b"".join(
            open(name, "rb").read()  # noqa: SIM115
            for name in (path, path + "-wal")
            if __import__("os").path.exists(name)
        )
    assert CANARY_PHONE.encode() not in dump
    assert CANARY_PHONE[1:].encode() not in dump
    assert b"canary-signal-handle" not in dump


def test_rotating_the_key_reencrypts_with_the_new_one(app, runner, make_user):
    user = make_user("defender")
    user.profile.phone = CANARY_PHONE
    db.session.commit()
    old_key = app.config["FIELD_ENCRYPTION_KEY"]
    new_key = Fernet.generate_key().decode()
    app.config["FIELD_ENCRYPTION_KEY"] = f"{new_key},{old_key}"
    crypto.init_app(app)
    result = runner.invoke(args=["rotate-field-key"])
    assert result.exit_code == 0, result.output
    app.config["FIELD_ENCRYPTION_KEY"] = new_key
    crypto.init_app(app)
    raw = db.session.execute(
        sa.text("SELECT phone FROM profiles WHERE user_id = :id"), {"id": user.id}
    ).scalar()
    assert crypto.decrypt(raw) == CANARY_PHONE


def test_safety_resources_are_linked_from_every_page(app, client, make_user, login):
    for path in ("/auth/login", "/auth/reset"):
        assert 'href="/safety"' in client.get(path).get_data(as_text=True)
    login(client, make_user("defender"))
    for path in ("/", "/account/profile", "/account/privacy", "/does-not-exist"):
        assert 'href="/safety"' in client.get(path).get_data(as_text=True), path
    safety = client.get("/safety").get_data(as_text=True)
    for name in ("Front Line Defenders", "ProtectDefenders.eu", "Access Now"):
        assert name in safety


def test_invited_accounts_get_a_profile_with_defaults(app):
    user = accounts.create_user("new.defender@example.org", "defender")
    db.session.commit()
    assert user.profile.email == "new.defender@example.org"
    assert user.profile.audience("email") == "connections"
    assert user.profile.consent_at is None


@pytest.mark.parametrize("field", ["title", "affiliation", "messaging", "city"])
@pytest.mark.parametrize(
    "value", ["Signal: +4179\r\nPhone: +1 666", "Field\nCoordinator", "Goma\u202eamoG", "a\tb"]
)
def test_one_line_fields_refuse_line_breaks_tabs_and_direction_controls(
    app, client, make_user, login, field, value
):
    """Found by the red team: a title, a city or a messaging handle kept line breaks and
    the right-to-left override (names refused them). Each is refused at its field now, with a
    message, and nothing is saved."""
    if field == "city" and any(ch.isdigit() for ch in value):
        value = value.replace("+4179", "").replace("+1 666", "")
    user = make_user("defender")
    login(client, user)
    before = db.session.get(Profile, user.id).version_id
    response = save(client, profile_form(client, **{field: value}))
    assert response.status_code == 200
    assert "Write this on one line, without tabs or invisible control characters." in (
        response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.get(Profile, user.id).version_id == before


def test_a_bio_loses_the_bidirectional_overrides_that_would_show_another_number(
    app, client, make_user, login
):
    """ "Call +93 70 123 4567" on the page, "7654 321 07 39+" stored: an override makes a
    text read as another. Dropped, as from a recommendation; the marks Arabic needs kept."""
    user = make_user("defender")
    login(client, user)
    bio = "Call \u202e7654 321 07 39+\u202c now \u2067x\u2069 \u200fمرحبا\u200e"
    assert save(client, profile_form(client, bio=bio)).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Profile, user.id).bio
    assert stored == "Call 7654 321 07 39+ now x \u200fمرحبا\u200e"

# ruff: noqa: F811  (`pair`, the fixture of test_connections.py, is every test's argument)
"""A defender's own privacy path (issue 18): asking and answering, the contact card, her
privacy page, hiding at once, the waiting requests in the menu, and who has seen her details.

What each viewer may see is asked of testsupport/visibility.py, never of ngowg_directory's
privacy package; what a person sees is read from the pages.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
import vobject

from ngowg_directory.extensions import db
from ngowg_directory.models import CONTACT_FIELDS, AuditEvent, ContactRequest, Profile, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import profiles
from ngowg_directory.services.vcards import ascii_slug, attachment, messaging_uri
from testsupport import visibility

from .test_connections import (
    CANARIES,
    MESSAGE,
    RECIPIENT_NAME,
    REQUESTER_NAME,
    act,
    ask,
    backdate,
    flashes,
    only_request,
    pair,  # noqa: F401  (the fixture)
    save_settings,
    set_audiences,
    snapshot,
)
from .test_privacy_views import statements_of

LABELS = {"email": "E-mail", "phone": "Phone", "messaging": "Messaging", "city": "City"}
PRIVACY_LABELS = {
    "email": "Contact e-mail",
    "phone": "Phone",
    "messaging": "Messaging (for example Signal)",
    "city": "City",
}
FORM = re.compile(r'<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>', re.S)


# --- helpers -----------------------------------------------------------------------------


def text_of(html: str) -> str:
    """The page as a reader sees it: tags gone, entities read, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def section(html: str, element_id: str) -> str:
    """The inside of the element with this id (up to its closing tag of the same name)."""
    match = re.search(rf'<(\w+)[^>]*id="{element_id}"[^>]*>', html)
    assert match, f"no element #{element_id}"
    tag, start = match.group(1), match.end()
    depth, position = 1, start
    for found in re.finditer(rf"<(/?){tag}\b[^>]*>", html[start:]):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            position = start + found.start()
            break
    return html[start:position]


def forms(html: str, action: str) -> list[str]:
    """The bodies of the page's forms that post to `action`."""
    return [body for target, body in FORM.findall(html) if target == action]


def form_fields(html: str, action: str) -> dict[str, str]:
    """What the page's form posting to `action` sends as it stands (checked radios only)."""
    (body,) = forms(html, action)
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind.group(1) in ("radio", "checkbox") and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = unescape(value.group(1)) if value else ""
    return fields


def received_item(html: str) -> str:
    """The first request waiting for her answer on /connections."""
    found = re.search(r'<li class="request" id="(request-\d+)">', section(html, "received-list"))
    assert found, "no request waiting on the page"
    return section(html, found.group(1))


def disclosure_of(html: str) -> dict[str, set[str]]:
    """The fields /connections says accepting reveals, shows already, and keeps hidden."""
    lines = {"reveals": set(), "already": set(), "withheld": set()}
    for kind in lines:
        match = re.search(rf'<p class="{kind}">(.*?)</p>', html, re.S)
        if match:
            shown = text_of(match.group(1))
            lines[kind] = {field for field, label in LABELS.items() if label in shown}
    return lines


def menu_of(html: str) -> str:
    match = re.search(r'<nav aria-label="Main" class="main-nav">(.*?)</nav>', html, re.S)
    assert match, "no main menu"
    return match.group(1)


def waiting_in_menu(html: str) -> int:
    """The count the menu shows beside "Connections" (0: none shown)."""
    link = re.search(r'<a href="/connections"[^>]*>(.*?)</a>', menu_of(html), re.S)
    assert link, "no Connections item in the menu"
    count = re.search(r'<span class="count">(\d+)', link.group(1))
    return int(count.group(1)) if count else 0


# --- defect: a refused message is kept ---------------------------------------------------


@pytest.mark.parametrize(
    "message",
    ['Hi <b>"Z"</b> & co', "x" * 1001],  # 18 characters, and 1,001
    ids=["too-short", "too-long"],
)
def test_a_refused_message_comes_back_in_the_form(app, pair, message):
    """Refused as too short (or too long), her text is in the form again, escaped, with the
    reason at the field; nothing is stored or sent."""
    rq = pair["clients"]["requester"]
    before = snapshot()
    response = ask(
        rq, pair["ids"]["recipient"], message, page=f"/people/{pair['ids']['recipient']}"
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    (body,) = forms(html, f"/connections/request/{pair['ids']['recipient']}")
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", body, re.S)
    assert textarea, "no message field on the page"
    assert unescape(textarea.group(1)).strip() == message, "her text is lost"
    assert "<b>" not in textarea.group(1), "her text must come back as text"
    assert 'aria-invalid="true"' in body and 'class="error"' in body
    messages = flashes(html)
    assert [kind for kind, _text in messages] == ["error"], messages
    next_field = re.search(r'name="next" value="([^"]*)"', html)
    assert next_field and next_field.group(1) == f"/people/{pair['ids']['recipient']}"
    assert snapshot() == before
    # Sent again, corrected, it goes through.
    fixed = ask(rq, pair["ids"]["recipient"], MESSAGE)
    assert [kind for kind, _text in flashes(fixed.get_data(as_text=True))] == ["success"]
    assert only_request().message == MESSAGE


# --- defect: the request form speaks of nobody's gender -----------------------------------

GENDERED = re.compile(r"\b(she|her|hers|herself|he|him|his|himself)\b", re.I)


def test_the_request_form_and_its_answer_are_gender_neutral(app, pair, make_user):
    """On a man's profile as on a woman's: no "she" in the hint, nor in the "sent" notice."""
    rq = pair["clients"]["requester"]
    man = make_user("staff", name="Yusuf Abdelrahman")
    page = rq.get(f"/people/{man.id}").get_data(as_text=True)
    (body,) = forms(page, f"/connections/request/{man.id}")
    hint = text_of(re.search(r'<p class="hint" id="message-hint">(.*?)</p>', body, re.S).group(1))
    assert "Only the person you are writing to" in hint
    assert not GENDERED.search(hint), hint
    sent = ask(rq, man.id, MESSAGE).get_data(as_text=True)
    ((kind, notice),) = flashes(sent)
    assert kind == "success" and not GENDERED.search(notice), notice


# Feminine forms of the old Arabic hint ("only she", "her organisation", "she allowed").
ARABIC_FEMININE = ("سواها", "منظمتها", "سمحت")


@pytest.mark.parametrize("locale", ["fr", "es", "ar"])
def test_the_request_hint_is_translated_without_a_gender(app, pair, make_user, locale):
    """Passes once the catalogues hold the new message (the lead fills them)."""
    rq = pair["clients"]["requester"]
    rq.form("/language", {"locale": locale, "next": "/"})
    man = make_user("staff", name="Yusuf Abdelrahman")
    page = rq.get(f"/people/{man.id}").get_data(as_text=True)
    (body,) = forms(page, f"/connections/request/{man.id}")
    hint = text_of(re.search(r'<p class="hint" id="message-hint">(.*?)</p>', body, re.S).group(1))
    assert "Only the person" not in hint, f"not translated into {locale}: {hint}"
    if locale == "ar":
        assert not [word for word in ARABIC_FEMININE if word in hint], hint


# --- defect: the contact card ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Signal: +249 912 345 678", ("signal:+249912345678", "Signal")),
        ("signal +249912345678", ("signal:+249912345678", "Signal")),
        ("WhatsApp: +44 20 7183 8750", ("whatsapp:+442071838750", "WhatsApp")),
        ("Whats App (+249 912 345 678)", ("whatsapp:+249912345678", "WhatsApp")),
        ("https://wa.me/249912345678", ("whatsapp:+249912345678", "WhatsApp")),
        ("Telegram: @hawa_nyakuong", ("telegram:hawa_nyakuong", "Telegram")),
        ("t.me/hawa_nyakuong", ("telegram:hawa_nyakuong", "Telegram")),
        ("https://signal.me/#p/+249912345678", ("signal:+249912345678", "Signal")),
        ("Signal: hawa.42", ("signal:hawa.42", "Signal")),
        ("@hawa.signal", None),  # which app? not guessed
        ("+249 912 345 678", None),
        ("signal-zainab-7f3e", None),
        ("Signal: call me", None),
        ("WhatsApp: 12", None),
    ],
)
def test_messaging_handles_become_impp_uris_when_the_service_is_named(value, expected):
    assert messaging_uri(value) == expected


def test_a_local_number_is_read_with_her_country(app):
    assert messaging_uri("WhatsApp 0912 345 678", "SD") == ("whatsapp:+249912345678", "WhatsApp")


@pytest.mark.parametrize(
    ("name", "filename", "utf8"),
    [
        ("Zainab Quillfeather", "zainab-quillfeather.vcf", None),
        ("Zoë N'Diaye", "zoe-n-diaye.vcf", "Zoë N'Diaye.vcf"),
        ("فاطمة علي", "contact.vcf", "فاطمة علي.vcf"),
        ('Хадиджа / "Ali"', "ali.vcf", "Хадиджа Ali.vcf"),
    ],
)
def test_the_card_is_named_after_the_person(name, filename, utf8):
    header = attachment(name)
    assert header.startswith(f'attachment; filename="{filename}"'), header
    assert header.isascii() and "\n" not in header and "/" not in header.split("filename")[1]
    star = re.search(r"filename\*=UTF-8''(\S+)$", header)
    if utf8 is None:
        assert star is None, header
    else:
        assert star and unquote(star.group(1)) == utf8, header
    assert re.fullmatch(r"[a-z0-9-]*", ascii_slug(name))


def _card(client, request_id: int):
    response = client.get(f"/connections/{request_id}/vcard")
    assert response.status_code == 200
    return response, vobject.readOne(response.get_data(as_text=True))


def test_the_card_carries_the_organisation_the_mission_and_an_impp_uri(app, pair):
    """Named after the person, with her organisation or his mission as ORG, the messaging
    handle as an IMPP URI, and still only what the downloader may see."""
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    for side, value in (("requester", "Signal: +1 212 555 0147"), ("recipient", "nothing known")):
        person = db.session.get(User, pair["ids"][side])
        person.profile.messaging = value
    pm = db.session.get(User, pair["ids"]["requester"])
    pm.profile.affiliation = "Permanent Mission of Ghana"
    pm.profile.title = "Political Coordinator"
    db.session.commit()
    ask(rq, pair["ids"]["recipient"])
    act(rc, only_request().id, "accept")
    request_id = only_request().id

    response, card = _card(rc, request_id)  # the defender downloads the policy-maker's card
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="ottoline-brannigan.vcf"'
    )
    assert [org.value for org in card.contents["org"]] == [["Permanent Mission of Ghana"]]
    assert card.title.value == "Political Coordinator"
    impp = card.contents["impp"]
    assert [(i.value, i.params.get("X-SERVICE-TYPE")) for i in impp] == [
        ("signal:+12125550147", ["Signal"])
    ]
    assert "Signal: +1" not in response.get_data(as_text=True)

    response, card = _card(rq, request_id)  # and he hers
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="zainab-quillfeather.vcf"'
    )
    assert [org.value for org in card.contents["org"]] == [
        ["Women's International League for Peace and Freedom"]
    ]
    assert "impp" not in card.contents, "an unnamed service is not guessed"
    assert [n.value for n in card.contents["note"]] == ["Messaging: nothing known"]

    # Her messaging set to private: neither an IMPP nor a note.
    set_audiences(pair["recipient"], {"email": "connections"})
    text = rq.get(f"/connections/{request_id}/vcard").get_data(as_text=True)
    card = vobject.readOne(text)
    assert "impp" not in card.contents and "note" not in card.contents
    assert "nothing known" not in text and CANARIES["recipient"]["phone"] not in text


def test_a_card_of_a_name_in_arabic_has_an_ascii_name_and_a_utf8_one(app, pair):
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    recipient = db.session.get(User, pair["ids"]["recipient"])
    recipient.name = "زينب علي"
    db.session.commit()
    ask(rq, pair["ids"]["recipient"])
    act(rc, only_request().id, "accept")
    response, card = _card(rq, only_request().id)
    header = response.headers["Content-Disposition"]
    assert header.startswith("attachment; filename=\"contact.vcf\"; filename*=UTF-8''"), header
    assert unquote(header.split("''", 1)[1]) == "زينب علي.vcf"
    assert card.fn.value == "زينب علي"


# --- feature: deciding on a request --------------------------------------------------------


def test_she_sees_who_asks_and_what_each_answer_does(app, pair):
    """The sender's title, mission, role and verified badge; a sentence for each answer."""
    pm = db.session.get(User, pair["ids"]["requester"])
    pm.profile.title = "Political Coordinator"
    pm.profile.affiliation = "Permanent Mission of Ghana"
    pm.verified_at = utcnow()
    db.session.commit()
    ask(pair["clients"]["requester"], pair["ids"]["recipient"])
    html = pair["clients"]["recipient"].get("/connections").get_data(as_text=True)
    item = text_of(received_item(html))
    for expected in (
        REQUESTER_NAME,
        "Policy-maker",
        "Verified by the secretariat",
        "Political Coordinator",
        "Permanent Mission of Ghana",
        MESSAGE,
    ):
        assert expected in item, f"{expected!r} missing from the request"
    assert "You become connected" in item
    assert "They are not told: to them it looks unanswered until it expires" in item
    assert "every later request from them is dropped before it reaches you" in item

    # Not verified: said plainly, and no badge.
    pm.verified_at = None
    db.session.commit()
    item = text_of(
        received_item(pair["clients"]["recipient"].get("/connections").get_data(as_text=True))
    )
    assert (
        "Not verified by the secretariat" in item
        and "Verified by the secretariat" not in item.replace("Not verified by the secretariat", "")
    )


# Sender kinds of testsupport/visibility.py and how to make one.
SENDERS = {
    "policy_maker": {"role": "policy_maker"},
    "staff": {"role": "staff"},
    "defender": {"role": "defender"},
    "manager_same_org": {"role": "manager", "org": "wilpf"},
    "manager_other_org": {"role": "manager", "org": "amnesty"},
}
AUDIENCE_SETS = {
    "one of each": {
        "email": "members",
        "phone": "policy_makers",
        "messaging": "connections",
        "city": "private",
    },
    "all at connections": dict.fromkeys(CONTACT_FIELDS, "connections"),
    "all private": dict.fromkeys(CONTACT_FIELDS, "private"),
}


@pytest.mark.parametrize("kind", list(SENDERS))
def test_she_is_told_exactly_which_details_accepting_reveals_to_this_sender(
    app, pair, make_user, new_client, login, kind
):
    """Computed for this very sender: what he sees now, what accepting adds, what stays
    hidden, against the reference rules for every audience."""
    sender = make_user(SENDERS[kind]["role"], org=SENDERS[kind].get("org"), name="Asking Person")
    client = new_client()
    login(client, sender)
    ask(client, pair["ids"]["recipient"])
    rc = pair["clients"]["recipient"]
    for config, audiences in AUDIENCE_SETS.items():
        set_audiences(pair["recipient"], audiences)
        html = rc.get("/connections").get_data(as_text=True)
        told = disclosure_of(received_item(html))
        before = visibility.of_kind(kind, "none")
        after = visibility.of_kind(kind, visibility.CONNECTED)
        expected = {"reveals": set(), "already": set(), "withheld": set()}
        for field in CONTACT_FIELDS:
            audience = audiences[field]
            if visibility.sees(before, audience):
                expected["already"].add(field)
            elif visibility.sees(after, audience):
                expected["reveals"].add(field)
            else:
                expected["withheld"].add(field)
        assert told == expected, f"{kind}, {config}: told {told}, the rules say {expected}"
        if not expected["reveals"]:
            assert "accepting shows them nothing more" in text_of(received_item(html))
        # Never a value of hers on her own requests page.
        for value in CANARIES["recipient"].values():
            assert value not in html, f"her own {value} on /connections"


def test_a_manager_answering_for_her_is_not_told_her_audiences(
    app, pair, make_user, new_client, login
):
    manager = new_client()
    login(manager, make_user("manager", org="wilpf", name="Manager Of Wilpf"))
    save_settings(pair["clients"]["recipient"], notify=True, managers=True)
    ask(pair["clients"]["requester"], pair["ids"]["recipient"])
    html = manager.get("/connections").get_data(as_text=True)
    assert MESSAGE in html and 'class="disclosure"' not in html
    assert "What accepting shows this person" not in html
    # Her own page tells her.
    assert 'class="disclosure"' in pair["clients"]["recipient"].get("/connections").get_data(
        as_text=True
    )


# --- feature: her privacy page: previews, and values beside their audiences ------------------


def test_the_privacy_page_shows_her_as_each_audience_sees_her(app, pair):
    rc = pair["clients"]["recipient"]
    set_audiences(
        pair["recipient"],
        {"email": "members", "phone": "policy_makers", "messaging": "connections"},
    )
    html = rc.get("/account/privacy").get_data(as_text=True)
    shown = {
        key: {f for f, v in CANARIES["recipient"].items() if v in section(html, f"preview-{key}")}
        for key in ("members", "policy_makers", "connections")
    }
    assert shown == {
        "members": {"email"},
        "policy_makers": {"email", "phone"},
        "connections": {"email", "messaging"},
    }
    assert "Not shown to them:" in section(html, "preview-members")
    # Next to the settings: the form and the previews are one page.
    assert forms(html, "/account/privacy") and html.index("contact-title") < html.index("as-others")


def test_values_and_audiences_are_saved_from_one_form(app, pair, new_client, login, make_user):
    rc = pair["clients"]["recipient"]
    html = rc.get("/account/privacy").get_data(as_text=True)
    data = form_fields(html, "/account/privacy")
    assert data["phone_value"] == CANARIES["recipient"]["phone"] and data["opened"]
    data.update(
        phone_value="+249 912 345 678",
        phone="policy_makers",
        messaging_value="Signal: +249 912 345 678",
        messaging="members",
        city_value="Kadugli",
        city="connections",
    )
    response = rc.post("/account/privacy", data=data)
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[:500]
    db.session.expire_all()
    profile = db.session.get(Profile, pair["ids"]["recipient"])
    assert (profile.phone, profile.phone_audience) == ("+249912345678", "policy_makers")
    assert (profile.messaging, profile.messaging_audience) == (
        "Signal: +249 912 345 678",
        "members",
    )
    assert (profile.city, profile.city_audience) == ("Kadugli", "connections")
    # A policy-maker now sees the phone, and every member the messaging handle.
    viewer = new_client()
    login(viewer, make_user("policy_maker"))
    page = viewer.get(f"/people/{pair['ids']['recipient']}").get_data(as_text=True)
    assert "+249912345678" in page and "Signal: +249 912 345 678" in page and "Kadugli" not in page


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("phone_value", "12", "not a phone number"),
        ("city_value", "12 Freedom Street", "no street address"),
        ("email_value", "not-an-address", "not a valid e-mail"),
        ("messaging_value", "x" * 101, "Field cannot be longer than 100 characters"),
    ],
)
def test_a_bad_value_is_refused_at_its_field_and_changes_nothing(app, pair, field, value, says):
    rc = pair["clients"]["recipient"]
    data = form_fields(rc.get("/account/privacy").get_data(as_text=True), "/account/privacy")
    data.update({field: value, "email": "private"})
    before = profiles.snapshot(db.session.get(User, pair["ids"]["recipient"]))
    audience = db.session.get(Profile, pair["ids"]["recipient"]).email_audience
    response = rc.post("/account/privacy", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert says.lower() in text_of(html).lower().replace(",", "")
    field_html = re.search(
        rf'<div class="field field-error">(?:(?!</div>).)*name="{field}"', html, re.S
    )
    assert field_html, "the error is not at the field"
    assert value in unescape(html), "her input is kept"
    db.session.expire_all()
    user = db.session.get(User, pair["ids"]["recipient"])
    assert profiles.snapshot(user) == before and user.profile.email_audience == audience


def test_a_value_saved_elsewhere_meanwhile_is_not_overwritten(app, pair):
    """The page was opened, then the phone changed on the profile page: the save is refused
    and says what changed."""
    rc = pair["clients"]["recipient"]
    data = form_fields(rc.get("/account/privacy").get_data(as_text=True), "/account/privacy")
    user = db.session.get(User, pair["ids"]["recipient"])
    user.profile.phone = "+249912000111"
    db.session.commit()
    data.update(city_value="Kadugli")
    response = rc.post("/account/privacy", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Changed since you opened it" in html
    assert "+249912000111" in html and "Kadugli" in html
    db.session.expire_all()
    profile = db.session.get(Profile, pair["ids"]["recipient"])
    assert profile.phone == "+249912000111" and profile.city == CANARIES["recipient"]["city"]
    # Her text is kept and the other change shown: she takes it over and saves again.
    again = form_fields(html, "/account/privacy")
    assert again["city_value"] == "Kadugli"
    again["phone_value"] = "+249912000111"
    assert rc.post("/account/privacy", data=again).status_code == 302
    db.session.expire_all()
    profile = db.session.get(Profile, pair["ids"]["recipient"])
    assert (profile.phone, profile.city) == ("+249912000111", "Kadugli")


def test_the_audiences_alone_still_change_no_value(app, pair):
    rc = pair["clients"]["recipient"]
    before = profiles.snapshot(db.session.get(User, pair["ids"]["recipient"]))
    response = rc.form(
        "/account/privacy",
        {"email": "members", "phone": "private", "messaging": "private", "city": "private"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, pair["ids"]["recipient"])
    assert profiles.snapshot(user) == before and user.profile.email_audience == "members"


# --- feature: hide me now, from every page ------------------------------------------------------

PAGES = ("/directory", "/connections", "/account/privacy", "/account/security", "/safety")


def test_hide_me_now_is_one_tap_away_on_every_page(app, pair, new_client, login, make_user):
    rc = pair["clients"]["recipient"]
    person_id = pair["ids"]["recipient"]
    for path in (*PAGES, f"/people/{person_id}", f"/people/{pair['ids']['requester']}"):
        html = rc.get(path).get_data(as_text=True)
        (body,) = forms(menu_of(html), "/account/hide")
        assert 'name="csrf_token"' in body and "Hide me now" in body, path
    onlooker = new_client()
    login(onlooker, make_user("policy_maker"))
    assert onlooker.get(f"/people/{person_id}").status_code == 200
    # One tap, from any page: hidden at once, no question asked.
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', rc.get("/directory").get_data(as_text=True)
    )
    response = rc.post("/account/hide", data={"csrf_token": token.group(1)}, follow_redirects=True)
    assert response.status_code == 200
    assert any(
        "Your profile is hidden" in text for _kind, text in flashes(response.get_data(as_text=True))
    )
    assert onlooker.get(f"/people/{person_id}").status_code == 404
    # Hidden: the menu says so and leads to her privacy page, where she shows herself again.
    menu = menu_of(rc.get("/directory").get_data(as_text=True))
    assert not forms(menu, "/account/hide") and not forms(menu, "/account/show")
    assert '<a href="/account/privacy">You are hidden</a>' in menu
    assert forms(rc.get("/account/privacy").get_data(as_text=True), "/account/show")


def test_hiding_from_the_menu_needs_its_csrf_token(app, pair):
    rc = pair["clients"]["recipient"]
    assert rc.post("/account/hide", data={}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Profile, pair["ids"]["recipient"]).hidden is False


def test_someone_not_listed_is_offered_no_hiding(app, make_user, new_client, login):
    client = new_client()
    login(client, make_user("defender", consent=False, name="Not Yet Agreed"))
    menu = menu_of(client.get("/safety").get_data(as_text=True))
    assert not forms(menu, "/account/hide") and "You are hidden" not in menu


def test_the_privacy_page_explains_hiding_beside_withdrawing(app, pair):
    html = pair["clients"]["recipient"].get("/account/privacy").get_data(as_text=True)
    hide, withdraw = text_of(section(html, "hide")), text_of(section(html, "withdraw"))
    assert "Hide my profile now" in hide and "Your agreement and your settings stay" in hide
    assert "Withdraw my consent" in withdraw
    assert "you count as someone who has not agreed" in withdraw
    assert "agree again on the consent page" in withdraw


# --- feature: the requests waiting for her, in the menu -----------------------------------------


def test_the_menu_counts_the_requests_waiting_for_her_answer(
    app, pair, make_user, new_client, login
):
    rc = pair["clients"]["recipient"]
    assert waiting_in_menu(rc.get("/directory").get_data(as_text=True)) == 0
    askers = []
    for n in range(3):
        client = new_client()
        login(client, make_user("staff", name=f"Asker Number {n}"))
        ask(client, pair["ids"]["recipient"])
        askers.append(client)
    ask(pair["clients"]["requester"], pair["ids"]["recipient"])
    html = rc.get("/directory").get_data(as_text=True)
    assert waiting_in_menu(html) == 4
    assert "4 requests waiting for your answer" in text_of(menu_of(html))
    # The sender's menu counts nothing: his request waits for her, not for him.
    assert (
        waiting_in_menu(pair["clients"]["requester"].get("/directory").get_data(as_text=True)) == 0
    )
    requests = list(db.session.scalars(sa.select(ContactRequest).order_by(ContactRequest.id)))
    act(rc, requests[0].id, "accept")
    act(rc, requests[1].id, "decline")
    backdate(requests[2].id, app.config["CONNECTION_REQUEST_DAYS"] + 1)
    html = rc.get("/connections").get_data(as_text=True)
    assert waiting_in_menu(html) == 1
    assert "1 request waiting for your answer" in text_of(menu_of(html))
    assert len(re.findall(r'action="/connections/\d+/accept"', html)) == 1


def test_a_manager_counts_what_she_may_answer_for_others(app, pair, make_user, new_client, login):
    manager = new_client()
    login(manager, make_user("manager", org="wilpf", name="Manager Of Wilpf"))
    ask(pair["clients"]["requester"], pair["ids"]["recipient"])
    assert waiting_in_menu(manager.get("/directory").get_data(as_text=True)) == 0
    save_settings(pair["clients"]["recipient"], notify=True, managers=True)
    assert waiting_in_menu(manager.get("/directory").get_data(as_text=True)) == 1
    # Hidden, nobody answers for her: the count goes with it.
    pair["clients"]["recipient"].form("/account/hide", {}, page="/account/privacy")
    assert waiting_in_menu(manager.get("/directory").get_data(as_text=True)) == 0


def test_a_dropped_request_is_counted_for_nobody(app, pair):
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    ask(rq, pair["ids"]["recipient"])
    act(rc, only_request().id, "block")
    backdate(only_request().id, app.config["CONNECTION_REQUEST_DAYS"] + 1)
    ask(rq, pair["ids"]["recipient"], "Asking again after a month: may we talk about the briefing?")
    assert waiting_in_menu(rc.get("/directory").get_data(as_text=True)) == 0


def test_the_menu_costs_one_statement_whatever_is_waiting(app, pair, make_user, new_client, login):
    """One statement per page for the count and her state, the same for 0 and 6 requests;
    and none on a page without the menu."""
    rc = pair["clients"]["recipient"]
    rc.get("/account/security")  # warm

    def menu_statements() -> list[str]:
        seen = statements_of(lambda: rc.get("/account/security"))
        return [s for s in seen if "contact_requests" in s and "mine" in s]

    def total() -> int:
        return len(statements_of(lambda: rc.get("/account/security")))

    empty, empty_total = menu_statements(), total()
    for n in range(6):
        client = new_client()
        login(client, make_user("staff", name=f"Asker Number {n}"))
        ask(client, pair["ids"]["recipient"])
    assert len(empty) == 1 and menu_statements() == empty and total() == empty_total
    signed_out = new_client()
    assert not [
        s for s in statements_of(lambda: signed_out.get("/safety")) if "contact_requests" in s
    ]


def test_the_requests_page_does_not_grow_with_its_requests(app, pair, make_user, new_client, login):
    rc = pair["clients"]["recipient"]
    ask(pair["clients"]["requester"], pair["ids"]["recipient"])
    rc.get("/connections")
    one = len(statements_of(lambda: rc.get("/connections")))
    for n in range(5):
        client = new_client()
        login(client, make_user("policy_maker", name=f"Asker Number {n}"))
        ask(client, pair["ids"]["recipient"])
    six = len(statements_of(lambda: rc.get("/connections")))
    assert six == one, f"{one} statements for one request, {six} for six"


# --- feature: who has seen my details ------------------------------------------------------------


def _reveal(viewer: User, person: User, fields: list[str], channel: str, days_ago: int = 0):
    db.session.add(
        AuditEvent(
            action="contact_revealed",
            actor_id=viewer.id,
            target_type="user",
            target_id=person.id,
            created_at=utcnow() - timedelta(days=days_ago),
            details={"fields": fields, "channel": channel},
        )
    )
    db.session.commit()


def rows_of(html: str) -> list[str]:
    table = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    assert table, "no table of reveals"
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)]


def test_who_has_seen_my_details_is_grouped_by_viewer_and_day(app, pair, make_user):
    person = db.session.get(User, pair["ids"]["recipient"])
    pm = db.session.get(User, pair["ids"]["requester"])
    other = make_user("policy_maker", name="Hidden Looker")
    for fields, channel in ((["phone"], "profile"), (["email"], "profile"), (["phone"], "vcard")):
        _reveal(pm, person, fields, channel)
    _reveal(pm, person, ["email"], "api", days_ago=1)
    _reveal(other, person, ["city"], "profile")
    profiles.set_hidden(other, True)
    db.session.commit()
    html = pair["clients"]["recipient"].get("/account/reveals").get_data(as_text=True)
    rows = rows_of(html)
    assert len(rows) == 3, rows
    today_pm = next(r for r in rows if REQUESTER_NAME in r and "3 times" in r)
    assert "Contact e-mail" in today_pm and "Phone" in today_pm
    assert "on your profile page" in today_pm and "vCard" in today_pm
    yesterday = next(r for r in rows if REQUESTER_NAME in r and r is not today_pm)
    assert "through the API" in yesterday and "times" not in yesterday
    # A link to the viewer's profile where she may open it; a hidden one is only named.
    assert html.count(f'href="/people/{pm.id}"') == 2
    assert "Hidden Looker" in html and f'href="/people/{other.id}"' not in html
    assert RECIPIENT_NAME not in "".join(rows)

"""Contact requests and connections (issue 5): the flow through the pages, the privacy matrix
over every connection state for both sides, the notices, bad input and the daily limit.

What each side should see is written out here from the issue and CONTRACT.md, independently
of ngowg_directory.services.connections and ngowg_directory.privacy.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa
import vobject

from ngowg_directory.extensions import db
from ngowg_directory.models import CONTACT_FIELDS, AuditEvent, ContactRequest, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.models.connections import Block
from ngowg_directory.services import profiles
from testsupport import visibility

# Two people with distinctive names and one canary per contact field each, so a leak names
# whose detail it was.
REQUESTER_NAME = "Ottoline Brannigan"
RECIPIENT_NAME = "Zainab Quillfeather"
CANARIES = {
    "requester": {
        "email": "ottoline-canary-51c9@example.net",
        "phone": "+12125550147",
        "messaging": "signal-ottoline-51c9",
        "city": "Requesterville",
    },
    "recipient": {
        "email": "zainab-canary-7f3e@example.org",
        "phone": "+442071838750",
        "messaging": "signal-zainab-7f3e",
        "city": "Canarytown",
    },
}
ALL_CANARIES = [value for side in CANARIES.values() for value in side.values()]
MESSAGE = "We would like to invite you to brief the Security Council on Sudan in March."
CONNECTION_ACTIONS = (
    "contact_requested",
    "contact_accepted",
    "contact_declined",
    "contact_blocked",
    "connection_ended",
    "vcard_downloaded",
)
POST_ROUTES = (
    "/connections/request/{person}",
    "/connections/{request}/accept",
    "/connections/{request}/decline",
    "/connections/{request}/block",
    "/connections/{request}/end",
)
RESULT_NAME = re.compile(r'<h3><a href="/[^"]+">([^<]+)</a>')
FLASH = re.compile(r'<p class="flash flash-(\w+)"[^>]*>(.*?)</p>', re.S)
CSRF_INPUT = re.compile(r"<input[^>]*csrf_token[^>]*>")


# --- helpers -----------------------------------------------------------------------------


def flashes(html: str) -> list[tuple[str, str]]:
    """The flashed messages of a page, as (category, plain text)."""
    return [
        (category, " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split()))
        for category, text in FLASH.findall(html)
    ]


def normalised(html: str) -> str:
    """A page without its per-request CSRF tokens, for comparing two answers."""
    return CSRF_INPUT.sub("", html)


def result_names(html: str) -> list[str]:
    return [unescape(name) for name in RESULT_NAME.findall(html)]


def snapshot() -> tuple:
    """Everything a connection action may change: requests, blocks, audit rows."""
    db.session.expire_all()
    requests = sorted(
        (r.id, r.requester_id, r.recipient_id, r.status, r.message, r.answered_by_id)
        for r in db.session.scalars(sa.select(ContactRequest))
    )
    blocks = sorted(
        tuple(row) for row in db.session.execute(sa.select(Block.blocker_id, Block.blocked_id))
    )
    audits = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action.in_(CONNECTION_ACTIONS))
    )
    return requests, blocks, audits


def audit_rows(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def only_request() -> ContactRequest:
    db.session.expire_all()
    rows = list(db.session.scalars(sa.select(ContactRequest)))
    assert len(rows) == 1, rows
    return rows[0]


def ask(client, person_id: int, message: str | None = MESSAGE, page: str | None = None):
    """Post the profile page's request form; answers the page it redirects to."""
    data = {} if message is None else {"message": message}
    return client.form(f"/connections/request/{person_id}", data, page=page, follow_redirects=True)


def act(client, request_id: int, action: str):
    """Press a button of /connections (accept, decline, block, end)."""
    return client.form(
        f"/connections/{request_id}/{action}", {}, page="/connections", follow_redirects=True
    )


def backdate(request_id: int, days: float) -> None:
    """Move a request's creation back in time, as if it had been sent `days` ago."""
    db.session.execute(
        sa.update(ContactRequest)
        .where(ContactRequest.id == request_id)
        .values(created_at=utcnow() - timedelta(days=days))
    )
    db.session.commit()


def set_audiences(person: User, audiences: dict[str, str]) -> None:
    """The given fields get their audience; every other contact field is private."""
    db.session.expire_all()
    profile = db.session.get(User, person.id).profile
    for name in CONTACT_FIELDS:
        setattr(profile, f"{name}_audience", audiences.get(name, "private"))
    db.session.commit()


def settings_form(client) -> tuple[dict[str, str], dict[str, str]]:
    """The /account/privacy form that posts to /account/settings/connections: its hidden
    fields, and its checkboxes by the name they end with."""
    html = client.get("/account/privacy").get_data(as_text=True)
    match = re.search(
        r'<form[^>]*action="/account/settings/connections"[^>]*>(.*?)</form>', html, re.S
    )
    assert match, "no form posting to /account/settings/connections on /account/privacy"
    hidden, boxes = {}, {}
    for tag in re.findall(r"<input[^>]*>", match.group(1)):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        if 'type="hidden"' in tag:
            value = re.search(r'value="([^"]*)"', tag)
            hidden[name.group(1)] = unescape(value.group(1)) if value else ""
        elif 'type="checkbox"' in tag:
            for key in ("notify_email", "managers_may_answer"):
                if name.group(1).endswith(key):
                    boxes[key] = name.group(1)
    return hidden, boxes


def save_settings(client, *, notify: bool, managers: bool = False):
    """Tick or untick the two boxes of the contact request settings and save them."""
    hidden, boxes = settings_form(client)
    data = dict(hidden)
    assert "notify_email" in boxes, boxes
    if notify:
        data[boxes["notify_email"]] = "y"
    if managers:
        assert "managers_may_answer" in boxes, boxes
        data[boxes["managers_may_answer"]] = "y"
    response = client.post("/account/settings/connections", data=data)
    assert response.status_code == 302, response.status_code
    return response


# --- fixtures ----------------------------------------------------------------------------


def _fill(user: User, side: str) -> None:
    for field, value in CANARIES[side].items():
        setattr(user.profile, field, value)
    if user.role == "defender":
        user.profile.consent_at = utcnow()
    db.session.commit()


@pytest.fixture
def pair(app, make_user, make_org, new_client, login):
    """A policy-maker and a listed defender of WILPF, each signed in in her own browser.

    Both keep their role's default audiences (defender: email, phone, messaging at
    `connections`, city private; policy-maker: email and city `members`, phone and
    messaging `connections`)."""
    make_org("wilpf", "Women's International League for Peace and Freedom")
    requester = make_user("policy_maker", name=REQUESTER_NAME)
    recipient = make_user("defender", org="wilpf", name=RECIPIENT_NAME)
    _fill(requester, "requester")
    _fill(recipient, "recipient")
    clients = {"requester": new_client(), "recipient": new_client()}
    login(clients["requester"], requester)
    login(clients["recipient"], recipient)
    return {
        "requester": requester,
        "recipient": recipient,
        "ids": {"requester": requester.id, "recipient": recipient.id},
        "clients": clients,
    }


def shown_canaries(html: str, side: str) -> set[str]:
    return {field for field, value in CANARIES[side].items() if value in html}


def mails_are_bare(mailbox) -> list[str]:
    """Problems in any notice sent so far: names, message text or contact details."""
    problems = []
    forbidden = {
        "a contact canary": ALL_CANARIES,
        "a name": [
            REQUESTER_NAME,
            RECIPIENT_NAME,
            *REQUESTER_NAME.split(),
            *RECIPIENT_NAME.split(),
        ],
        "the message": [MESSAGE, MESSAGE[:30], "Security Council on Sudan"],
    }
    for message in mailbox.messages:
        text = str(message["Subject"]) + "\n" + mailbox.body(message)
        for what, values in forbidden.items():
            for value in values:
                if value.lower() in text.lower():
                    problems.append(f"{what} ({value!r}) in the notice {message['Subject']!r}")
    return problems


# --- the whole flow ----------------------------------------------------------------------


def test_the_whole_flow_through_the_pages(app, pair, mailbox):
    """A policy-maker asks a defender, who reads the message, accepts; both see each other's
    connections-audience details and get a vCard; she ends it and all is hidden again."""
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    rq_id, rc_id = pair["ids"]["requester"], pair["ids"]["recipient"]

    # Before: the defender's connections-audience details are hidden, the form is offered.
    page = rq.get(f"/people/{rc_id}").get_data(as_text=True)
    assert shown_canaries(page, "recipient") == set()
    assert f'action="/connections/request/{rc_id}"' in page and 'name="message"' in page
    page = rc.get(f"/people/{rq_id}").get_data(as_text=True)
    assert shown_canaries(page, "requester") == {"email", "city"}  # her `members` fields

    # The policy-maker asks, from the profile page's own form.
    page = ask(rq, rc_id, page=f"/people/{rc_id}").get_data(as_text=True)
    assert any(c == "success" and "Your request has been sent" in t for c, t in flashes(page))
    assert "A request between you is waiting for an answer." in page
    assert 'name="message"' not in page
    request = only_request()
    assert (request.requester_id, request.recipient_id, request.status) == (rq_id, rc_id, "pending")
    assert request.message == MESSAGE
    assert len(mailbox.to(pair["recipient"].email)) == 1

    # Her /connections shows the request, the message, and the requester as she may see her.
    page = rc.get("/connections").get_data(as_text=True)
    assert MESSAGE in page and REQUESTER_NAME in page
    assert f'href="/people/{rq_id}"' in page
    assert f'action="/connections/{request.id}/accept"' in page
    # His /connections lists the request as waiting, to her.
    page = rq.get("/connections").get_data(as_text=True)
    assert RECIPIENT_NAME in page and "Waiting for an answer" in page

    # She accepts.
    page = act(rc, request.id, "accept").get_data(as_text=True)
    assert any(c == "success" and "Accepted" in t for c, t in flashes(page))
    assert only_request().status == "accepted"
    assert len(mailbox.to(pair["requester"].email)) == 1

    # Both see each other's connections-audience details on the profile page.
    page = rq.get(f"/people/{rc_id}").get_data(as_text=True)
    assert shown_canaries(page, "recipient") == {"email", "phone", "messaging"}  # city private
    assert "You are connected." in page and f"/connections/{request.id}/vcard" in page
    page = rc.get(f"/people/{rq_id}").get_data(as_text=True)
    assert shown_canaries(page, "requester") == {"email", "phone", "messaging", "city"}
    for client, other in ((rq, RECIPIENT_NAME), (rc, REQUESTER_NAME)):
        page = client.get("/connections").get_data(as_text=True)
        assert other in page and f"/connections/{request.id}/vcard" in page

    # Each downloads the other's vCard 4.0 with what she may see, and nothing else.
    for client, side, other_name, expected in (
        (rq, "recipient", RECIPIENT_NAME, {"email", "phone", "messaging"}),
        (rc, "requester", REQUESTER_NAME, {"email", "phone", "messaging", "city"}),
    ):
        response = client.get(f"/connections/{request.id}/vcard")
        assert response.status_code == 200
        assert response.mimetype == "text/vcard"
        assert "attachment" in response.headers["Content-Disposition"]
        text = response.get_data(as_text=True)
        card = vobject.readOne(text)
        assert card.version.value == "4.0"
        assert card.fn.value == other_name
        assert shown_canaries(text, side) == expected
        own = "requester" if side == "recipient" else "recipient"
        assert shown_canaries(text, own) == set()
    assert card.email.value == CANARIES["requester"]["email"]
    assert card.tel.value == CANARIES["requester"]["phone"]

    # She ends the connection: hidden again at once, on both sides; no more vCard.
    page = act(rc, request.id, "end").get_data(as_text=True)
    assert any(c == "success" and "ended" in t for c, t in flashes(page))
    assert only_request().status == "ended"
    page = rq.get(f"/people/{rc_id}").get_data(as_text=True)
    assert shown_canaries(page, "recipient") == set()
    page = rc.get(f"/people/{rq_id}").get_data(as_text=True)
    assert shown_canaries(page, "requester") == {"email", "city"}
    assert rq.get(f"/connections/{request.id}/vcard").status_code == 404
    assert rc.get(f"/connections/{request.id}/vcard").status_code == 404
    page = rq.get("/connections").get_data(as_text=True)
    assert f"/connections/{request.id}/vcard" not in page

    # The audit trail: who did what, never the message.
    expected = {
        "contact_requested": [rq_id],
        "contact_accepted": [rc_id],
        "vcard_downloaded": [rq_id, rc_id],
        "connection_ended": [rc_id],
        "contact_declined": [],
        "contact_blocked": [],
    }
    for action, actors in expected.items():
        rows = audit_rows(action)
        assert [row.actor_id for row in rows] == actors, action
        for row in rows:
            assert MESSAGE[:20] not in str(row.details)
            assert not any(value in str(row.details) for value in ALL_CANARIES)
    assert audit_rows("contact_requested")[0].target_id == rc_id
    assert audit_rows("contact_accepted")[0].target_id == request.id
    assert [r.target_id for r in audit_rows("vcard_downloaded")] == [rc_id, rq_id]
    assert mails_are_bare(mailbox) == []


def test_the_requester_may_end_it_too_and_ask_again_afterwards(app, pair):
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    rc_id = pair["ids"]["recipient"]
    ask(rq, rc_id)
    request = only_request()
    act(rc, request.id, "accept")
    assert shown_canaries(rq.get(f"/people/{rc_id}").get_data(as_text=True), "recipient")
    page = act(rq, request.id, "end").get_data(as_text=True)
    assert any(c == "success" for c, _t in flashes(page))
    db.session.expire_all()
    assert db.session.get(ContactRequest, request.id).status == "ended"
    assert [r.actor_id for r in audit_rows("connection_ended")] == [pair["ids"]["requester"]]
    page = rq.get(f"/people/{rc_id}").get_data(as_text=True)
    assert shown_canaries(page, "recipient") == set()
    assert 'name="message"' in page  # a new request may be made
    ask(rq, rc_id, "After our briefing, may we stay in touch about the follow-up?")
    db.session.expire_all()
    statuses = [
        r.status for r in db.session.scalars(sa.select(ContactRequest).order_by(ContactRequest.id))
    ]
    assert statuses == ["ended", "pending"]


# --- the privacy matrix over every connection state ----------------------------------------

STATES = ("before", "pending", "declined", "expired", "accepted", "ended", "blocked")
# One field at `connections` (the others private, so they cannot mask a leak), all four at
# once, and two controls.
CONFIGS = {
    **{f"{field} at connections": {field: "connections"} for field in CONTACT_FIELDS},
    "all four at connections": dict.fromkeys(CONTACT_FIELDS, "connections"),
    "email at members (control)": {"email": "members"},
    "all private (control)": {},
}


def as_seen(viewer: str, state: str) -> visibility.Viewer:
    """One side of the pair as the rules see her, with their request in `state`."""
    role = {"requester": "policy_maker", "recipient": "defender"}[viewer]
    return visibility.Viewer(role, connected=state == visibility.CONNECTED)


def drive_to(state: str, pair, app) -> int | None:
    """Bring the pair to a state through the pages (expiry by moving the clock back)."""
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    if state == "before":
        return None
    page = ask(rq, pair["ids"]["recipient"]).get_data(as_text=True)
    assert any(c == "success" for c, _t in flashes(page)), flashes(page)
    request_id = only_request().id
    if state in ("declined", "blocked"):
        act(rc, request_id, {"declined": "decline", "blocked": "block"}[state])
    elif state == "expired":
        backdate(request_id, app.config["CONNECTION_REQUEST_DAYS"] + 1)
    elif state in ("accepted", "ended"):
        act(rc, request_id, "accept")
        if state == "ended":
            act(rq, request_id, "end")
    stored = {"expired": "pending"}.get(state, state)
    assert only_request().status == stored
    return request_id


@pytest.mark.parametrize("state", STATES)
def test_privacy_matrix_over_connection_states(app, pair, mailbox, state):
    """Profile page, search, /connections, vCard and e-mail, both ways, in every state."""
    request_id = drive_to(state, pair, app)
    sides = {"requester": "recipient", "recipient": "requester"}  # viewer -> person viewed
    names = {"requester": REQUESTER_NAME, "recipient": RECIPIENT_NAME}
    leaks, withheld, cases = [], [], 0
    for config_name, audiences in CONFIGS.items():
        for person in (pair["requester"], pair["recipient"]):
            set_audiences(person, audiences)
        for viewer, side in sides.items():
            client = pair["clients"][viewer]
            person_id = pair["ids"][side]
            case = f"{state}: {viewer} viewing {side}, {config_name}"
            should = {
                field: visibility.sees(as_seen(viewer, state), audiences.get(field, "private"))
                for field in CONTACT_FIELDS
            }
            pages = {}
            response = client.get(f"/people/{person_id}")
            assert response.status_code == 200, case
            pages["profile"] = response.get_data(as_text=True)
            response = client.get("/connections")
            assert response.status_code == 200, case
            pages["/connections"] = response.get_data(as_text=True)
            response = client.get("/directory", query_string={"q": names[side]})
            assert response.status_code == 200, case
            search = response.get_data(as_text=True)
            assert names[side] in result_names(search), f"search did not find {side}: {case}"
            # Search results never hold a contact detail, whatever the audience.
            for value in ALL_CANARIES:
                if value in search:
                    leaks.append(f"{value} in search results: {case}")
            if request_id is not None:
                response = client.get(f"/connections/{request_id}/vcard")
                if state == "accepted":
                    assert response.status_code == 200, case
                    pages["vcard"] = response.get_data(as_text=True)
                else:
                    assert response.status_code == 404, (
                        f"vCard answered {response.status_code}: {case}"
                    )
            for where, html in pages.items():
                for field, value in CANARIES[side].items():
                    if value in html and not should[field]:
                        leaks.append(f"{side}'s {field} leaked on {where}: {case}")
                    if should[field] and value not in html and where in ("profile", "vcard"):
                        withheld.append(f"{side}'s {field} withheld on {where}: {case}")
                for field, value in CANARIES[viewer].items():
                    if value in html:
                        leaks.append(f"{viewer}'s own {field} on {where}: {case}")
            cases += 1
        if config_name == "all four at connections":
            # No contact detail is a search-index match, for either side.
            for viewer, side in sides.items():
                client = pair["clients"][viewer]
                for field, value in CANARIES[side].items():
                    html = client.get("/directory", query_string={"q": value}).get_data(
                        as_text=True
                    )
                    if names[side] in result_names(html):
                        leaks.append(f"a search for {side}'s {field} finds her: {state}")
    assert not leaks, "\n".join(leaks)
    assert not withheld, "\n".join(withheld)
    assert cases == len(CONFIGS) * 2
    if state != "before":  # the notice was sent, so the check below is not empty
        assert len(mailbox.to(pair["recipient"].email)) == 1
    if state in ("accepted", "ended"):
        assert len(mailbox.to(pair["requester"].email)) == 1
    assert mails_are_bare(mailbox) == []


def test_declined_and_blocked_look_exactly_like_pending_to_the_requester(app, pair, mailbox):
    """Profile page, /connections, and the answer to asking again: the same in all three."""
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    rc_id = pair["ids"]["recipient"]
    ask(rq, rc_id)
    request_id = only_request().id
    mails_before = len(mailbox.to(pair["requester"].email))
    seen = {}
    for state, action in (("pending", None), ("declined", "decline"), ("blocked", "block")):
        if action:
            # An answer is final: the same request is put back to pending for the next one.
            db.session.execute(
                sa.update(ContactRequest)
                .where(ContactRequest.id == request_id)
                .values(status="pending", responded_at=None, answered_by_id=None)
            )
            db.session.commit()
            act(rc, request_id, action)
            assert only_request().status == state
        again = ask(rq, rc_id, "A second request about the same briefing in March, please.")
        seen[state] = {
            "profile": normalised(rq.get(f"/people/{rc_id}").get_data(as_text=True)),
            "/connections": normalised(rq.get("/connections").get_data(as_text=True)),
            "asking again": flashes(again.get_data(as_text=True)),
        }
        assert len(list(db.session.scalars(sa.select(ContactRequest)))) == 1
    assert "A request between you is waiting for an answer." in seen["pending"]["profile"]
    assert "Waiting for an answer" in seen["pending"]["/connections"]
    for state in ("declined", "blocked"):
        for what in ("profile", "/connections", "asking again"):
            assert seen[state][what] == seen["pending"][what], (
                f"the requester can tell {state} from pending on {what}: "
                f"{seen[state][what] if what == 'asking again' else ''} vs "
                f"{seen['pending'][what] if what == 'asking again' else ''}"
            )
    # Nor is she told by e-mail.
    assert len(mailbox.to(pair["requester"].email)) == mails_before


def test_requests_expire_after_the_configured_days(app, pair):
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    rc_id = pair["ids"]["recipient"]
    days = app.config["CONNECTION_REQUEST_DAYS"]
    assert days == 30
    ask(rq, rc_id)
    request_id = only_request().id
    # A day short of expiry it still waits.
    backdate(request_id, days - 1)
    assert MESSAGE in rc.get("/connections").get_data(as_text=True)
    assert "Waiting for an answer" in rq.get("/connections").get_data(as_text=True)
    # Then it expires: gone from her list, expired on his, and it can no longer be accepted.
    backdate(request_id, days + 1)
    assert MESSAGE not in rc.get("/connections").get_data(as_text=True)
    page = rq.get("/connections").get_data(as_text=True)
    assert "Expired without an answer" in page and "Waiting for an answer" not in page
    before = snapshot()
    page = act(rc, request_id, "accept").get_data(as_text=True)
    assert any(c == "error" for c, _t in flashes(page)), flashes(page)
    assert snapshot() == before
    assert shown_canaries(rq.get(f"/people/{rc_id}").get_data(as_text=True), "recipient") == set()
    # A declined request expires just the same, and a new one may then be sent.
    page = rq.get(f"/people/{rc_id}").get_data(as_text=True)
    assert 'name="message"' in page
    page = ask(rq, rc_id, "Asking again after a month: may we talk about the briefing?")
    assert any(c == "success" for c, _t in flashes(page.get_data(as_text=True)))


def test_a_block_survives_expiry_and_is_never_told(app, pair, mailbox):
    """After expiry a blocked sender may ask again and is told "sent", as anyone would be;
    the request goes nowhere (tests/test_request_states.py compares it with a decline)."""
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    rc_id = pair["ids"]["recipient"]
    ask(rq, rc_id)
    request_id = only_request().id
    act(rc, request_id, "block")
    assert [r.actor_id for r in audit_rows("contact_blocked")] == [pair["ids"]["recipient"]]
    backdate(request_id, app.config["CONNECTION_REQUEST_DAYS"] + 1)
    mails = len(mailbox.messages)
    page = ask(rq, rc_id, "Asking again after a month: may we talk about the briefing?")
    messages = flashes(page.get_data(as_text=True))
    assert len(messages) == 1 and messages[0][0] == "success", messages
    assert "Your request has been sent" in messages[0][1]
    assert "block" not in messages[0][1].lower()
    assert "A request between you is waiting for an answer." in page.get_data(as_text=True)
    # The block still holds: she is not asked, not told, and the sender sees nothing more.
    blocks = [tuple(b) for b in db.session.execute(sa.select(Block.blocker_id, Block.blocked_id))]
    assert blocks == [(rc_id, pair["ids"]["requester"])]
    assert len(mailbox.messages) == mails
    assert "Asking again after a month" not in rc.get("/connections").get_data(as_text=True)
    assert shown_canaries(rq.get(f"/people/{rc_id}").get_data(as_text=True), "recipient") == set()


# --- the managers of her organisation --------------------------------------------------------


def test_managers_answer_only_when_she_allows_it(app, pair, make_user, new_client, login, mailbox):
    rq = pair["clients"]["requester"]
    defender = pair["recipient"]
    rc_id = pair["ids"]["recipient"]
    same, other = new_client(), new_client()
    manager = make_user("manager", org="wilpf", name="Manager Of Wilpf")
    login(same, manager)
    login(other, make_user("manager", org="amnesty", name="Manager Of Amnesty"))
    ask(rq, rc_id)
    request_id = only_request().id

    def refused(client) -> None:
        before = snapshot()
        assert MESSAGE not in client.get("/connections").get_data(as_text=True)
        for action in ("accept", "decline", "block", "end"):
            response = client.form(f"/connections/{request_id}/{action}", {})
            assert response.status_code == 404, action
        assert snapshot() == before

    # The flag is off by default: no manager may read or answer.
    refused(same)
    refused(other)
    # She allows it on her privacy page.
    save_settings(pair["clients"]["recipient"], notify=True, managers=True)
    db.session.expire_all()
    assert db.session.get(User, rc_id).profile.managers_may_answer is True
    refused(other)  # another organisation's manager still may not
    page = same.get("/connections").get_data(as_text=True)
    assert MESSAGE in page and REQUESTER_NAME in page and RECIPIENT_NAME in page
    page = act(same, request_id, "accept").get_data(as_text=True)
    assert any(c == "success" for c, _t in flashes(page))
    request = only_request()
    assert (request.status, request.answered_by_id) == ("accepted", manager.id)
    row = audit_rows("contact_accepted")[-1]
    assert row.actor_id == manager.id and row.details.get("on_behalf") is True
    # The connection is hers, not the manager's.
    page = rq.get(f"/people/{rc_id}").get_data(as_text=True)
    assert shown_canaries(page, "recipient") == {"email", "phone", "messaging"}
    page = same.get(f"/people/{pair['ids']['requester']}").get_data(as_text=True)
    assert shown_canaries(page, "requester") == {"email", "city"}
    assert same.get(f"/connections/{request_id}/vcard").status_code == 404
    before = snapshot()
    assert same.form(f"/connections/{request_id}/end", {}).status_code == 404
    assert snapshot() == before
    assert defender.id == rc_id


def test_turning_the_delegation_off_takes_it_back(app, pair, make_user, new_client, login):
    rq = pair["clients"]["requester"]
    same = new_client()
    login(same, make_user("manager", org="wilpf"))
    save_settings(pair["clients"]["recipient"], notify=True, managers=True)
    ask(rq, pair["ids"]["recipient"])
    request_id = only_request().id
    assert MESSAGE in same.get("/connections").get_data(as_text=True)
    save_settings(pair["clients"]["recipient"], notify=True, managers=False)
    db.session.expire_all()
    assert db.session.get(User, pair["ids"]["recipient"]).profile.managers_may_answer is False
    before = snapshot()
    assert MESSAGE not in same.get("/connections").get_data(as_text=True)
    assert same.form(f"/connections/{request_id}/accept", {}).status_code == 404
    assert snapshot() == before


# --- notices ---------------------------------------------------------------------------------


def test_notices_through_smtp_say_only_that_something_waits(app, pair, mailbox):
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    requester, recipient = pair["requester"], pair["recipient"]
    ask(rq, recipient.id)
    request_id = only_request().id
    received = mailbox.to(recipient.email)
    assert len(received) == 1 and mailbox.to(requester.email) == []
    assert received[0]["Subject"] == "A contact request is waiting for you"
    assert mailbox.links(recipient.email) == ["http://directory.test/connections"]
    body = mailbox.body(received[0])
    assert requester.email not in body and "@" not in body.replace(recipient.email, "")

    act(rc, request_id, "accept")
    answered = mailbox.to(requester.email)
    assert len(answered) == 1
    assert answered[0]["Subject"] == "A contact request was answered"
    assert mailbox.links(requester.email) == ["http://directory.test/connections"]
    assert recipient.email not in mailbox.body(answered[0])
    assert len(mailbox.to(recipient.email)) == 1  # accepting sends her nothing

    # Ending, a vCard download: no notice at all.
    rq.get(f"/connections/{request_id}/vcard")
    act(rq, request_id, "end")
    assert len(mailbox.messages) == 2
    assert mails_are_bare(mailbox) == []


@pytest.mark.parametrize("decision", ["decline", "block"])
def test_declines_and_blocks_send_no_notice_and_are_audited(app, pair, mailbox, decision):
    ask(pair["clients"]["requester"], pair["ids"]["recipient"])
    request_id = only_request().id
    page = act(pair["clients"]["recipient"], request_id, decision).get_data(as_text=True)
    assert any(c == "success" for c, _t in flashes(page)), flashes(page)
    assert only_request().status == {"decline": "declined", "block": "blocked"}[decision]
    assert mailbox.to(pair["requester"].email) == []
    action = {"decline": "contact_declined", "block": "contact_blocked"}[decision]
    rows = audit_rows(action)
    assert [(r.actor_id, r.target_id) for r in rows] == [(pair["ids"]["recipient"], request_id)]
    blocks = list(db.session.execute(sa.select(Block.blocker_id, Block.blocked_id)))
    expected = [(pair["ids"]["recipient"], pair["ids"]["requester"])] if decision == "block" else []
    assert [tuple(b) for b in blocks] == expected


def test_turning_notices_off_sends_none(app, pair, mailbox):
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    save_settings(rc, notify=False)
    save_settings(rq, notify=False)
    db.session.expire_all()
    assert db.session.get(User, pair["ids"]["recipient"]).profile.notify_email is False
    assert db.session.get(User, pair["ids"]["requester"]).profile.notify_email is False
    ask(rq, pair["ids"]["recipient"])
    act(rc, only_request().id, "accept")
    assert only_request().status == "accepted"
    assert mailbox.messages == []
    # Turned on again, they come again.
    save_settings(rc, notify=True)
    act(rq, only_request().id, "end")
    ask(rq, pair["ids"]["recipient"], "Asking again after the session: may we keep in touch?")
    assert len(mailbox.to(pair["recipient"].email)) == 1


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "says"),
    [
        (None, "at least 20 characters"),
        ("", "at least 20 characters"),
        ("   \n\t  ", "at least 20 characters"),
        ("x" * 19, "at least 20 characters"),
        ("   " + "y" * 19 + "   ", "at least 20 characters"),
        ("z" * 1001, "at most 1000 characters"),
    ],
    ids=["missing", "empty", "blank", "19-chars", "19-padded", "1001-chars"],
)
def test_bad_messages_are_refused_and_change_nothing(app, pair, message, says):
    rq = pair["clients"]["requester"]
    before = snapshot()
    response = ask(rq, pair["ids"]["recipient"], message)
    assert response.status_code == 200
    messages = flashes(response.get_data(as_text=True))
    assert len(messages) == 1 and messages[0][0] == "error", messages
    assert says in messages[0][1].replace(",", ""), messages
    assert snapshot() == before


@pytest.mark.parametrize("length", [20, 1000])
def test_messages_of_20_and_1000_characters_are_taken(app, pair, length):
    text = ("Briefing request. " * 60)[:length]
    assert len(text.strip()) == length
    page = ask(pair["clients"]["requester"], pair["ids"]["recipient"], text)
    assert any(c == "success" for c, _t in flashes(page.get_data(as_text=True)))
    assert only_request().message == text


def test_html_is_stored_as_text_and_shown_escaped(app, pair):
    html_message = (
        '<script>alert("x")</script><b>Bold</b> <img src=x onerror=alert(1)> '
        "We ask about the briefing & the follow-up."
    )
    ask(pair["clients"]["requester"], pair["ids"]["recipient"], html_message)
    assert only_request().message == html_message
    page = pair["clients"]["recipient"].get("/connections").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>Bold</b>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;Bold&lt;/b&gt;" in page
    assert "briefing &amp; the follow-up" in page


def test_hidden_unconsented_and_unknown_people_answer_the_same_404(
    app, pair, make_user, new_client, login
):
    rq = pair["clients"]["requester"]
    hidden = make_user("staff", name="Hidden Staffer")
    profiles.set_hidden(hidden, True)
    unconsented = make_user("defender", name="Unconsented Defender", consent=False)
    db.session.commit()
    missing = max(hidden.id, unconsented.id) + 1000
    before = snapshot()
    answers = {}
    for label, person_id in (
        ("hidden", hidden.id),
        ("unconsented", unconsented.id),
        ("unknown", missing),
    ):
        response = ask(rq, person_id)
        assert response.status_code == 404, label
        answers[label] = normalised(response.get_data(as_text=True))
    assert answers["hidden"] == answers["unknown"] == answers["unconsented"]
    assert "Hidden Staffer" not in answers["hidden"]
    assert snapshot() == before


def test_asking_oneself_is_refused(app, pair):
    rq = pair["clients"]["requester"]
    before = snapshot()
    page = ask(rq, pair["ids"]["requester"]).get_data(as_text=True)
    messages = flashes(page)
    assert len(messages) == 1 and messages[0][0] == "error", messages
    assert "You cannot ask yourself for contact." in messages[0][1]
    assert snapshot() == before


def test_one_open_request_per_pair_in_either_direction(app, pair):
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    ask(rq, pair["ids"]["recipient"])
    before = snapshot()
    for client, person_id in ((rq, pair["ids"]["recipient"]), (rc, pair["ids"]["requester"])):
        page = ask(client, person_id, "Another request while the first is still open.")
        messages = flashes(page.get_data(as_text=True))
        assert len(messages) == 1 and messages[0][0] == "error", messages
        assert "already an open request" in messages[0][1]
    assert snapshot() == before
    # Connected: a further request is refused too.
    act(rc, only_request().id, "accept")
    before = snapshot()
    page = ask(rq, pair["ids"]["recipient"], "Another request while we are connected already.")
    messages = flashes(page.get_data(as_text=True))
    assert messages and messages[0][0] == "error" and "already connected" in messages[0][1]
    assert snapshot() == before


def test_nobody_else_may_answer_end_or_download(app, pair, make_user, new_client, login):
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    ask(rq, pair["ids"]["recipient"])
    request_id = only_request().id
    stranger = new_client()
    login(stranger, make_user("staff", org="wilpf", name="Staff Stranger"))
    before = snapshot()
    # Someone else's request: a stranger, and the requester answering her own.
    for client in (stranger, rq):
        for action in ("accept", "decline", "block"):
            assert client.form(f"/connections/{request_id}/{action}", {}).status_code == 404
    # Unknown request ids.
    for action in ("accept", "decline", "block", "end"):
        assert rc.form(f"/connections/{request_id + 999}/{action}", {}).status_code == 404
    assert rc.get(f"/connections/{request_id + 999}/vcard").status_code == 404
    # No vCard before acceptance, for anyone.
    for client in (stranger, rq, rc):
        assert client.get(f"/connections/{request_id}/vcard").status_code == 404
    # Ending a request that is not a connection changes nothing.
    page = act(rq, request_id, "end").get_data(as_text=True)
    assert [c for c, _t in flashes(page)] == ["error"]
    assert snapshot() == before
    act(rc, request_id, "accept")
    before = snapshot()
    assert stranger.form(f"/connections/{request_id}/end", {}).status_code == 404
    assert stranger.get(f"/connections/{request_id}/vcard").status_code == 404
    assert MESSAGE not in stranger.get("/connections").get_data(as_text=True)
    # An accepted request cannot be answered again.
    page = act(rc, request_id, "decline").get_data(as_text=True)
    assert [c for c, _t in flashes(page)] == ["error"]
    assert snapshot() == before


def test_every_post_route_refuses_get_and_missing_csrf(app, pair):
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    ask(rq, pair["ids"]["recipient"])
    request_id = only_request().id
    routes = [
        *(r.format(person=pair["ids"]["recipient"], request=request_id) for r in POST_ROUTES),
        "/account/settings/connections",
    ]
    before = snapshot()
    for client in (rq, rc):
        for route in routes:
            assert client.get(route).status_code == 405, route
            response = client.post(route, data={"message": MESSAGE + " Again."})
            assert response.status_code == 400, route
            assert "expired or was not sent from this site" in response.get_data(as_text=True)
    assert snapshot() == before
    db.session.expire_all()
    assert db.session.get(User, pair["ids"]["recipient"]).profile.notify_email is True


def test_signed_out_visitors_are_sent_to_sign_in(app, pair, new_client):
    anonymous = new_client()
    request_id = 1
    for route in ("/connections", f"/connections/{request_id}/vcard"):
        response = anonymous.get(route)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_hidden_person_leaves_the_other_sides_connection_lists(app, pair):
    """CONTRACT.md: a hidden profile appears in no listing (received requests already say
    'a member who is no longer listed'; sent requests and connections must not name her)."""
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    ask(rq, pair["ids"]["recipient"])
    act(rc, only_request().id, "accept")
    assert RECIPIENT_NAME in rq.get("/connections").get_data(as_text=True)
    rc.form("/account/hide", {}, page="/account/privacy")
    db.session.expire_all()
    assert db.session.get(User, pair["ids"]["recipient"]).profile.hidden is True
    page = rq.get("/connections").get_data(as_text=True)
    assert RECIPIENT_NAME not in page, "a hidden person is named on /connections"
    assert shown_canaries(page, "recipient") == set()
    assert rq.get(f"/connections/{only_request().id}/vcard").status_code == 404


# --- the daily limit -------------------------------------------------------------------------


class TestDailyLimit:
    @pytest.fixture
    def app_overrides(self):
        return {"CONNECTION_REQUESTS_PER_DAY": 2}

    def test_at_most_n_new_requests_a_day(self, app, pair, make_user):
        rq = pair["clients"]["requester"]
        people = [pair["recipient"]]
        for n in range(3):
            person = make_user("staff", name=f"Staffer Number {n}")
            people.append(person)
        for person in people[:2]:
            page = ask(rq, person.id).get_data(as_text=True)
            assert any(c == "success" for c, _t in flashes(page)), flashes(page)
        before = snapshot()
        page = ask(rq, people[2].id).get_data(as_text=True)
        messages = flashes(page)
        assert len(messages) == 1 and messages[0][0] == "error", messages
        assert "at most 2 requests a day" in messages[0][1]
        assert snapshot() == before
        # Requests older than a day no longer count.
        for request in db.session.scalars(sa.select(ContactRequest)):
            backdate(request.id, 1.1)
        page = ask(rq, people[2].id).get_data(as_text=True)
        assert any(c == "success" for c, _t in flashes(page)), flashes(page)
        # Someone else's limit is her own.
        page = ask(pair["clients"]["recipient"], people[3].id).get_data(as_text=True)
        assert any(c == "success" for c, _t in flashes(page)), flashes(page)


# --- the two settings, from the environment --------------------------------------------------


class TestSettingsFromTheEnvironment:
    """README: CONNECTION_REQUEST_DAYS and CONNECTION_REQUESTS_PER_DAY are environment
    variables. The app fixture builds its app after this fixture sets them."""

    @pytest.fixture
    def app_overrides(self, monkeypatch):
        monkeypatch.setenv("CONNECTION_REQUEST_DAYS", "7")
        monkeypatch.setenv("CONNECTION_REQUESTS_PER_DAY", "1")
        return {}

    def test_requests_expire_and_are_limited_as_the_environment_says(self, app, pair, make_user):
        rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
        ask(rq, pair["ids"]["recipient"])
        request_id = only_request().id
        backdate(request_id, 6)
        assert MESSAGE in rc.get("/connections").get_data(as_text=True)
        backdate(request_id, 7.1)
        assert MESSAGE not in rc.get("/connections").get_data(as_text=True)
        assert "Expired without an answer" in rq.get("/connections").get_data(as_text=True)
        # One a day: the next one, to someone else, waits until tomorrow.
        backdate(request_id, 0)
        other = make_user("staff", name="Another Staffer")
        page = ask(rq, other.id).get_data(as_text=True)
        messages = flashes(page)
        assert len(messages) == 1 and "at most 1 requests a day" in messages[0][1], messages


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("CONNECTION_REQUEST_DAYS", "thirty", "must be a whole number, not 'thirty'"),
        ("CONNECTION_REQUEST_DAYS", "2.5", "must be a whole number, not '2.5'"),
        ("CONNECTION_REQUEST_DAYS", "0", "must be a whole number from 1 to 3650, not 0"),
        ("CONNECTION_REQUEST_DAYS", "-3", "must be a whole number from 1 to 3650, not -3"),
        ("CONNECTION_REQUEST_DAYS", "99999999", "from 1 to 3650, not 99999999"),
        ("CONNECTION_REQUESTS_PER_DAY", "many", "must be a whole number, not 'many'"),
        ("CONNECTION_REQUESTS_PER_DAY", "0", "must be a whole number of at least 1, not 0"),
    ],
)
def test_bad_settings_are_refused_at_start(monkeypatch, tmp_path, name, value, says):
    from ngowg_directory import create_app
    from ngowg_directory.config import ConfigError

    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        create_app("testing", INSTANCE_PATH=str(tmp_path))
    assert str(refused.value).startswith(f"{name} ") and says in str(refused.value)

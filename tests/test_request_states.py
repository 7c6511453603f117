"""Contact request states as one state machine (issue 15), proven through the pages.

The table below is restated here from the issue, independently of
ngowg_directory/privacy/request_states.py; the tests check every cell of it through the
real pages, on SQLite and PostgreSQL.

Who may move a request from one state to another:

    from                        action   to         who may                     everyone else
    --------------------------  -------  ---------  --------------------------  -------------------
    (none)                      ask      pending    any signed-in member, to a  a clear refusal,
                                                    listed person not herself,  the same whether or
                                                    with no open request or     not she blocked
                                                    connection between them,    the sender
                                                    within the daily limit
    (none), she blocked the     ask      blocked    the same: the sender is     -
      sender before                      (dropped)  told "sent"; the request
                                                    is never shown to her and
                                                    no e-mail goes out
    pending                     accept   accepted   the recipient; a manager    404 (the sender
    pending                     decline  declined   of her organisation when    too, a manager
    pending                     block    blocked    she lets managers answer,   included)
                                                    unless that manager sent it
    pending, declined, blocked  (clock)  expired    CONNECTION_REQUEST_DAYS     -
                                                    after it was sent
    accepted                    end      ended      the sender or the recipient 404 (managers too)
    declined, blocked,          accept,  -          nobody: "This request can   404
      accepted, ended, expired  decline,            no longer be answered."
                                block               (the recipient, delegates)
    anything but accepted       end      -          nobody: "This is not an     404
                                                    active connection."

An answer is one atomic UPDATE ... WHERE status = 'pending' AND not expired: of several at
once, exactly one wins.

What each side may know of a request (privacy.request_state_for):

    stored                    sender    recipient  her delegated managers  anyone else
    ------------------------  --------  ---------  ----------------------  -----------
    pending                   pending   pending    pending                 nothing
    declined                  pending   declined   declined                nothing
    blocked (she answered)    pending   blocked    blocked                 nothing
    blocked (dropped at ask)  pending   nothing    nothing                 nothing
    accepted                  accepted  accepted   accepted                nothing
    ended                     ended     ended      ended                   nothing
    any of the first four,    expired   expired    expired                 nothing
      once expired
"""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, ContactRequest, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.models.connections import Block
from testsupport.race import race

from .test_connections import (
    MESSAGE,
    act,
    ask,
    audit_rows,
    backdate,
    flashes,
    normalised,
    only_request,
    pair,  # noqa: F401  (the fixture)
    save_settings,
    shown_canaries,
    snapshot,
)

SENT = (
    "Your request has been sent. If it is accepted, you will see the contact details "
    "this person shares with connections."
)
NO_LONGER = "This request can no longer be answered."
NOT_ACTIVE = "This is not an active connection."
WAITING_LINE = "A request between you is waiting for an answer."
AGAIN = "Asking again after a month: may we talk about the briefing in March?"
ANSWER_ACTIONS = ("contact_accepted", "contact_declined", "contact_blocked")


# --- helpers -----------------------------------------------------------------------------


def told(html: str) -> list[tuple[str, str]]:
    """The flashed messages, without the "Done:" or "Error:" label before each."""
    return [(kind, re.sub(r"^(Done|Error|Note):\s*", "", text)) for kind, text in flashes(html)]


def delegate_to_managers(client) -> None:
    """She ticks "let my organisation's managers answer for me" on her privacy page."""
    save_settings(client, notify=True, managers=True)


def request_panel(html: str) -> str:
    """The profile page's "Contact request" panel, as plain text without ids."""
    match = re.search(
        r'<section[^>]*aria-labelledby="contact-request"[^>]*>(.*?)</section>', html, re.S
    )
    assert match, "no contact request panel on the profile page"
    text = re.sub(r"\d+", "N", match.group(1))
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())


def sent_statuses(html: str) -> list[str]:
    """The status cells of the "Requests you sent" table, newest first."""
    match = re.search(r'<h2 id="sent">.*?</section>', html, re.S)
    assert match, "no list of sent requests"
    rows = re.findall(r"<tr><td>.*?</tr>", match.group(0), re.S)
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", " ", row.rsplit("<td>", 1)[1])).split())
        for row in rows
    ]


def answer_audits() -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action.in_(ANSWER_ACTIONS))
    )


@pytest.fixture
def delegate(pair, make_user, new_client, login):  # noqa: F811
    """A manager of her organisation (WILPF), signed in; she lets managers answer for her."""
    manager = make_user("manager", org="wilpf", name="Marguerite Delegate")
    client = new_client()
    login(client, manager)
    delegate_to_managers(pair["clients"]["recipient"])
    db.session.expire_all()
    assert db.session.get(User, pair["ids"]["recipient"]).profile.managers_may_answer is True
    return {"user": manager, "client": client}


# --- the defects ---------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["decline", "block"])
def test_a_delegated_manager_cannot_overturn_her_decline_or_block(
    app,
    pair,  # noqa: F811
    delegate,
    decision,
):
    """She declined (or blocked); her manager's "accept" changes nothing and reveals nothing."""
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    rc_id = pair["ids"]["recipient"]
    ask(rq, rc_id)
    request_id = only_request().id
    act(rc, request_id, decision)
    before = snapshot()
    for action in ("accept", "decline", "block"):
        page = act(delegate["client"], request_id, action).get_data(as_text=True)
        assert told(page) == [("error", NO_LONGER)], (action, told(page))
    assert snapshot() == before
    assert only_request().answered_by_id == rc_id
    # The requester still sees none of her connections-only details, nor a vCard.
    page = rq.get(f"/people/{rc_id}").get_data(as_text=True)
    assert shown_canaries(page, "recipient") == set()
    assert rq.get(f"/connections/{request_id}/vcard").status_code == 404
    # She cannot overturn it herself either: an answered request is answered once.
    page = act(rc, request_id, "accept").get_data(as_text=True)
    assert told(page) == [("error", NO_LONGER)]
    assert snapshot() == before


@pytest.mark.parametrize("away", ["/account/hide", "/account/consent/withdraw"])
def test_a_delegated_manager_neither_sees_nor_answers_for_her_while_she_is_away(
    app,
    pair,  # noqa: F811
    delegate,
    away,
):
    """Hidden, or her agreement withdrawn, nobody answers for her: her manager no longer sees
    what waits for her, and cannot make it a connection that would go live when she is back."""
    rq, rc, manager = pair["clients"]["requester"], pair["clients"]["recipient"], delegate["client"]
    rc_id = pair["ids"]["recipient"]
    ask(rq, rc_id)
    request_id = only_request().id
    assert f"/connections/{request_id}/accept" in manager.get("/connections").get_data(as_text=True)
    rc.form(away, {}, page="/account/privacy")
    html = manager.get("/connections").get_data(as_text=True)
    assert f"/connections/{request_id}/" not in html
    assert pair["recipient"].name not in html and MESSAGE not in html
    before = snapshot()
    for action in ("accept", "decline", "block"):
        answer = manager.post(f"/connections/{request_id}/{action}", data={})
        assert answer.status_code in (400, 404), (action, answer.status_code)
        page = act(manager, request_id, action)
        assert page.status_code == 404, (action, page.status_code)
    assert snapshot() == before
    assert only_request().status == "pending"
    # Back in the directory: the request is hers (and her manager's) to answer again, and
    # nothing became a connection meanwhile.
    if away == "/account/hide":
        rc.form("/account/show", {}, page="/account/privacy")
    else:
        rc.form("/account/consent", {}, page="/account/consent")
    assert shown_canaries(rq.get(f"/people/{rc_id}").get_data(as_text=True), "recipient") == set()
    assert f"/connections/{request_id}/accept" in manager.get("/connections").get_data(as_text=True)


@pytest.mark.parametrize("first", [None, "decline", "block"])
def test_a_delegated_manager_cannot_answer_a_request_she_sent(
    app,
    pair,  # noqa: F811
    delegate,
    first,
):
    """The manager asks the defender who lets managers answer: she may not answer it herself,
    whatever the defender did, and never reads the defender's connections-only details."""
    rc, manager = pair["clients"]["recipient"], delegate["client"]
    rc_id = pair["ids"]["recipient"]
    page = ask(manager, rc_id).get_data(as_text=True)
    assert told(page) == [("success", SENT)]
    request = only_request()
    assert request.requester_id == delegate["user"].id
    if first:
        act(rc, request.id, first)
    before = snapshot()
    for action in ("accept", "decline", "block"):
        response = manager.form(f"/connections/{request.id}/{action}", {}, page="/connections")
        assert response.status_code == 404, action
    assert snapshot() == before
    # It is not among the requests she may answer for the defender.
    page = manager.get("/connections").get_data(as_text=True)
    assert f"/connections/{request.id}/accept" not in page
    page = manager.get(f"/people/{rc_id}").get_data(as_text=True)
    assert shown_canaries(page, "recipient") & {"phone", "messaging", "email"} == set()
    assert manager.get(f"/connections/{request.id}/vcard").status_code == 404
    if first is None:
        # The defender herself still may, and then the manager is simply connected.
        page = act(rc, request.id, "accept").get_data(as_text=True)
        assert [c for c, _t in told(page)] == ["success"]
        page = manager.get(f"/people/{rc_id}").get_data(as_text=True)
        assert shown_canaries(page, "recipient") == {"email", "phone", "messaging"}


def test_a_delegated_manager_sees_each_request_she_may_answer_and_for_whom(
    app,
    pair,  # noqa: F811
    delegate,
    make_user,
    new_client,
    login,
):
    rq = pair["clients"]["requester"]
    manager = delegate["client"]
    second = make_user("defender", org="wilpf", name="Second Delegator")
    second.profile.consent_at = utcnow()
    keeps = make_user("defender", org="wilpf", name="Keeps Her Own")
    keeps.profile.consent_at = utcnow()
    db.session.commit()
    second_client = new_client()
    login(second_client, second)
    delegate_to_managers(second_client)
    ask(rq, pair["ids"]["recipient"])
    ask(rq, second.id, "A second request, for the second defender of the organisation.")
    ask(rq, keeps.id, "A third request, for a defender who answers for herself alone.")
    ask(manager, second.id, "The manager's own request to the second defender, pending.")
    ids = {
        (r.recipient_id, r.requester_id): r.id
        for r in db.session.scalars(sa.select(ContactRequest))
    }
    for_first = ids[(pair["ids"]["recipient"], pair["ids"]["requester"])]
    for_second = ids[(second.id, pair["ids"]["requester"])]
    own = ids[(second.id, delegate["user"].id)]
    for_keeps = ids[(keeps.id, pair["ids"]["requester"])]

    def groups() -> dict[str, str]:
        html = manager.get("/connections").get_data(as_text=True)
        found = {}
        for heading, body in re.findall(r'<h2 id="for-\d+">(.*?)</h2>(.*?)</section>', html, re.S):
            found[unescape(heading)] = body
        return found

    found = groups()
    assert set(found) == {
        f"Requests for {pair['recipient'].name}",
        "Requests for Second Delegator",
    }, found
    first_group = found[f"Requests for {pair['recipient'].name}"]
    second_group = found["Requests for Second Delegator"]
    assert f"/connections/{for_first}/accept" in first_group and MESSAGE in first_group
    assert pair["requester"].name in first_group
    assert f"/connections/{for_second}/accept" in second_group
    html = manager.get("/connections").get_data(as_text=True)
    for request_id in (own, for_keeps):
        assert f"/connections/{request_id}/accept" not in html
    # Answered (by her, or by the manager), a request leaves the manager's list.
    act(pair["clients"]["recipient"], for_first, "decline")
    act(manager, for_second, "accept")
    found = groups()
    assert found == {}, found
    html = manager.get("/connections").get_data(as_text=True)
    for request_id in (for_first, for_second, own, for_keeps):
        assert f"/connections/{request_id}/accept" not in html


@pytest.mark.parametrize("decision", ["decline", "block"])
def test_after_expiry_asking_again_is_sent_whether_declined_or_blocked(
    app,
    pair,  # noqa: F811
    mailbox,
    decision,
):
    """The sender sees the same answer and the same pages after a decline and after a block;
    a request to someone who blocked her goes nowhere (not shown to her, no e-mail)."""
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    rq_id, rc_id = pair["ids"]["requester"], pair["ids"]["recipient"]
    ask(rq, rc_id)
    first = only_request().id
    act(rc, first, decision)
    backdate(first, app.config["CONNECTION_REQUEST_DAYS"] + 1)
    her_before = {
        "connections": normalised(rc.get("/connections").get_data(as_text=True)),
        "profile": normalised(rc.get(f"/people/{rq_id}").get_data(as_text=True)),
    }
    mails = len(mailbox.to(pair["recipient"].email))

    page = ask(rq, rc_id, AGAIN, page=f"/people/{rc_id}").get_data(as_text=True)
    # What the sender sees: identical for a decline and a block.
    assert told(page) == [("success", SENT)]
    assert WAITING_LINE in request_panel(page)
    assert sent_statuses(rq.get("/connections").get_data(as_text=True)) == [
        "Waiting for an answer",
        "Expired without an answer",
    ]
    page = ask(rq, rc_id, AGAIN).get_data(as_text=True)
    assert told(page) == [("error", "There is already an open request between you.")]
    db.session.expire_all()
    rows = list(db.session.scalars(sa.select(ContactRequest).order_by(ContactRequest.id)))
    assert len(rows) == 2 and rows[1].requester_id == rq_id and rows[1].message == AGAIN

    her_after = {
        "connections": normalised(rc.get("/connections").get_data(as_text=True)),
        "profile": normalised(rc.get(f"/people/{rq_id}").get_data(as_text=True)),
    }
    if decision == "block":
        # It goes nowhere: she sees nothing new, gets no e-mail, cannot even answer it.
        assert her_after == her_before
        assert AGAIN not in her_after["connections"]
        assert len(mailbox.to(pair["recipient"].email)) == mails
        before = snapshot()
        for action in ("accept", "decline", "block"):
            response = rc.form(f"/connections/{rows[1].id}/{action}", {}, page="/connections")
            assert response.status_code == 404, action
        assert snapshot() == before
        # Until it expires, like any other.
        backdate(rows[1].id, app.config["CONNECTION_REQUEST_DAYS"] + 1)
        statuses = sent_statuses(rq.get("/connections").get_data(as_text=True))
        assert statuses == ["Expired without an answer"] * 2
    else:
        assert AGAIN in her_after["connections"]
        assert len(mailbox.to(pair["recipient"].email)) == mails + 1
    assert mailbox.to(pair["requester"].email) == []


class TestNoOracle:
    @pytest.fixture
    def app_overrides(self):
        return {"CONNECTION_REQUESTS_PER_DAY": 3}

    def test_the_sender_cannot_tell_pending_declined_and_blocked_apart_by_any_step(
        self, app, make_user, new_client, login, mailbox
    ):
        """Three senders take the same steps toward the same person after their first request
        expired: one was blocked, one declined, one never answered. Every answer, page and
        refusal each sees is the same, the daily limit included."""
        recipient = make_user("defender", name="Zainab Quillfeather")
        recipient.profile.consent_at = utcnow()
        others = [make_user("staff", name=f"Staffer Number {n}") for n in range(3)]
        db.session.commit()
        her = new_client()
        login(her, recipient)
        clients, senders = {}, {}
        for label, decision in (("blocked", "block"), ("declined", "decline"), ("waited", None)):
            senders[label] = make_user("policy_maker", name=f"Sender {label}")
            clients[label] = new_client()
            login(clients[label], senders[label])
            ask(clients[label], recipient.id)
            request_id = db.session.scalar(sa.select(sa.func.max(ContactRequest.id)))
            if decision:
                act(her, request_id, decision)
            backdate(request_id, app.config["CONNECTION_REQUEST_DAYS"] + 1)
        mails = len(mailbox.to(recipient.email))
        assert mails == 3

        def steps(label: str) -> list:
            client, seen = clients[label], []
            for person, message in (
                (recipient, "Too short."),
                (recipient, AGAIN),
                (recipient, AGAIN),
                (others[0], AGAIN),
                (others[1], AGAIN),
                (others[2], AGAIN),
            ):
                seen.append(told(ask(client, person.id, message).get_data(as_text=True)))
            seen.append(request_panel(client.get(f"/people/{recipient.id}").get_data(as_text=True)))
            seen.append(sent_statuses(client.get("/connections").get_data(as_text=True)))
            newest = db.session.scalar(
                sa.select(sa.func.max(ContactRequest.id)).where(
                    ContactRequest.requester_id == senders[label].id,
                    ContactRequest.recipient_id == recipient.id,
                )
            )
            for action in ("accept", "decline", "block", "end"):
                response = client.form(f"/connections/{newest}/{action}", {}, page="/connections")
                page = client.get("/connections").get_data(as_text=True)
                seen.append((action, response.status_code, told(page)))
            return seen

        seen = {label: steps(label) for label in clients}
        assert seen["blocked"] == seen["declined"] == seen["waited"]
        assert seen["waited"][1] == [("success", SENT)]
        assert seen["waited"][5] == [
            ("error", "You can send at most 3 requests a day. Please try again tomorrow.")
        ]
        # Only the blocked sender's request went nowhere: no e-mail, not on her list.
        assert len(mailbox.to(recipient.email)) == mails + 2
        html = her.get("/connections").get_data(as_text=True)
        assert html.count(AGAIN) == 2
        assert (
            "Sender blocked" not in html and "Sender declined" in html and "Sender waited" in html
        )


# --- every cell of the table, through the pages ---------------------------------------------

STATES = ("pending", "declined", "blocked", "accepted", "ended", "expired")
ACTIONS = ("accept", "decline", "block", "end")
TARGET = {"accept": "accepted", "decline": "declined", "block": "blocked", "end": "ended"}


def expected(state: str, action: str, side: str | None) -> str:
    """The table restated: "done", "refused" (a message, nothing changes) or 404."""
    if action == "end":
        if side not in ("sender", "recipient"):
            return "404"
        return "done" if state == "accepted" else "refused"
    if side not in ("recipient", "delegate"):
        return "404"
    return "done" if state == "pending" else "refused"


def put_in_state(request_id: int, state: str, days: int) -> None:
    """Store the request in a state (the set-up of one cell)."""
    db.session.execute(sa.delete(Block))
    db.session.execute(
        sa.update(ContactRequest)
        .where(ContactRequest.id == request_id)
        .values(
            status="pending" if state == "expired" else state,
            created_at=utcnow(),
            responded_at=None if state in ("pending", "expired") else utcnow(),
            answered_by_id=None,
            ended_at=utcnow() if state == "ended" else None,
        )
    )
    db.session.commit()
    if state == "expired":
        backdate(request_id, days + 1)


@pytest.mark.parametrize("state", STATES)
def test_every_transition_as_the_table_says(
    app,
    pair,  # noqa: F811
    delegate,
    make_user,
    new_client,
    login,
    state,
):
    days = app.config["CONNECTION_REQUEST_DAYS"]
    users = {
        "policy-maker": pair["requester"],
        "defender": pair["recipient"],
        "delegate": delegate["user"],
        "second manager": make_user("manager", org="wilpf", name="Second Manager"),
        "other manager": make_user("manager", org="amnesty", name="Other Manager"),
        "staff of her organisation": make_user("staff", org="wilpf", name="Staff Member"),
    }
    clients = {
        "policy-maker": pair["clients"]["requester"],
        "defender": pair["clients"]["recipient"],
    }
    clients["delegate"] = delegate["client"]
    for label in ("second manager", "other manager", "staff of her organisation"):
        clients[label] = new_client()
        login(clients[label], users[label])
    tokens = {label: client.csrf_token("/connections") for label, client in clients.items()}
    requests = {}
    for label in ("policy-maker", "delegate"):
        request = ContactRequest(
            requester=users[label], recipient=users["defender"], message=MESSAGE
        )
        db.session.add(request)
        db.session.commit()
        requests[label] = request.id
    sides = {
        "policy-maker": {
            "policy-maker": "sender",
            "defender": "recipient",
            "delegate": "delegate",
            "second manager": "delegate",
        },
        "delegate": {"delegate": "sender", "defender": "recipient", "second manager": "delegate"},
    }
    wrong = []
    for sender, request_id in requests.items():
        for action in ACTIONS:
            for actor, client in clients.items():
                put_in_state(request_id, state, days)
                before = snapshot()
                side = sides[sender].get(actor)
                want = expected(state, action, side)
                response = client.post(
                    f"/connections/{request_id}/{action}", data={"csrf_token": tokens[actor]}
                )
                case = f"{actor} ({side}) {action}s {sender}'s {state} request"
                if response.status_code == 404:
                    got = "404"
                elif response.status_code == 302:
                    messages = told(client.get("/connections").get_data(as_text=True))
                    kinds = [c for c, _t in messages]
                    got = {("success",): "done", ("error",): "refused"}.get(tuple(kinds), messages)
                    if got == "refused":
                        text = NOT_ACTIVE if action == "end" else NO_LONGER
                        if messages[0][1] != text:
                            wrong.append(f"{case}: said {messages[0][1]!r}")
                else:
                    got = response.status_code
                if got != want:
                    wrong.append(f"{case}: {got}, expected {want}")
                if want == "done":
                    db.session.expire_all()
                    stored = db.session.get(ContactRequest, request_id)
                    if stored.status != TARGET[action]:
                        wrong.append(f"{case}: stored {stored.status}")
                    if action != "end" and stored.answered_by_id != users[actor].id:
                        wrong.append(f"{case}: answered_by {stored.answered_by_id}")
                elif snapshot() != before:
                    wrong.append(f"{case}: changed something")
    assert not wrong, "\n".join(wrong)


# --- single use under concurrency -------------------------------------------------------------


def _press(client, token: str, url: str):
    """A button pressed in a browser: the POST, then the page it leads to (its flash)."""

    def call():
        response = client.post(url, data={"csrf_token": token})
        if response.status_code != 302:
            return ("status", response.status_code)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        return tuple(told(page))

    return call


@pytest.mark.parametrize("round_", range(3))
def test_answers_at_once_exactly_one_wins(
    app,
    pair,  # noqa: F811
    delegate,
    make_user,
    new_client,
    login,
    mailbox,
    round_,
):
    """She (in three browsers), her manager and a second manager accept, decline and block
    the same request at the same moment: exactly one answer is taken."""
    second = make_user("manager", org="wilpf", name="Second Manager")
    clients = [new_client() for _ in range(3)]
    for client in clients:
        login(client, pair["recipient"])
    clients.append(delegate["client"])
    clients.append(new_client())
    login(clients[-1], second)
    actors = [pair["ids"]["recipient"]] * 3 + [delegate["user"].id, second.id]
    tokens = [client.csrf_token("/connections") for client in clients]
    ask(pair["clients"]["requester"], pair["ids"]["recipient"])
    request_id = only_request().id
    decisions = [("accept", "decline", "block")[(i + round_) % 3] for i in range(len(clients))]
    calls = [
        _press(client, token, f"/connections/{request_id}/{decision}")
        for client, token, decision in zip(clients, tokens, decisions, strict=True)
    ]
    answers = race(calls)
    won = [i for i, a in enumerate(answers) if isinstance(a, tuple) and a and a[0][0] == "success"]
    lost = [i for i, a in enumerate(answers) if a == (("error", NO_LONGER),)]
    assert len(won) == 1 and len(lost) == len(clients) - 1, answers
    winner = won[0]
    request = only_request()
    assert request.status == TARGET[decisions[winner]]
    assert request.answered_by_id == actors[winner]
    assert answer_audits() == 1
    blocks = db.session.scalar(sa.select(sa.func.count()).select_from(Block))
    assert blocks == (1 if decisions[winner] == "block" else 0)
    accepted_mails = len(mailbox.to(pair["requester"].email))
    assert accepted_mails == (1 if decisions[winner] == "accept" else 0)


def test_both_sides_ending_at_once_end_it_once(
    app,
    pair,  # noqa: F811
    new_client,
    login,
):
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    ask(rq, pair["ids"]["recipient"])
    request_id = only_request().id
    act(rc, request_id, "accept")
    clients = [rq, rc, new_client(), new_client()]
    login(clients[2], pair["requester"])
    login(clients[3], pair["recipient"])
    tokens = [client.csrf_token("/connections") for client in clients]
    url = f"/connections/{request_id}/end"
    answers = race([_press(c, t, url) for c, t in zip(clients, tokens, strict=True)])
    won = [a for a in answers if isinstance(a, tuple) and a and a[0][0] == "success"]
    lost = [a for a in answers if a == (("error", NOT_ACTIVE),)]
    assert len(won) == 1 and len(lost) == 3, answers
    assert only_request().status == "ended"
    assert len(audit_rows("connection_ended")) == 1


def _ask_call(client, token: str, person_id: int, message: str = MESSAGE):
    def call():
        response = client.post(
            f"/connections/request/{person_id}", data={"csrf_token": token, "message": message}
        )
        return response.status_code

    return call


def test_asks_at_once_between_two_people_make_one_request(
    app,
    pair,  # noqa: F811
    new_client,
    login,
):
    """Both of them, in several browsers each, ask each other at the same moment: one open
    request between them, never two (a second would be a second pending answer)."""
    clients, targets = [], []
    for side, other in (("requester", "recipient"), ("recipient", "requester")):
        for _ in range(3):
            client = new_client()
            login(client, pair[side])
            clients.append(client)
            targets.append(pair["ids"][other])
    tokens = [client.csrf_token("/connections") for client in clients]
    answers = race([_ask_call(c, t, p) for c, t, p in zip(clients, tokens, targets, strict=True)])
    assert all(a == 302 for a in answers), answers
    only_request()


def test_asks_at_once_keep_the_daily_limit(app, make_user, new_client, login):
    """Six requests sent at the same moment by one person whose daily limit is two: two go."""
    app.config["CONNECTION_REQUESTS_PER_DAY"] = 2
    sender = make_user("policy_maker", name="Hasty Sender")
    people = [make_user("defender", name=f"Listed Defender {i}") for i in range(6)]
    for person in people:
        person.profile.consent_at = utcnow()
    db.session.commit()
    clients = [new_client() for _ in people]
    for client in clients:
        login(client, sender)
    tokens = [client.csrf_token("/connections") for client in clients]
    calls = [_ask_call(c, t, p.id) for c, t, p in zip(clients, tokens, people, strict=True)]
    answers = race(calls)
    assert all(a == 302 for a in answers), answers
    db.session.expire_all()
    sent = db.session.scalar(sa.select(sa.func.count()).select_from(ContactRequest))
    assert sent == 2


def waiting_in_menu(html: str) -> int:
    """The count of requests waiting for her answer that the menu shows (0: none shown)."""
    found = re.search(r'href="/connections"[^>]*>[^<]*<span class="count"[^>]*>(\d+)<', html)
    return int(found.group(1)) if found else 0


# How the sender leaves the directory and comes back: her own buttons, or the secretariat.
AWAY_AND_BACK = {
    "hide": (("/account/hide", "/account/privacy"), ("/account/show", "/account/privacy")),
    "withdraw": (
        ("/account/consent/withdraw", "/account/privacy"),
        ("/account/consent", "/account/consent"),
    ),
}


def sender_moves(client, user_id: int, away: str, *, back: bool) -> None:
    from ngowg_directory.services import accounts

    if away in AWAY_AND_BACK:
        path, page = AWAY_AND_BACK[away][back]
        client.form(path, {}, page=page)
        return
    user = db.session.get(User, user_id)
    (accounts.reactivate if back else accounts.suspend)(user, actor=None)
    db.session.commit()


@pytest.mark.parametrize("away", ["hide", "withdraw", "suspend"])
def test_a_request_whose_sender_is_away_is_held_until_she_is_back(
    app,
    pair,  # noqa: F811
    away,
):
    """Her request waits for an answer; she hides, withdraws her agreement or is suspended.
    The recipient would see "a member who is no longer listed" and give her details to someone
    she cannot see: the request is held instead, neither shown, counted nor answerable, and
    back as it was once the sender is listed again."""
    rq, rc = pair["clients"]["requester"], pair["clients"]["recipient"]
    ask(rq, pair["ids"]["recipient"])
    request_id = only_request().id
    page = rc.get("/connections").get_data(as_text=True)
    assert f"/connections/{request_id}/accept" in page and waiting_in_menu(page) == 1
    sender_moves(rq, pair["ids"]["requester"], away, back=False)
    page = rc.get("/connections").get_data(as_text=True)
    assert f"/connections/{request_id}/" not in page and MESSAGE not in page
    assert waiting_in_menu(page) == 0
    before = snapshot()
    for action in ("accept", "decline", "block"):
        assert told(act(rc, request_id, action).get_data(as_text=True)) == [("error", NO_LONGER)]
    assert snapshot() == before and only_request().status == "pending"
    # Back: the request waits for her answer again, and she may accept it.
    sender_moves(rq, pair["ids"]["requester"], away, back=True)
    page = rc.get("/connections").get_data(as_text=True)
    assert f"/connections/{request_id}/accept" in page and waiting_in_menu(page) == 1
    act(rc, request_id, "accept")
    assert only_request().status == "accepted"


def test_someone_hidden_or_not_listed_cannot_ask_for_contact(
    app,
    pair,  # noqa: F811
):
    """Asking needs the asker to be seen: hidden (or not listed), she is told why and how to
    come back, the profile offers no form, and nothing is stored or sent."""
    rq, rc_id = pair["clients"]["requester"], pair["ids"]["recipient"]
    rq.form("/account/hide", {}, page="/account/privacy")
    panel = request_panel(rq.get(f"/people/{rc_id}").get_data(as_text=True))
    assert "you cannot ask for contact" in panel and "Who sees what" in panel
    assert "<textarea" not in rq.get(f"/people/{rc_id}").get_data(as_text=True)
    before = snapshot()
    page = ask(rq, rc_id).get_data(as_text=True)
    ((kind, text),) = told(page)
    assert kind == "error" and text.startswith("Nobody can see your profile while it is hidden")
    assert (
        snapshot() == before and db.session.scalar(sa.select(sa.func.count(ContactRequest.id))) == 0
    )
    rq.form("/account/show", {}, page="/account/privacy")
    assert told(ask(rq, rc_id).get_data(as_text=True)) == [("success", SENT)]

"""Briefers (issue 19, part B) through the pages: availability, a Council member's request,
the secretariat's invitations, her answer, the risk assessment, the briefing held, the safety
check-ins and their reminders, reprisal reports, the figures and the annual report's CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import (
    AuditEvent,
    BriefingAvailability,
    BriefingInvitation,
    BriefingRequest,
    ReprisalReport,
    RiskAssessment,
    SafetyCheckin,
    User,
)
from ngowg_directory.services import briefing_records
from testsupport.worlds import RAISED_LIMITS

from .briefing_support import (
    TOPIC,
    asked_days_ago,
    assess,
    invitation_of,
    make_available,
    make_council_member,
    press,
    request_for,
    risk_fields,
    today,
    told,
)


@pytest.fixture
def app_overrides():
    return dict(RAISED_LIMITS)


@pytest.fixture
def cast(app, make_user, make_org, new_client, login):
    """The secretariat, two defenders (one available), a Council member's policy-maker, an
    unverified policy-maker, staff and a manager of the defenders' organisation."""
    make_org("wilpf")
    people = {
        "admin": make_user("admin", name="Secretariat Person"),
        "defender": make_user("defender", org="wilpf", name="Amira Available"),
        "other": make_user("defender", org="wilpf", name="Other Defender"),
        "pm": make_council_member(make_user("policy_maker", name="Council Member Delegate")),
        "unverified": make_user("policy_maker", name="Unverified Delegate"),
        "staff": make_user("staff", org="wilpf", name="Staff Person"),
        "manager": make_user("manager", org="wilpf", name="Manager Person"),
    }
    make_available(people["defender"])
    clients = {}
    for key, user in people.items():
        clients[key] = new_client()
        login(clients[key], user)
    return people, clients


def audited(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def page(client, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.get_data(as_text=True)


# --- availability ------------------------------------------------------------------------


def test_she_says_she_is_available_and_switches_it_off(cast):
    people, clients = cast
    me = clients["other"]
    assert "You are not available." in page(me, "/account/briefing")
    answer = me.form(
        "/account/briefing",
        {
            "active": "y",
            "situations": ["SD", "SS"],
            "themes": ["crsv"],
            "languages": ["ar"],
            "modes": ["remote", "in_person"],
            "named": "named",
        },
        page="/account/briefing",
    )
    assert answer.status_code == 302
    row = db.session.get(BriefingAvailability, people["other"].id)
    assert row.active and row.situation_codes == ["SD", "SS"] and row.named and row.in_person
    assert "You are available to brief." in page(me, "/account/briefing")
    assert me.form("/account/briefing", {"off": "1"}, page="/account/briefing").status_code == 302
    db.session.expire_all()
    row = db.session.get(BriefingAvailability, people["other"].id)
    assert not row.active and row.situation_codes == ["SD", "SS"], "switched off, kept"
    assert [e.details["active"] for e in audited("briefing_availability_changed")] == [True, False]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"languages": ["ar"], "modes": ["remote"]}, "Choose at least one situation or theme."),
        ({"situations": ["SD"], "modes": ["remote"]}, "Choose at least one language."),
        ({"situations": ["SD"], "languages": ["ar"]}, "Choose in person, remote, or both."),
        ({"situations": ["XX"], "languages": ["ar"], "modes": ["remote"]}, "Unknown value: XX"),
        ({"situations": ["SD"], "languages": ["zz"], "modes": ["remote"]}, "Unknown value: zz"),
    ],
)
def test_a_bad_availability_is_refused_with_a_message_and_changes_nothing(cast, fields, message):
    _people, clients = cast
    before = db.session.scalar(sa.select(sa.func.count()).select_from(BriefingAvailability))
    answer = clients["other"].form(
        "/account/briefing",
        {"active": "y", "named": "anonymous", **fields},
        page="/account/briefing",
    )
    assert answer.status_code == 200 and message in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BriefingAvailability)) == before


@pytest.mark.parametrize("role", ["pm", "unverified", "staff", "manager", "admin"])
def test_only_defenders_have_an_availability_page(cast, role):
    _people, clients = cast
    assert clients[role].get("/account/briefing").status_code == 403


def test_availability_is_shown_to_the_secretariat_and_verified_policy_makers_only(cast):
    people, clients = cast
    person = people["defender"]
    shown = "Available to brief the Security Council"
    for key in ("admin", "pm"):
        assert shown in page(clients[key], f"/people/{person.id}"), key
    for key in ("other", "unverified", "staff", "manager"):
        assert shown not in page(clients[key], f"/people/{person.id}"), key
    # Hidden: offered to nobody, shown to nobody (the secretariat opens her profile still).
    person.profile.hidden = True
    db.session.commit()
    assert shown not in page(clients["admin"], f"/people/{person.id}")


# --- a request, invitations, answers ----------------------------------------------------------


def ask_through_the_page(client, **changes) -> int:
    fields = {
        "meeting": "",
        "meeting_date": (today() + timedelta(days=12)).isoformat(),
        "item": "SD",
        "theme": "crsv",
        "topic": TOPIC,
        "language": "ar",
        "mode": "either",
        "deadline": (today() + timedelta(days=8)).isoformat(),
        **changes,
    }
    answer = client.form("/briefings/new", fields, page="/briefings/new")
    assert answer.status_code == 302, answer.get_data(as_text=True)[-3000:]
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def test_a_council_member_asks_and_the_secretariat_invites_whoever_matches(cast, mailbox):
    people, clients = cast
    request_id = ask_through_the_page(clients["pm"])
    assert "The secretariat is looking for a briefer" in page(clients["pm"], "/briefings")
    assert audited("briefing_requested")
    secretariat = page(clients["admin"], f"/briefings/{request_id}")
    assert "Amira Available" in secretariat and "Other Defender" not in secretariat
    status, said = press(
        clients["admin"], f"/briefings/{request_id}/invite", {"people": [people["defender"].id]}
    )
    assert status == 302 and said[0][0] == "success", said
    invitation = invitation_of(request_id, people["defender"].id)
    assert invitation.status == "invited"
    (notice,) = mailbox.to(people["defender"].email)
    text = str(notice["Subject"]) + mailbox.body(notice)
    for word in ("brief", "Council", "Sudan", "Darfur", "Council Member", "Secretariat Person"):
        assert word not in text, f"the invitation's e-mail says {word!r}"
    assert "http://directory.test/\r\n" in mailbox.body(notice).replace("\n", "\r\n").replace(
        "\r\r", "\r"
    )
    # Signed in, her menu counts it.
    assert "invitation waiting for your answer" in page(clients["defender"], "/directory")
    # She sees it; nobody else but the secretariat does.
    mine = page(clients["defender"], "/briefings")
    assert f"/briefings/invitations/{invitation.id}" in mine
    for key in ("other", "pm", "unverified"):
        answer = clients[key].get(f"/briefings/invitations/{invitation.id}")
        assert answer.status_code == 404, key
    for key in ("staff", "manager"):
        assert clients[key].get("/briefings").status_code == 403
    # The request itself: its asker and the secretariat only.
    for key in ("defender", "other", "unverified", "staff", "manager"):
        assert clients[key].get(f"/briefings/{request_id}").status_code == 404, key


def test_a_decline_reads_as_no_answer_yet_to_whoever_asked(cast, mailbox):
    people, clients = cast
    request = request_for(people["pm"])
    press(clients["admin"], f"/briefings/{request.id}/invite", {"people": [people["defender"].id]})
    invitation = invitation_of(request.id, people["defender"].id)
    before = page(clients["pm"], f"/briefings/{request.id}")
    status, said = press(clients["defender"], f"/briefings/invitations/{invitation.id}/decline")
    assert status == 302 and "Nobody but the secretariat" in said[0][1]
    after = page(clients["pm"], f"/briefings/{request.id}")

    def strip(html: str) -> str:  # the page's content, without its CSRF tokens (timed)
        content = html.split("<main", 1)[1].split("</main>", 1)[0]
        return re.sub(r'<input[^>]*name="csrf_token"[^>]*>', "", content)

    assert strip(before) == strip(after), "the policy-maker's page changed with a decline"
    assert "Declined" in page(clients["admin"], f"/briefings/{request.id}")
    (answered,) = mailbox.to(people["admin"].email)
    body = mailbox.body(answered)
    assert "Amira" not in body and "declin" not in body.lower() and "Sudan" not in body


@pytest.mark.parametrize("named", [True, False])
def test_she_accepts_and_whoever_asked_learns_her_name_only_if_she_chose_to_be_named(
    cast, mailbox, named
):
    people, clients = cast
    make_available(people["defender"], named=named)
    request = request_for(people["pm"])
    press(clients["admin"], f"/briefings/{request.id}/invite", {"people": [people["defender"].id]})
    invitation = invitation_of(request.id, people["defender"].id)
    status, said = press(clients["defender"], f"/briefings/invitations/{invitation.id}/accept")
    assert status == 302 and said[0][0] == "success", said
    html = page(clients["pm"], f"/briefings/{request.id}")
    assert "A briefer has accepted" in html
    assert ("Amira Available" in html) is named
    assert ("asked not to be named" in html) is not named
    # She hides: her name goes from the page at once.
    people["defender"].profile.hidden = True
    db.session.commit()
    assert "Amira Available" not in page(clients["pm"], f"/briefings/{request.id}")
    assert len(mailbox.to(people["admin"].email)) == 1


def test_she_takes_her_name_off_one_briefing_or_all_of_them(cast):
    """Named when she accepted; then off this briefing (she only), back on it, and off every
    one at once when she says anonymous on /account/briefing: whoever asked and the annual
    report's CSV lose her name each time."""
    people, clients = cast
    make_available(people["defender"], named=True)
    request = request_for(people["pm"])
    press(clients["admin"], f"/briefings/{request.id}/invite", {"people": [people["defender"].id]})
    invitation = invitation_of(request.id, people["defender"].id)
    base = f"/briefings/invitations/{invitation.id}"
    press(clients["defender"], f"{base}/accept")
    asker = f"/briefings/{request.id}"
    assert "Amira Available" in page(clients["pm"], asker)
    assert "Take my name off this briefing" in page(clients["defender"], base)
    for key in ("admin", "pm", "other", "staff"):
        status, said = press(clients[key], f"{base}/name", {"named": "anonymous"})
        assert status == 404 or said[0][0] == "error", (key, status, said)
    assert "Amira Available" in page(clients["pm"], asker), "nobody else takes it off"
    status, said = press(clients["defender"], f"{base}/name", {"named": "maybe"})
    assert said[0][0] == "error" and "Choose named or anonymous." in said[0][1], said
    status, said = press(clients["defender"], f"{base}/name", {"named": "anonymous"})
    assert said[0][0] == "success", said
    assert "Amira Available" not in page(clients["pm"], asker)
    assert "Name me on this briefing" in page(clients["defender"], base)
    press(clients["defender"], f"{base}/name", {"named": "named"})
    assert "Amira Available" in page(clients["pm"], asker)
    assess(clients["admin"], invitation.id)
    press(clients["admin"], f"{base}/held", {"held-held_on": today().isoformat()})
    assert "Amira Available" in clients["admin"].get("/admin/briefings.csv").get_data(as_text=True)
    # Anonymous on her availability: off every briefing she accepted, held ones included.
    clients["defender"].form(
        "/account/briefing",
        {"active": "y", "situations": ["SD"], "languages": ["ar"], "modes": ["remote"],
         "named": "anonymous"},
        page="/account/briefing",
    )  # fmt: skip
    assert "Amira Available" not in page(clients["pm"], asker)
    assert "Amira" not in clients["admin"].get("/admin/briefings.csv").get_data(as_text=True)
    changes = [e.details["named"] for e in audited("briefing_naming_changed")]
    assert changes == [False, True]
    assert audited("briefing_availability_changed")[-1].details["unnamed"] == 1


def test_a_request_is_held_while_whoever_asked_is_not_verified(cast):
    people, clients = cast
    request = request_for(people["pm"])
    press(clients["admin"], f"/briefings/{request.id}/invite", {"people": [people["defender"].id]})
    invitation = invitation_of(request.id, people["defender"].id)
    pm = db.session.get(User, people["pm"].id)
    pm.verified_at = None
    db.session.commit()
    assert "On hold" in page(clients["admin"], f"/briefings/{request.id}")
    _status, said = press(clients["defender"], f"/briefings/invitations/{invitation.id}/accept")
    assert said[0][0] == "error", said
    assert invitation_of(request.id, people["defender"].id).status == "invited"
    assert clients["pm"].get(f"/briefings/{request.id}").status_code == 404
    assert clients["pm"].get("/briefings/new").status_code == 403


def test_she_is_told_why_she_cannot_accept_now(cast):
    """Hidden, or the request on hold: Accept is not offered, and the page and the refusal
    say why, in her words (not "changed meanwhile")."""
    people, clients = cast
    request = request_for(people["pm"])
    press(clients["admin"], f"/briefings/{request.id}/invite", {"people": [people["defender"].id]})
    invitation = invitation_of(request.id, people["defender"].id)
    her, url = clients["defender"], f"/briefings/invitations/{invitation.id}"

    def refused(said: str) -> None:
        html = page(her, url)
        assert f"{url}/accept" not in html and said in html, html
        _status, told_her = press(her, f"{url}/accept")
        assert told_her[0][0] == "error" and said in told_her[0][1], told_her
        assert invitation_of(request.id, people["defender"].id).status == "invited"

    db.session.get(User, people["defender"].id).profile.hidden = True
    db.session.commit()
    refused("hidden or not listed in the directory")
    assert 'href="/account/privacy"' in page(her, url)
    db.session.get(User, people["defender"].id).profile.hidden = False
    db.session.commit()
    assert f"{url}/accept" in page(her, url) and "cannot be accepted" not in page(her, url)
    db.session.get(User, people["pm"].id).verified_at = None
    db.session.commit()
    refused("the request is on hold")
    # Nobody else is told any of it: the page is hers and the secretariat's alone.
    assert "cannot be accepted" not in page(clients["admin"], url)
    assert clients["pm"].get(url).status_code == 404


def test_withdrawing_a_request_cancels_its_invitations(cast):
    people, clients = cast
    request = request_for(people["pm"])
    press(clients["admin"], f"/briefings/{request.id}/invite", {"people": [people["defender"].id]})
    _status, said = press(clients["pm"], f"/briefings/{request.id}/withdraw")
    assert said[0][0] == "success"
    assert invitation_of(request.id, people["defender"].id).status == "cancelled"
    assert db.session.get(BriefingRequest, request.id).status == "withdrawn"
    _status, said = press(clients["pm"], f"/briefings/{request.id}/withdraw")
    assert said[0][0] == "error", "withdrawn twice"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"item": "XX"}, "Choose a situation or a thematic item."),
        ({"meeting_date": "2001-01-01"}, "The meeting&#39;s day has passed."),
        ({"meeting_date": "9999-12-31"}, "more than a year away"),
        ({"topic": "short"}, "at least 10 characters"),
        ({"language": "zz"}, "Choose a language."),
        ({"mode": "teleport"}, "Not a valid choice"),
        ({"deadline": "2999-01-01"}, "between today and the meeting"),
        ({"deadline": "not a date"}, "Not a valid date value"),
        ({"meeting": str(2**63)}, "Choose a situation"),
    ],
)
def test_a_bad_request_is_refused_with_a_message_and_stores_nothing(cast, changes, message):
    _people, clients = cast
    fields = {
        "meeting": "",
        "meeting_date": (today() + timedelta(days=12)).isoformat(),
        "item": "SD",
        "topic": TOPIC,
        "language": "ar",
        "mode": "either",
        "deadline": (today() + timedelta(days=8)).isoformat(),
        **changes,
    }
    if "meeting" in changes:
        fields["item"] = "XX"
    answer = clients["pm"].form("/briefings/new", fields, page="/briefings/new")
    assert answer.status_code == 200 and message in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BriefingRequest)) == 0


def test_a_requests_topic_loses_its_bidirectional_overrides(cast):
    people, clients = cast
    request = request_for(people["pm"], topic="Women\u202e in the \u2066peace\u2069 talks of Juba")
    html = page(clients["admin"], f"/briefings/{request.id}")
    assert "Women in the peace talks of Juba" in html and "\u202e" not in html


@pytest.mark.parametrize("who", ["unverified", "staff", "manager", "defender", "admin"])
def test_only_a_council_members_policy_maker_may_ask(cast, who):
    _people, clients = cast
    assert clients[who].get("/briefings/new").status_code == 403


def test_the_council_member_mark_is_set_and_ends_with_the_verified_mark(cast):
    people, clients = cast
    pm = people["unverified"]
    admin = clients["admin"]
    page_ = f"/admin/people/{pm.id}"
    _status, said = press(
        admin, f"/admin/people/{pm.id}/council-member", {"until": str(today().year)}
    )
    assert said[0][0] == "error", "not verified yet"
    press(admin, f"/admin/people/{pm.id}/verify", {"verified": "1"})
    _status, said = press(admin, f"/admin/people/{pm.id}/council-member", {"until": "1999"})
    assert said[0][0] == "error"
    _status, said = press(
        admin, f"/admin/people/{pm.id}/council-member", {"until": str(today().year)}
    )
    assert said[0][0] == "success", said
    assert "Security Council member until" in page(admin, page_)
    assert clients["unverified"].get("/briefings/new").status_code == 200
    press(admin, f"/admin/people/{pm.id}/verify", {"verified": "0"})
    db.session.expire_all()
    assert db.session.get(User, pm.id).council_member_until is None
    assert clients["unverified"].get("/briefings/new").status_code == 403


# --- the record of a briefing ------------------------------------------------------------


@pytest.fixture
def accepted(cast):
    people, clients = cast
    request = request_for(people["pm"])
    press(clients["admin"], f"/briefings/{request.id}/invite", {"people": [people["defender"].id]})
    invitation = invitation_of(request.id, people["defender"].id)
    press(clients["defender"], f"/briefings/invitations/{invitation.id}/accept")
    return people, clients, invitation_of(request.id, people["defender"].id)


def test_the_risk_assessment_is_hers_and_the_secretariats_and_encrypted(accepted, tmp_path: Path):
    _people, clients, invitation = accepted
    url = f"/briefings/invitations/{invitation.id}/risk"
    secret = "Emergency contact Zainab +249 911 222 333"
    answer = clients["defender"].form(url, risk_fields(secret, "0"), page=url)
    assert answer.status_code == 302
    assert secret in page(clients["admin"], url)
    # Saved by her meanwhile: the secretariat's older form is refused, nothing lost silently.
    stale = clients["admin"].form(url, risk_fields("overwrite", "0"), page=url)
    assert stale.status_code == 200 and "Someone else saved" in stale.get_data(as_text=True)
    for key in ("other", "pm", "staff", "manager"):
        assert clients[key].get(url).status_code == 404, key
    row = db.session.get(RiskAssessment, invitation.id)
    assert row.completed_at is not None and row.version == 1
    raw = db.session.execute(sa.text("SELECT answers FROM briefing_risk_assessments")).scalar_one()
    assert "Zainab" not in raw and "+249" not in raw
    events = audited("risk_assessment_saved")
    assert len(events) == 1 and "Zainab" not in json.dumps(events[0].details)


def test_a_briefing_is_held_only_after_its_risk_assessment(accepted):
    """Recorded as held only once every item of the checklist is done; then the checklist is
    kept as it was, for her and for the secretariat."""
    _people, clients, invitation = accepted
    admin, base = clients["admin"], f"/briefings/invitations/{invitation.id}"
    held = {"held-held_on": today().isoformat()}
    record = page(admin, base)
    assert "Complete the risk assessment first" in record and 'name="held-held_on"' not in record
    # Five of six items done is not complete.
    partial = {**risk_fields("Checked", "0"), "checkin_plan_done": ""}
    assert clients["defender"].form(f"{base}/risk", partial, page=f"{base}/risk").status_code == 302
    _status, said = press(admin, f"{base}/held", held)
    assert said == [("error", f"Error: {briefing_records.INCOMPLETE}")], said
    assert invitation_of(invitation.request_id, invitation.defender_id).status == "accepted"
    assess(clients["defender"], invitation.id, note="All six done")
    assert 'name="held-held_on"' in page(admin, base)
    # Not before it was asked for (its check-ins are counted from that day), nor in 1946.
    for day in (today() - timedelta(days=1), date(1946, 1, 17)):
        _status, said = press(admin, f"{base}/held", {"held-held_on": day.isoformat()})
        assert said[0][0] == "error" and "before the briefing was asked for" in said[0][1], said
        assert invitation_of(invitation.request_id, invitation.defender_id).held_on is None
    _status, said = press(admin, f"{base}/held", held)
    assert said[0][0] == "success", said
    # Kept as it was: shown to both, changed by neither.
    for key in ("defender", "admin"):
        shown = page(clients[key], f"{base}/risk")
        assert "kept as it was then" in shown and "All six done travel" in shown, key
        assert 'name="travel_done"' not in shown, key
        answer = clients[key].form(f"{base}/risk", risk_fields("Changed", "2", done=False))
        assert answer.status_code == 302, key
        assert told(page(clients[key], base)) == [("error", f"Error: {briefing_records.KEPT}")], key
    row = db.session.get(RiskAssessment, invitation.id)
    db.session.refresh(row)
    assert row.completed_at is not None and "Changed" not in row.answers


def test_a_check_in_is_recorded_only_once_it_is_due(accepted):
    """Before the briefing, or 7 days not yet past, a check-in cannot stand for the one that
    is due later (which would then never be asked for)."""
    _people, clients, invitation = accepted
    admin, base = clients["admin"], f"/briefings/invitations/{invitation.id}"
    record = page(admin, base)
    assert "Not due yet" in record and f"{base}/checkins/7" not in record
    _status, said = press(admin, f"{base}/checkins/7", {"ci-result": "done"})
    assert said[0][0] == "error" and "not due yet" in said[0][1], said
    assess(admin, invitation.id)
    asked_days_ago(invitation.request_id, 5)
    held = {"held-held_on": (today() - timedelta(days=3)).isoformat()}
    assert press(admin, f"{base}/held", held)[1][0][0] == "success"
    _status, said = press(admin, f"{base}/checkins/7", {"ci-result": "done"})
    assert said[0][0] == "error", said
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SafetyCheckin)) == 0


def test_held_check_ins_are_reminded_once_with_no_names(accepted, mailbox, runner):
    people, clients, invitation = accepted
    assess(clients["defender"], invitation.id)
    asked_days_ago(invitation.request_id, 40)
    held_on = today() - timedelta(days=31)
    _status, said = press(
        clients["admin"],
        f"/briefings/invitations/{invitation.id}/held",
        {"held-held_on": held_on.isoformat(), "held-follow_up": "Raise the detention case."},
    )
    assert said[0][0] == "success", said
    assert "2 days after" not in page(clients["admin"], "/briefings")
    assert "Safety check-ins due" in page(clients["admin"], "/briefings")
    mailbox.clear()
    # The command runs in this test's session: no stale snapshot, nor stale objects (a
    # rollback with no transaction begun expires nothing).
    db.session.rollback()
    db.session.expire_all()
    first = runner.invoke(args=["send-checkin-reminders"])
    assert first.exit_code == 0, first.output
    (reminder,) = mailbox.to(people["admin"].email)
    text = str(reminder["Subject"]) + mailbox.body(reminder)
    for word in ("Amira", "Sudan", "Darfur", "detention", "Council Member"):
        assert word not in text
    assert "2 safety check-ins" in text and "/briefings" in text
    again = runner.invoke(args=["send-checkin-reminders"])
    assert again.exit_code == 0 and len(mailbox.to(people["admin"].email)) == 1, "once each"
    _status, said = press(
        clients["admin"],
        f"/briefings/invitations/{invitation.id}/checkins/7",
        {"ci-result": "concerns", "ci-note": "Followed by a car after her return."},
    )
    assert said[0][0] == "success"
    _status, said = press(
        clients["admin"],
        f"/briefings/invitations/{invitation.id}/checkins/7",
        {"ci-result": "done", "ci-note": "All fine"},
    )
    assert said[0][0] == "error" and "kept as it was" in said[0][1], "not overwritten"
    rows = {r.days: r for r in db.session.scalars(sa.select(SafetyCheckin))}
    assert rows[7].result == "concerns" and rows[30].result is None and rows[30].reminded_at
    raw = db.session.execute(sa.text("SELECT note FROM briefing_checkins WHERE days = 7"))
    assert "car" not in raw.scalar_one()
    # The check-in record is the secretariat's alone.
    assert "Followed by a car" not in page(
        clients["defender"], f"/briefings/invitations/{invitation.id}"
    )
    assert (
        clients["defender"]
        .form(f"/briefings/invitations/{invitation.id}/checkins/30", {"ci-result": "done"})
        .status_code
        == 403
    )


def test_a_reprisal_report_is_read_by_the_secretariat_alone(accepted, mailbox):
    people, clients, invitation = accepted
    url = f"/briefings/invitations/{invitation.id}/reprisal"
    body = "Two men came to my office asking about my trip to New York."
    mailbox.clear()
    answer = clients["defender"].form(url, {"body": body}, page=url)
    assert answer.status_code == 302
    mine = page(clients["defender"], f"/briefings/invitations/{invitation.id}")
    assert "was received" in mine and "Two men" not in mine
    assert body in page(clients["admin"], f"/briefings/invitations/{invitation.id}")
    raw = db.session.execute(sa.text("SELECT body FROM briefing_reprisal_reports")).scalar_one()
    assert "Two men" not in raw
    (event,) = audited("reprisal_reported")
    assert "Two men" not in json.dumps(event.details) and event.details == {"on_behalf": False}
    (notice,) = mailbox.to(people["admin"].email)
    assert "Two men" not in mailbox.body(notice) and "Amira" not in mailbox.body(notice)
    for key in ("other", "pm", "staff", "manager"):
        assert clients[key].get(url).status_code == 404, key
    # The secretariat files one on her behalf; she is not shown it.
    clients["admin"].form(url, {"body": "Reported by her sister by phone."}, page=url)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReprisalReport)) == 2
    assert "sister" not in page(clients["defender"], f"/briefings/invitations/{invitation.id}")


def test_figures_and_the_annual_report(accepted, make_user, login, new_client):
    people, clients, invitation = accepted
    assess(clients["admin"], invitation.id)
    press(
        clients["admin"],
        f"/briefings/invitations/{invitation.id}/held",
        {"held-held_on": today().isoformat()},
    )
    dashboard = page(clients["admin"], "/admin/")
    for anchor in ("62", "56", "45", "30", "Africa", "Sudan"):
        assert anchor in dashboard, anchor
    assert "<svg" in dashboard and "<script" not in dashboard
    answer = clients["admin"].get("/admin/briefings.csv")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "Year" and rows[1][:6] == [
        str(today().year),
        "Africa",
        "SD",
        "Sudan",
        "",
        "1",
    ]
    assert "Amira" not in text, "anonymous: not named"
    make_available(people["defender"], named=True)
    db.session.get(BriefingInvitation, invitation.id).named = True
    db.session.commit()
    assert "Amira Available" in clients["admin"].get("/admin/briefings.csv").get_data(as_text=True)
    assert audited("briefings_exported")
    french = make_user("admin", name="Admin Française")
    french.locale = "fr"
    db.session.commit()
    client = new_client()
    login(client, french)
    header = client.get("/admin/briefings.csv").get_data(as_text=True).splitlines()[0]
    assert header.split(",")[4] == "Thème", "the columns in her language"
    for key in ("defender", "pm", "staff", "manager"):
        assert clients[key].get("/admin/briefings.csv").status_code == 403


def test_her_account_deleted_takes_her_briefing_records_with_it(accepted):
    people, _clients, invitation = accepted
    briefing_records.file_report(invitation, people["defender"], "Threatened at the airport.")
    db.session.commit()
    from ngowg_directory.services import profiles

    profiles.delete_account(db.session.get(User, people["defender"].id), actor=people["admin"])
    db.session.commit()
    for model in (BriefingInvitation, ReprisalReport, BriefingAvailability):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


def test_seed_demo_has_two_available_briefers_and_a_briefing_in_every_state(
    app, runner, client, login
):
    from ngowg_directory.models.briefings import INVITATION_STATES
    from ngowg_directory.privacy import briefings as rules
    from ngowg_directory.services import briefing_offers

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "0 invitations" in again.output, "idempotent"
    db.session.rollback()
    assert len(briefing_offers.offered()) == 2
    states = set(db.session.scalars(sa.select(BriefingInvitation.status)))
    assert states == set(INVITATION_STATES)
    assert set(db.session.scalars(sa.select(BriefingRequest.status))) == {
        "open",
        "withdrawn",
        "cancelled",
    }
    asker = db.session.scalar(sa.select(User).where(User.email == "pm.france@demo.example.org"))
    assert rules.may_ask(asker)
    assert db.session.scalar(
        sa.select(sa.func.count(BriefingRequest.id)).where(BriefingRequest.meeting_id.is_not(None))
    ), "attached to the demo month's meetings"
    admin = db.session.scalar(sa.select(User).where(User.email == "secretariat@demo.example.org"))
    from ngowg_directory.demo import DEMO_PASSWORD

    login(client, admin, password=DEMO_PASSWORD)
    assert client.get("/briefings").status_code == 200
    for request_id in db.session.scalars(sa.select(BriefingRequest.id)):
        assert client.get(f"/briefings/{request_id}").status_code == 200
    for invitation_id in db.session.scalars(sa.select(BriefingInvitation.id)):
        assert client.get(f"/briefings/invitations/{invitation_id}").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_held_briefings_request_is_neither_withdrawn_nor_cancelled_after_the_fact(accepted):
    _people, clients, invitation = accepted
    request_id = invitation.request_id
    assess(clients["admin"], invitation.id)
    held = {"held-held_on": today().isoformat()}
    press(clients["admin"], f"/briefings/invitations/{invitation.id}/held", held)
    assert f"/briefings/{request_id}/withdraw" not in page(
        clients["pm"], f"/briefings/{request_id}"
    )
    assert f"/briefings/{request_id}/cancel" not in page(
        clients["admin"], f"/briefings/{request_id}"
    )
    for key, move in (("pm", "withdraw"), ("admin", "cancel")):
        _status, said = press(clients[key], f"/briefings/{request_id}/{move}")
        assert said[0][0] == "error", (key, said)
    db.session.expire_all()
    assert db.session.get(BriefingRequest, request_id).status == "open"
    assert "The briefing was held" in page(clients["pm"], f"/briefings/{request_id}")

"""The privacy matrix of the briefers (issue 19, part B) over every output.

Availability: every output each viewer can reach is read with a defender's availability
switched off and then on; for every viewer the rules keep it from (other defenders, staff,
managers of her organisation and of another, unverified policy-makers) every output must be
the same, byte for byte once the forms' tokens are set aside: pages, searches and their
counts, organisation pages, the API. The secretariat and verified policy-makers see it; a
hidden, unconsented or suspended defender is offered to nobody.

Invitations and records: one request, four defenders invited (one waits, one declines, one
accepts anonymously, one accepts named); the risk assessment, the follow-up, a check-in and
two reprisal reports each hold a canary. Every output of every viewer (pages, API, the CSV
exports, the audit log, every e-mail, the application's log, a backup and the raw database)
is scanned: each canary and each invited name reaches only whom the reference
(testsupport/visibility.py, written apart from the app) lets it reach.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, BriefingAvailability, User
from ngowg_directory.services import accounts, tokens
from testsupport import visibility
from testsupport.http import CSRF_RE, bearer
from testsupport.worlds import RAISED_LIMITS

from .briefing_support import (
    invitation_of,
    make_available,
    make_council_member,
    risk_fields,
    today,
)
from .test_privacy_outputs import raw_store_text

VIEWERS = ("defender", "staff", "manager_same", "manager_other", "pm_unverified", "pm", "admin")
ROLE_OF = {
    "defender": "defender",
    "staff": "staff",
    "manager_same": "manager",
    "manager_other": "manager",
    "pm_unverified": "policy_maker",
    "pm": "policy_maker",
    "admin": "admin",
}
# Kurdish and Western Sahara: in her availability only, never on her profile.
OFFER = {"situations": ("EH",), "themes": ("climate-security",), "languages": ("ku",)}
CANARIES = {
    "risk": "riskcanary Hawa at the Hotel Beaulieu",
    "follow_up": "followcanary detention of her colleague",
    "checkin": "checkincanary followed by a car",
    "report_her": "reprisalcanary two men at her office",
    "report_secretariat": "reprisalcanary her sister called",
}
TOPIC = "Women's protection in the camps near Tindouf, and the talks."


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {**RAISED_LIMITS, "ADMIN_FRESH_SECONDS": 86_400}


@pytest.fixture
def scene(app, make_user, make_org, new_client, login):
    make_org("wilpf")
    make_org("amnesty")
    viewers = {
        "defender": make_user("defender", org="wilpf", name="Viewer Defender"),
        "staff": make_user("staff", org="wilpf", name="Viewer Staff"),
        "manager_same": make_user("manager", org="wilpf", name="Viewer Manager Here"),
        "manager_other": make_user("manager", org="amnesty", name="Viewer Manager There"),
        "pm_unverified": make_user("policy_maker", name="Viewer Unverified"),
        "pm": make_council_member(make_user("policy_maker", name="Viewer Council")),
        "admin": make_user("admin", name="Viewer Secretariat"),
    }
    briefers = {
        key: make_user("defender", org="wilpf", name=f"Briefer {key.capitalize()}")
        for key in ("waits", "declines", "anonymous", "named")
    }
    unlisted = {
        "hidden": make_user("defender", org="wilpf", name="Unlisted Hidden"),
        "unconsented": make_user("defender", org="wilpf", name="Unlisted Unagreed", consent=False),
        "suspended": make_user("defender", org="wilpf", name="Unlisted Suspended"),
    }
    unlisted["hidden"].profile.hidden = True
    db.session.commit()
    accounts.suspend(unlisted["suspended"], actor=None)
    db.session.commit()
    for person in (*briefers.values(), *unlisted.values()):
        make_available(person, named=person is briefers["named"], **OFFER)
    clients, secrets = {}, {}
    for key, user in {**viewers, **briefers}.items():
        clients[key] = new_client()
        login(clients[key], user)
        secrets[key] = tokens.create(user, "matrix", 30)[1]
        db.session.commit()
    clients["anon"] = new_client()
    return viewers, briefers, unlisted, clients, secrets


def normalised(text: str) -> str:
    """A page without its forms' tokens (they differ between two reads)."""
    return CSRF_RE.sub('name="csrf_token" value=""', text)


def outputs(clients, secrets, key: str, people: list[int]) -> dict[str, str]:
    """Every output this viewer can reach that could show a person or her availability."""
    client = clients[key]
    paths = [
        "/directory?q=briefer&per_page=50",
        "/directory?per_page=50",
        "/directory?language=ku",
        "/directory?country=EH",
        "/orgs/wilpf",
        "/orgs/wilpf/people",
        "/connections",
        "/briefings",
        "/account/briefing",
        "/admin/",
    ]
    paths += [f"/people/{pid}" for pid in people]
    found = {path: normalised(client.get(path).get_data(as_text=True)) for path in paths}
    api = ["/api/v1/people?per_page=50", "/api/v1/people?q=briefer", "/api/v1/people?language=ku"]
    api += [f"/api/v1/people/{pid}" for pid in people]
    headers = bearer(secrets[key]) if key in secrets else {}
    for path in api:
        found[path] = clients["anon"].get(path, headers=headers).get_data(as_text=True)
    return found


def test_availability_reaches_nobody_beyond_the_secretariat_and_verified_policy_makers(scene):
    viewers, briefers, unlisted, clients, secrets = scene
    person = briefers["anonymous"]
    everyone = [p.id for p in (*briefers.values(), *unlisted.values())]
    leaks: list[str] = []
    make_available(person, active=False, **OFFER)
    before = {key: outputs(clients, secrets, key, everyone) for key in VIEWERS}
    make_available(person, active=True, **OFFER)
    after = {key: outputs(clients, secrets, key, everyone) for key in VIEWERS}
    cases = 0
    for key in VIEWERS:
        verified = key == "pm"
        allowed = visibility.sees_availability(ROLE_OF[key], verified=verified)
        for path, text in after[key].items():
            cases += 1
            changed = text != before[key][path]
            mine = path in (f"/people/{person.id}", f"/api/v1/people/{person.id}")
            if not allowed and changed:
                leaks.append(f"{key}: {path} changed when she switched her availability on")
            if allowed and mine and not changed:
                leaks.append(f"{key}: {path} does not show her availability")
            if allowed and changed and not mine and path != "/admin/":
                leaks.append(f"{key}: {path} changed beyond her own profile")
    # The unlisted are available too, and offered to nobody: not even the secretariat.
    for key in ("admin", "pm"):
        for state, user in unlisted.items():
            profile = after[key][f"/people/{user.id}"]
            if "Available to brief the Security Council" in profile:
                leaks.append(f"{key} is shown the availability of the {state} defender")
            if '"briefing"' in after[key][f"/api/v1/people/{user.id}"]:
                leaks.append(f"the API shows {key} the availability of the {state} defender")
    # The secretariat's matches: the listed available defenders only.
    request_page = _secretariat_matches(viewers, clients)
    for state, user in unlisted.items():
        if user.name in request_page:
            leaks.append(f"the {state} defender is offered as a match")
    for user in briefers.values():
        if user.name not in request_page:
            leaks.append(f"{user.name} is available and listed, yet not offered")
    assert not leaks, "\n".join(leaks)
    assert cases >= len(VIEWERS) * 25


def _secretariat_matches(viewers, clients) -> str:
    from .briefing_support import request_for

    request = request_for(viewers["pm"], item="EH", language="ku")
    return clients["admin"].get(f"/briefings/{request.id}").get_data(as_text=True)


# --- invitations and the records of a briefing ---------------------------------------------


def press(client, url: str, data: dict[str, Any] | None = None) -> int:
    return client.form(url, data or {}, page="/briefings").status_code


def drive(viewers, briefers, clients) -> tuple[int, dict[str, int]]:
    """The request, its four invitations, their answers, and every part of the record."""
    admin, pm = clients["admin"], clients["pm"]
    fields = {
        "meeting": "",
        "meeting_date": (today() + timedelta(days=12)).isoformat(),
        "item": "EH",
        "topic": TOPIC,
        "language": "ku",
        "mode": "either",
        "deadline": (today() + timedelta(days=8)).isoformat(),
    }
    answer = pm.form("/briefings/new", fields, page="/briefings/new")
    assert answer.status_code == 302
    request_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    pm.get(f"/briefings/{request_id}")  # its flash, shown once
    people = [str(p.id) for p in briefers.values()]
    assert press(admin, f"/briefings/{request_id}/invite", {"people": people}) == 302
    ids = {key: invitation_of(request_id, p.id).id for key, p in briefers.items()}
    seen = [normalised(pm.get(f"/briefings/{request_id}").get_data(as_text=True))]
    assert press(clients["declines"], f"/briefings/invitations/{ids['declines']}/decline") == 302
    seen.append(normalised(pm.get(f"/briefings/{request_id}").get_data(as_text=True)))
    assert seen[0] == seen[1], "the policy-maker's page changed with a decline"
    for key in ("anonymous", "named"):
        assert press(clients[key], f"/briefings/invitations/{ids[key]}/accept") == 302
    risk = f"/briefings/invitations/{ids['anonymous']}/risk"
    note = {**risk_fields("Checked", "0"), "emergency_contact_note": CANARIES["risk"]}
    assert clients["anonymous"].form(risk, note, page=risk).status_code == 302
    base = f"/briefings/invitations/{ids['anonymous']}"
    held = {"held-held_on": (today() - timedelta(days=8)).isoformat(),
            "held-follow_up": CANARIES["follow_up"]}  # fmt: skip
    assert press(admin, f"{base}/held", held) == 302
    checkin = {"ci-result": "concerns", "ci-note": CANARIES["checkin"]}
    assert press(admin, f"{base}/checkins/7", checkin) == 302
    report = f"{base}/reprisal"
    assert clients["anonymous"].form(report, {"body": CANARIES["report_her"]}, page=report)
    assert admin.form(report, {"body": CANARIES["report_secretariat"]}, page=report)
    return request_id, ids


def test_invitations_and_records_reach_only_their_sides(
    scene, mailbox, runner, caplog, tmp_path: Path
):
    caplog.set_level(logging.WARNING, logger="mail.log")
    caplog.set_level(logging.INFO)
    viewers, briefers, _unlisted, clients, secrets = scene
    request_id, ids = drive(viewers, briefers, clients)
    db.session.rollback()
    assert runner.invoke(args=["send-checkin-reminders"]).exit_code == 0
    leaks: list[str] = []
    paths = ["/briefings", f"/briefings/{request_id}", "/admin/", "/admin/briefings.csv",
             "/admin/audit", "/admin/audit.csv", "/admin/export.csv", "/connections",
             "/directory?q=briefer"]  # fmt: skip
    for invitation_id in ids.values():
        base = f"/briefings/invitations/{invitation_id}"
        paths += [base, f"{base}/risk", f"{base}/reprisal"]
    paths += [f"/people/{p.id}" for p in briefers.values()]
    cases = 0
    for key, client in clients.items():
        me = next((k for k, p in briefers.items() if k == key), None)
        role = "defender" if me else ROLE_OF.get(key, "")
        for path in paths:
            text = client.get(path).get_data(as_text=True)
            cases += 1
            herself = me == "anonymous" and path.startswith(f"/briefings/invitations/{ids[me]}")
            for part, canary in CANARIES.items():
                record = "risk" if part == "risk" else "secretariat"
                if canary in text and not visibility.reads_record(record, role, herself=herself):
                    leaks.append(f"{key} reads the {part} on {path}")
            _names(leaks, key, role, path, text, briefers, ids)
        api = (
            clients["anon"]
            .get(
                f"/api/v1/people/{briefers['anonymous'].id}",
                headers=bearer(secrets[key]) if key in secrets else {},
            )
            .get_data(as_text=True)
        )
        for part, canary in CANARIES.items():
            if canary in api:
                leaks.append(f"the API gives {key} the {part}")
    _stores(leaks, mailbox, caplog, runner, tmp_path, briefers, viewers)
    assert not leaks, f"{len(leaks)} leaks:\n" + "\n".join(leaks[:60])
    assert cases >= len(clients) * len(paths)


def _names(leaks, key, role, path, text, briefers, ids) -> None:
    """Who was invited, and how each answered: the secretariat and each invitee alone; the
    policy-maker who asked learns the named briefer who accepted, and nobody else."""
    for who, person in briefers.items():
        if person.name not in text or key == who:
            continue
        if role == "admin":
            continue
        if path.startswith(("/people/", "/directory")):
            continue  # listed: her profile is every member's (not her briefing)
        public = visibility.requester_sees_name(state="accepted", named=who == "named", listed=True)
        if key == "pm" and who in ("anonymous", "named") and public:
            continue
        leaks.append(f"{key} learns on {path} that {who} was invited")
    if role != "admin" and "Declined" in text and key != "declines":
        leaks.append(f"{key} learns on {path} of a decline")


def _stores(leaks, mailbox, caplog, runner, tmp_path, briefers, viewers) -> None:
    """E-mails, the log, the audit log, a backup, the raw database: no canary, and e-mails
    name nobody and say nothing of the meeting."""
    assert mailbox.messages
    for message in mailbox.messages:
        text = str(message["Subject"]) + "\n" + mailbox.body(message)
        for part, canary in CANARIES.items():
            if canary in text:
                leaks.append(f"an e-mail to {message['To']} holds the {part}")
        for person in (*briefers.values(), *viewers.values()):
            if person.name in text:
                leaks.append(f"an e-mail to {message['To']} names {person.name}")
        for word in ("Tindouf", "Western Sahara", "Sahara"):
            if word in text:
                leaks.append(f"an e-mail to {message['To']} says {word}")
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    audit = "\n".join(
        json.dumps([e.action, e.target_type, e.target_id, e.details])
        for e in db.session.scalars(sa.select(AuditEvent))
    )
    assert "reprisal_reported" in audit and "risk_assessment_saved" in audit
    (tmp_path / "backup").mkdir()
    assert runner.invoke(args=["backup", str(tmp_path / "backup")]).exit_code == 0
    (backup,) = (tmp_path / "backup").glob("*.ngowg-backup")
    what, raw = raw_store_text(tmp_path)
    assert "Briefer Named" in raw, f"{what}: names are stored readable, the read works"
    for where, text in (
        ("the log", logged),
        ("the audit log", audit),
        ("the backup", backup.read_bytes().decode("latin-1")),
        (what, raw),
    ):
        for part, canary in CANARIES.items():
            if canary in text or canary.split()[0] in text:
                leaks.append(f"{where} holds the {part}")
    assert re.search(r"reprisalcanary", raw) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BriefingAvailability)) == 7
    assert db.session.get(User, briefers["named"].id) is not None

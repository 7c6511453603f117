"""Briefings over time: a Hypothesis state machine of random sequences of moves, each made
through the real pages by whoever makes it, against a small reference model written apart
from the code (tests/briefing_reference.py on testsupport/visibility.py).

Moves: a Council member's policy-maker asks; the secretariat invites, withdraws invitations
and cancels requests; the policy-maker withdraws hers; briefers accept, decline and step back;
she or the secretariat completes the risk assessment (or leaves an item); the secretariat
records the briefing as held and its check-ins; days pass (meetings go by, check-ins come due);
briefers hide and show themselves, withdraw and give their agreement, switch their
availability off and on; the secretariat suspends and reactivates them, takes the
policy-maker's verified mark away and gives it back, and changes her role. After every step,
every move's outcome (made, or refused with a message) and what each side is shown (the
secretariat's invitations and the check-ins it is told are due, each briefer's own, the
public state and the names the policy-maker who asked reads) must be the model's.

`NGOWG_FUZZ_EXAMPLES` and `NGOWG_FUZZ_STEPS` run it longer, as `make fuzz` does.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import UTC, date, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from ngowg_directory.extensions import db
from ngowg_directory.labels import INVITATION_STATE_LABELS, REQUEST_STATE_LABELS
from ngowg_directory.models import (
    BriefingAvailability,
    BriefingInvitation,
    BriefingRequest,
    Organization,
    User,
)
from ngowg_directory.models.briefings import RISK_ITEMS
from ngowg_directory.services import accounts
from testsupport.signin import sign_in, unspent_code

from .briefing_reference import Briefer, Model, Request
from .conftest import PASSWORD, TEST_REDIS_URL, Client, _empty_postgres, build_app, is_postgres

ADMIN_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BRIEFERS = {"b1": "Orsolya Quenby", "b2": "Thandeka Morwenna"}
PM_NAME = "Ingeborg Halloran"
FLASH = re.compile(r'<p class="flash flash-(\w+)"[^>]*>', re.S)
ADMIN_ROW = re.compile(
    r'<a href="/briefings/invitations/(\d+)"><bdi>([^<]+)</bdi></a>[^<]*</td><td>([^<]+)</td>'
)
OWN_ROW = re.compile(
    r'<a href="/briefings/invitations/(\d+)">.*?</a></td><td>[^<]*</td><td>([^<]+)</td>', re.S
)
STATUS = re.compile(r'<p class="status"><strong>([^<]+)</strong>')
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"')
DUE = re.compile(r'<a href="/briefings/invitations/(\d+)">(\d+) days? after the briefing')
INVITATION_OF = {str(label): state for state, label in INVITATION_STATE_LABELS.items()}
REQUEST_OF = {str(label): state for state, label in REQUEST_STATE_LABELS.items()}


def today() -> date:
    return datetime.now(UTC).date()


class BriefingMachine(RuleBasedStateMachine):
    """Everyone acts through the pages; after each step the pages meet the model."""

    env: ClassVar[tuple[str | None, int, Path] | None] = None

    def __init__(self) -> None:
        super().__init__()
        assert self.env is not None, "run through test_briefings_over_random_sequences"
        template, smtp_port, scratch = self.env
        self.folder = Path(tempfile.mkdtemp(dir=scratch))
        if template is None:
            url = os.environ["TEST_DATABASE_URL"]
        else:
            shutil.copyfile(template, self.folder / "model.db")
            url = f"sqlite:///{self.folder / 'model.db'}"
        if TEST_REDIS_URL:
            import redis

            redis.Redis.from_url(TEST_REDIS_URL).flushdb()
        self.app = build_app(
            self.folder / "instance",
            url,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp_port,
            TWO_FACTOR_REQUIRED_ROLES=["admin"],
            ADMIN_FRESH_SECONDS=86_400,
            RATELIMIT_LOGIN="100000 per minute",
        )
        if is_postgres():
            _empty_postgres(self.app)
        self.context = self.app.app_context()
        self.context.push()
        self.app.test_client_class = Client
        self.model = Model({k: Briefer(k, name) for k, name in BRIEFERS.items()})
        self.ids: dict[str, int] = {}
        self.clients: dict[str, Client] = {}
        self.signed_in: dict[str, bool] = {}
        self.invitation_ids: dict[tuple[int, str], int] = {}
        self.moved = 0  # days the clock was moved on

    def teardown(self) -> None:
        db.session.remove()
        db.engine.dispose()
        self.context.pop()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- browsers ----------------------------------------------------------------------

    def email(self, key: str) -> str:
        return f"model-{key}@example.net"

    def as_(self, key: str) -> Client:
        if key not in self.clients:
            self.clients[key] = self.app.test_client()  # type: ignore[assignment]
        client = self.clients[key]
        if not self.signed_in.get(key):

            def code() -> str:
                db.session.expire_all()
                last = db.session.get(User, self.ids["admin"]).totp_last_step
                db.session.rollback()
                return unspent_code(ADMIN_TOTP, last)

            sign_in(client, self.email(key), PASSWORD, code=code)
            self.signed_in[key] = True
        return client

    def post(self, key: str, path: str, data: dict[str, Any] | None = None) -> str:
        """done, refused (an error said), or the status of a refusal without a page."""
        client = self.as_(key)
        answer = client.form(path, data or {}, page="/safety")
        if answer.status_code != 302:
            return str(answer.status_code)
        location = answer.headers["Location"]
        page = client.get(location).get_data(as_text=True)
        kinds = FLASH.findall(page)
        return "refused" if "error" in kinds else "done"

    def get(self, key: str, path: str) -> tuple[int, str]:
        answer = self.as_(key).get(path)
        return answer.status_code, answer.get_data(as_text=True)

    # --- set-up ------------------------------------------------------------------------

    @initialize(named=st.booleans())
    def setup(self, named: bool) -> None:
        db.session.add(Organization(slug="larkspur", name="Larkspur Alliance", kind="member"))
        db.session.commit()
        org = db.session.scalar(sa.select(Organization))
        people = {"admin": ("admin", "Ysolde Marchbanks"), "pm": ("policy_maker", PM_NAME)}
        people |= {k: ("defender", name) for k, name in BRIEFERS.items()}
        for key, (role, name) in people.items():
            user = accounts.create_user(
                self.email(key),
                role,
                name=name,
                organization=org if role == "defender" else None,
                password=PASSWORD,
            )
            user.profile.consent_at = datetime.now(UTC)
            if key == "admin":
                user.totp_secret, user.totp_enabled = ADMIN_TOTP, True
            if key == "pm":
                user.verified_at = datetime.now(UTC)
                user.council_member_until = date(today().year + 1, 12, 31)
            db.session.commit()
            self.ids[key] = user.id
        self.model.briefers["b2"].named = named
        for key in BRIEFERS:
            db.session.add(
                BriefingAvailability(
                    user_id=self.ids[key],
                    situations="SD",
                    languages="ar",
                    remote=True,
                    named=self.model.briefers[key].named,
                )
            )
        db.session.commit()
        # Two requests through the pages; both briefers invited for the first.
        self.ask()
        self.ask()
        for key in BRIEFERS:
            self.invite(0, key)

    # --- rules -------------------------------------------------------------------------

    def request_at(self, index: int) -> Request | None:
        requests = self.model.requests
        return requests[index % len(requests)] if requests else None

    @rule()
    def ask(self) -> None:
        """The policy-maker asks for a briefer (at most three requests a run)."""
        if len(self.model.requests) >= 3:
            return
        day = today() + timedelta(days=12)
        fields = {
            "meeting": "",
            "meeting_date": day.isoformat(),
            "item": "SD",
            "topic": "Women's participation in the talks on Sudan.",
            "language": "ar",
            "mode": "either",
            "deadline": (day - timedelta(days=3)).isoformat(),
        }
        client = self.as_("pm")
        answer = client.form("/briefings/new", fields, page="/safety")
        if self.model.asker.may_ask:
            assert answer.status_code == 302, f"she may ask, got {answer.status_code}"
            request_id = int(answer.headers["Location"].rsplit("/", 1)[1])
            self.model.requests.append(Request(request_id))
        else:
            assert answer.status_code == 403, f"she may not ask, got {answer.status_code}"

    @rule(index=st.integers(0, 2), key=st.sampled_from(tuple(BRIEFERS)))
    def invite(self, index: int, key: str) -> None:
        request = self.request_at(index)
        if request is None:
            return
        said = self.post("admin", f"/briefings/{request.id}/invite", {"people": str(self.ids[key])})
        made = self.model.invite(request, key)

        assert said == ("done" if made else "refused"), f"invite {key}: {said}, model {made}"
        if made:
            db.session.rollback()
            self.invitation_ids[(request.id, key)] = db.session.scalar(
                sa.select(BriefingInvitation.id).where(
                    BriefingInvitation.request_id == request.id,
                    BriefingInvitation.defender_id == self.ids[key],
                )
            )
            db.session.rollback()

    @rule(
        index=st.integers(0, 2),
        key=st.sampled_from(tuple(BRIEFERS)),
        action=st.sampled_from(("accept", "decline", "step_back")),
    )
    def answer(self, index: int, key: str, action: str) -> None:
        request = self.request_at(index)
        if request is None or (request.id, key) not in self.invitation_ids:
            return
        if self.model.briefers[key].status != "active":
            return  # she cannot sign in
        invitation_id = self.invitation_ids[(request.id, key)]
        path = f"/briefings/invitations/{invitation_id}/{action.replace('_', '-')}"
        said = self.post(key, path)
        made = self.model.answer(request, key, action)

        assert said == ("done" if made else "refused"), f"{key} {action}: {said}, model {made}"

    @rule(index=st.integers(0, 2), key=st.sampled_from(tuple(BRIEFERS)))
    def withdraw_invitation(self, index: int, key: str) -> None:
        request = self.request_at(index)
        if request is None or (request.id, key) not in self.invitation_ids:
            return
        path = f"/briefings/invitations/{self.invitation_ids[(request.id, key)]}/withdraw"
        said = self.post("admin", path)
        made = self.model.withdraw_invitation(request, key)
        assert said == ("done" if made else "refused"), f"withdraw {key}: {said}, model {made}"

    @rule(
        index=st.integers(0, 2),
        key=st.sampled_from(tuple(BRIEFERS)),
        by=st.sampled_from(("briefer", "admin")),
        named=st.booleans(),
    )
    def choose_name(self, index: int, key: str, by: str, named: bool) -> None:
        """Named or anonymous on one briefing: hers to say; the secretariat is refused."""
        request = self.request_at(index)
        if request is None or (request.id, key) not in self.invitation_ids:
            return
        if self.model.briefers[key].status != "active":
            return
        path = f"/briefings/invitations/{self.invitation_ids[(request.id, key)]}/name"
        said = self.post(key if by == "briefer" else "admin", path,
                         {"named": "named" if named else "anonymous"})  # fmt: skip
        made = by == "briefer" and self.model.choose_name(request, key, named)
        assert (said == "done") is made, f"name {key} by {by}: {said}, model {made}"

    @rule(index=st.integers(0, 2), by=st.sampled_from(("asker", "secretariat")))
    def end(self, index: int, by: str) -> None:
        request = self.request_at(index)
        if request is None:
            return
        visible = self.model.asker.verified_policy_maker
        if by == "asker" and self.model.asker.role != "policy_maker":
            return
        action = "withdraw" if by == "asker" else "cancel"
        said = self.post("pm" if by == "asker" else "admin", f"/briefings/{request.id}/{action}")
        made = self.model.end(request, by)
        expected = "done" if made else ("refused" if by != "asker" or visible else "404")
        assert said == expected, f"{by} ends: {said}, model {expected}"

    @rule(
        index=st.integers(0, 2),
        key=st.sampled_from(tuple(BRIEFERS)),
        by=st.sampled_from(("she", "secretariat")),
        complete=st.booleans(),
    )
    def assess(self, index: int, key: str, by: str, complete: bool) -> None:
        """She or the secretariat saves the risk assessment, all done or one item left."""
        request = self.request_at(index)
        if request is None or (request.id, key) not in self.invitation_ids:
            return
        who = key if by == "she" else "admin"
        if who == key and self.model.briefers[key].status != "active":
            return
        path = f"/briefings/invitations/{self.invitation_ids[(request.id, key)]}/risk"
        status, html = self.get(who, path)
        found = VERSION.search(html)
        fields = {"version": found.group(1) if found else "0"}
        for item in RISK_ITEMS:
            fields[f"{item}_note"] = f"Checked by {by}"
            if complete or item != "travel":
                fields[f"{item}_done"] = "y"
        said = self.post(who, path, fields)
        expected = self.model.assess(request, key, complete)
        assert said == expected, f"{by} assesses {key} ({status}): {said}, model {expected}"

    @rule(index=st.integers(0, 2), key=st.sampled_from(tuple(BRIEFERS)))
    def brief(self, index: int, key: str) -> None:
        """The secretariat records the briefing as held today."""
        request = self.request_at(index)
        if request is None or (request.id, key) not in self.invitation_ids:
            return
        path = f"/briefings/invitations/{self.invitation_ids[(request.id, key)]}/held"
        said = self.post("admin", path, {"held-held_on": today().isoformat()})
        made = self.model.brief(request, key)
        assert said == ("done" if made else "refused"), f"held {key}: {said}, model {made}"

    @rule(
        index=st.integers(0, 2),
        key=st.sampled_from(tuple(BRIEFERS)),
        days=st.sampled_from((7, 30)),
    )
    def check_in(self, index: int, key: str, days: int) -> None:
        request = self.request_at(index)
        if request is None or (request.id, key) not in self.invitation_ids:
            return
        path = f"/briefings/invitations/{self.invitation_ids[(request.id, key)]}/checkins/{days}"
        said = self.post("admin", path, {"ci-result": "done"})
        expected = self.model.check_in(request, key, days)
        assert said == expected, f"check-in {key} {days}: {said}, model {expected}"

    @rule(days=st.sampled_from((1, 6, 13, 24)))
    def days_pass(self, days: int) -> None:
        """Time passes for everything counted in days: the stored days move back, as the
        clock moving on would leave them (sign-in, which counts seconds, is not moved). The
        Council member's term ends next year, beyond any run's days."""
        if self.moved + days > 60:
            return
        self.moved += days
        back = timedelta(days=days)
        for request in db.session.scalars(sa.select(BriefingRequest)):
            request.meeting_date -= back
            request.deadline -= back
        for invitation in db.session.scalars(
            sa.select(BriefingInvitation).where(BriefingInvitation.held_on.is_not(None))
        ):
            invitation.held_on -= back
        db.session.commit()
        self.model.days_pass(days)

    @rule(
        key=st.sampled_from(tuple(BRIEFERS)),
        action=st.sampled_from(
            ("hide", "show", "withdraw", "agree", "off", "on", "suspend", "reactivate",
             "named", "anonymous")
        ),
    )  # fmt: skip
    def briefer_changes(self, key: str, action: str) -> None:
        briefer = self.model.briefers[key]
        if action in ("suspend", "reactivate"):
            if (action == "suspend") == (briefer.status == "suspended"):
                return
            path = f"/admin/people/{self.ids[key]}/{action}"
            assert self.post("admin", path, {"reason": "Model test"}) == "done"
            briefer.status = "suspended" if action == "suspend" else "active"
            self.signed_in[key] = False
            return
        if briefer.status != "active":
            return
        paths = {
            "hide": ("/account/hide", {}),
            "show": ("/account/show", {}),
            "withdraw": ("/account/consent/withdraw", {}),
            "agree": ("/account/consent", {}),
            "off": ("/account/briefing", {"off": "1"}),
            "on": ("/account/briefing", {"active": "y", "situations": "SD", "languages": "ar",
                                         "modes": "remote",
                                         "named": "named" if briefer.named else "anonymous"}),
        }  # fmt: skip
        if action in ("named", "anonymous"):
            data = {**paths["on"][1], "named": action}
            assert self.post(key, "/account/briefing", data) == "done", (key, action)
            self.model.say_named(key, action == "named")
            return
        path, data = paths[action]
        assert self.post(key, path, data) == "done", (key, action)
        if action in ("hide", "show"):
            briefer.hidden = action == "hide"
        elif action in ("withdraw", "agree"):
            briefer.agreed = action == "agree"
        else:
            briefer.available = action == "on"

    @rule(action=st.sampled_from(("unverify", "verify", "role_away", "role_back")))
    def asker_changes(self, action: str) -> None:
        asker, person = self.model.asker, self.ids["pm"]
        if action == "unverify" and asker.verified_policy_maker:
            assert self.post("admin", f"/admin/people/{person}/verify", {"verified": "0"}) == "done"
            asker.verified, asker.council = False, False
        elif action == "verify" and asker.role == "policy_maker" and not asker.verified:
            assert self.post("admin", f"/admin/people/{person}/verify", {"verified": "1"}) == "done"
            until = {"until": str(today().year + 1)}
            assert self.post("admin", f"/admin/people/{person}/council-member", until) == "done"
            asker.verified, asker.council = True, True
        elif action in ("role_away", "role_back"):
            role = "staff" if action == "role_away" else "policy_maker"
            if asker.role == role:
                return
            assert self.post("admin", f"/admin/people/{person}/role", {"role": role}) == "done"
            asker.role, asker.verified, asker.council = role, False, False
            self.signed_in["pm"] = False

    # --- what each side is shown ---------------------------------------------------------

    @invariant()
    def pages_meet_the_model(self) -> None:
        if "admin" not in self.ids:
            return
        problems: list[str] = []
        for request in self.model.requests:
            status, html = self.get("admin", f"/briefings/{request.id}")
            assert status == 200
            shown = {
                name: INVITATION_OF.get(unescape(label).strip())
                for _id, name, label in ADMIN_ROW.findall(html)
            }
            expected = {BRIEFERS[k]: state for k, state in request.invitations.items()}
            if shown != expected:
                problems.append(f"secretariat on {request.id}: {shown}, model {expected}")
            self.check_asker(request, problems)
        _status, html = self.get("admin", "/briefings")
        by_id = {i: (request_id, key) for (request_id, key), i in self.invitation_ids.items()}
        due = {(*by_id[int(i)], int(days)) for i, days in DUE.findall(html)}
        if due != self.model.due():
            problems.append(f"check-ins due: {sorted(due)}, model {sorted(self.model.due())}")
        for key in BRIEFERS:
            if self.model.briefers[key].status != "active":
                continue
            status, html = self.get(key, "/briefings")
            shown = {
                int(i): INVITATION_OF.get(unescape(label).strip())
                for i, label in OWN_ROW.findall(html)
            }
            expected = {
                self.invitation_ids[(r.id, key)]: r.invitations[key]
                for r in self.model.requests
                if key in r.invitations
            }
            if shown != expected:
                problems.append(f"{key} on /briefings: {shown}, model {expected}")
        assert not problems, "\n".join(problems)

    def check_asker(self, request: Request, problems: list[str]) -> None:
        told = self.model.asker_sees(request)
        status, html = self.get("pm", f"/briefings/{request.id}")
        if told is None:
            if status not in (403, 404):
                problems.append(f"the unverified asker opens request {request.id}: {status}")
            return
        found = STATUS.search(html)
        state = REQUEST_OF.get(unescape(found.group(1)).strip()) if found else None
        if state != told:
            problems.append(f"asker told {state} of {request.id}, model {told}")
        names = {k for k, name in BRIEFERS.items() if name in html}
        if names != self.model.asker_names(request):
            problems.append(
                f"asker reads {names} on {request.id}, model {self.model.asker_names(request)}"
            )


# --- running it ------------------------------------------------------------------------------


@pytest.fixture
def machine_env(schema_template, smtp_server, tmp_path):
    _mailbox, port = smtp_server
    BriefingMachine.env = (schema_template, port, tmp_path)
    yield
    BriefingMachine.env = None


def test_briefings_over_random_sequences(machine_env):
    run_state_machine_as_test(
        BriefingMachine,
        settings=settings(
            max_examples=int(os.environ.get("NGOWG_FUZZ_EXAMPLES", "4")),
            stateful_step_count=int(os.environ.get("NGOWG_FUZZ_STEPS", "12")),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        ),
    )


# --- sequences kept as plain tests: the moves the rules single out ----------------------------


@pytest.fixture
def machine(machine_env):
    """One example of the machine, driven by hand; the pages meet the model after each step."""
    state = BriefingMachine()
    state.setup(named=True)
    state.pages_meet_the_model()
    yield state
    state.teardown()


@pytest.mark.parametrize("away", ["hide", "withdraw", "off"])
def test_she_cannot_accept_while_unlisted_but_may_decline(machine, away):
    """Hidden or her agreement withdrawn: held; availability off: she may still accept."""
    machine.briefer_changes("b1", away)
    machine.pages_meet_the_model()
    machine.answer(0, "b1", "accept")
    machine.pages_meet_the_model()
    machine.answer(0, "b1", "decline")
    machine.pages_meet_the_model()


@pytest.mark.parametrize("change", ["unverify", "role_away"])
def test_a_request_is_held_while_its_asker_is_not_a_verified_policy_maker(machine, change):
    machine.answer(0, "b2", "accept")
    machine.asker_changes(change)
    machine.pages_meet_the_model()
    machine.answer(0, "b1", "accept")
    machine.invite(1, "b1")
    machine.end(0, "asker")
    machine.pages_meet_the_model()
    machine.asker_changes("role_back")
    machine.asker_changes("verify")
    machine.pages_meet_the_model()
    machine.answer(0, "b1", "accept")
    machine.pages_meet_the_model()


def test_suspension_and_cancellation(machine):
    machine.answer(0, "b1", "accept")
    machine.briefer_changes("b1", "suspend")
    machine.pages_meet_the_model()
    machine.invite(1, "b1")
    machine.end(0, "secretariat")
    machine.pages_meet_the_model()
    machine.briefer_changes("b1", "reactivate")
    machine.answer(0, "b1", "step_back")
    machine.withdraw_invitation(0, "b2")
    machine.pages_meet_the_model()


def test_held_after_the_assessment_then_check_ins_come_due(machine):
    """Held only on a complete checklist; the check-ins come due 7 and 30 days after, and
    leave the list when recorded; a meeting that passed can no longer be accepted."""
    machine.answer(0, "b1", "accept")
    machine.assess(0, "b1", "she", complete=False)
    machine.brief(0, "b1")  # refused: one item left
    machine.assess(0, "b1", "secretariat", complete=True)
    machine.brief(0, "b1")
    machine.assess(0, "b1", "she", complete=False)  # refused: kept as it was
    assert machine.model.requests[0].invitations["b1"] == "briefed"
    machine.days_pass(6)
    machine.pages_meet_the_model()
    assert not machine.model.due()
    machine.days_pass(1)
    machine.pages_meet_the_model()
    assert machine.model.due() == {(machine.model.requests[0].id, "b1", 7)}
    machine.check_in(0, "b1", 7)
    machine.pages_meet_the_model()
    machine.days_pass(24)
    machine.pages_meet_the_model()
    assert {d for *_, d in machine.model.due()} == {30}
    # Held: the request is its record, neither withdrawn nor cancelled after the fact.
    machine.end(0, "asker")
    machine.end(0, "secretariat")
    assert machine.model.requests[0].status == "open"
    machine.pages_meet_the_model()
    # The second request's meeting (12 days after the start) has passed: nobody may accept it.
    machine.invite(1, "b2")
    machine.answer(0, "b2", "accept")
    machine.pages_meet_the_model()
    assert machine.model.requests[0].invitations["b2"] == "invited"


def test_anonymous_takes_her_name_off_what_she_accepted_and_named_only_what_follows(machine):
    """b2 (named) accepts: whoever asked reads her name; off on this briefing by her, not by
    the secretariat; back on; then anonymous on her availability takes it off, and named
    again does not put it back on a briefing she accepted before."""
    machine.answer(0, "b2", "accept")
    machine.pages_meet_the_model()
    assert machine.model.asker_names(machine.model.requests[0]) == {"b2"}
    machine.choose_name(0, "b2", "admin", named=False)
    machine.choose_name(0, "b2", "briefer", named=False)
    machine.pages_meet_the_model()
    machine.choose_name(0, "b2", "briefer", named=True)
    machine.pages_meet_the_model()
    machine.briefer_changes("b2", "anonymous")
    machine.pages_meet_the_model()
    machine.briefer_changes("b2", "named")
    machine.pages_meet_the_model()
    assert machine.model.asker_names(machine.model.requests[0]) == set()
    machine.answer(0, "b2", "step_back")
    machine.choose_name(0, "b2", "briefer", named=True)  # refused: she stepped back
    machine.pages_meet_the_model()

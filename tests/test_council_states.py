"""Recommendations and credits against a reference model (tests/council_reference.py), through
the real pages: random sequences of publishing, unpublishing, answering credits, hiding and
showing herself, archiving the organisation; after every step the situation's page shows
exactly what the model says. Then publishing and accepting at once from several browsers."""

from __future__ import annotations

import os
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, Organization, Profile, Recommendation
from ngowg_directory.models import RecommendationCredit as Credit
from testsupport.council import PUBLISHED_TITLE, add_council
from testsupport.race import race
from testsupport.worlds import RAISED_LIMITS

from .council_reference import ANSWERS, CouncilModel
from .test_connections import flashes

ACTORS = ("admin", "credited", "manager", "staff", "reader")
PERSON, ORG = "Credited Person Pat", "Credited Organisation Oak"


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return dict(RAISED_LIMITS)


@pytest.fixture
def cast(app, make_user, make_org, new_client, login):
    org = make_org("oak", ORG)
    users = {
        "admin": make_user("admin", name="State Admin"),
        "credited": make_user("defender", name=PERSON),
        "manager": make_user("manager", org="oak", name="Oak Manager"),
        "staff": make_user("staff", org="oak", name="Oak Staff"),
        "reader": make_user("policy_maker", name="State Reader"),
    }
    data = add_council(users["admin"], people=[users["credited"]], org_ids=[org.id])
    clients = {}
    for key, user in users.items():
        clients[key] = new_client()
        login(clients[key], user)
    return {
        "users": users,
        "clients": clients,
        "rec": data.published_id,
        "credits": {
            "person": data.credit_ids[users["credited"].id],
            "org": data.credit_ids[-org.id],
        },
        "org": org.id,
    }


def _reset(cast: dict) -> None:
    """The start of every example: a draft, both credits offered, everyone listed."""
    db.session.execute(
        sa.update(Recommendation)
        .where(Recommendation.id == cast["rec"])
        .values(state="draft", published_at=None)
    )
    db.session.execute(sa.update(Credit).values(state="offered", answered_at=None))
    db.session.execute(
        sa.update(Profile)
        .where(Profile.user_id == cast["users"]["credited"].id)
        .values(hidden=False)
    )
    db.session.execute(
        sa.update(Organization).where(Organization.id == cast["org"]).values(archived_at=None)
    )
    db.session.commit()


def _outcome(response, client) -> str:
    if response.status_code in (403, 404):
        return {403: "refused", 404: "hidden"}[response.status_code]
    assert response.status_code == 302, response.status_code
    told = flashes(client.get(response.headers["Location"]).get_data(as_text=True))
    kinds = {kind for kind, _text in told}
    return "unchanged" if "error" in kinds else "done"


def test_recommendations_and_credits_follow_the_model(cast):
    clients = cast["clients"]

    class CouncilMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            _reset(cast)
            self.model = CouncilModel()

        @rule(actor=st.sampled_from(ACTORS), publish=st.booleans())
        def publish(self, actor: str, publish: bool) -> None:
            verb = "publish" if publish else "unpublish"
            url = f"/admin/council/recommendations/{cast['rec']}/{verb}"
            response = clients[actor].form(url, {"published_on": "2026-01-01"})
            got = _outcome(response, clients[actor])
            want = self.model.publish(actor) if publish else self.model.unpublish(actor)
            assert got == want, (actor, verb, got, want)

        @rule(
            actor=st.sampled_from(ACTORS),
            credit=st.sampled_from(("person", "org")),
            move=st.sampled_from(sorted(ANSWERS)),
        )
        def answer(self, actor: str, credit: str, move: str) -> None:
            url = f"/account/credits/{cast['credits'][credit]}/{move}"
            got = _outcome(clients[actor].form(url), clients[actor])
            want = self.model.answer(actor, credit, move)
            assert got == want, (actor, credit, move, got, want)

        @rule()
        def hide_or_show(self) -> None:
            path = "/account/hide" if self.model.person_listed else "/account/show"
            assert clients["credited"].form(path).status_code == 302
            self.model.person_listed = not self.model.person_listed

        @rule()
        def archive_or_restore(self) -> None:
            clients["admin"].form("/admin/organizations/oak/archive")
            self.model.org_archived = not self.model.org_archived

        @invariant()
        def the_page_shows_what_the_model_says(self) -> None:
            html = clients["reader"].get("/council/situations/SD").get_data(as_text=True)
            shown = {
                name
                for name, text in (
                    ("recommendation", PUBLISHED_TITLE),
                    ("person", PERSON),
                    ("org", ORG),
                )
                if text in html
            }
            assert shown == self.model.shown(), (shown, self.model)

    run_state_machine_as_test(
        CouncilMachine,
        settings=settings(
            max_examples=int(os.environ.get("NGOWG_FUZZ_EXAMPLES", "15")),
            stateful_step_count=int(os.environ.get("NGOWG_FUZZ_STEPS", "20")),
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


# --- at once ---------------------------------------------------------------------------------


def _press(client, url: str, data: dict[str, str] | None = None):
    token = client.csrf_token("/account/credits")

    def call():
        response = client.post(url, data={"csrf_token": token, **(data or {})})
        if response.status_code != 302:
            return ("status", response.status_code)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        return tuple(kind for kind, _text in flashes(page))

    return call


def _audits(action: str) -> int:
    query = sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == action)
    return db.session.scalar(query)


@pytest.mark.parametrize("round_", range(2))
def test_two_publishes_at_once_publish_once(cast, new_client, login, round_):
    _reset(cast)
    second = new_client()
    login(second, cast["users"]["admin"])
    url = f"/admin/council/recommendations/{cast['rec']}/publish"
    form = {"published_on": "2026-01-01"}
    before = _audits("recommendation_published")
    answers = race([_press(cast["clients"]["admin"], url, form), _press(second, url, form)])
    assert sorted(answers) == [("error",), ("success",)], answers
    db.session.expire_all()
    assert db.session.get(Recommendation, cast["rec"]).state == "published"
    assert _audits("recommendation_published") == before + 1


@pytest.mark.parametrize("credit", ["person", "org"])
def test_accepts_at_once_accept_once(cast, make_user, new_client, login, credit):
    _reset(cast)
    if credit == "person":  # she, in three browsers
        who = [cast["users"]["credited"]] * 3
    else:  # three managers of the organisation
        who = [make_user("manager", org="oak", name=f"Oak Manager {n}") for n in range(3)]
    clients = []
    for user in who:
        clients.append(new_client())
        login(clients[-1], user)
    url = f"/account/credits/{cast['credits'][credit]}/accept"
    answers = race([_press(client, url) for client in clients])
    assert sorted(answers) == [("error",), ("error",), ("success",)], answers
    db.session.expire_all()
    assert db.session.get(Credit, cast["credits"][credit]).state == "accepted"
    assert _audits("credit_accepted") == 1

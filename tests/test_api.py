"""The JSON API: personal access tokens, endpoints, paging, ETags, limits, privacy."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import ApiToken, AuditEvent, ContactRequest
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import accounts
from testsupport.http import bearer

from .conftest import PASSWORD

CANARY_PHONE = "+249912345678"


def create_token(client, name: str = "our CRM", days: str = "90") -> str:
    data = {"name": name, "days": days, "password": PASSWORD}
    html = client.form("/account/tokens", data).get_data(as_text=True)
    match = re.search(r'<code class="secret" dir="ltr">(ngowg_[^<]+)</code>', html)
    assert match, "the new token is shown"
    return match.group(1)


@pytest.fixture
def amina(app, make_user, make_org):
    """A listed defender of WILPF whose phone is for her connections."""
    make_org("wilpf", "Women's International League for Peace and Freedom")
    defender = make_user("defender", org="wilpf", name="Amina Sudan")
    defender.profile.consent_at = utcnow()
    defender.profile.country = "SD"
    defender.profile.phone, defender.profile.phone_audience = CANARY_PHONE, "connections"
    defender.profile.set_tags(["SD"], ["crsv"], ["ar"])
    db.session.commit()
    return defender


@pytest.fixture
def pm(app, client, make_user, login):
    user = make_user("policy_maker", name="Api Owner")
    login(client, user)
    return user


def test_token_is_shown_once_stored_hashed_and_works(client, pm, amina):
    token = create_token(client)
    assert token not in client.get("/account/tokens").get_data(as_text=True)
    stored = db.session.scalar(sa.select(ApiToken))
    assert token not in stored.token_hash and stored.prefix == token[:12]
    response = client.get("/api/v1/people", headers=bearer(token))
    assert response.status_code == 200 and response.is_json
    db.session.refresh(stored)
    assert stored.last_used_at is not None
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "token_created"))


@pytest.mark.parametrize(
    "path",
    ["/api/v1/people", "/api/v1/people/1", "/api/v1/organizations", "/api/v1/organizations/wilpf"],
)
def test_every_endpoint_refuses_requests_without_a_valid_token(client, pm, amina, path):
    token = create_token(client)
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        bearer(token[:-2] + "xx"),
        {"Authorization": token},
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 401, headers
        assert response.get_json()["error"]["code"] == "unauthorized"
    # The session cookie of the signed-in browser is not accepted by the API.
    assert client.get(path).status_code == 401


def test_expired_revoked_and_suspended_tokens_stop_working(
    client, pm, amina, make_user, login, new_client
):
    token = create_token(client)
    row = db.session.scalar(sa.select(ApiToken))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/people", headers=bearer(token)).status_code == 401
    second = create_token(client, "second")
    assert client.get("/api/v1/people", headers=bearer(second)).status_code == 200
    accounts.suspend(db.session.get(type(pm), pm.id), actor=None)
    db.session.commit()
    assert client.get("/api/v1/people", headers=bearer(second)).status_code == 401
    accounts.reactivate(db.session.get(type(pm), pm.id), actor=None)
    db.session.commit()
    other = new_client()
    login(other, pm)
    token_id = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == "second"))
    other.form(f"/account/tokens/{token_id}/revoke", {}, page="/account/tokens")
    assert other.get("/api/v1/people", headers=bearer(second)).status_code == 401


def test_people_list_filters_paging_and_no_contact_details(client, pm, amina):
    token = create_token(client)
    body = client.get("/api/v1/people?q=soudan&theme=crsv", headers=bearer(token)).get_json()
    assert [p["name"] for p in body["data"]] == ["Amina Sudan"]
    assert body["meta"]["total"] == 1 and body["meta"]["facets"]["theme"]["crsv"] == 1
    assert body["meta"]["facets"]["org"] == {"wilpf": 1}
    assert CANARY_PHONE not in str(body) and "contact" not in body["data"][0]
    paged = client.get("/api/v1/people?per_page=1&sort=name", headers=bearer(token)).get_json()
    assert paged["meta"]["pages"] == 2 and "page=2" in paged["links"]["next"]
    assert paged["links"]["prev"] is None
    bad = client.get("/api/v1/people?country=XX&page=0", headers=bearer(token)).get_json()
    assert len(bad["meta"]["messages"]) == 2
    # Past the last page: no next, and the previous page is the last one there is.
    past = client.get("/api/v1/people?per_page=1&page=99", headers=bearer(token)).get_json()
    assert past["data"] == [] and past["links"]["next"] is None
    assert "page=2" in past["links"]["prev"] and "page=98" not in past["links"]["prev"]
    # A value that nobody has: no facet counts zero (the schema's counts start at 1).
    nobody = client.get("/api/v1/people?language=AA", headers=bearer(token)).get_json()
    assert nobody["meta"]["total"] == 0
    assert all(n >= 1 for counts in nobody["meta"]["facets"].values() for n in counts.values())
    # A filter given twice: the first is used, and the answer says so.
    twice = client.get("/api/v1/people?theme=crsv&theme=xx", headers=bearer(token)).get_json()
    assert twice["meta"]["total"] == 1
    assert twice["meta"]["messages"] == ["Only one theme at a time: “crsv” was used."]


def test_person_detail_shows_what_the_owner_sees_in_the_pages(client, pm, amina):
    token = create_token(client)
    url = f"/api/v1/people/{amina.id}"
    detail = client.get(url, headers=bearer(token)).get_json()["data"]
    assert detail["name"] == "Amina Sudan" and "phone" not in detail["contact"]
    db.session.add(
        ContactRequest(
            requester_id=pm.id, recipient_id=amina.id, message="x" * 30, status="accepted"
        )
    )
    db.session.commit()
    detail = client.get(url, headers=bearer(token)).get_json()["data"]
    assert detail["contact"]["phone"] == CANARY_PHONE
    reveal = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "contact_revealed"))
    assert reveal.details["channel"] == "api"
    amina.profile.hidden = True
    db.session.commit()
    hidden = client.get(url, headers=bearer(token))
    missing = client.get("/api/v1/people/999999", headers=bearer(token))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


def test_etags_answer_304_when_nothing_changed(client, pm, amina):
    token = create_token(client)
    first = client.get("/api/v1/organizations/wilpf", headers=bearer(token))
    etag = first.headers["ETag"]
    again = client.get(
        "/api/v1/organizations/wilpf", headers={**bearer(token), "If-None-Match": etag}
    )
    assert again.status_code == 304 and again.data == b""
    changed = client.get(
        "/api/v1/organizations/wilpf", headers={**bearer(token), "If-None-Match": '"other"'}
    )
    assert changed.status_code == 200
    assert (
        again.headers["ETag"] == etag
        and again.headers["Cache-Control"] == first.headers["Cache-Control"]
    )
    for header in (f"W/{etag}", f'"other", {etag}', "*"):  # weak comparison, lists, any
        assert (
            client.get(
                "/api/v1/organizations/wilpf", headers={**bearer(token), "If-None-Match": header}
            ).status_code
            == 304
        ), header
    # The server writes the Date header; the app must not add a second one.
    assert "Date" not in first.headers and "Date" not in again.headers


def test_errors_are_json_for_unknown_routes_and_methods(client, pm, amina):
    token = create_token(client)
    unknown = client.get("/api/v1/nothing", headers=bearer(token))
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "not_found"
    wrong = client.post("/api/v1/people", headers=bearer(token))
    assert wrong.status_code == 405 and wrong.get_json()["error"]["code"] == "method_not_allowed"
    assert client.get("/api/v1/organizations/no-such", headers=bearer(token)).status_code == 404


class TestTokenLimit:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_API": "3 per hour"}

    def test_too_many_requests_per_token_get_429_with_retry_after(self, client, pm, amina):
        token = create_token(client)
        for _ in range(3):
            assert client.get("/api/v1/people", headers=bearer(token)).status_code == 200
        response = client.get("/api/v1/people", headers=bearer(token))
        assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
        assert response.get_json()["error"]["code"] == "too_many_requests"

    def test_api_answers_say_how_many_requests_are_left_and_pages_do_not(self, client, pm, amina):
        token = create_token(client)
        left = []
        for _ in range(3):
            answer = client.get("/api/v1/people", headers=bearer(token))
            assert answer.headers["X-RateLimit-Limit"] == "3"
            assert int(answer.headers["X-RateLimit-Reset"]) > 0
            left.append(answer.headers["X-RateLimit-Remaining"])
        assert left == ["2", "1", "0"]
        # A page reads no limit window: no header (a round trip to Redis saved).
        page = client.get("/directory")
        assert page.status_code == 200
        assert not [name for name, _value in page.headers.items() if name.startswith("X-Rate")]


def test_the_token_page_is_linked_from_the_account_pages(client, pm):
    for page in ("/account/security", "/account/privacy"):
        html = client.get(page).get_data(as_text=True)
        assert 'href="/account/tokens"' in html, f"{page} leads to the token page"
    security = client.get("/account/security").get_data(as_text=True)
    assert "Access to the API" in security


def test_token_form_refuses_bad_input(client, pm):
    for data in (
        {"name": "", "days": "90", "password": PASSWORD},
        {"name": "x", "days": "7", "password": PASSWORD},
        {"name": "y" * 101, "days": "30", "password": PASSWORD},
    ):
        response = client.form("/account/tokens", data)
        assert response.status_code == 200 and "ngowg_" not in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_a_bad_token_gets_a_json_401_that_says_what_is_wrong(client, pm, amina):
    token = create_token(client)
    client.form(f"/account/tokens/{db.session.scalar(sa.select(ApiToken.id))}/revoke", {})
    for headers, says, error in (
        ({}, "This request has no personal access token", None),
        ({"Authorization": "Basic abc"}, "This request has no personal access token", None),
        (bearer("ngowg_mistyped"), "This token is not valid", "invalid_token"),
        (bearer(token), "This token is not valid", "invalid_token"),  # revoked
        # "Bearer" with nothing after it, or blanks (found by the red team: no error code).
        ({"Authorization": "Bearer"}, "This token is not valid", "invalid_token"),
        ({"Authorization": "Bearer    "}, "This token is not valid", "invalid_token"),
    ):
        answer = client.get("/api/v1/people", headers=headers)
        assert answer.status_code == 401 and answer.is_json
        assert answer.get_json()["error"]["code"] == "unauthorized"
        message = answer.get_json()["error"]["message"]
        assert says in message and "/account/tokens" in message
        assert "Please sign in" not in message
        challenge = answer.headers["WWW-Authenticate"]
        assert challenge.startswith("Bearer")
        if error:
            assert 'error="invalid_token"' in challenge
            assert "it may have been revoked or have expired" in message
            assert "Make a new one at http://localhost/account/tokens." in message
        else:
            assert "error=" not in challenge, "RFC 6750: no error code without a token"


class TestLimitsPerOwner:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_API": "3 per hour", "RATELIMIT_API_AUTH_FAILURES": "2 per minute"}

    @pytest.fixture
    def second(self, make_user, login, new_client):
        """Another owner, in another browser on the same address (one office, one NAT)."""
        browser = new_client()
        login(browser, make_user("staff", name="Second Owner"))
        return create_token(browser)

    def test_each_owner_has_her_own_budget_over_every_endpoint(self, client, pm, amina, second):
        first = create_token(client)
        paths = ["/api/v1/people", "/api/v1/organizations", f"/api/v1/people/{amina.id}"]
        assert [client.get(p, headers=bearer(first)).status_code for p in paths] == [200] * 3
        over = client.get("/api/v1/organizations/wilpf", headers=bearer(first))
        assert over.status_code == 429, "one budget for every endpoint"
        for path in paths:
            assert client.get(path, headers=bearer(second)).status_code == 200, path
        assert client.get(paths[0], headers=bearer(second)).status_code == 429

    def test_bad_tokens_have_their_own_budget_and_spend_nobody_elses(
        self, client, pm, amina, second
    ):
        bad = [client.get("/api/v1/people", headers=bearer(f"ngowg_guess{n}")) for n in range(6)]
        assert [a.status_code for a in bad] == [401, 401, 429, 429, 429, 429]
        assert bad[-1].get_json()["error"]["code"] == "too_many_requests"
        assert client.get("/api/v1/people").status_code == 429, "no token at all counts too"
        for _ in range(3):
            answer = client.get("/api/v1/people", headers=bearer(second))
            assert answer.status_code == 200, "a valid owner at the same address is not refused"
        assert answer.headers["X-RateLimit-Remaining"] == "0"


class TestHarvestingBudget:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_PROFILE_VIEWS": "3 per hour"}

    def test_profile_views_through_pages_and_api_share_one_budget(self, client, pm, amina):
        token = create_token(client)
        page, api = f"/people/{amina.id}", f"/api/v1/people/{amina.id}"
        assert client.get(page).status_code == 200
        assert client.get(api, headers=bearer(token)).status_code == 200
        assert client.get(page).status_code == 200
        refused = client.get(api, headers=bearer(token))
        assert refused.status_code == 429 and refused.is_json
        assert client.get(page).status_code == 429, "the API's reads spent the page's budget"
        assert client.get("/api/v1/people", headers=bearer(token)).status_code == 200
        breaches = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "rate_limited")
        ).all()
        assert [(b.actor_id, b.details["endpoint"]) for b in breaches] == [
            (pm.id, "api.person"),
            (pm.id, "people.show"),
        ]

"""The Council's month and situations in the JSON API: meetings and published recommendations,
nobody's personal data, the API's errors, answers as the OpenAPI document describes them."""

from __future__ import annotations

import pytest

from testsupport.council import DRAFT_TITLE, PUBLISHED_TITLE, add_council
from testsupport.http import bearer

from .test_api import create_token
from .test_api_contract import check


@pytest.fixture
def api(app, client, make_user, login):
    admin = make_user("admin", name="Council Admin")
    credited = make_user("defender", name="Credited Defender")
    data = add_council(admin, people=[credited], accepted=True)
    login(client, make_user("policy_maker"))
    token = create_token(client)

    def get(path: str, **params):
        return client.get(path, query_string=params, headers=bearer(token))

    get.data = data  # type: ignore[attr-defined]
    return get


def test_the_month_answers_meetings_and_published_recommendations(api):
    key = api.data.key
    response = api(f"/api/v1/council/{key}")
    assert response.status_code == 200
    check(response, "CouncilMonth")
    data = response.get_json()["data"]
    assert data["month"] == key and data["presidency"] == "GR"
    assert [m["item"] for m in data["meetings"]] == ["SD", "wps"]
    assert [r["title"] for r in data["recommendations"]] == [PUBLISHED_TITLE]
    text = response.get_data(as_text=True)
    assert DRAFT_TITLE not in text and "Credited Defender" not in text
    french = api(f"/api/v1/council/{key}", lang="fr").get_json()["data"]["recommendations"][0]
    assert french["language"] == "fr" and french["title"].startswith("Soudan")
    spanish = api(f"/api/v1/council/{key}", lang="es").get_json()["data"]["recommendations"][0]
    assert spanish["language"] == "en"


def test_a_situation_answers_its_meetings_and_archive(api):
    response = api("/api/v1/council/situations/sd")
    check(response, "CouncilSituation")
    data = response.get_json()["data"]
    assert data["item"] == "SD" and len(data["meetings"]) == 1
    assert [r["month"] for r in data["recommendations"]] == [api.data.key]
    check(api("/api/v1/council/situations/wps"), "CouncilSituation")
    empty = api("/api/v1/council/1990-01").get_json()["data"]
    assert empty == {"month": "1990-01", "presidency": None, "meetings": [], "recommendations": []}


@pytest.mark.parametrize(
    "path", ["/api/v1/council/2026-13", "/api/v1/council/x", "/api/v1/council/situations/XX"]
)
def test_bad_months_and_items_answer_the_apis_error(api, path):
    response = api(path)
    assert response.status_code == 404
    check(response, "Error")
    assert response.get_json()["error"]["code"]


def test_without_a_token_the_council_api_is_401(client):
    for path in ("/api/v1/council/2027-01", "/api/v1/council/situations/SD"):
        response = client.get(path)
        assert response.status_code == 401 and response.is_json

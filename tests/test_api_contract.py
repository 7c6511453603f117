"""Every API answer holds to the OpenAPI description; random parameters never break it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ngowg_directory.api.openapi import document
from ngowg_directory.extensions import db
from ngowg_directory.models._types import utcnow
from testsupport.http import bearer

from .test_api import create_token

SPEC = document()


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": SPEC["components"]}
    )


def check(response, schema: str) -> None:
    errors = sorted(validator(schema).iter_errors(response.get_json()), key=str)
    assert not errors, f"{response.request.path}: {errors[0].message} at {list(errors[0].path)}"


def test_the_description_is_valid_openapi_3_1_and_public(client):
    from jsonschema import Draft202012Validator as V

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"] == "3.1.0"
    for schema in SPEC["components"]["schemas"].values():
        V.check_schema(schema)
    assert set(SPEC["paths"]) == {
        "/people",
        "/people/{id}",
        "/organizations",
        "/organizations/{slug}",
        "/council/{month}",
        "/council/situations/{code}",
        "/openapi.json",
    }


@pytest.fixture
def api(app, client, make_user, make_org, login):
    make_org("wilpf", "Women's International League for Peace and Freedom")
    person = make_user("defender", org="wilpf", name="Contract Person")
    person.profile.consent_at = utcnow()
    person.profile.set_tags(["SD"], ["crsv"], ["ar"])
    db.session.commit()
    login(client, make_user("policy_maker"))
    token = create_token(client)
    client.person = person

    def get(path: str, **params):
        return client.get(path, query_string=params, headers=bearer(token))

    return get


def test_every_endpoint_answers_as_described(api):
    check(api("/api/v1/people"), "PersonList")
    check(api("/api/v1/people", q="contract", theme="crsv", per_page="1"), "PersonList")
    listing = api("/api/v1/people").get_json()
    check(api(listing["data"][0]["url"]), "PersonDetail")
    check(api("/api/v1/organizations"), "OrganizationList")
    check(api("/api/v1/organizations/wilpf"), "OrganizationDetail")
    for path in ("/api/v1/people/999999", "/api/v1/organizations/none", "/api/v1/nothing"):
        check(api(path), "Error")


text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
params = st.fixed_dictionaries(
    {},
    optional={
        "q": text,
        "role": text,
        "country": text,
        "situation": text,
        "theme": text,
        "language": text,
        "org": text,
        "sort": text,
        "page": st.one_of(text, st.integers(-5, 10**6).map(str)),
        "per_page": st.one_of(text, st.integers(-5, 500).map(str)),
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=params)
def test_random_parameters_never_break_the_description(api, query):
    for path, schema in (
        ("/api/v1/people", "PersonList"),
        ("/api/v1/organizations", "OrganizationList"),
    ):
        response = api(path, **query)
        assert response.status_code == 200, (path, query, response.status_code)
        check(response, schema)

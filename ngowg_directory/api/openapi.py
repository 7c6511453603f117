"""The OpenAPI 3.1 description of /api/v1, kept beside the code it describes.

Tests hold every real answer against these schemas (tests/test_api_contract.py).
"""

from __future__ import annotations

from typing import Any

from ..models import MEETING_KINDS, ORG_KINDS, RECOMMENDATION_LOCALES, ROLES

STRING_LIST = {"type": "array", "items": {"type": "string"}}
NULLABLE_STRING = {"type": ["string", "null"]}


def _object(
    properties: dict[str, Any], required: list[str] | None = None, *, nullable: bool = False
) -> dict[str, Any]:
    """A closed object: an answer holding a field not described here fails the contract tests."""
    schema: dict[str, Any] = {"type": ["object", "null"] if nullable else "object"}
    if required is not None:
        schema["required"] = required
    return schema | {"additionalProperties": False, "properties": properties}


def _ref(schema: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{schema}"}


def _query(name: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": {"type": "string", **schema}}


def _path(name: str, type_: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": type_}}


ORG_REF = _object(
    {"slug": {"type": "string"}, "name": {"type": "string"}}, ["slug", "name"], nullable=True
)
# What a list entry and the detail of a person share.
PERSON_FIELDS = {
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "role": {"enum": list(ROLES)},
    "title": {"type": "string"},
    "organization": ORG_REF,
    "affiliation": {"type": "string"},
    "country": NULLABLE_STRING,
    "situations": STRING_LIST,
    "themes": STRING_LIST,
    "languages": STRING_LIST,
}
COMMON_FILTERS = [
    _query("q", maxLength=5000),
    *(_query(name) for name in ("country", "theme", "sort", "page", "per_page")),
]


# The Council's month and one agenda item: meetings and published recommendations, nobody's
# personal data. `month` is YYYY-MM; `code` an agenda code (SD) or a thematic slug (wps).
LANG = _query("lang", enum=list(RECOMMENDATION_LOCALES))
COUNCIL_SCHEMAS = {
    "Meeting": _object(
        {
            "id": {"type": "integer"},
            "date": {"type": "string", "format": "date"},
            "item": {"type": "string"},
            "kind": {"enum": list(MEETING_KINDS)},
            "title": {"type": "string"},
        },
        ["id", "date", "item", "kind", "title"],
    ),
    "Recommendation": _object(
        {
            "id": {"type": "integer"},
            "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
            "item": {"type": "string"},
            "title": {"type": "string"},
            "language": {
                "enum": list(RECOMMENDATION_LOCALES),
                "description": "The language of this text: the one asked for (lang), else English.",
            },
            "html": {"type": "string", "description": "Sanitised HTML rendered from Markdown"},
            "published_at": {"type": "string"},
            "url": {"type": "string"},
        },
        ["id", "month", "item", "title", "language", "html", "published_at", "url"],
    ),
    "CouncilMonth": _object(
        {
            "data": _object(
                {
                    "month": {"type": "string"},
                    "presidency": NULLABLE_STRING,
                    "meetings": {"type": "array", "items": _ref("Meeting")},
                    "recommendations": {"type": "array", "items": _ref("Recommendation")},
                },
                ["month", "presidency", "meetings", "recommendations"],
            )
        },
        ["data"],
    ),
    "CouncilSituation": _object(
        {
            "data": _object(
                {
                    "item": {"type": "string"},
                    "meetings": {"type": "array", "items": _ref("Meeting")},
                    "recommendations": {"type": "array", "items": _ref("Recommendation")},
                },
                ["item", "meetings", "recommendations"],
            )
        },
        ["data"],
    ),
}


def _listing(item: str) -> dict[str, Any]:
    return _object(
        {
            "data": {"type": "array", "items": _ref(item)},
            "meta": _ref("Meta"),
            "links": _ref("Links"),
        },
        ["data", "meta", "links"],
    )


def _ok(schema: str) -> dict[str, Any]:
    return {
        "200": {
            "description": "OK",
            "headers": {"ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": _ref(schema)}},
        },
        "304": {"description": "Not modified (If-None-Match matched the ETag)"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        # The token's owner has a role that needs two-factor sign-in and has not enrolled.
        "403": {"$ref": "#/components/responses/Error"},
        "404": {"$ref": "#/components/responses/Error"},
        "429": {"$ref": "#/components/responses/Error"},
    }


def _get(operation_id: str, parameters: list[dict[str, Any]], schema: str) -> dict[str, Any]:
    return {
        "get": {"operationId": operation_id, "parameters": parameters, "responses": _ok(schema)}
    }


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "NGO Working Group on WPS directory API",
            "version": "1",
            "description": "Read-only. A personal access token acts as its owner and sees exactly "
            "what the owner sees in the pages. Lists hold no contact details.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/people": _get(
                "listPeople",
                [*COMMON_FILTERS, *map(_query, ("role", "situation", "language", "org"))],
                "PersonList",
            ),
            "/people/{id}": _get("getPerson", [_path("id", "integer")], "PersonDetail"),
            "/organizations": _get(
                "listOrganizations", [*COMMON_FILTERS, _query("kind")], "OrganizationList"
            ),
            "/organizations/{slug}": _get(
                "getOrganization", [_path("slug", "string")], "OrganizationDetail"
            ),
            "/council/{month}": _get(
                "getCouncilMonth", [_path("month", "string"), LANG], "CouncilMonth"
            ),
            "/council/situations/{code}": _get(
                "getCouncilSituation", [_path("code", "string"), LANG], "CouncilSituation"
            ),
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "security": [],
                    "responses": {"200": {"description": "This document"}},
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": {
                    "description": "An error",
                    "content": {"application/json": {"schema": _ref("Error")}},
                },
                "Unauthorized": {
                    "description": "No token, or a token that does not work (mistyped, "
                    "revoked or expired): the message says which, and where to make a new one",
                    "headers": {
                        "WWW-Authenticate": {
                            "description": 'Bearer realm="ngowg-directory"; with '
                            'error="invalid_token" when a token was sent and does not work '
                            "(RFC 6750)",
                            "schema": {"type": "string"},
                        }
                    },
                    "content": {"application/json": {"schema": _ref("Error")}},
                },
            },
            "schemas": {
                "Error": _object(
                    {
                        "error": _object(
                            {"code": {"type": "string"}, "message": {"type": "string"}},
                            ["code", "message"],
                        )
                    },
                    ["error"],
                ),
                "Meta": _object(
                    {
                        "total": {"type": "integer", "minimum": 0},
                        "page": {"type": "integer", "minimum": 1},
                        "per_page": {"type": "integer", "minimum": 1, "maximum": 50},
                        "pages": {"type": "integer", "minimum": 1},
                        "facets": {
                            "type": "object",
                            "description": "Matches per value of each filter, keyed by the "
                            "filter's parameter (role, country, situation, theme, language, org; "
                            "kind for organisations); a filter given keeps its other values' "
                            "counts.",
                            "additionalProperties": {
                                "type": "object",
                                "additionalProperties": {"type": "integer", "minimum": 1},
                            },
                        },
                        "messages": STRING_LIST,
                    },
                    ["total", "page", "per_page", "pages", "facets", "messages"],
                ),
                "Links": _object(
                    {name: NULLABLE_STRING for name in ("self", "first", "last", "next", "prev")},
                    ["self", "first", "last", "next", "prev"],
                ),
                "PersonSummary": _object(
                    {**PERSON_FIELDS, "url": {"type": "string"}}, ["id", "name", "role", "url"]
                ),
                "PersonList": _listing("PersonSummary"),
                "PersonDetail": _object(
                    {
                        "data": _object(
                            {
                                **PERSON_FIELDS,
                                "bio": {"type": "string"},
                                "verified": {"type": "boolean"},
                                "last_confirmed": NULLABLE_STRING,
                                # Only for the secretariat and verified policy-makers, and
                                # only of a listed defender available to brief.
                                "briefing": _object(
                                    {
                                        "situations": STRING_LIST,
                                        "themes": STRING_LIST,
                                        "languages": STRING_LIST,
                                        "modes": STRING_LIST,
                                        "named": {"type": "boolean"},
                                    },
                                    ["situations", "themes", "languages", "modes", "named"],
                                ),
                                "contact": _object(
                                    {
                                        name: {"type": "string"}
                                        for name in ("email", "phone", "messaging", "city")
                                    }
                                ),
                            },
                            ["id", "name", "role", "contact"],
                        )
                    },
                    ["data"],
                ),
                "OrganizationSummary": _object(
                    {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "acronym": {"type": "string"},
                        "kind": {"enum": list(ORG_KINDS)},
                        "headquarters_country": NULLABLE_STRING,
                        "countries": STRING_LIST,
                        "themes": STRING_LIST,
                        "website": NULLABLE_STRING,
                        "url": {"type": "string"},
                        "mission": {"type": "string"},
                        "focus": NULLABLE_STRING,
                        "contact_email": NULLABLE_STRING,
                        "member_since": NULLABLE_STRING,
                        "archived": {"const": True},
                    },
                    ["slug", "name", "kind", "url"],
                ),
                "OrganizationList": _listing("OrganizationSummary"),
                "OrganizationDetail": _object({"data": _ref("OrganizationSummary")}, ["data"]),
                **COUNCIL_SCHEMAS,
            },
        },
    }

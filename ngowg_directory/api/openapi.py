"""The OpenAPI 3.1 description of /api/v1, kept beside the code it describes.

Tests hold every real answer against these schemas (tests/test_api_contract.py).
"""

from __future__ import annotations

from typing import Any

from ..models import ORG_KINDS, ROLES

STRING_LIST = {"type": "array", "items": {"type": "string"}}
NULLABLE_STRING = {"type": ["string", "null"]}
ORG_REF = {
    "type": ["object", "null"],
    "required": ["slug", "name"],
    "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
    "additionalProperties": False,
}
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
    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 5000}},
    {"name": "country", "in": "query", "schema": {"type": "string"}},
    {"name": "theme", "in": "query", "schema": {"type": "string"}},
    {"name": "sort", "in": "query", "schema": {"type": "string"}},
    {"name": "page", "in": "query", "schema": {"type": "string"}},
    {"name": "per_page", "in": "query", "schema": {"type": "string"}},
]


def _listing(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["data", "meta", "links"],
        "additionalProperties": False,
        "properties": {
            "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "meta": {"$ref": "#/components/schemas/Meta"},
            "links": {"$ref": "#/components/schemas/Links"},
        },
    }


def _ok(schema: str) -> dict[str, Any]:
    return {
        "200": {
            "description": "OK",
            "headers": {"ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        },
        "304": {"description": "Not modified (If-None-Match matched the ETag)"},
        "401": {"$ref": "#/components/responses/Error"},
        # The token's owner has a role that needs two-factor sign-in and has not enrolled.
        "403": {"$ref": "#/components/responses/Error"},
        "404": {"$ref": "#/components/responses/Error"},
        "429": {"$ref": "#/components/responses/Error"},
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
            "/people": {
                "get": {
                    "operationId": "listPeople",
                    "parameters": [
                        *COMMON_FILTERS,
                        {"name": "role", "in": "query", "schema": {"type": "string"}},
                        {"name": "situation", "in": "query", "schema": {"type": "string"}},
                        {"name": "language", "in": "query", "schema": {"type": "string"}},
                        {"name": "org", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": _ok("PersonList"),
                }
            },
            "/people/{id}": {
                "get": {
                    "operationId": "getPerson",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": _ok("PersonDetail"),
                }
            },
            "/organizations": {
                "get": {
                    "operationId": "listOrganizations",
                    "parameters": [
                        *COMMON_FILTERS,
                        {"name": "kind", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": _ok("OrganizationList"),
                }
            },
            "/organizations/{slug}": {
                "get": {
                    "operationId": "getOrganization",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": _ok("OrganizationDetail"),
                }
            },
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
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "additionalProperties": False,
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "additionalProperties": False,
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        }
                    },
                },
                "Meta": {
                    "type": "object",
                    "required": ["total", "page", "per_page", "pages", "facets", "messages"],
                    "additionalProperties": False,
                    "properties": {
                        "total": {"type": "integer", "minimum": 0},
                        "page": {"type": "integer", "minimum": 1},
                        "per_page": {"type": "integer", "minimum": 1, "maximum": 50},
                        "pages": {"type": "integer", "minimum": 1},
                        "facets": {
                            "type": "object",
                            "additionalProperties": {
                                "type": "object",
                                "additionalProperties": {"type": "integer", "minimum": 1},
                            },
                        },
                        "messages": STRING_LIST,
                    },
                },
                "Links": {
                    "type": "object",
                    "required": ["self", "first", "last", "next", "prev"],
                    "additionalProperties": False,
                    "properties": {
                        name: NULLABLE_STRING for name in ("self", "first", "last", "next", "prev")
                    },
                },
                "PersonSummary": {
                    "type": "object",
                    "required": ["id", "name", "role", "url"],
                    "additionalProperties": False,
                    "properties": {
                        **PERSON_FIELDS,
                        "url": {"type": "string"},
                    },
                },
                "PersonList": _listing("PersonSummary"),
                "PersonDetail": {
                    "type": "object",
                    "required": ["data"],
                    "additionalProperties": False,
                    "properties": {
                        "data": {
                            "type": "object",
                            "required": ["id", "name", "role", "contact"],
                            "additionalProperties": False,
                            "properties": {
                                **PERSON_FIELDS,
                                "bio": {"type": "string"},
                                "verified": {"type": "boolean"},
                                "last_confirmed": NULLABLE_STRING,
                                "contact": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "properties": {
                                        name: {"type": "string"}
                                        for name in ("email", "phone", "messaging", "city")
                                    },
                                },
                            },
                        }
                    },
                },
                "OrganizationSummary": {
                    "type": "object",
                    "required": ["slug", "name", "kind", "url"],
                    "additionalProperties": False,
                    "properties": {
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
                },
                "OrganizationList": _listing("OrganizationSummary"),
                "OrganizationDetail": {
                    "type": "object",
                    "required": ["data"],
                    "additionalProperties": False,
                    "properties": {"data": {"$ref": "#/components/schemas/OrganizationSummary"}},
                },
            },
        },
    }

"""API endpoints: people and organisations, list and detail, as the token's owner sees them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, abort, request, url_for

from .. import privacy
from ..extensions import csrf, db, limiter
from ..models import User
from ..privacy.briefings import availability_of
from ..ratelimits import (
    api_auth_failure_limit_value,
    api_limit_value,
    client_address,
    profile_limit_value,
    record_breach,
    user_key,
)
from ..search import Query, Result, search_organizations, search_people
from ..search.facets import Facet
from ..search.params import ORG_FACETS, PEOPLE_FACETS, parse
from . import bp
from .auth import api_user, authenticated, failed, identify, require_token

V = TypeVar("V")

csrf.exempt(bp)
bp.url_value_preprocessor(identify)  # before the limiter: the limits below know the owner
bp.before_request(require_token)

# One budget per token owner across every endpoint; requests without a working token count
# against their address alone, so bad tokens never spend a valid owner's budget; a person read
# through the API spends the same harvesting budget as her profile page (scope and key).
limiter.shared_limit(
    api_limit_value, scope="api", key_func=user_key, exempt_when=lambda: not authenticated()
)(bp)
limiter.shared_limit(
    api_auth_failure_limit_value,
    scope="api-auth-failures",
    key_func=client_address,
    exempt_when=lambda: not failed(),
)(bp)
limiter.shared_limit(
    profile_limit_value,
    scope="profile-views",
    key_func=user_key,
    exempt_when=lambda: not (authenticated() and request.endpoint == "api.person"),
    on_breach=record_breach,
)(bp)


def respond(payload: dict[str, Any]) -> Response:
    """JSON with an ETag; If-None-Match answers 304 without a body (Werkzeug's conditional
    response: the ETag is a digest of the body, compared as RFC 9110 says)."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    response = Response(body, mimetype="application/json")
    response.add_etag()
    response.headers["Cache-Control"] = "private, no-cache"
    response.make_conditional(request)
    # make_conditional adds a Date header, and gunicorn writes its own: two Date lines, which
    # nginx complains of (pallets/werkzeug#2500). The server's is the one sent.
    response.headers.pop("Date", None)
    return response


def _links(endpoint: str, page: int, pages: int) -> dict[str, str | None]:
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}

    def link(number: int) -> str:
        return url_for(endpoint, **args, page=number)

    return {
        "self": link(page),
        "first": link(1),
        "last": link(pages),
        "next": link(page + 1) if page < pages else None,
        # Past the last page, the previous page is the last one there is.
        "prev": link(min(page - 1, pages)) if page > 1 else None,
    }


def _listing(endpoint: str, result: Result, parsed, items: list[dict]) -> dict[str, Any]:
    pages = parsed.query.pages(result.total)
    return {
        "data": items,
        "meta": {
            "total": result.total,
            "page": parsed.query.page,
            "per_page": parsed.query.per_page,
            "pages": pages,
            "facets": result.facets,
            "messages": parsed.messages,
        },
        "links": _links(endpoint, parsed.query.page, pages),
    }


def _found(
    endpoint: str,
    facets: tuple[Facet, ...],
    search: Callable[[Query], Result],
    views: Callable[[User, list[int]], list[V]],
    item: Callable[[V], dict[str, Any]],
) -> Response:
    """A list endpoint: the query from the arguments, a page of hits as the owner may see them."""
    parsed = parse(request.args, facets)
    result = search(parsed.query)
    items = [item(view) for view in views(api_user(), result.ids)]
    return respond(_listing(endpoint, result, parsed, items))


def _org_ref(org: privacy.OrgRef | None) -> dict[str, str] | None:
    return {"slug": org.slug, "name": org.name} if org is not None else None


def _person_fields(view: privacy.ListingView | privacy.PersonView) -> dict[str, Any]:
    """What a list entry and the detail of a person share (openapi.PERSON_FIELDS)."""
    return {
        "id": view.id,
        "name": view.name,
        "role": view.role,
        "title": view.title,
        "organization": _org_ref(view.organization),
        "affiliation": view.affiliation,
        "country": view.country,
        "situations": view.situations,
        "themes": view.themes,
        "languages": view.languages,
    }


def _person_item(hit: privacy.ListingView) -> dict[str, Any]:
    return {**_person_fields(hit), "url": url_for("api.person", person_id=hit.id)}


@bp.get("/people")
def people() -> Response:
    """Listed people matching the filters (no contact details, as in the directory pages)."""
    return _found("api.people", PEOPLE_FACETS, search_people, privacy.listing_views, _person_item)


@bp.get("/people/<int:person_id>")
def person(person_id: int) -> Response:
    """One person with the contact details the token's owner may see (reveals audited)."""
    viewer = api_user()
    person = privacy.person_or_404(viewer, person_id)
    view = privacy.view_of(viewer, person)
    if view is None:
        abort(404)
    if privacy.record_reveal(viewer, view, channel="api"):
        db.session.commit()
    data = {
        **_person_fields(view),
        "bio": view.bio,
        "verified": view.verified,
        "contact": view.contact,
        "last_confirmed": view.last_confirmed_at.date().isoformat()
        if view.last_confirmed_at
        else None,
    }
    # Her availability to brief, for the viewers who may know it (as on her profile page).
    offer = availability_of(viewer, person)
    if offer is not None:
        data["briefing"] = {
            "situations": offer.situations,
            "themes": offer.themes,
            "languages": offer.languages,
            "modes": offer.modes,
            "named": offer.named,
        }
    return respond({"data": data})


def _org_item(org: privacy.OrgView, *, full: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {
        "slug": org.slug,
        "name": org.name,
        "acronym": org.acronym,
        "kind": org.kind,
        "headquarters_country": org.headquarters_country,
        "countries": org.countries,
        "themes": org.themes,
        "website": org.website,
        "url": url_for("api.organization", slug=org.slug),
    }
    if full:
        item |= {
            "mission": org.mission,
            "focus": org.focus,
            "contact_email": org.contact_email,
            "member_since": org.member_since.isoformat() if org.member_since else None,
        }
    if org.archived:  # only the secretariat is shown an archived organisation
        item["archived"] = True
    return item


@bp.get("/organizations")
def organizations() -> Response:
    """Live organisations matching the filters."""
    return _found(
        "api.organizations", ORG_FACETS, search_organizations, privacy.org_views, _org_item
    )


@bp.get("/organizations/<slug>")
def organization(slug: str) -> Response:
    """One organisation (an archived one answers 404 to everyone but the secretariat)."""
    viewer = api_user()
    return respond(
        {"data": _org_item(privacy.org_view(viewer, privacy.org_or_404(viewer, slug)), full=True)}
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API (no token needed)."""
    from .openapi import document

    return respond(document())

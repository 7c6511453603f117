"""People and organisation search pages: a GET form, facets, paging, an empty state."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import render_template, request
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..forms import ROLE_LABELS
from ..models import Organization, User
from ..ratelimits import search_limit
from ..search import Result, search_organizations, search_people
from ..search.cache import cached_section
from . import bp
from .params import ORG_FILTERS, PEOPLE_FILTERS, Parsed, parse

TAG_SQL = sa.text(
    "SELECT user_id, 's', code FROM profile_situations WHERE user_id IN :ids "
    "UNION ALL SELECT user_id, 't', slug FROM profile_themes WHERE user_id IN :ids "
    "UNION ALL SELECT user_id, 'l', code FROM profile_languages WHERE user_id IN :ids"
).bindparams(sa.bindparam("ids", expanding=True))


@dataclass
class PersonHit:
    """What a result row shows: never a contact detail."""

    id: int
    name: str
    role: str
    title: str
    organization: Organization | None
    affiliation: str
    country: str | None
    situations: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)


def people_hits(ids: list[int]) -> list[PersonHit]:
    """The page's people in result order: one query for them, one for their tags."""
    if not ids:
        return []
    users = db.session.scalars(
        sa.select(User)
        .options(joinedload(User.profile), joinedload(User.organization))
        .where(User.id.in_(ids))
    ).unique()
    hits = {
        u.id: PersonHit(
            u.id,
            u.name,
            u.role,
            u.profile.title,
            u.organization,
            u.profile.affiliation,
            u.profile.country,
        )
        for u in users
    }
    lists = {"s": "situations", "t": "themes", "l": "languages"}
    for user_id, kind, value in db.session.execute(TAG_SQL, {"ids": ids}):
        getattr(hits[user_id], lists[kind]).append(value)
    for hit in hits.values():
        for name in lists.values():
            getattr(hit, name).sort()
    return [hits[i] for i in ids if i in hits]


def _labels(org_names: dict[str, str]) -> dict[str, object]:
    """Functions the templates use to name facet values and applied filters."""
    from ..templating import ORG_KIND_LABELS, tag_label

    def org_name(slug: str) -> str:
        return org_names.get(slug, slug)

    def role_label(role: str) -> str:
        return str(ROLE_LABELS.get(role, role))

    def kind_label(kind: str) -> str:
        return str(ORG_KIND_LABELS.get(kind, kind))

    def filter_label(name: str, value: str) -> str:
        if name == "role":
            return role_label(value)
        if name == "kind":
            return kind_label(value)
        if name == "org":
            return org_name(value)
        plural = {"theme": "themes", "situation": "situations", "language": "languages"}
        return tag_label(plural.get(name, "countries"), value)

    return {
        "org_name": org_name,
        "role_label": role_label,
        "kind_label": kind_label,
        "filter_label": filter_label,
    }


def _paging(parsed: Parsed, result: Result) -> dict[str, int]:
    pages = max(1, math.ceil(result.total / parsed.query.per_page))
    return {"page": parsed.query.page, "pages": pages, "total": result.total}


@bp.get("/directory")
@search_limit
def people() -> str:
    """Find people by text, role, country, agenda situation, theme, language, organisation."""
    parsed = parse(request.args, PEOPLE_FILTERS)

    result = search_people(parsed.query)

    def section() -> str:
        return render_template(
            "directory/_people_section.html",
            parsed=parsed,
            result=result,
            hits=people_hits(result.ids),
            paging=_paging(parsed, result),
            **_labels(result.org_names),
        )

    return render_template(
        "directory/people.html",
        section=cached_section("people", parsed.query, result, section),
    )


@bp.get("/directory/organizations")
@search_limit
def organizations() -> str:
    """Find organisations by text, kind, country and theme."""
    parsed = parse(request.args, ORG_FILTERS)

    result = search_organizations(parsed.query)

    def section() -> str:
        found = {}
        if result.ids:
            found = {
                o.id: o
                for o in db.session.scalars(
                    sa.select(Organization)
                    .options(
                        selectinload(Organization.countries), selectinload(Organization.themes)
                    )
                    .where(Organization.id.in_(result.ids))
                )
            }
        return render_template(
            "directory/_organizations_section.html",
            parsed=parsed,
            result=result,
            hits=[found[i] for i in result.ids if i in found],
            paging=_paging(parsed, result),
            **_labels({}),
        )

    return render_template(
        "directory/organizations.html",
        section=cached_section("organizations", parsed.query, result, section),
    )

"""What the search index holds: normalised text and filter tokens, only for listed people.

Kept in step by a before_flush listener (`keep_index_in_step`, attached by the app factory:
search.register_listeners), so every change that goes through the ORM (profile edits,
hiding, consent, suspension, deletion) reaches the index in the same transaction. Contact
details never enter it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import reference
from ..labels import ROLE_SEARCH_WORDS
from ..models import Organization, OrganizationTag, Profile, ProfileTag, User
from ..models._types import SearchEntry
from . import scripts, synonyms
from .facets import COUNTRY, KIND, LANGUAGE, ORG, ROLE, SITUATION, THEME
from .text import normalise


@cache
def _country_words(code: str) -> str:
    return " ".join(reference.all_country_names(code))


@cache
def _theme_words(slug: str) -> str:
    """A theme's names in every language the directory speaks, and its short forms."""
    names = reference.theme_names_all(slug) or [slug]
    return " ".join([*names, *synonyms.short_forms_for_filter("theme", slug)])


@cache
def _place_words(code: str) -> str:
    """A country's names (the UN's and CLDR's) in every language, its agenda item's names,
    and the short forms users type for them (DRC, RDC, oPt, ...)."""
    words = [_country_words(code), *reference.situation_names_all(code)]
    words += synonyms.short_forms_for_filter("country", code)
    words += synonyms.short_forms_for_filter("situation", code)
    return " ".join(words)


def person_document(user: User) -> tuple[str | None, str | None]:
    """(search_text, filters) for a person, or (None, None) when she is not listed.

    Her organisation enters only while every member may see it (not archived)."""
    from ..privacy import is_listed, org_listed

    profile = user.profile
    if profile is None or not is_listed(user):
        return None, None
    org = user.organization if user.organization and org_listed(user.organization) else None
    return person_fields(
        name=user.name,
        role=user.role,
        org=(org.slug, org.name, org.acronym) if org else None,
        title=profile.title,
        affiliation=profile.affiliation,
        bio=profile.bio,
        country=profile.country,
        situations=profile.situation_codes,
        themes=profile.theme_slugs,
        languages=profile.language_codes,
    )


def person_fields(
    *,
    name: str,
    role: str,
    org: tuple[str, str, str] | None,
    title: str,
    affiliation: str,
    bio: str,
    country: str | None,
    situations: list[str],
    themes: list[str],
    languages: list[str],
) -> tuple[str, str]:
    """The index entry of a listed person from plain values (also used for bulk data): her
    text field by field (engine.py weighs them), and her filter tokens."""
    countries = {country} if country else set()
    countries.update(situations)
    places = [
        ROLE_SEARCH_WORDS.get(role, role),
        *(_theme_words(slug) for slug in themes),
        *(_place_words(code) for code in sorted(countries)),
        *(reference.language_name(code, reference.ENGLISH) for code in languages),
    ]
    org_words = " ".join(org[1:]) if org else ""
    texts = f"{org_words} {title} {affiliation} {bio}"
    fields = {
        "name": name,
        "keys": " ".join(scripts.name_keys(name)),
        "org": f"{org_words} {' '.join(synonyms.short_forms_for(normalise(org_words)))}",
        "title": f"{title} {affiliation}",
        # The short forms of what her texts say ("conflict-related sexual violence": crsv).
        "places": " ".join([*places, *synonyms.short_forms_for(normalise(texts))]),
        "bio": bio,
    }
    filters = [ROLE.token(role)]
    if country:
        filters.append(COUNTRY.token(country))
    if org is not None:
        filters.append(ORG.token(org[0]))
    filters += [SITUATION.token(code) for code in situations]
    filters += [THEME.token(slug) for slug in themes]
    filters += [LANGUAGE.token(code) for code in languages]
    return entry(fields), " ".join(filters)


def entry(fields: dict[str, str]) -> str:
    """An index entry as stored (`search_text`): each field's normalised words, as JSON."""
    normalised = {name: normalise(value) for name, value in fields.items()}
    return json.dumps(
        {name: value for name, value in normalised.items() if value},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


def entry_fields(stored: str, name: str | None) -> dict[str, str]:
    """The fields of a stored entry; one written before revision 0010 (plain words) is read
    as its name and the rest."""
    if stored.startswith("{"):
        return dict(json.loads(stored))
    return {"name": name or "", "bio": stored}


def org_document(org: Organization) -> tuple[str | None, str | None]:
    """(search_text, filters) for an organisation, or (None, None) when archived."""
    if org.archived_at is not None:
        return None, None
    countries = set(org.country_codes)
    if org.headquarters_country:
        countries.add(org.headquarters_country)
    places = [
        *(_theme_words(slug) for slug in org.theme_slugs),
        *(_place_words(code) for code in sorted(countries)),
    ]
    name = f"{org.name} {org.acronym}"
    places += synonyms.short_forms_for(normalise(f"{name} {org.mission} {org.focus or ''}"))
    fields = {
        "name": name,
        "places": " ".join(places),
        "bio": f"{org.mission} {org.focus or ''}",
    }
    filters = [KIND.token(org.kind)]
    filters += [COUNTRY.token(code) for code in sorted(countries)]
    filters += [THEME.token(slug) for slug in org.theme_slugs]
    return entry(fields), " ".join(filters)


def _store(row: SearchEntry, name: str | None, text: str | None, filters: str | None) -> None:
    """Write an index entry only when it changed: an unchanged one leaves the row clean."""
    if (row.search_name, row.search_text, row.search_filters) != (name, text, filters):
        row.search_name, row.search_text, row.search_filters = name, text, filters


def refresh_person(profile: Profile, user: User) -> None:
    """Recompute one person's index entry if it changed."""
    text, filters = person_document(user)
    _store(profile, normalise(user.name)[:200] if text is not None else None, text, filters)


def refresh_org(org: Organization) -> None:
    """Recompute one organisation's index entry if it changed."""
    text, filters = org_document(org)
    name = normalise(f"{org.name} {org.acronym}")[:200] if text is not None else None
    _store(org, name, text, filters)


# An organisation's columns that its people's index entries hold (words, token, archived).
ORG_COLUMNS_IN_PEOPLE = ("name", "acronym", "slug", "archived_at")


def _org_people(session: Session, org: Organization) -> list[User]:
    """Her people, when a change to the organisation changes their entries too."""
    state = sa.inspect(org)
    if state.pending or not any(
        state.attrs[name].history.has_changes() for name in ORG_COLUMNS_IN_PEOPLE
    ):
        return []
    query = sa.select(User).where(User.organization_id == org.id).options(*User.with_tags())
    return list(session.scalars(query).unique())


def _touched(session: Session) -> tuple[set[int], set[int]]:
    people: set[int] = set()
    orgs: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, User):
            if obj.id is not None:
                people.add(obj.id)
        elif isinstance(obj, Profile | ProfileTag):
            if obj.user_id is not None:
                people.add(obj.user_id)
        elif isinstance(obj, Organization):
            if obj.id is not None:
                orgs.add(obj.id)
        elif isinstance(obj, OrganizationTag) and obj.organization_id:
            orgs.add(obj.organization_id)
    return people, orgs


def keep_index_in_step(session: Session, flush_context: Any, instances: Any) -> None:
    """Before a flush: recompute the entries of the people and organisations it touches."""
    with session.no_autoflush:
        for obj in list(session.new):
            if isinstance(obj, User) and obj.profile is not None:
                refresh_person(obj.profile, obj)
            elif isinstance(obj, Organization):
                refresh_org(obj)
        people, orgs = _touched(session)
        for user_id in people:
            user = session.get(User, user_id)
            if user is not None and user not in session.deleted and user.profile is not None:
                refresh_person(user.profile, user)
        for org_id in orgs:
            org = session.get(Organization, org_id)
            if org is not None and org not in session.deleted:
                refresh_org(org)
                for user in _org_people(session, org):
                    if user.id not in people and user.profile is not None:
                        refresh_person(user.profile, user)

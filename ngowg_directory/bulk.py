"""Fictional bulk data for benchmarks: many people with a realistic spread, inserted fast.

The demo's big sibling (demo.py seeds a few dozen people through the services; this writes
hundreds of thousands in multi-row INSERTs built by models/rows.py from the model defaults).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from itertools import islice

import sqlalchemy as sa

from . import reference
from .extensions import db
from .models import (
    Organization,
    OrganizationCountry,
    OrganizationTheme,
    Profile,
    ProfileLanguage,
    ProfileSituation,
    ProfileTheme,
    User,
)
from .models._types import utcnow
from .models.rows import insert_all
from .privacy import default_audiences
from .search.index import person_fields, refresh_org
from .search.text import normalise

FIRST = [
    "Amina",
    "Fatima",
    "Aïcha",
    "Mariam",
    "Hawa",
    "Zainab",
    "Nasrin",
    "Lucía",
    "Sofía",
    "María",
    "Ana",
    "Chiara",
    "Ingrid",
    "Olga",
    "Oksana",
    "Nadia",
    "Rania",
    "Layla",
    "Huda",
    "Samira",
    "Nour",
    "Yasmin",
    "Grace",
    "Esther",
    "Joy",
    "Precious",
    "Thandiwe",
    "Ngozi",
    "Chipo",
    "Marie-Claire",
    "Aminata",
    "Fanta",
    "Kadiatou",
    "Hnin",
    "Aye",
    "Thida",
    "Mai",
    "Linh",
    "Priya",
    "Anjali",
    "Fatuma",
    "Halima",
    "Hodan",
    "Ayaan",
    "Sahra",
    "Olivier",
    "Kenji",
    "Björn",
    "Jean-Baptiste",
    "Ahmed",
    "Mohamed",
    "Omar",
    "Yusuf",
    "Carlos",
    "José",
    "Luis",
]
FIRST += ["فاطمة", "مريم", "زينب", "ليلى", "نور", "هدى", "سارة", "رنا", "أمل", "منى"]
LAST = [
    "Diallo",
    "Traoré",
    "Keïta",
    "Coulibaly",
    "Touré",
    "Okafor",
    "Nyakuong",
    "Deng",
    "Garang",
    "Uwimana",
    "Mukendi",
    "Kabila",
    "Ahmadi",
    "Hosseini",
    "Rahimi",
    "Núñez",
    "Quispe",
    "Mamani",
    "Pérez",
    "García",
    "Rodríguez",
    "Haddad",
    "Khoury",
    "Nasser",
    "Mansour",
    "Saleh",
    "Hassan",
    "Abdi",
    "Warsame",
    "Farah",
    "Osman",
    "Mohamud",
    "Bjørnsson",
    "Lindqvist",
    "Dupont",
    "Moreau",
    "Kovalenko",
    "Shevchenko",
    "Phyo",
    "Aung",
    "Win",
    "Nguyen",
    "Tran",
    "Sharma",
    "Mokoena",
    "Dlamini",
    "Watanabe",
    "Tanaka",
    "Begić",
    "Hadžić",
    "Jean-Louis",
]
LAST += ["عثمان", "حداد", "الحسن", "إبراهيم", "منصور", "الخطيب", "يوسف", "عبد الله"]
TITLES = (
    "Programme officer",
    "Women's rights lawyer",
    "Community organiser",
    "Peacebuilder",
    "Journalist",
    "Human rights documenter",
    "Policy adviser",
    "Political affairs officer",
    "Gender adviser",
    "First secretary",
    "Counsellor",
    "Researcher",
    "Coordinator",
    "Midwife and activist",
    "Mediator",
    "Legal aid officer",
    "Advocacy officer",
)
LANGUAGES_BY_COUNTRY = {
    "AF": ["fa", "ps"],
    "SD": ["ar"],
    "SS": ["en", "ar"],
    "SY": ["ar", "ku"],
    "YE": ["ar"],
    "IQ": ["ar", "ku"],
    "LY": ["ar"],
    "LB": ["ar", "fr"],
    "PS": ["ar"],
    "ML": ["fr", "bm"],
    "CF": ["fr", "sg"],
    "CD": ["fr", "sw", "ln"],
    "BI": ["fr", "rn"],
    "SO": ["so", "ar"],
    "CO": ["es"],
    "HT": ["fr", "ht"],
    "MM": ["my"],
    "UA": ["uk", "ru"],
    "BA": ["bs", "hr", "sr"],
    "CY": ["el", "tr"],
    "GW": ["pt"],
    "EH": ["ar", "es"],
    "US": ["en"],
    "CH": ["fr", "en"],
}
ROLE_WEIGHTS = (("defender", 45), ("staff", 25), ("policy_maker", 22), ("manager", 7), ("admin", 1))
ORG_KIND_WEIGHTS = (("member", 60), ("partner", 20), ("un_entity", 10), ("mission", 10))
BATCH = 2000
CONFIRMED_SPAN = 2 * 365 * 86_400  # seconds: generated people confirmed over two years


def _chunks(iterable, size: int):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _pick(rng: random.Random, weights: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([w[0] for w in weights], [w[1] for w in weights])[0]


def generate_orgs(count: int, rng: random.Random) -> list[tuple[int, str, str, str]]:
    """Create fictional organisations; returns (id, slug, name, acronym) of each."""
    situations = list(reference.situations())
    themes = list(reference.themes())
    words = ("Women", "Peace", "Network", "Alliance", "Voices", "Coalition", "Forum", "Action")
    start = db.session.scalar(sa.select(sa.func.count(Organization.id))) or 0
    made = []
    for index in range(start, start + count):
        name = f"{rng.choice(words)} {rng.choice(words)} {rng.choice(LAST)} {index}"
        slug = f"bulk-org-{index}"
        org = Organization(
            name=name,
            slug=slug,
            kind=_pick(rng, ORG_KIND_WEIGHTS),
            acronym=f"BO{index}",
            headquarters_country=rng.choice(["US", "CH", "GB", "KE", *situations]),
            focus="Fictional organisation for benchmarks",
            is_demo=True,
        )
        for code in rng.sample(situations, rng.randint(1, 4)):
            org.countries.append(OrganizationCountry(code=code))
        for slug_ in rng.sample(themes, rng.randint(1, 3)):
            org.themes.append(OrganizationTheme(slug=slug_))
        db.session.add(org)
        made.append(org)
    db.session.flush()
    for org in made:
        refresh_org(org)
    db.session.commit()
    return [(o.id, o.slug, o.name, o.acronym) for o in made]


def generate_people(
    count: int, *, orgs: int | None = None, seed: int = 1325, echo: Callable[[str], object] = print
) -> int:
    """Insert `count` fictional listed people (and organisations for them) in batches."""
    rng = random.Random(seed)
    org_rows = generate_orgs(orgs if orgs is not None else max(20, count // 50), rng)
    situations = list(reference.situations())
    themes = list(reference.themes())
    first_id = (db.session.scalar(sa.select(sa.func.max(User.id))) or 0) + 1
    now = utcnow()
    # Confirmed over the last two years, as in a directory in use (a random stream of its
    # own, so that the people are the same as before it was added).
    dates = random.Random(seed + 1)
    made = 0
    for chunk in _chunks(range(first_id, first_id + count), BATCH):
        users: list[dict[str, object]] = []
        profiles: list[dict[str, object]] = []
        tags: dict[str, list[dict[str, object]]] = {"s": [], "t": [], "l": []}
        for user_id in chunk:
            role = _pick(rng, ROLE_WEIGHTS)
            org = (
                rng.choice(org_rows) if role in ("staff", "manager") or rng.random() < 0.5 else None
            )
            if role == "defender":
                country = rng.choice(situations)
                person_situations = [country, *rng.sample(situations, rng.randint(0, 1))]
            else:
                country = rng.choice(["US", "US", "US", "CH", *situations])
                person_situations = rng.sample(situations, rng.randint(1, 4))
            person_situations = sorted(set(person_situations))
            person_themes = sorted(rng.sample(themes, rng.randint(1, 4)))
            langs = LANGUAGES_BY_COUNTRY.get(country, ["en"])
            person_languages = sorted(
                {*rng.sample(langs, 1), *(["en"] if rng.random() < 0.6 else [])}
            )
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            title = rng.choice(TITLES)
            email = f"bulk{user_id}@bulk.example.org"
            text, filters = person_fields(
                name=name,
                role=role,
                org=org[1:] if org else None,
                title=title,
                affiliation="",
                bio="",
                country=country,
                situations=person_situations,
                themes=person_themes,
                languages=person_languages,
            )
            users.append(
                {
                    "id": user_id,
                    "email": email,
                    "name": name,
                    "role": role,
                    "status": "active",
                    "organization_id": org[0] if org else None,
                    "is_demo": True,
                }
            )
            audiences = default_audiences(role)
            profiles.append(
                {
                    "user_id": user_id,
                    "title": title,
                    "country": country,
                    "email": email,  # the column type encrypts it
                    # Fictional people who took the consent step: listed, every role.
                    "consent_at": now,
                    "last_confirmed_at": now - timedelta(seconds=dates.randrange(CONFIRMED_SPAN)),
                    "search_name": normalise(name),
                    "search_text": text,
                    "search_filters": filters,
                    **{f"{field}_audience": value for field, value in audiences.items()},
                }
            )
            tags["s"] += [{"user_id": user_id, "code": c} for c in person_situations]
            tags["t"] += [{"user_id": user_id, "slug": t} for t in person_themes]
            tags["l"] += [{"user_id": user_id, "code": c} for c in person_languages]
        # Core inserts: the ORM's per-object work would dominate at this size.
        for model, rows in (
            (User, users),
            (Profile, profiles),
            (ProfileSituation, tags["s"]),
            (ProfileTheme, tags["t"]),
            (ProfileLanguage, tags["l"]),
        ):
            insert_all(model, rows)
        db.session.commit()
        made += len(chunk)
        echo(f"{made}/{count} people")
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('users', 'id'), max(id)) FROM users")
        )
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return made

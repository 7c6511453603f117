"""Demo data: the real member organisations and fictional people of every role."""

from __future__ import annotations

import csv
from collections.abc import Callable
from importlib import resources

import sqlalchemy as sa

from .extensions import db
from .models import Organization, User
from .models._types import utcnow
from .services import accounts, demo_briefings, demo_council, profiles, twofactor

DEMO_PASSWORD = "demo-directory-2026"  # noqa: S105 - printed for the demo accounts only
DEMO_DOMAIN = "demo.example.org"
UNLISTED_DEMO = "defender.myanmar"  # the one demo person who has not agreed to be listed

# Fictional people: (local part, display name, role, organisation slug or None).
DEMO_PEOPLE: tuple[tuple[str, str, str, str | None], ...] = (
    ("secretariat", "Amina Diallo", "admin", None),
    ("manager.wilpf", "Sofía Núñez", "manager", "wilpf"),
    ("manager.gnwp", "Ngozi Okafor", "manager", "global-network-of-women-peacebuilders"),
    ("staff.wilpf", "Ingrid Bjørnsson", "staff", "wilpf"),
    ("staff.cordaid", "Jean-Baptiste Mukendi", "staff", "cordaid"),
    ("defender.sudan", "فاطمة الزهراء عثمان", "defender", None),
    ("defender.mali", "Aïssata Traoré", "defender", "wilpf"),
    ("defender.southsudan", "Hawa Nyakuong", "defender", "global-network-of-women-peacebuilders"),
    ("defender.drc", "Marie-Claire Uwimana", "defender", "global-network-of-women-peacebuilders"),
    ("defender.afghanistan", "Nasrin Ahmadi", "defender", None),
    ("defender.colombia", "Lucía Quispe Mamani", "defender", "madre"),
    ("defender.syria", "رنا حداد", "defender", None),
    ("defender.myanmar", "Hnin Wai Phyo", "defender", "wilpf"),
    ("pm.france", "Olivier Dupont", "policy_maker", None),
    ("pm.unwomen", "Kenji Watanabe", "policy_maker", None),
    ("pm.expert", "Thandiwe Mokoena", "policy_maker", None),
    ("pm.sweden", "Björn Lindqvist", "policy_maker", None),
)


# Fictional profile details: (title, country, situations, themes, languages, phone, city).
DEMO_PROFILES: dict[str, tuple[str, str, str, str, str, str, str]] = {
    "secretariat": (
        "Programme Director",
        "US",
        "",
        "participation;national-action-plans",
        "en;fr",
        "",
        "New York",
    ),
    "manager.wilpf": (
        "UN Programme Manager",
        "US",
        "CO;SY",
        "disarmament;participation",
        "es;en",
        "",
        "New York",
    ),
    "manager.gnwp": (
        "Programme Coordinator",
        "US",
        "CD;SS",
        "national-action-plans",
        "en",
        "",
        "New York",
    ),
    "staff.wilpf": (
        "Advocacy Associate",
        "CH",
        "UA",
        "disarmament;prevention",
        "en;fr",
        "",
        "Geneva",
    ),
    "staff.cordaid": ("Policy Adviser", "NL", "CD;CF", "relief-recovery", "fr;en", "", "The Hague"),
    "defender.sudan": (
        "Women's rights lawyer",
        "SD",
        "SD",
        "crsv;transitional-justice",
        "ar;en",
        "+249912345678",
        "Khartoum",
    ),
    "defender.mali": (
        "Peacebuilder",
        "ML",
        "ML",
        "peace-processes;participation",
        "fr",
        "+22370123456",
        "Bamako",
    ),
    "defender.southsudan": (
        "Community organiser",
        "SS",
        "SS",
        "humanitarian-gbv;displacement",
        "en",
        "+211912345678",
        "Juba",
    ),
    "defender.drc": (
        "Survivor advocate",
        "CD",
        "CD",
        "crsv;protection",
        "fr;sw",
        "+243812345678",
        "Goma",
    ),
    "defender.afghanistan": ("Journalist", "AF", "AF", "whrd-civic-space", "fa;ps;en", "", ""),
    "defender.colombia": (
        "Indigenous women's leader",
        "CO",
        "CO",
        "peace-processes;climate-security",
        "es",
        "+573001234567",
        "Cauca",
    ),
    "defender.syria": (
        "Human rights documenter",
        "SY",
        "SY",
        "transitional-justice;displacement",
        "ar",
        "",
        "Gaziantep",
    ),
    "defender.myanmar": (
        "Women's network coordinator",
        "MM",
        "MM",
        "protection;crsv",
        "my;en",
        "",
        "",
    ),
    "pm.france": (
        "First Secretary, Permanent Mission of France",
        "US",
        "ML;CF",
        "participation",
        "fr;en",
        "+12125550101",
        "New York",
    ),
    "pm.unwomen": (
        "Peace and Security Specialist, UN Women",
        "US",
        "AF;MM",
        "national-action-plans;peace-processes",
        "en;ja",
        "",
        "New York",
    ),
    "pm.expert": (
        "Expert, Informal Experts Group on WPS",
        "US",
        "SD;SS;SO",
        "crsv;peacekeeping-sea",
        "en;zu",
        "",
        "New York",
    ),
    "pm.sweden": (
        "Counsellor, Permanent Mission of Sweden",
        "US",
        "UA;YE",
        "prevention",
        "sv;en",
        "",
        "New York",
    ),
}


def _fill_profile(user: User, local: str) -> None:
    title, country, situations, themes, languages, phone, city = DEMO_PROFILES[local]
    profile = user.profile
    profile.title, profile.country = title, country
    profile.phone, profile.city = phone or None, city or None
    profile.messaging = "Signal: " + phone if phone and user.role == "defender" else None
    split = [part.split(";") if part else [] for part in (situations, themes, languages)]
    profile.set_tags(*split)
    profile.bio = "Fictional demo profile. " + title + "."
    if local == UNLISTED_DEMO:
        # As if imported with consent=yes: the agreement on file lists her nowhere until she
        # agrees herself (sign in as her to see the consent step).
        profile.consent_on_file_at = profile.last_confirmed_at
    else:
        profiles.set_consent(user, True)  # as if she took the consent step herself


# (requester, recipient, state, days ago): contact requests in every state.
DEMO_REQUESTS = (
    ("pm.france", "defender.mali", "accepted", 3),
    ("pm.unwomen", "defender.sudan", "pending", 2),
    ("pm.expert", "defender.southsudan", "declined", 5),
    ("pm.sweden", "defender.drc", "ended", 20),
    ("staff.cordaid", "defender.colombia", "blocked", 6),
    ("pm.france", "defender.afghanistan", "pending", 40),  # expired after 30 days
    ("defender.syria", "pm.unwomen", "pending", 1),
    ("pm.france", "defender.drc", "pending", 1),  # her managers may answer for her
)
DEMO_MESSAGE = (
    "Fictional demo request: we prepare the Council's open debate and would value a "
    "briefing on the situation of women human rights defenders."
)


def _seed_requests() -> int:
    from datetime import timedelta

    from .models import Block, ContactRequest

    if db.session.scalar(sa.select(sa.func.count(ContactRequest.id))):
        return 0
    drc = accounts.find_by_email(demo_email("defender.drc"))
    if drc is not None:
        drc.profile.managers_may_answer = True
    for requester, recipient, state, days in DEMO_REQUESTS:
        sender = accounts.find_by_email(demo_email(requester))
        receiver = accounts.find_by_email(demo_email(recipient))
        if sender is None or receiver is None:
            continue
        when = utcnow() - timedelta(days=days)
        request = ContactRequest(
            requester=sender,
            recipient=receiver,
            message=DEMO_MESSAGE,
            status=state,
            created_at=when,
            responded_at=None if state == "pending" else when + timedelta(hours=5),
            ended_at=when + timedelta(days=3) if state == "ended" else None,
        )
        db.session.add(request)
        if state == "blocked":
            db.session.add(Block(blocker_id=receiver.id, blocked_id=sender.id))
    db.session.commit()
    return len(DEMO_REQUESTS)


def demo_email(local: str) -> str:
    """A demo address on a reserved example domain, so no mail reaches a real person."""
    return f"{local}@{DEMO_DOMAIN}"


def load_organizations() -> int:
    """Create the member organisations that are missing; returns how many were added."""
    added = 0
    with (
        resources.files("ngowg_directory.data")
        .joinpath("member_organizations.csv")
        .open(encoding="utf-8") as handle
    ):
        for row in csv.DictReader(handle):
            exists = db.session.scalar(
                sa.select(Organization.id).where(Organization.slug == row["slug"])
            )
            if exists:
                continue
            db.session.add(
                Organization(
                    name=row["name"],
                    slug=row["slug"],
                    kind="member",
                    website=row["website"] or None,
                    headquarters_country=row["headquarters_country"] or None,
                    focus=row["focus"] or None,
                )
            )
            added += 1
    db.session.flush()
    return added


def _org(slug: str | None) -> Organization | None:
    if slug is None:
        return None
    return db.session.scalar(sa.select(Organization).where(Organization.slug == slug))


def seed(*, if_empty: bool = False, echo: Callable[[str], object] = print) -> None:
    """Add what is missing of the demo data, commit, and print the demo accounts."""
    if if_empty and db.session.scalar(sa.select(sa.func.count(User.id))):
        echo("The database already has accounts; demo data not loaded.")
        return
    added_orgs = load_organizations()
    added_people = 0
    for local, name, role, slug in DEMO_PEOPLE:
        email = demo_email(local)
        user = accounts.find_by_email(email)
        if user is None:
            user = accounts.create_user(
                email, role, name=name, organization=_org(slug), password=DEMO_PASSWORD
            )
            user.is_demo = True
            _fill_profile(user, local)
            added_people += 1
        if role in ("admin", "manager") and not user.totp_enabled:
            user.totp_secret = twofactor.new_secret()
            user.totp_enabled = True
    db.session.commit()
    requests_added = _seed_requests()
    meetings = demo_council.seed(
        accounts.find_by_email(demo_email("secretariat")),
        accounts.find_by_email(demo_email("defender.sudan")),
    )
    db.session.commit()
    invitations = demo_briefings.seed(
        accounts.find_by_email(demo_email("secretariat")),
        accounts.find_by_email(demo_email("pm.france")),
        [
            user
            for local in ("defender.sudan", "defender.southsudan")
            if (user := accounts.find_by_email(demo_email(local))) is not None
        ],
    )
    db.session.commit()
    echo(
        f"Demo data: {added_orgs} organisations, {added_people} people and "
        f"{requests_added} contact requests added."
    )
    echo(f"The Council's month: {meetings} meetings and their recommendations added.")
    echo(f"Briefers: 2 available, {invitations} invitations to brief in every state added.")
    _print_accounts(echo)


def _print_accounts(echo: Callable[[str], object]) -> None:
    echo("")
    echo(f"Demo accounts (all fictional), password: {DEMO_PASSWORD}")
    for local, name, role, _slug in DEMO_PEOPLE:
        note = "  (not listed: has not agreed yet)" if local == UNLISTED_DEMO else ""
        echo(f"  {role:<13} {demo_email(local):<40} {name}{note}")
    echo("")
    echo("Admins and managers sign in with two-factor codes. Add the secret to any")
    echo("authenticator app, or print the current code with the command shown:")
    for local, _name, role, _slug in DEMO_PEOPLE:
        if role not in ("admin", "manager"):
            continue
        user = accounts.find_by_email(demo_email(local))
        if user is not None and user.totp_secret:
            echo(f"  {demo_email(local)}: {user.totp_secret}")
            code_command = f"import pyotp; print(pyotp.TOTP('{user.totp_secret}').now())"
            echo(f'    .venv/bin/python -c "{code_command}"')

"""The worlds several test modules build alike.

`World` is every kind of viewer, signed in in her own browser, around the same people, requests,
tokens and links: the route table (tests/test_routes.py) and the hostile input
(tests/test_bad_input.py) both run in it, through the `world` fixture of tests/conftest.py, with
the limits raised (`RAISED_LIMITS`). `make_unlisted` takes a person out of the directory each
way she can leave it (the privacy tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ngowg_directory.extensions import db
from ngowg_directory.models import (
    BriefingAvailability,
    BriefingInvitation,
    BriefingRequest,
    ContactRequest,
    Invitation,
    Organization,
    User,
)
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import accounts, invitations, orgs, profiles, reminders, tokens

from .council import CouncilData, add_council
from .flask_client import Client
from .images import png_bytes

VIEWERS = ("anon", "defender", "policy_maker", "staff", "manager_other", "manager_own", "admin")
# Many sign-ins, searches and profile views from one address in a few seconds: the settings
# (`app_overrides`) of the modules that run in the world.
RAISED_LIMITS = {
    "RATELIMIT_LOGIN": "100000 per minute",
    "RATELIMIT_SEARCH": "100000 per hour",
    "RATELIMIT_PROFILE_VIEWS": "100000 per hour",
    "RATELIMIT_API": "100000 per hour",
    "RATELIMIT_API_AUTH_FAILURES": "100000 per minute",
}
# Each way a listed person leaves the directory.
UNLISTED_STATES = ("hidden", "unconsented", "suspended", "invited", "deleted")


def fill_profile(
    user: User,
    *,
    country: str | None,
    situations: list[str],
    themes: list[str],
    languages: list[str],
    title: str = "",
    affiliation: str = "",
    bio: str = "",
    **contact: str,
) -> User:
    """Her profile as a search test describes it (contact details as given), committed."""
    profile = user.profile
    assert profile is not None
    profile.country, profile.title, profile.affiliation = country, title, affiliation
    profile.bio = bio
    for name, value in contact.items():
        setattr(profile, name, value)
    profile.set_tags(situations, themes, languages)
    db.session.commit()
    return user


def make_unlisted(user: User, state: str) -> None:
    """Take her out of the directory one way (UNLISTED_STATES), as the app does it."""
    if state == "hidden":
        profiles.set_hidden(user, True)
    elif state == "unconsented":
        profiles.set_consent(user, False)
    elif state == "suspended":
        accounts.suspend(user, actor=None)
    elif state == "invited":
        user.status = "invited"
    else:
        profiles.delete_account(user, actor=user)
    db.session.commit()


@dataclass(repr=False)
class World:
    own: Organization
    other: Organization
    users: dict[str, User]
    subject: User  # a listed defender of the own organisation; her managers may answer for her
    subject2: User  # a listed staff member of the own organisation
    invitee: User  # invited to the own organisation, not yet signed up
    invitation: Invitation
    spare_totp: User  # signs in anonymously through the two-factor step
    invite_tokens: dict[str, str]
    reset_tokens: dict[str, str]
    confirm_token: str
    api_tokens: dict[str, str]
    defender_token_id: int
    requests: dict[str, ContactRequest]
    council: CouncilData
    clients: dict[str, Client] = field(default_factory=dict)
    # B1, B2: the policy-maker's requests for a briefer; I1 (B1, the defender, invited),
    # I2 (B1, the subject, accepted), I3 (B2, the defender, accepted).
    briefings: dict[str, Any] = field(default_factory=dict)

    def me(self, viewer: str) -> User | None:
        return self.users.get(viewer)


def _listed(user: User, *, delegate: bool = False) -> User:
    user.profile.consent_at = utcnow()
    user.profile.managers_may_answer = delegate
    return user


def _invite(email: str, organization: Organization) -> tuple[Invitation, str]:
    sent = invitations.invite(email, "staff", organization=organization)
    return sent.invitation, sent.link.rsplit("/", 1)[1]


def _briefings(users: dict[str, User], subject: User) -> dict[str, Any]:
    """The policy-maker works for a Council member; the defender and the subject are
    available to brief; two requests, one invitation waiting and two accepted."""
    pm = users["policy_maker"]
    pm.verified_at = utcnow()
    pm.council_member_until = date(utcnow().year + 1, 12, 31)
    for person in (users["defender"], subject):
        db.session.add(
            BriefingAvailability(user=person, situations="SD", languages="ar", remote=True)
        )
    day = utcnow().date() + timedelta(days=10)
    made: dict[str, Any] = {}
    for key in ("B1", "B2"):
        made[key] = BriefingRequest(
            requester=pm,
            meeting_date=day,
            item="SD",
            topic="Women's participation in the peace talks.",
            language="ar",
            mode="either",
            deadline=day,
        )
    admin, now = users["admin"], utcnow()
    made["I1"] = BriefingInvitation(request=made["B1"], defender=users["defender"])
    made["I2"] = BriefingInvitation(
        request=made["B1"], defender=subject, status="accepted", answered_at=now
    )
    made["I3"] = BriefingInvitation(
        request=made["B2"], defender=users["defender"], status="accepted", answered_at=now
    )
    for row in made.values():
        db.session.add(row)
    db.session.flush()
    for key in ("I1", "I2", "I3"):
        made[key].invited_by_id = admin.id
    return made


def build_world(make_user, make_org, new_client, login) -> World:
    """The world, written to the database, every viewer signed in in her own browser (the
    conftest fixtures `make_user`, `make_org`, `new_client` and `login` build it)."""
    own = make_org("own-org", "Own Organisation")
    other = make_org("other-org", "Other Organisation")
    users = {
        "defender": _listed(
            make_user("defender", "defender@example.org", org="own-org", name="Viewer Defender"),
            delegate=True,
        ),
        "policy_maker": make_user("policy_maker", "pm@example.org", name="Viewer Policy"),
        "staff": make_user("staff", "staff@example.org", org="own-org", name="Viewer Staff"),
        "manager_other": make_user(
            "manager", "mother@example.org", org="other-org", name="Other Manager"
        ),
        "manager_own": make_user("manager", "mown@example.org", org="own-org", name="Own Manager"),
        "admin": make_user("admin", "admin@example.org", name="Viewer Admin"),
    }
    subject = _listed(
        make_user("defender", "subject@example.org", org="own-org", name="Subject Defender"),
        delegate=True,
    )
    subject.profile.phone, subject.profile.phone_audience = "+249912345678", "policy_makers"
    subject.profile.city, subject.profile.city_audience = "Khartoum", "connections"
    subject2 = make_user("staff", "subject2@example.org", org="own-org", name="Second Subject")
    spare = make_user("manager", "spare@example.org", org="other-org", name="Spare Manager")
    orgs.set_logo(own, png_bytes(), users["admin"])
    invitation, _token = _invite("invitee@example.org", own)
    invite_tokens = {v: _invite(f"invite-{v}@example.org", own)[1] for v in VIEWERS}
    requests = {
        # pending: the policy-maker asks the defender; and asks the subject (delegated)
        "R1": ContactRequest(
            requester=users["policy_maker"], recipient=users["defender"], message="m" * 30
        ),
        "R2": ContactRequest(requester=users["policy_maker"], recipient=subject, message="m" * 30),
        # accepted: staff and defender; staff and subject
        "A1": ContactRequest(
            requester=users["staff"],
            recipient=users["defender"],
            message="m" * 30,
            status="accepted",
            responded_at=utcnow(),
        ),
        "A2": ContactRequest(
            requester=users["staff"],
            recipient=subject,
            message="m" * 30,
            status="accepted",
            responded_at=utcnow(),
        ),
    }
    db.session.add_all(requests.values())
    briefing_rows = _briefings(users, subject)
    api_tokens: dict[str, str] = {}
    defender_token_id = 0
    for viewer, user in users.items():
        token, secret = tokens.create(user, f"{viewer} token", 30)
        api_tokens[viewer] = secret
        if viewer == "defender":
            defender_token_id = token.id
    db.session.commit()
    # The Council's month: credits offered to the defender and to the own organisation.
    council = add_council(users["admin"], people=[users["defender"]], org_ids=[own.id])
    reset_tokens = {v: accounts.make_reset_token(u) for v, u in users.items()}
    reset_tokens["anon"] = accounts.make_reset_token(subject2)
    world = World(
        own=own,
        other=other,
        users=users,
        subject=subject,
        subject2=subject2,
        invitee=invitation.user,
        invitation=invitation,
        spare_totp=spare,
        invite_tokens=invite_tokens,
        reset_tokens=reset_tokens,
        confirm_token=reminders.make_token(users["defender"]),
        api_tokens=api_tokens,
        defender_token_id=defender_token_id,
        requests=requests,
        briefings=briefing_rows,
        council=council,
    )
    for viewer in VIEWERS:
        client = new_client()
        if viewer != "anon":
            login(client, users[viewer])
        world.clients[viewer] = client
    return world

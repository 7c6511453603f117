"""Every route as every role: one table of expected answers, kept next to the URL map.

For each rule of `app.url_map` and each method, the table gives the answer each of seven viewers
gets: anonymous, defender, policy-maker, staff, a manager of another organisation, a manager of
the owning organisation and an admin. A rule without an entry (or an entry without a rule) fails.

- Every GET is requested as every viewer; the status (and redirect target) is checked, and a
  snapshot of the whole database is identical before and after: no GET changes anything. The one
  column left out and the audit rows a read may append are listed below with the reason.
- Every POST without a CSRF token answers 400 to every viewer and changes nothing.
- Every POST with a valid token: viewers who may not act get the table's refusal and nothing
  changes; viewers who may act get the table's answer, and the extra fields `role=admin`,
  `is_admin=1`, `organization_id`, `user_id` and `owner_id` change no role, organisation or owner.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask

from ngowg_directory.extensions import db
from ngowg_directory.models import (
    ApiToken,
    BriefingInvitation,
    BriefingRequest,
    ContactRequest,
    Invitation,
    Organization,
    User,
)
from ngowg_directory.models._types import utcnow
from testsupport.images import png_bytes
from testsupport.worlds import RAISED_LIMITS, VIEWERS, World

from .conftest import PASSWORD, Client, next_code
from .test_orgs import hidden_value

NEW_PASSWORD = "a brand new passphrase 2026"

# Expected answers. An int is a status; "302 /path" is a redirect whose Location starts with
# /path ({me}, {subject}, {subject2}, {invitee} are filled in with the viewer's and the world's
# ids). For POSTs the answer is the one to a request with a valid CSRF token.
LOGIN = "302 /auth/login"
INVITATION_PAGE = "302 /briefings/invitations/"


def row(anon: Any, *signed_in: Any) -> tuple[Any, ...]:
    """Answers in VIEWERS order; one value for the signed-in viewers means all six."""
    values = signed_in * 6 if len(signed_in) == 1 else signed_in
    assert len(values) == 6
    return (anon, *values)


SIGNED_IN_200 = row(LOGIN, 200)
ADMIN_ONLY = row(LOGIN, 403, 403, 403, 403, 403, 200)
OWN_MANAGER = row(LOGIN, 403, 403, 403, 403, 200, 200)


def admin_post(answer: str | int) -> tuple[Any, ...]:
    return row(LOGIN, 403, 403, 403, 403, 403, answer)


def manager_post(answer: str | int) -> tuple[Any, ...]:
    return row(LOGIN, 403, 403, 403, 403, answer, answer)


TABLE: dict[str, dict[str, tuple[Any, ...]]] = {
    # --- public and probes ---------------------------------------------------------------
    "static": {"GET": row(200, 200)},
    "main.healthz": {"GET": row(200, 200)},
    "main.readyz": {"GET": row(200, 200)},
    "main.safety": {"GET": row(200, 200)},
    "directory.index": {"GET": SIGNED_IN_200},
    "main.set_language": {"POST": row("302 /", "302 /")},
    # Paths people type: /login and the like lead to the sign-in page (which sends a signed-in
    # person home), /logout and the like to the sign-out page.
    "main.sign_in_path": {"GET": row(LOGIN, LOGIN)},
    "main.sign_out_path": {"GET": row(LOGIN, "302 /auth/logout")},
    # --- sign-in ---------------------------------------------------------------------------
    "auth.login": {"GET": row(200, "302 /"), "POST": row("302 /", "302 /")},
    "auth.two_factor": {"GET": row(LOGIN, LOGIN), "POST": row("302 /", LOGIN)},
    # Typed in, the sign-out page asks first; signed out, it is the sign-in page.
    "auth.logout": {"GET": row(LOGIN, 200), "POST": row(LOGIN, LOGIN)},
    "auth.reset_request": {"GET": row(200, 200), "POST": row(LOGIN, LOGIN)},
    "auth.reset_password": {"GET": row(200, 200), "POST": row(LOGIN, LOGIN)},
    # A new account lands on the consent step (nothing about her is listed before she agrees).
    "auth.accept_invite": {
        "GET": row(200, 200),
        "POST": row("302 /account/consent", "302 /account/consent"),
    },
    "auth.reauthenticate": {
        "GET": SIGNED_IN_200,
        # Without a second factor the code cannot be right: the form comes back.
        "POST": row(LOGIN, 200, 200, 200, "302 /", "302 /", "302 /"),
    },
    # --- own account -------------------------------------------------------------------------
    "account.profile": {"GET": SIGNED_IN_200, "POST": row(LOGIN, "302 /people/{me}")},
    "account.privacy": {"GET": SIGNED_IN_200, "POST": row(LOGIN, "302 /account/privacy")},
    "account.connection_settings": {"POST": row(LOGIN, "302 /account/privacy")},
    "account.hide": {"POST": row(LOGIN, "302 /account/privacy")},
    "account.show": {"POST": row(LOGIN, "302 /account/privacy")},
    "account.consent": {"GET": SIGNED_IN_200, "POST": row(LOGIN, "302 /")},
    "account.consent_later": {"POST": row(LOGIN, "302 /")},
    "account.withdraw_consent": {"POST": row(LOGIN, "302 /account/privacy")},
    "account.reveals": {"GET": SIGNED_IN_200},
    "account.security": {"GET": SIGNED_IN_200, "POST": row(LOGIN, "302 /account/security")},
    "account.two_factor_setup": {
        # Enrolled viewers (managers, admins) are sent back to the security page.
        "GET": row(LOGIN, 200, 200, 200, *["302 /account/security"] * 3),
        "POST": row(LOGIN, 200, 200, 200, *["302 /account/security"] * 3),
    },
    "account.two_factor_disable": {
        "POST": row(LOGIN, *["302 /account/security"] * 3, 403, 403, 403)
    },
    "account.recovery_codes": {"POST": row(LOGIN, *["302 /account/security"] * 3, 200, 200, 200)},
    "account.api_tokens": {"GET": SIGNED_IN_200, "POST": row(LOGIN, 200)},
    # The token in the URL is the defender's.
    "account.revoke_token": {"POST": row(LOGIN, "302 /account/tokens", 404, 404, 404, 404, 404)},
    "account.delete": {"GET": SIGNED_IN_200, "POST": row(LOGIN, LOGIN)},
    # The reminder link is the defender's.
    "account.confirm_profile": {
        "GET": row(LOGIN, 200, 400, 400, 400, 400, 400),
        "POST": row(LOGIN, "302 /people/{me}", 400, 400, 400, 400, 400),
    },
    # --- directory, people, organisations ----------------------------------------------------
    "directory.people": {"GET": SIGNED_IN_200},
    "directory.organizations": {"GET": SIGNED_IN_200},
    "people.show": {"GET": SIGNED_IN_200},
    "orgs.show": {"GET": SIGNED_IN_200},
    "orgs.logo": {"GET": SIGNED_IN_200},
    "orgs.edit": {"GET": OWN_MANAGER, "POST": manager_post("302 /orgs/own-org")},
    "orgs.people": {"GET": OWN_MANAGER, "POST": manager_post("302 /orgs/own-org/people")},
    "orgs.upload_logo": {"POST": manager_post("302 /orgs/own-org/edit")},
    "orgs.remove_logo": {"POST": manager_post("302 /orgs/own-org/edit")},
    "orgs.resend_invitation": {"POST": manager_post("302 /orgs/own-org/people")},
    "orgs.revoke_invitation": {"POST": manager_post("302 /orgs/own-org/people")},
    "orgs.make_manager": {"POST": manager_post("302 /orgs/own-org/people")},
    "orgs.remove_member": {"POST": manager_post("302 /orgs/own-org/people")},
    # --- contact requests (the defender is asked by the policy-maker; a request to another
    # member of the organisation, who lets her managers answer, is the own manager's) -----
    "connections.index": {"GET": SIGNED_IN_200},
    "connections.ask": {"POST": row(LOGIN, "302 /people/{subject}")},
    "connections.accept": {
        "POST": row(LOGIN, "302 /connections", 404, 404, 404, "302 /connections", 404)
    },
    "connections.decline": {
        "POST": row(LOGIN, "302 /connections", 404, 404, 404, "302 /connections", 404)
    },
    "connections.block": {
        "POST": row(LOGIN, "302 /connections", 404, 404, 404, "302 /connections", 404)
    },
    # The connection is between the defender and the staff member: only they may use it.
    "connections.end": {
        "POST": row(LOGIN, "302 /connections", 404, "302 /connections", 404, 404, 404)
    },
    "connections.vcard": {"GET": row(LOGIN, 200, 404, 200, 404, 404, 404)},
    # --- briefers (the policy-maker works for a Council member; the defender is invited on B1
    # (I1) and accepted on B2 (I3); the subject accepted on B1 (I2)) ------------------------
    "briefings.availability": {
        "GET": row(LOGIN, 200, 403, 403, 403, 403, 403),
        "POST": row(LOGIN, "302 /account/briefing", 403, 403, 403, 403, 403),
    },
    "briefings.index": {"GET": row(LOGIN, 200, 200, 403, 403, 403, 200)},
    "briefings.new": {
        "GET": row(LOGIN, 403, 200, 403, 403, 403, 403),
        "POST": row(LOGIN, 403, "302 /briefings/", 403, 403, 403, 403),
    },
    "briefings.show": {"GET": row(LOGIN, 404, 200, 404, 404, 404, 200)},
    "briefings.invite": {"POST": admin_post("302 /briefings/")},
    "briefings.withdraw": {"POST": row(LOGIN, 404, "302 /briefings/", 404, 404, 404, 404)},
    "briefings.cancel": {"POST": admin_post("302 /briefings/")},
    "briefings.invitation": {"GET": row(LOGIN, 200, 404, 404, 404, 404, 200)},
    "briefings.accept": {
        "POST": row(LOGIN, "302 /briefings/invitations/", 404, 404, 404, 404, 404)
    },
    "briefings.decline": {
        "POST": row(LOGIN, "302 /briefings/invitations/", 404, 404, 404, 404, 404)
    },
    "briefings.step_back": {
        "POST": row(LOGIN, "302 /briefings/invitations/", 404, 404, 404, 404, 404)
    },
    # Hers alone to say; the secretariat is told so on the invitation's page.
    "briefings.name": {"POST": row(LOGIN, INVITATION_PAGE, 404, 404, 404, 404, INVITATION_PAGE)},
    "briefings.withdraw_invitation": {"POST": admin_post("302 /briefings/invitations/")},
    "briefings.held": {"POST": admin_post("302 /briefings/invitations/")},
    "briefings.follow_up": {"POST": admin_post("302 /briefings/invitations/")},
    "briefings.checkin": {"POST": admin_post("302 /briefings/invitations/")},
    "briefings.risk": {
        "GET": row(LOGIN, 200, 404, 404, 404, 404, 200),
        "POST": row(LOGIN, *["302 /briefings/invitations/"], 404, 404, 404, 404, "302 /briefings/"),
    },
    "briefings.reprisal": {
        "GET": row(LOGIN, 200, 404, 404, 404, 404, 200),
        "POST": row(LOGIN, "302 /briefings/invitations/", 404, 404, 404, 404, "302 /briefings/"),
    },
    "briefings.report_csv": {"GET": ADMIN_ONLY},
    # --- the Council's month (issue 19) -------------------------------------------------------
    "council.this_month": {"GET": SIGNED_IN_200},
    "council.month": {"GET": SIGNED_IN_200},
    "council.situation": {"GET": SIGNED_IN_200},
    # No key (a calendar application has no cookie): the same 404 for everyone.
    "council.calendar_feed": {"GET": row(404, 404)},
    "account.credits_page": {"GET": SIGNED_IN_200},
    # The defender's own credit; the own manager answers for the own organisation's.
    "account.answer_credit": {
        "POST": row(LOGIN, "302 /account/credits", 404, 404, 404, "302 /account/credits", 404)
    },
    "account.calendar": {"GET": SIGNED_IN_200, "POST": row(LOGIN, 200)},
    "account.revoke_calendar": {"POST": row(LOGIN, "302 /account/calendar")},
    "admin.council_months": {"GET": ADMIN_ONLY},
    "admin.save_council_month": {"POST": admin_post("302 /admin/council/")},
    "admin.council_month": {"GET": ADMIN_ONLY},
    "admin.add_council_meeting": {"POST": admin_post("302 /admin/council/")},
    "admin.edit_council_meeting": {"GET": ADMIN_ONLY, "POST": admin_post("302 /admin/council/")},
    "admin.delete_council_meeting": {
        "GET": ADMIN_ONLY,
        "POST": admin_post("302 /admin/council/"),
    },
    "admin.import_programme": {"GET": ADMIN_ONLY, "POST": admin_post(200)},
    "admin.create_recommendation": {"POST": admin_post("302 /admin/council/recommendations/")},
    "admin.recommendation": {
        "GET": ADMIN_ONLY,
        "POST": admin_post("302 /admin/council/recommendations/"),
    },
    "admin.publish_recommendation": {"POST": admin_post("302 /admin/council/recommendations/")},
    "admin.unpublish_recommendation": {"POST": admin_post("302 /admin/council/recommendations/")},
    "admin.add_credit": {"POST": admin_post("302 /admin/council/recommendations/")},
    "admin.remove_credit": {"POST": admin_post("302 /admin/council/recommendations/")},
    # --- the secretariat -----------------------------------------------------------------------
    "admin.index": {"GET": ADMIN_ONLY},
    "admin.people": {"GET": ADMIN_ONLY},
    "admin.person": {"GET": ADMIN_ONLY},
    "admin.audit_log": {"GET": ADMIN_ONLY},
    "admin.audit_csv": {"GET": ADMIN_ONLY},
    "admin.export_directory": {"GET": ADMIN_ONLY},
    "admin.organizations": {"GET": ADMIN_ONLY},
    "admin.create_organization": {"POST": admin_post("302 /orgs/new-org/edit")},
    "admin.archive_organization": {"POST": admin_post("302 /admin/organizations")},
    "admin.assign_manager": {"POST": admin_post("302 /orgs/own-org/people")},
    "admin.remove_manager": {"POST": admin_post("302 /orgs/own-org/people")},
    "admin.import_form": {"GET": ADMIN_ONLY},
    "admin.import_preview": {"POST": admin_post(200)},
    "admin.import_confirm": {"POST": admin_post("302 /admin/organizations")},
    "admin.import_cancel": {"POST": admin_post("302 /admin/import")},
    "admin.invitations_page": {"GET": ADMIN_ONLY, "POST": admin_post("302 /admin/invitations")},
    "admin.resend_invitation": {"POST": admin_post("302 /admin/invitations")},
    "admin.revoke_invitation": {"POST": admin_post("302 /admin/invitations")},
    "admin.change_role": {"POST": admin_post("302 /admin/people/{subject}")},
    "admin.verify": {"POST": admin_post("302 /admin/people/{subject}")},
    "admin.council_member": {"POST": admin_post("302 /admin/people/")},
    "admin.suspend": {"POST": admin_post("302 /admin/people/{subject}")},
    "admin.reactivate": {"POST": admin_post("302 /admin/people/{subject}")},
    "admin.reset_two_factor": {"POST": admin_post("302 /admin/people/{subject}")},
    "admin.resend": {"POST": admin_post("302 /admin/people/{invitee}")},
    "admin.delete": {"POST": admin_post("302 /admin/people")},
    # --- JSON API: bearer tokens only; anonymous means no token -------------------------------
    "api.openapi": {"GET": row(200, 200)},
    "api.people": {"GET": row(401, 200)},
    "api.person": {"GET": row(401, 200)},
    "api.organizations": {"GET": row(401, 200)},
    "api.organization": {"GET": row(401, 200)},
    "api.council_month": {"GET": row(401, 200)},
    "api.council_situation": {"GET": row(401, 200)},
}

# Endpoints anyone may use: their POST answers are not refusals.
PUBLIC_POSTS = {
    "main.set_language",
    "auth.login",
    "auth.two_factor",
    "auth.reset_request",
    "auth.reset_password",
    "auth.accept_invite",
}

# What a read may leave behind. Nothing else may differ before and after a GET.
# - api_tokens.last_used_at: bookkeeping of when a token was last used (at most once a minute),
#   shown on /account/tokens so people can spot a token they no longer use.
EXCLUDED_COLUMNS = {("api_tokens", "last_used_at")}
# - audit rows recording the read itself: contact details above "all members" shown to someone,
#   a vCard downloaded, the audit log or the directory exported. The audit log must record
#   these; every other table stays identical.
READ_AUDITS = {
    "people.show": {"contact_revealed"},
    "api.person": {"contact_revealed"},
    "connections.vcard": {"vcard_downloaded", "contact_revealed"},
    "admin.audit_csv": {"audit_exported"},
    "admin.export_directory": {"directory_exported", "contact_revealed"},
    "briefings.report_csv": {"briefings_exported"},
}
# Fields no form has, sent to every POST: none of them may change a role, an organisation or
# an owner. (`role` is left out where it is the form's own field.)
EXTRA_FIELDS = ("role", "is_admin", "organization_id", "user_id", "owner_id")


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return dict(RAISED_LIMITS)


# --- the world: testsupport/worlds.py, the `world` fixture of conftest.py -------------------


# --- URLs --------------------------------------------------------------------------------

ArgFn = Callable[[World, str], dict[str, Any]]


def _by_viewer(mapping: dict[str, Callable[[World], Any]], default: Callable[[World], Any]):
    def pick(w: World, viewer: str) -> Any:
        return mapping.get(viewer, default)(w)

    return pick


_own_targets = _by_viewer(
    {"admin": lambda w: w.subject2.id, "manager_own": lambda w: w.subject.id},
    lambda w: w.subject.id,
)
# Only staff may be made managers (services.orgs.MAY_BECOME_MANAGER): the own manager
# promotes the second subject, the admin (acting after her) the staff viewer.
_promoted = _by_viewer(
    {"admin": lambda w: w.users["staff"].id, "manager_own": lambda w: w.subject2.id},
    lambda w: w.subject2.id,
)


def _invitation_of(email: str) -> Callable[[World], int]:
    def find(w: World) -> int:
        return db.session.scalar(
            sa.select(Invitation.id).join(Invitation.user).where(User.email == email)
        )

    return find


# The own manager withdraws the invitee's invitation; the admin (acting after her) another
# invitation to the own organisation.
_withdrawn = _by_viewer(
    {"admin": _invitation_of("invite-admin@example.org")}, _invitation_of("invitee@example.org")
)
_answerable = _by_viewer(
    {"manager_own": lambda w: w.requests["R2"].id}, lambda w: w.requests["R1"].id
)
_connection = _by_viewer({"staff": lambda w: w.requests["A2"].id}, lambda w: w.requests["A1"].id)


def _briefing(key: str) -> ArgFn:
    name = "request_id" if key.startswith("B") else "invitation_id"
    return lambda w, v: {name: w.briefings[key].id}


_credit = _by_viewer(
    {"manager_own": lambda w: w.council.credit_ids[-w.own.id]},
    lambda w: w.council.credit_ids[w.users["defender"].id],
)

ARGS: dict[str, ArgFn] = {
    "auth.accept_invite": lambda w, v: {"token": w.invite_tokens[v]},
    "auth.reset_password": lambda w, v: {"token": w.reset_tokens[v]},
    "account.confirm_profile": lambda w, v: {"token": w.confirm_token},
    "admin.resend": lambda w, v: {"person_id": w.invitee.id},
    "admin.remove_manager": lambda w, v: {
        "slug": "own-org",
        "person_id": w.users["manager_own"].id,
    },
    "orgs.make_manager": lambda w, v: {"slug": "own-org", "person_id": _promoted(w, v)},
    "orgs.revoke_invitation": lambda w, v: {"slug": "own-org", "invitation_id": _withdrawn(w, v)},
    "admin.revoke_invitation": lambda w, v: {"invitation_id": _withdrawn(w, v)},
    "orgs.remove_member": lambda w, v: {"slug": "own-org", "person_id": _own_targets(w, v)},
    "connections.accept": lambda w, v: {"request_id": _answerable(w, v)},
    "connections.decline": lambda w, v: {"request_id": _answerable(w, v)},
    "connections.block": lambda w, v: {"request_id": _answerable(w, v)},
    "connections.end": lambda w, v: {"request_id": _connection(w, v)},
    "admin.council_member": lambda w, v: {"person_id": w.users["policy_maker"].id},
    # Briefings: the invited defender answers I1, steps back from I3; the secretariat invites
    # the subject on B2 and records I3; the policy-maker withdraws B1.
    **{
        f"briefings.{name}": _briefing(key)
        for name, key in (
            ("show", "B1"),
            ("withdraw", "B1"),
            ("cancel", "B1"),
            ("invite", "B2"),
            ("invitation", "I1"),
            ("accept", "I1"),
            ("decline", "I1"),
            ("step_back", "I3"),
            ("name", "I3"),
            ("withdraw_invitation", "I1"),
            ("held", "I3"),
            ("follow_up", "I3"),
            ("risk", "I3"),
            ("reprisal", "I3"),
        )
    },
    "briefings.checkin": lambda w, v: {"invitation_id": w.briefings["I3"].id, "days": 7},
    "account.answer_credit": lambda w, v: {"credit_id": _credit(w, v), "move": "accept"},
    "admin.publish_recommendation": lambda w, v: {"recommendation_id": w.council.draft_id},
}
DEFAULT_ARGS: dict[str, Callable[[World], Any]] = {
    "person_id": lambda w: w.subject.id,
    "slug": lambda w: "own-org",
    "request_id": lambda w: w.requests["A1"].id,
    "token_id": lambda w: w.defender_token_id,
    "invitation_id": lambda w: w.invitation.id,
    "fmt": lambda w: "csv",
    "filename": lambda w: "css/site.css",
    "month": lambda w: w.council.key,
    "code": lambda w: "SD",
    "meeting_id": lambda w: w.council.meeting_id,
    "recommendation_id": lambda w: w.council.published_id,
    "credit_id": lambda w: w.council.credit_ids[w.users["defender"].id],
}


def url_for_viewer(app: Flask, endpoint: str, w: World, viewer: str) -> str:
    rule = next(app.url_map.iter_rules(endpoint))
    values = ARGS[endpoint](w, viewer) if endpoint in ARGS else {}
    for name in rule.arguments:
        if name not in values:
            values[name] = DEFAULT_ARGS[name](w)
    return rule.build(values, append_unknown=False)[1]


def expected_for(w: World, endpoint: str, method: str, viewer: str) -> Any:
    answer = TABLE[endpoint][method][VIEWERS.index(viewer)]
    if isinstance(answer, str):
        me = w.users.get(viewer)
        answer = answer.format(
            me=me.id if me else "",
            subject=w.subject.id,
            subject2=w.subject2.id,
            invitee=w.invitee.id,
        )
    return answer


def check_answer(response, expected: Any, what: str) -> None:
    if isinstance(expected, int):
        assert response.status_code == expected, (
            f"{what}: expected {expected}, got {response.status_code} "
            f"{response.headers.get('Location', '')}"
        )
        return
    status, _sp, target = expected.partition(" ")
    location = response.headers.get("Location", "")
    assert response.status_code == int(status), (
        f"{what}: expected {expected}, got {response.status_code} {location}"
    )
    path = location.split("?", 1)[0]
    assert path == target or (target.endswith("/") and path.startswith(target)), (
        f"{what}: expected a redirect to {target}, got {location}"
    )


# --- database snapshots --------------------------------------------------------------------


def snapshot() -> dict[str, tuple[int, str]]:
    """Every table: its row count and a hash of its raw rows (as stored, not decrypted)."""
    db.session.rollback()
    result = {}
    for table in db.metadata.sorted_tables:
        names = [c.name for c in table.columns if (table.name, c.name) not in EXCLUDED_COLUMNS]
        order = [sa.column(c.name) for c in table.primary_key.columns]
        rows = db.session.execute(
            sa.select(*[sa.column(n) for n in names])
            .select_from(sa.table(table.name))
            .order_by(*order)
        ).all()
        digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
        result[table.name] = (len(rows), digest)
    db.session.rollback()
    return result


def audit_actions_after(last_id: int) -> list[str]:
    rows = db.session.execute(
        sa.text("SELECT action FROM audit_events WHERE id > :i ORDER BY id"), {"i": last_id}
    )
    return [r[0] for r in rows]


def last_audit_id() -> int:
    return db.session.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM audit_events")).scalar()


def audit_prefix(last_id: int) -> str:
    rows = db.session.execute(
        sa.text("SELECT * FROM audit_events WHERE id <= :i ORDER BY id"), {"i": last_id}
    ).all()
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()


def changed_tables(before: dict, after: dict, *, skip: set[str] = frozenset()) -> list[str]:
    return [name for name in before if name not in skip and before[name] != after[name]]


# --- requests ----------------------------------------------------------------------------


def do_get(w: World, app: Flask, endpoint: str, viewer: str):
    client = w.clients[viewer]
    url = url_for_viewer(app, endpoint, w, viewer)
    headers = {}
    if endpoint.startswith("api.") and viewer != "anon":
        headers["Authorization"] = f"Bearer {w.api_tokens[viewer]}"
        # The API never looks at the cookie: ask from a client without one.
        client = w.clients["anon"]
    return client.get(url, headers=headers), url


def get_methods(app: Flask, endpoint: str) -> set[str]:
    methods: set[str] = set()
    for rule in app.url_map.iter_rules(endpoint):
        methods |= set(rule.methods or ()) - {"HEAD", "OPTIONS"}
    return methods


COUNTS: dict[str, int] = {}


def test_the_table_has_an_entry_for_every_route_and_method(app):
    missing, stale = [], []
    for rule in app.url_map.iter_rules():
        methods = get_methods(app, rule.endpoint)
        entry = TABLE.get(rule.endpoint)
        if entry is None:
            missing.append(f"{rule.rule} ({rule.endpoint}) has no entry in TABLE")
        elif set(entry) != methods:
            missing.append(
                f"{rule.endpoint}: TABLE lists {sorted(entry)}, the app {sorted(methods)}"
            )
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = [f"{name} is in TABLE but no route has it" for name in TABLE if name not in endpoints]
    assert not missing and not stale, "\n".join(missing + stale)
    for entry in TABLE.values():
        for answers in entry.values():
            assert len(answers) == len(VIEWERS)
    assert set(READ_AUDITS) <= endpoints and set(ARGS) <= endpoints and endpoints >= PUBLIC_POSTS


def test_every_get_as_every_viewer_answers_as_the_table_says_and_changes_nothing(app, world):
    endpoints = sorted(e for e, entry in TABLE.items() if "GET" in entry)
    cases = 0
    failures = []
    for viewer in VIEWERS:
        for endpoint in endpoints:
            before, last = snapshot(), last_audit_id()
            audit_before = audit_prefix(last)
            response, url = do_get(world, app, endpoint, viewer)
            what = f"GET {url} ({endpoint}) as {viewer}"
            try:
                check_answer(response, expected_for(world, endpoint, "GET", viewer), what)
            except AssertionError as exc:
                failures.append(str(exc))
            after = snapshot()
            changed = changed_tables(before, after, skip={"audit_events"})
            if changed:
                failures.append(f"{what} changed {changed}")
            extra = audit_actions_after(last)
            allowed = READ_AUDITS.get(endpoint, set())
            if any(action not in allowed for action in extra):
                failures.append(f"{what} wrote audit rows {extra}")
            if audit_prefix(last) != audit_before:
                failures.append(f"{what} changed existing audit rows")
            cases += 1
    COUNTS["get"] = cases
    print(f"\nGET cases: {len(endpoints)} routes x {len(VIEWERS)} viewers = {cases}")
    assert not failures, "\n".join(failures)


# --- POSTs -------------------------------------------------------------------------------

FormFn = Callable[[World, str, Client], dict[str, Any]]


def _profile_form(w: World, viewer: str, client: Client) -> dict[str, Any]:
    html = client.get("/account/profile").get_data(as_text=True)
    if 'name="opened"' not in html:
        return {"name": "Edited Name"}
    return {"name": "Edited Name", "opened": hidden_value(html, "opened")}


def _org_form(w: World, viewer: str, client: Client) -> dict[str, Any]:
    html = client.get("/orgs/own-org/edit").get_data(as_text=True)
    if 'name="opened"' not in html:
        return {"name": "Own Organisation"}
    return {"name": "Own Organisation", "opened": hidden_value(html, "opened")}


def _enrol_form(w: World, viewer: str, client: Client) -> dict[str, Any]:
    html = client.get("/account/security/two-factor").get_data(as_text=True)
    match = re.search(r'<code class="secret" dir="ltr">([A-Z2-7]+)</code>', html)
    return {"code": pyotp.TOTP(match.group(1)).now() if match else "000000"}


def _reauth_form(w: World, viewer: str, client: Client) -> dict[str, Any]:
    user = w.users.get(viewer)
    code = next_code(user) if user is not None and user.totp_enabled else "123456"
    return {"password": PASSWORD, "code": code}


def _login_form(w: World, viewer: str, client: Client) -> dict[str, Any]:
    return {"email": w.subject2.email, "password": PASSWORD}


def _two_factor_form(w: World, viewer: str, client: Client) -> dict[str, Any]:
    if viewer == "anon":
        first = client.form("/auth/login", {"email": w.spare_totp.email, "password": PASSWORD})
        assert first.headers["Location"].endswith("/auth/two-factor")
        return {"code": next_code(w.spare_totp)}
    return {"code": "123456"}


def _import_confirm_form(w: World, viewer: str, client: Client) -> dict[str, Any]:
    if viewer != "admin":
        return {"token": "0" * 32, "kind": "orgs"}
    html = client.form("/admin/import", _import_file(), page="/admin/import").get_data(as_text=True)
    return {"token": hidden_value(html, "token"), "kind": "orgs"}


def _import_file() -> dict[str, Any]:
    data = (
        b"name,slug,kind,website,headquarters_country,focus\nImported Org,imported-org,member,,,\n"
    )
    return {"kind": "orgs", "file": (io.BytesIO(data), "orgs.csv")}


def _new_email(prefix: str) -> FormFn:
    def make(w: World, viewer: str, client: Client) -> dict[str, Any]:
        return {"email": f"{prefix}-{viewer}@example.org", "role": "staff", "name": "New Person"}

    return make


def _risk_version(w: World, client: Client) -> str:
    """The checklist's version, as the form she opens carries it ("0" when she cannot)."""
    html = client.get(f"/briefings/invitations/{w.briefings['I3'].id}/risk").get_data(as_text=True)
    found = re.search(r'name="version" type="hidden" value="(\d+)"', html)
    return found.group(1) if found else "0"


FORMS: dict[str, FormFn] = {
    "auth.login": _login_form,
    "main.set_language": lambda w, v, c: {"locale": "fr", "next": "/"},
    "auth.two_factor": _two_factor_form,
    "auth.reset_request": lambda w, v, c: {"email": w.users.get(v, w.subject2).email},
    "auth.reset_password": lambda w, v, c: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    "auth.accept_invite": lambda w, v, c: {
        "name": "Accepted Person",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    },
    "auth.reauthenticate": _reauth_form,
    "account.profile": _profile_form,
    "account.privacy": lambda w, v, c: {
        "email": "members",
        "phone": "connections",
        "messaging": "connections",
        "city": "private",
    },
    "account.connection_settings": lambda w, v, c: {
        "cs-notify_email": "y",
        "cs-managers_may_answer": "y",
    },
    "account.security": lambda w, v, c: {
        "pw-current": PASSWORD,
        "pw-password": NEW_PASSWORD,
        "pw-confirm": NEW_PASSWORD,
    },
    "account.two_factor_setup": _enrol_form,
    "account.two_factor_disable": lambda w, v, c: {"off-current": PASSWORD},
    "account.recovery_codes": lambda w, v, c: {"codes-current": PASSWORD},
    "account.api_tokens": lambda w, v, c: {"name": "another token", "days": "30"},
    "account.delete": lambda w, v, c: {"current": PASSWORD, "confirm": "y"},
    "connections.ask": lambda w, v, c: {"message": "I would like to talk about your work, please."},
    "orgs.edit": _org_form,
    "orgs.people": _new_email("org-invite"),
    "orgs.upload_logo": lambda w, v, c: {"logo-logo": (io.BytesIO(png_bytes()), "logo.png")},
    "admin.invitations_page": lambda w, v, c: {
        **_new_email("admin-invite")(w, v, c),
        "organization": "own-org",
    },
    "admin.create_organization": lambda w, v, c: {
        "name": "New Org",
        "slug": "new-org",
        "kind": "member",
    },
    "admin.assign_manager": lambda w, v, c: {"email": w.users["staff"].email},
    "admin.change_role": lambda w, v, c: {"role": "policy_maker"},
    "admin.verify": lambda w, v, c: {"verified": "1"},
    "admin.council_member": lambda w, v, c: {"until": str(utcnow().year)},
    "briefings.availability": lambda w, v, c: {
        "active": "y",
        "situations": ["SD"],
        "languages": ["ar"],
        "modes": ["remote"],
        "named": "anonymous",
    },
    "briefings.new": lambda w, v, c: {
        "meeting": "",
        "meeting_date": (utcnow().date() + timedelta(days=20)).isoformat(),
        "item": "SD",
        "topic": "Women's participation in the peace talks.",
        "language": "ar",
        "mode": "either",
        "deadline": (utcnow().date() + timedelta(days=10)).isoformat(),
    },
    "briefings.invite": lambda w, v, c: {"people": [str(w.subject.id)]},
    "briefings.held": lambda w, v, c: {"held-held_on": utcnow().date().isoformat()},
    "briefings.follow_up": lambda w, v, c: {"fu-follow_up": "Raised with the mission."},
    "briefings.checkin": lambda w, v, c: {"ci-result": "done"},
    "briefings.risk": lambda w, v, c: {"version": _risk_version(w, c), "travel_note": "Visa."},
    "briefings.reprisal": lambda w, v, c: {"body": "Questioned at the airport on return."},
    "admin.suspend": lambda w, v, c: {"reason": "Reported by two members"},
    "admin.import_preview": lambda w, v, c: _import_file(),
    "admin.import_confirm": _import_confirm_form,
    "admin.import_cancel": _import_confirm_form,
    "admin.save_council_month": lambda w, v, c: {"month": w.council.key, "presidency": "FR"},
    "admin.add_council_meeting": lambda w, v, c: _meeting_form(w),
    "admin.edit_council_meeting": lambda w, v, c: _meeting_form(w),
    "admin.import_programme": lambda w, v, c: {
        "file": (io.BytesIO(b"date,item,kind,title\n2027-01-05,SD,briefing,x\n"), "p.csv")
    },
    "admin.create_recommendation": lambda w, v, c: {"item": "YE"},
    "admin.recommendation": lambda w, v, c: {
        "en-title": "Sudan",
        "en-body": "Text",
        "action": "save",
    },
    "admin.publish_recommendation": lambda w, v, c: {"published_on": "2026-01-01"},
    "admin.add_credit": lambda w, v, c: {"who": w.users["staff"].email},
}


def _meeting_form(w: World) -> dict[str, Any]:
    return {"date": w.council.key + "-02", "item": "SD", "kind": "briefing", "title": "Moved"}


def post_endpoints() -> list[str]:
    return sorted(e for e, entry in TABLE.items() if "POST" in entry)


def with_extras(w: World, form: dict[str, Any]) -> dict[str, Any]:
    extras = {
        "role": "admin",
        "is_admin": "1",
        "organization_id": str(w.other.id),
        "user_id": str(w.subject.id),
        "owner_id": str(w.subject.id),
    }
    return {**{k: v for k, v in extras.items() if k not in form}, **form}


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(app, world):
    cases, failures = 0, []
    for viewer in VIEWERS:
        for endpoint in post_endpoints():
            url = url_for_viewer(app, endpoint, world, viewer)
            client = world.clients[viewer]
            form = FORMS.get(endpoint, lambda w, v, c: {})(world, viewer, client)
            form.pop("csrf_token", None)
            before = snapshot()
            response = client.post(url, data=with_extras(world, form))
            what = f"POST {url} ({endpoint}) as {viewer} without a token"
            if response.status_code != 400:
                failures.append(f"{what}: {response.status_code}")
            elif "This form has expired" not in response.get_data(as_text=True):
                failures.append(f"{what}: no explanation")
            changed = changed_tables(before, snapshot())
            if changed:
                failures.append(f"{what} changed {changed}")
            cases += 1
    COUNTS["post_no_token"] = cases
    print(f"\nPOST without token: {len(post_endpoints())} routes x {len(VIEWERS)} = {cases}")
    assert not failures, "\n".join(failures)


# What a rightful POST may change among roles, organisations and owners.


@dataclass
class Allowed:
    changed: dict[int, tuple[str, int | None]] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    new_users: tuple[str, int | None] | None = None  # role and organisation of new accounts
    new_orgs: set[str] = field(default_factory=set)


def _allowed(endpoint: str, w: World, viewer: str) -> Allowed:
    me = w.users.get(viewer)
    own = w.own.id
    if endpoint == "account.delete":
        return Allowed(deleted={me.id})
    if endpoint == "admin.delete":
        return Allowed(deleted={w.subject.id})
    if endpoint == "admin.change_role":
        return Allowed(changed={w.subject.id: ("policy_maker", own)})
    if endpoint == "admin.assign_manager":
        return Allowed(changed={w.users["staff"].id: ("manager", own)})
    if endpoint == "admin.remove_manager":
        return Allowed(changed={w.users["manager_own"].id: ("staff", own)})
    if endpoint == "orgs.make_manager":
        return Allowed(changed={_promoted(w, viewer): ("manager", own)})
    if endpoint == "orgs.remove_member":
        target = db.session.get(User, _own_targets(w, viewer))
        return Allowed(changed={target.id: (target.role, None)})
    if endpoint in ("orgs.revoke_invitation", "admin.revoke_invitation"):
        # The account made for the invitation, never used, goes with it.
        invitation = db.session.get(Invitation, _withdrawn(w, viewer))
        return Allowed(deleted={invitation.user_id})
    if endpoint in ("admin.invitations_page", "orgs.people"):
        return Allowed(new_users=("staff", own))
    if endpoint == "admin.create_organization":
        return Allowed(new_orgs={"new-org"})
    if endpoint == "admin.import_confirm":
        return Allowed(new_orgs={"imported-org"})
    return Allowed()


def ownership() -> dict[str, dict[int, Any]]:
    """Who is what and who owns what: roles, organisations, owners of tokens and requests."""
    db.session.expire_all()
    return {
        "users": {u.id: (u.role, u.organization_id) for u in db.session.scalars(sa.select(User))},
        "tokens": {t.id: t.user_id for t in db.session.scalars(sa.select(ApiToken))},
        "requests": {
            r.id: (r.requester_id, r.recipient_id)
            for r in db.session.scalars(sa.select(ContactRequest))
        },
        "invitations": {
            i.id: (i.user_id, i.invited_by_id) for i in db.session.scalars(sa.select(Invitation))
        },
        "orgs": {o.id: o.slug for o in db.session.scalars(sa.select(Organization))},
        "briefing_requests": {
            r.id: r.requester_id for r in db.session.scalars(sa.select(BriefingRequest))
        },
        "briefing_invitations": {
            i.id: (i.request_id, i.defender_id, i.invited_by_id)
            for i in db.session.scalars(sa.select(BriefingInvitation))
        },
    }


def check_ownership(before: dict, after: dict, allowed: Allowed, me: int | None, what: str):
    problems = []
    for uid, was in before["users"].items():
        now = after["users"].get(uid)
        if now is None:
            if uid not in allowed.deleted:
                problems.append(f"account {uid} was deleted")
        elif now != was and allowed.changed.get(uid) != now:
            problems.append(f"account {uid} went from {was} to {now}")
    for uid, expected in allowed.changed.items():
        if after["users"].get(uid) != expected:
            problems.append(f"account {uid} is {after['users'].get(uid)}, expected {expected}")
    new = {uid: v for uid, v in after["users"].items() if uid not in before["users"]}
    if new and (allowed.new_users is None or set(new.values()) != {allowed.new_users}):
        problems.append(f"new accounts {new}")
    if allowed.new_users is not None and not new:
        problems.append("no account was invited")
    for name in ("tokens", "requests", "invitations", "briefing_requests", "briefing_invitations"):
        for key, was in before[name].items():
            # A deleted account's briefing requests and invitations stay without her name.
            gone = name.startswith("briefing") and _only_deleted(was, after[name].get(key), allowed)
            if key in after[name] and after[name][key] != was and not gone:
                problems.append(f"{name} {key} went from {was} to {after[name][key]}")
    for key, owner in after["tokens"].items():
        if key not in before["tokens"] and owner != me:
            problems.append(f"new token {key} belongs to {owner}")
    for key, (requester, _recipient) in after["requests"].items():
        if key not in before["requests"] and requester != me:
            problems.append(f"new request {key} was sent by {requester}")
    for key, (_user, inviter) in after["invitations"].items():
        if key not in before["invitations"] and inviter != me:
            problems.append(f"new invitation {key} was sent by {inviter}")
    for key, requester in after["briefing_requests"].items():
        if key not in before["briefing_requests"] and requester != me:
            problems.append(f"new briefing request {key} was asked by {requester}")
    for key, (_request, _defender, inviter) in after["briefing_invitations"].items():
        if key not in before["briefing_invitations"] and inviter != me:
            problems.append(f"new briefing invitation {key} was made by {inviter}")
    new_orgs = {slug for oid, slug in after["orgs"].items() if oid not in before["orgs"]}
    if new_orgs != allowed.new_orgs:
        problems.append(f"new organisations {new_orgs}, expected {allowed.new_orgs}")
    assert not problems, f"{what}: " + "; ".join(problems)


def _only_deleted(was: Any, now: Any, allowed: Allowed) -> bool:
    """Whether `now` is `was` with deleted accounts' ids set to None (ON DELETE SET NULL)."""
    pairs = zip(was, now, strict=True) if isinstance(was, tuple) and now else [(was, now)]
    return all(a == b or (b is None and a in allowed.deleted) for a, b in pairs)


def refused(endpoint: str, viewer: str, expected: Any) -> bool:
    """A refusal: 400, 403, 404, or the sign-in page for an anonymous visitor."""
    if expected in (400, 403, 404, 405):
        return True
    return viewer == "anon" and expected == LOGIN and endpoint not in PUBLIC_POSTS


@pytest.mark.parametrize("endpoint", post_endpoints())
def test_post_with_a_token_as_every_viewer(app, world, endpoint):
    answers = {v: expected_for(world, endpoint, "POST", v) for v in VIEWERS}
    # Refusals first, on the untouched world; then the viewers who may act.
    order = sorted(VIEWERS, key=lambda v: not refused(endpoint, v, answers[v]))
    for viewer in order:
        client = world.clients[viewer]
        url = url_for_viewer(app, endpoint, world, viewer)
        form = FORMS.get(endpoint, lambda w, v, c: {})(world, viewer, client)
        what = f"POST {url} ({endpoint}) as {viewer}"
        if refused(endpoint, viewer, answers[viewer]):
            before = snapshot()
            response = client.form(url, with_extras(world, form))
            check_answer(response, answers[viewer], what)
            assert not changed_tables(before, snapshot()), f"{what} changed the database"
        else:
            me = world.users.get(viewer)
            me_id = me.id if me else None
            allowed = _allowed(endpoint, world, viewer)
            before = ownership()
            response = client.form(url, with_extras(world, form))
            check_answer(response, answers[viewer], what)
            check_ownership(before, ownership(), allowed, me_id, what)

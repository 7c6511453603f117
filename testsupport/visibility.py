"""Who may see what of whom: the one reference every privacy test compares the app with.

Written from CONTRACT.md (its visibility table, Consent) and issue 15 alone, apart from
ngowg_directory.privacy: nothing here imports the application (.importlinter checks it), so a
mistake in the policy shows up as a named leak or a named withholding, never as the same
mistake on both sides. The matrix tests (tests/test_privacy.py, tests/test_privacy_outputs.py),
the views test (tests/test_privacy_views.py) and the model of the model-based test
(tests/model_reference.py) all ask these functions.

Where the rules are silent, a rule answers EITHER and a test accepts what the application does;
everywhere else an answer is exact, in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass

FIELDS = ("email", "phone", "messaging", "city")
AUDIENCES = ("members", "policy_makers", "connections", "private")
ROLES = ("admin", "manager", "staff", "defender", "policy_maker")
DEFAULT_AUDIENCES = {
    "defender": {"email": "connections", "phone": "connections", "messaging": "connections",
                 "city": "private"},
    "other": {"email": "members", "phone": "connections", "messaging": "connections",
              "city": "members"},
}  # fmt: skip
# What every signed-in member may see of a listed person, and nothing else (CONTRACT.md).
MEMBERS_FIELDS = frozenset(
    {
        "id",
        "name",
        "role",
        "organization",
        "title",
        "affiliation",
        "country",
        "situations",
        "themes",
        "languages",
    }
)
YES, NO, EITHER = "yes", "no", "either"


def default_audiences(role: str) -> dict[str, str]:
    """The audience of each contact field of a new profile of this role."""
    return dict(DEFAULT_AUDIENCES["defender" if role == "defender" else "other"])


def is_listed(*, status: str, agreed: bool, hidden: bool) -> bool:
    """CONTRACT.md, Consent: her own agreement, not hidden, an active account."""
    return status == "active" and agreed and not hidden


@dataclass(frozen=True)
class Viewer:
    """Someone looking at a person, as much as the rules need to know of her."""

    role: str
    herself: bool = False  # the person herself
    manages_her: bool = False  # a manager of the person's organisation
    connected: bool = False  # a request between them was accepted (and not ended)


def may_open(viewer: Viewer, listed: bool) -> bool:
    """Her profile answers 200 (else 404, as for an id that never existed): to herself, to
    admins, and to everyone while she is listed."""
    return viewer.herself or viewer.role == "admin" or listed


def field_rule(viewer: Viewer, audience: str, *, org_archived: bool = False) -> str:
    """Whether the viewer sees a contact field at `audience` of a person she may open
    (CONTRACT.md's table): YES, NO, or EITHER where the rules do not say."""
    if viewer.herself or audience == "members":
        return YES
    if audience == "policy_makers":
        if viewer.role in ("policy_maker", "admin"):
            return YES
        if viewer.role == "manager" and viewer.manages_her:
            # Managers of an archived organisation: the rules do not say.
            return EITHER if org_archived else YES
        return NO
    if audience == "connections":
        return YES if viewer.connected else NO
    return NO  # private: herself alone


def sees(viewer: Viewer, audience: str) -> bool:
    """`field_rule` where the rules leave nothing open (no archived organisation)."""
    rule = field_rule(viewer, audience)
    assert rule != EITHER
    return rule == YES


def in_export(audience: str) -> bool:
    """The secretariat's exports (/admin/export, `ngowg export-directory`) hold a listed
    person's fields at these audiences: what an admin sees without connections of her own."""
    return audience in ("members", "policy_makers")


# --- the viewers the matrix tests name ---------------------------------------------------------

# kind -> (role, a manager of the person's organisation); "self" is the person herself.
KINDS = {
    "admin": ("admin", False),
    "manager_same_org": ("manager", True),
    "manager_other_org": ("manager", False),
    "staff": ("staff", False),
    "defender": ("defender", False),
    "policy_maker": ("policy_maker", False),
}
# The relationships the matrix tests drive: only an accepted request connects.
CONNECTED = "accepted"


def of_kind(kind: str, relationship: str = "none", *, her_org: bool = True) -> Viewer:
    """The viewer a matrix test names by kind, in a relationship with the person (none,
    pending, accepted, declined, ended, blocked). `her_org`: the organisation a same-org
    manager manages is the person's (False: the person has none of hers)."""
    if kind == "self":
        return Viewer("", herself=True)
    role, manages = KINDS[kind]
    return Viewer(role, manages_her=manages and her_org, connected=relationship == CONNECTED)


# --- briefers (issue 19, part B) ------------------------------------------------------------
# Written from the issue and its brief, apart from ngowg_directory.privacy.briefings and
# briefing_states: who learns that a defender is available to brief, who sees an invitation,
# who reads what a briefing's record holds, and what the policy-maker who asked is told.

# What the policy-maker who asked is told of her request while it is open.
SEARCHING, CONFIRMED, HELD = "searching", "confirmed", "briefed"


def sees_availability(role: str, *, verified: bool = False, herself: bool = False) -> bool:
    """Her availability: herself, the secretariat, verified policy-makers; nobody else."""
    return herself or role == "admin" or (role == "policy_maker" and verified)


def offered(*, available: bool, listed: bool) -> bool:
    """Offered as available (to those who may see it): her availability on, and listed."""
    return available and listed


def sees_invitation(role: str, *, herself: bool) -> bool:
    """An invitation (its existence, state and meeting): she who is invited, the secretariat."""
    return herself or role == "admin"


def reads_record(part: str, role: str, *, herself: bool) -> bool:
    """A part of a briefing's record: the risk assessment is hers and the secretariat's; the
    follow-up, the check-ins and reprisal reports are the secretariat's alone (she who filed
    a report is told only that it was received)."""
    if part == "risk":
        return herself or role == "admin"
    return role == "admin"


def requester_is_told(invitations: list[str]) -> str:
    """The public state of an open request, from its invitations' states: a briefing held,
    a briefer who accepted, else still searching (a decline or a withdrawal looks the same
    as no answer)."""
    if "briefed" in invitations:
        return HELD
    if "accepted" in invitations:
        return CONFIRMED
    return SEARCHING


def requester_sees_name(*, state: str, named: bool, listed: bool) -> bool:
    """Her name, to the policy-maker who asked: she accepted (or briefed), chose to be named,
    and is listed now."""
    return state in ("accepted", "briefed") and named and listed

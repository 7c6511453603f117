"""THE state machine of briefing requests and invitations: which moves exist, who may make
each, and what each side may know. Nothing else decides it. The table (also in
tests/test_briefings_states.py):

    request     from     action    to         who
                (none)   ask       open       a policy-maker who may ask (privacy.briefings)
                open     withdraw  withdrawn  the policy-maker who asked, while verified
                open     cancel    cancelled  the secretariat

    invitation  from               action     to         who
                (none)             invite     invited    the secretariat, to an offered defender
                invited            accept     accepted   she
                invited            decline    declined   she
                invited, accepted  withdraw   withdrawn  the secretariat
                accepted           step_back  withdrawn  she
                accepted           brief      briefed    the secretariat (the briefing was held),
                                                         once the risk assessment is complete
                invited, accepted  cancel     cancelled  the request's end (withdrawn or cancelled)

A request is held while whoever asked is not a verified policy-maker (her role changed, the
mark was taken away, she was suspended or deleted): nobody is invited for it and no
invitation of it is accepted, until the secretariat cancels it or she is verified again.
An invitation is accepted only while she is listed, and only until the meeting's day.

Each move is one UPDATE ... WHERE status IN (its sources), after the request's row is locked
(services/briefings.py), so that of several moves at once on one request exactly one wins and
no two states are ever both true (an invitation accepted for a request cancelled meanwhile).

What each side may know: the secretariat knows every state; she knows hers; the policy-maker
who asked knows her request's public state only: a briefer found (named only if she chose to
be named and is listed), the briefing held, or still looking. A decline, an invitation
withdrawn, or how many were invited, all look like "still looking" to her, as an unanswered
invitation does. Nobody else learns that a request or an invitation exists.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import BriefingInvitation, BriefingRequest, RiskAssessment, User
from ..models._types import utcnow
from . import moves
from .briefings import is_verified_policy_maker, today
from .moves import Move
from .policy import is_listed

OPEN, WITHDRAWN, CANCELLED = "open", "withdrawn", "cancelled"
INVITED, ACCEPTED, DECLINED, BRIEFED = "invited", "accepted", "declined", "briefed"
LIVE = (INVITED, ACCEPTED)  # invitations a request's end cancels
# What the policy-maker who asked is told of her open request.
SEARCHING, CONFIRMED = "searching", "confirmed"
# Who may make a move.
SECRETARIAT, DEFENDER, REQUESTER, CLOSING = "secretariat", "defender", "requester", "closing"


REQUEST_MOVES = {
    "withdraw": Move("withdraw", (OPEN,), WITHDRAWN, frozenset({REQUESTER})),
    "cancel": Move("cancel", (OPEN,), CANCELLED, frozenset({SECRETARIAT})),
}
INVITATION_MOVES = {
    "accept": Move("accept", (INVITED,), ACCEPTED, frozenset({DEFENDER})),
    "decline": Move("decline", (INVITED,), DECLINED, frozenset({DEFENDER})),
    "withdraw": Move("withdraw", LIVE, WITHDRAWN, frozenset({SECRETARIAT})),
    "step_back": Move("step_back", (ACCEPTED,), WITHDRAWN, frozenset({DEFENDER})),
    "brief": Move("brief", (ACCEPTED,), BRIEFED, frozenset({SECRETARIAT})),
    "cancel": Move("cancel", LIVE, CANCELLED, frozenset({CLOSING})),
}
# The order the pages offer the moves in.
INVITATION_ACTIONS = ("accept", "decline", "step_back", "withdraw", "brief")
ANSWERS = ("accept", "decline")


def is_secretariat(user: User) -> bool:
    return user.is_admin and user.status == "active"


def is_held(request: BriefingRequest) -> bool:
    """Whether the request waits: whoever asked is not a verified policy-maker now."""
    requester = request.requester
    return requester is None or not is_verified_policy_maker(requester)


def meeting_passed(request: BriefingRequest) -> bool:
    """Whether the meeting's day is over (an invitation can no longer be accepted)."""
    return request.meeting_date < today()


def request_sides(user: User, request: BriefingRequest) -> frozenset[str]:
    """The parts this user plays in a request (empty: it is none of her business)."""
    if is_secretariat(user):
        return frozenset({SECRETARIAT})
    if user.id == request.requester_id and is_verified_policy_maker(user):
        return frozenset({REQUESTER})
    return frozenset()


def invitation_sides(user: User, invitation: BriefingInvitation) -> frozenset[str]:
    """The parts this user plays in an invitation: the secretariat, or she who is invited."""
    if is_secretariat(user):
        return frozenset({SECRETARIAT})
    if user.id == invitation.defender_id and user.status == "active":
        return frozenset({DEFENDER})
    return frozenset()


def request_allowed(user: User, action: str, request: BriefingRequest) -> bool:
    """Whether the user may make this move on the request now."""
    step = REQUEST_MOVES[action]
    if not request_sides(user, request) & step.actors or request.status not in step.sources:
        return False
    # Once a briefing was held, the request is its record: nobody ends it after the fact.
    return all(invitation.status != BRIEFED for invitation in request.invitations)


def request_actions(user: User, request: BriefingRequest) -> tuple[str, ...]:
    return tuple(a for a in REQUEST_MOVES if request_allowed(user, a, request))


def invitation_allowed(user: User, action: str, invitation: BriefingInvitation) -> bool:
    """Whether the user may make this move on the invitation now."""
    step = INVITATION_MOVES[action]
    if not invitation_sides(user, invitation) & step.actors:
        return False
    if invitation.status not in step.sources:
        return False
    if action == "accept":
        return accept_refusal(invitation) is None
    return True


def accept_refusal(invitation: BriefingInvitation) -> str | None:
    """Why an invitation she may answer cannot be accepted now, or None: "closed" (the
    request ended), "passed" (the meeting's day is over), "held" (whoever asked is not a
    verified policy-maker now) or "unlisted" (she is hidden or not listed)."""
    request = invitation.request
    if request.status != OPEN:
        return "closed"
    if meeting_passed(request):
        return "passed"
    if is_held(request):
        return "held"
    if not is_listed(invitation.defender):
        return "unlisted"
    return None


def invitation_actions(user: User, invitation: BriefingInvitation) -> tuple[str, ...]:
    return tuple(a for a in INVITATION_ACTIONS if invitation_allowed(user, a, invitation))


def may_invite(request: BriefingRequest) -> bool:
    """Whether anyone may be invited for the request now."""
    return request.status == OPEN and not is_held(request) and not meeting_passed(request)


def move_invitation(invitation: BriefingInvitation, action: str, **extra: object) -> bool:
    """Make the move in one atomic statement (with `extra` values); False when it was no
    longer in a source state (or, for an acceptance, when its request was closed meanwhile).
    The caller checked that the actor may make it and locked the request's row."""
    step = INVITATION_MOVES[action]
    now = utcnow()
    values: dict[str, object] = {"status": step.target, **extra}
    if action in ANSWERS:
        values["answered_at"] = now
    else:
        values["closed_at"] = now
    where = []
    if action == "accept":
        still_open = sa.select(BriefingRequest.id).where(
            BriefingRequest.id == invitation.request_id, BriefingRequest.status == OPEN
        )
        where.append(sa.exists(still_open))
    if action == "brief":
        assessed = sa.select(RiskAssessment.invitation_id).where(
            RiskAssessment.invitation_id == invitation.id,
            RiskAssessment.completed_at.is_not(None),
        )
        where.append(sa.exists(assessed))
    return moves.make(invitation, step, values, *where)


def move_request(request: BriefingRequest, actor: User, action: str) -> list[int] | None:
    """End the request (withdrawn or cancelled) and cancel its live invitations, in two
    statements: the ids of the invitations cancelled, or None when the request was no longer
    open. The caller checked the actor and locked the row."""
    step = REQUEST_MOVES[action]
    now = utcnow()
    values = {"status": step.target, "closed_at": now, "closed_by_id": actor.id}
    briefed = sa.select(BriefingInvitation.id).where(
        BriefingInvitation.request_id == request.id, BriefingInvitation.status == BRIEFED
    )
    if not moves.make(request, step, values, ~sa.exists(briefed)):
        return None
    live = list(
        db.session.scalars(
            sa.select(BriefingInvitation.id).where(
                BriefingInvitation.request_id == request.id,
                BriefingInvitation.status.in_(LIVE),
            )
        )
    )
    if live:
        db.session.execute(
            sa.update(BriefingInvitation)
            .where(BriefingInvitation.id.in_(live), BriefingInvitation.status.in_(LIVE))
            .values(status=CANCELLED, closed_at=now),
            execution_options={"synchronize_session": False},
        )
    for invitation in request.invitations:
        db.session.expire(invitation)
    return live


def invitation_state_for(viewer: User, invitation: BriefingInvitation) -> str | None:
    """What this viewer may know of an invitation's state; None: not hers to know."""
    if not invitation_sides(viewer, invitation):
        return None
    return invitation.status


def public_state(request: BriefingRequest) -> str:
    """The request's state as the policy-maker who asked is told it: withdrawn, cancelled,
    briefed, confirmed (a briefer accepted), or searching (every other case: a decline or a
    withdrawn invitation reads as no answer yet)."""
    if request.status != OPEN:
        return request.status
    states = {invitation.status for invitation in request.invitations}
    if BRIEFED in states:
        return BRIEFED
    if ACCEPTED in states:
        return CONFIRMED
    return SEARCHING


def request_state_for(viewer: User, request: BriefingRequest) -> str | None:
    """What this viewer may know of a request's state: the secretariat its stored status,
    the policy-maker who asked its public state; None for everyone else."""
    sides = request_sides(viewer, request)
    if SECRETARIAT in sides:
        return request.status
    if REQUESTER in sides:
        return public_state(request)
    return None


# --- the records of a briefing ------------------------------------------------------------

# Once she has accepted, the briefing has a record: its risk assessment (she and the
# secretariat), its outcome, follow-up and check-ins (the secretariat), and reprisal reports
# (she or the secretariat on her behalf may file one; the secretariat alone reads them).
ASSESSED = (ACCEPTED, BRIEFED)


def was_accepted(invitation: BriefingInvitation) -> bool:
    """Whether she accepted it at some point (stepping back or a cancellation since included)."""
    return invitation.answered_at is not None and invitation.status != DECLINED


def may_assess(user: User, invitation: BriefingInvitation) -> bool:
    """She and the secretariat read the risk assessment, while it is on and once held."""
    return bool(invitation_sides(user, invitation)) and invitation.status in ASSESSED


def may_change_assessment(user: User, invitation: BriefingInvitation) -> bool:
    """She and the secretariat complete it before the briefing; once it is recorded as held
    (which a complete checklist allows), it is kept as it was."""
    return bool(invitation_sides(user, invitation)) and invitation.status == ACCEPTED


def may_choose_name(user: User, invitation: BriefingInvitation) -> bool:
    """She alone says, briefing by briefing she accepted, whether she is named on it: nobody
    else, not even the secretariat, decides that for her."""
    return DEFENDER in invitation_sides(user, invitation) and invitation.status in ASSESSED


def may_record(user: User, invitation: BriefingInvitation) -> bool:
    """The secretariat records the outcome, follow-up and check-ins of an accepted briefing."""
    return is_secretariat(user) and invitation.status in ASSESSED


def may_report(user: User, invitation: BriefingInvitation) -> bool:
    """She, about a briefing she accepted, and the secretariat on her behalf."""
    return bool(invitation_sides(user, invitation)) and was_accepted(invitation)


def may_read_reports(user: User) -> bool:
    """Reprisal reports: the secretariat alone (the reporter is told only of their receipt)."""
    return is_secretariat(user)

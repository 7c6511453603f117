"""THE state machine of contact requests: which moves exist, and who may make each.

Nothing else decides whether a request may be answered or ended, or what state it is in.
The table (also in docs/SECURITY.md and tests/test_request_states.py):

    from                        action   to        who
    (none)                      ask      pending   the sender (see services/connections.ask)
    (none), she blocked him     ask      blocked   the sender, who is told "sent" (dropped)
    pending                     accept   accepted  the recipient; her delegated managers
    pending                     decline  declined  the recipient; her delegated managers
    pending                     block    blocked   the recipient; her delegated managers
    pending, declined, blocked  (clock)  expired   CONNECTION_REQUEST_DAYS after it was sent
    accepted                    end      ended     the sender or the recipient

A delegated manager is a manager of the recipient's organisation while the recipient lets
managers answer for her (`profile.managers_may_answer`) and is listed (not hidden, her own
agreement given), and never for a request she sent. A request is asked only by someone listed,
and answered only while its sender is listed: from a sender who hid, withdrew her agreement or
was suspended since, it is held (nobody sees it waiting or answers it) until she is back, so
that nobody connects with someone she cannot see.
Expiry is computed from `created_at`, never written: the stored status stays, so every move
out of an expiring state also requires the request to be inside its window. Each move is one
atomic UPDATE ... WHERE status IN (its sources): of several at once, exactly one wins.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..models import REQUEST_STATES, ContactRequest, User
from ..models._types import utcnow
from . import moves
from .moves import Move
from .policy import is_listed

# The states, as the model lists them (models/connections.py).
PENDING, ACCEPTED, DECLINED, BLOCKED, ENDED, EXPIRED = REQUEST_STATES
# States the clock moves to `expired`.
EXPIRING = (PENDING, DECLINED, BLOCKED)
# Who may make a move: the sides of the request, her delegated managers, the clock.
SENDER, RECIPIENT, DELEGATE, CLOCK = "sender", "recipient", "delegate", "clock"


MOVES = {
    "accept": Move("accept", (PENDING,), ACCEPTED, frozenset({RECIPIENT, DELEGATE})),
    "decline": Move("decline", (PENDING,), DECLINED, frozenset({RECIPIENT, DELEGATE})),
    "block": Move("block", (PENDING,), BLOCKED, frozenset({RECIPIENT, DELEGATE})),
    "end": Move("end", (ACCEPTED,), ENDED, frozenset({SENDER, RECIPIENT})),
    "expire": Move("expire", EXPIRING, EXPIRED, frozenset({CLOCK})),
}
ANSWERS = ("accept", "decline", "block")


def expiry_cutoff() -> datetime:
    """Requests sent before this moment have expired (if still in an expiring state)."""
    return utcnow() - timedelta(days=current_app.config["CONNECTION_REQUEST_DAYS"])


def initial_state(recipient_blocked_sender: bool) -> str:
    """A new request waits; to someone who blocked the sender it is dropped at once."""
    return BLOCKED if recipient_blocked_sender else PENDING


def is_dropped(request: ContactRequest) -> bool:
    """Blocked without an answer: made to someone who had blocked the sender before."""
    return request.status == BLOCKED and request.responded_at is None


def dropped_clause() -> sa.ColumnElement[bool]:
    """SQL for is_dropped."""
    return sa.and_(ContactRequest.status == BLOCKED, ContactRequest.responded_at.is_(None))


def state_of(request: ContactRequest) -> str:
    """The request's true state, the clock included."""
    if request.status in EXPIRING and request.created_at < expiry_cutoff():
        return EXPIRED
    return request.status


def is_delegate(user: User, request: ContactRequest) -> bool:
    """A manager of the recipient's organisation whom she lets answer, who did not send it,
    while she is listed: hidden, or her agreement withdrawn, nobody answers for her (nor sees
    what waits for her), so nothing can become a connection while she is away."""
    if user.id in (request.requester_id, request.recipient_id) or user.role != "manager":
        return False
    recipient = request.recipient
    return (
        recipient.organization_id is not None
        and user.organization_id == recipient.organization_id
        and recipient.profile is not None
        and recipient.profile.managers_may_answer
        and is_listed(recipient)
    )


def sides_of(user: User, request: ContactRequest) -> frozenset[str]:
    """The parts this user plays in the request (empty: it is none of her business).

    A dropped request does not exist for its recipient, nor for her managers."""
    if user.id == request.requester_id:
        return frozenset({SENDER})
    if is_dropped(request):
        return frozenset()
    if user.id == request.recipient_id:
        return frozenset({RECIPIENT})
    return frozenset({DELEGATE}) if is_delegate(user, request) else frozenset()


def may_try(user: User, action: str, request: ContactRequest) -> bool:
    """Whether the user is one who may make this move at all (else the request is a 404)."""
    return bool(sides_of(user, request) & MOVES[action].actors)


def is_held(request: ContactRequest) -> bool:
    """Whether its sender is not listed now: nobody answers it while she is away."""
    return not is_listed(request.requester)


def allowed(user: User, action: str, request: ContactRequest) -> bool:
    """Whether the user may make this move now."""
    if action in ANSWERS and is_held(request):
        return False
    return may_try(user, action, request) and state_of(request) in MOVES[action].sources


def actions_for(user: User, request: ContactRequest) -> tuple[str, ...]:
    """The moves this user may make now, in the order the page offers them."""
    return tuple(a for a in ("accept", "decline", "block", "end") if allowed(user, a, request))


def is_connection(user: User, request: ContactRequest) -> bool:
    """Whether the request is an accepted connection and the user one of its two sides."""
    return state_of(request) == ACCEPTED and bool(sides_of(user, request) & {SENDER, RECIPIENT})


def move(request: ContactRequest, actor: User, action: str) -> bool:
    """Make the move in one atomic statement; False when the request was no longer in a source
    state (answered or ended meanwhile, or expired). The caller checked may_try."""
    step = MOVES[action]
    now = utcnow()
    values: dict[str, object] = {"status": step.target}
    if action in ANSWERS:
        values.update(responded_at=now, answered_by_id=actor.id)
    if action == "end":
        values["ended_at"] = now
    if set(step.sources) & set(EXPIRING):
        return moves.make(request, step, values, ContactRequest.created_at >= expiry_cutoff())
    return moves.make(request, step, values)


def request_state_for(viewer: User, request: ContactRequest) -> str | None:
    """What this viewer may know of a contact request's state; None: it is not hers to know.

    Its sender never learns of a decline or a block: both read as pending until the request
    expires, as an unanswered one does. A request dropped because its recipient had blocked
    the sender does not exist for the recipient or her managers; nobody else knows of any."""
    sides = sides_of(viewer, request)
    if not sides:
        return None
    state = state_of(request)
    if SENDER in sides and state in (DECLINED, BLOCKED):
        return PENDING
    return state

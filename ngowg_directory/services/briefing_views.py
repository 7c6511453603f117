"""What /briefings and its pages show each viewer: views built from the state machine's
answers (privacy/briefing_states.py), never a model handed to a template.

The secretariat sees every request, its requester, the people who match and every
invitation's true state; the policy-maker who asked sees her requests' public state and the
names of briefers who chose to be named; she who is invited sees her invitations, what the
meeting needs her to know, and nothing of who asked or who else was invited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import BriefingInvitation, BriefingRequest, User
from ..privacy import briefing_states as states
from ..privacy import briefings as rules
from . import briefing_checkins, briefings
from . import briefing_records as records


@dataclass(frozen=True)
class Facts:
    """What a request says of the meeting and the briefing asked for."""

    id: int
    meeting_date: date
    item: str
    item_name: str
    theme: str | None
    topic: str
    language: str
    mode: str
    deadline: date
    meeting_title: str = ""
    meeting_kind: str | None = None


def facts(request: BriefingRequest) -> Facts:
    meeting = getattr(request, "meeting", None)
    return Facts(
        id=request.id,
        meeting_date=request.meeting_date,
        item=request.item,
        item_name=briefings.item_name(request.item),
        theme=request.theme,
        topic=request.topic,
        language=request.language,
        mode=request.mode,
        deadline=request.deadline,
        meeting_title=getattr(meeting, "title", "") or "",
        meeting_kind=getattr(meeting, "kind", None),
    )


@dataclass(frozen=True)
class InvitationView:
    """An invitation as one of its two sides (she, or the secretariat) may know it."""

    id: int
    state: str
    facts: Facts
    actions: tuple[str, ...]
    created_at: datetime
    answered_at: datetime | None
    held_on: date | None
    named: bool
    may_assess: bool
    may_report: bool
    may_choose_name: bool
    listed: bool  # whether she is listed now (the secretariat's note: held while she is not)
    cannot_accept: str | None  # for her: why Accept is not offered now
    person: tuple[int, str] | None = None  # for the secretariat: her account and name
    receipts: list[datetime] = field(default_factory=list)


def invitation_view(
    viewer: User, invitation: BriefingInvitation, *, detail: bool = False
) -> InvitationView | None:
    """The invitation as this viewer may know it, or None (not hers to know); `detail`: with
    the receipts of the reports she filed (its own page)."""
    state = states.invitation_state_for(viewer, invitation)
    if state is None:
        return None
    secretariat = states.is_secretariat(viewer)
    person = invitation.defender
    return InvitationView(
        id=invitation.id,
        state=state,
        facts=facts(invitation.request),
        actions=states.invitation_actions(viewer, invitation),
        created_at=invitation.created_at,
        answered_at=invitation.answered_at,
        held_on=invitation.held_on,
        named=invitation.named,
        may_assess=states.may_assess(viewer, invitation),
        may_report=states.may_report(viewer, invitation),
        may_choose_name=states.may_choose_name(viewer, invitation),
        listed=rules.is_listed(person),
        cannot_accept=briefings.cannot_accept(viewer, invitation),
        person=(person.id, person.name) if secretariat else None,
        receipts=records.receipts(viewer, invitation) if detail and not secretariat else [],
    )


@dataclass(frozen=True)
class RequestView:
    """A request as the secretariat or the policy-maker who asked may know it."""

    facts: Facts
    state: str  # privacy.briefing_states.request_state_for
    public_state: str  # what the policy-maker who asked is told
    actions: tuple[str, ...]
    created_at: datetime
    briefers: list[str]  # the public names of those who accepted; "" for an anonymous one
    held: bool = False  # for the secretariat: whoever asked is not a verified policy-maker
    requester: tuple[int, str] | None = None  # for the secretariat
    invitations: list[InvitationView] = field(default_factory=list)  # for the secretariat
    counts: dict[str, int] = field(default_factory=dict)  # for the secretariat


def request_view(viewer: User, request: BriefingRequest) -> RequestView | None:
    """The request as this viewer may know it, or None."""
    state = states.request_state_for(viewer, request)
    if state is None:
        return None
    public = states.public_state(request)
    shown = (states.ACCEPTED, states.BRIEFED) if request.status == states.OPEN else ()
    briefers = [
        rules.public_name(invitation) or ""
        for invitation in request.invitations
        if invitation.status in shown
    ]
    view = RequestView(
        facts=facts(request),
        state=state,
        public_state=public,
        actions=states.request_actions(viewer, request),
        created_at=request.created_at,
        briefers=briefers,
    )
    if not states.is_secretariat(viewer):
        return view
    invitations = [invitation_view(viewer, i) for i in request.invitations]
    counts: dict[str, int] = {}
    for invitation in request.invitations:
        counts[invitation.status] = counts.get(invitation.status, 0) + 1
    return _with_secretariat(view, request, invitations, counts)


def _with_secretariat(
    view: RequestView,
    request: BriefingRequest,
    invitations: list[InvitationView | None],
    counts: dict[str, int],
) -> RequestView:
    requester = request.requester
    return RequestView(
        facts=view.facts,
        state=view.state,
        public_state=view.public_state,
        actions=view.actions,
        created_at=view.created_at,
        briefers=view.briefers,
        held=states.is_held(request),
        requester=(requester.id, requester.name) if requester is not None else None,
        invitations=[i for i in invitations if i is not None],
        counts=counts,
    )


@dataclass
class Overview:
    """What /briefings lists for one viewer."""

    requests: list[RequestView] = field(default_factory=list)
    invitations: list[InvitationView] = field(default_factory=list)
    due: list[tuple[InvitationView, int]] = field(default_factory=list)  # the secretariat's
    may_ask: bool = False
    verified: bool = False


def _requests(where: sa.ColumnElement[bool] | None) -> list[BriefingRequest]:
    query = sa.select(BriefingRequest).options(
        selectinload(BriefingRequest.invitations).joinedload(BriefingInvitation.defender),
        selectinload(BriefingRequest.requester),
    )
    if where is not None:
        query = query.where(where)
    order = (BriefingRequest.status != states.OPEN, BriefingRequest.meeting_date.desc())
    return list(db.session.scalars(query.order_by(*order, BriefingRequest.id.desc())))


def overview(viewer: User) -> Overview:
    """The requests, invitations and due check-ins /briefings shows this viewer."""
    result = Overview(
        may_ask=rules.may_ask(viewer), verified=rules.is_verified_policy_maker(viewer)
    )
    if states.is_secretariat(viewer):
        rows = _requests(None)
        result.requests = [v for v in (request_view(viewer, r) for r in rows) if v]
        for invitation, days in briefing_checkins.due_checkins():
            view = invitation_view(viewer, invitation)
            if view is not None:
                result.due.append((view, days))
    elif result.verified:
        rows = _requests(BriefingRequest.requester_id == viewer.id)
        result.requests = [v for v in (request_view(viewer, r) for r in rows) if v]
    elif viewer.role == "defender":
        mine = db.session.scalars(
            sa.select(BriefingInvitation)
            .join(BriefingRequest)
            .where(BriefingInvitation.defender_id == viewer.id)
            .options(selectinload(BriefingInvitation.request))
            .order_by(BriefingRequest.meeting_date.desc(), BriefingInvitation.id.desc())
        )
        result.invitations = [v for v in (invitation_view(viewer, i) for i in mine) if v]
    return result

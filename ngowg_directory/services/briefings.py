"""Briefers: a defender's availability, a Council member's request for a briefer, the
secretariat's invitations and her answers.

Who may see or do what: privacy/briefings.py (availability, who may ask) and
privacy/briefing_states.py (the moves and what each side may know). The records of a briefing
once accepted (risk assessment, outcome, reprisal reports) are in services/briefing_records.py
and services/briefing_checkins.py; availability and matching in services/briefing_offers.py;
the pages' views in services/briefing_views.py.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import audit, mail, reference
from ..extensions import db
from ..models import (
    BriefingInvitation,
    BriefingRequest,
    CouncilMeeting,
    User,
)
from ..models.briefings import REQUEST_MODES
from ..privacy import briefing_states as states
from ..privacy import briefings as rules
from ..validation import BIDI_CONTROLS, ValidationError, clean_text
from .briefing_offers import availability, offered

logger = logging.getLogger(__name__)

TOPIC_MIN, TOPIC_MAX = 10, 1000


class BriefingError(ValueError):
    """A move that cannot be made now; str() is for the person."""


# A briefer is asked for a meeting of the months ahead: a day beyond a year is a mistyped year.
MEETING_AHEAD_DAYS = 366
NO_LONGER = _l("This can no longer be done: the briefing or its request has changed meanwhile.")
# Why she cannot accept now (privacy.briefing_states.accept_refusal), in her words.
CANNOT_ACCEPT = {
    "closed": _l("This invitation cannot be accepted: the request was withdrawn or ended."),
    "passed": _l("This invitation cannot be accepted: the meeting's day has passed."),
    "held": _l(
        "This invitation cannot be accepted now: the request is on hold. The secretariat will "
        "tell you if it goes ahead."
    ),
    "unlisted": _l(
        "You cannot accept while you are hidden or not listed in the directory: list yourself "
        "again on your privacy page, then accept."
    ),
}


def cannot_accept(viewer: User, invitation: BriefingInvitation) -> str | None:
    """For her, while the invitation waits for her answer: why Accept is not offered now."""
    if invitation.status != states.INVITED or viewer.id != invitation.defender_id:
        return None
    reason = states.accept_refusal(invitation)
    return str(CANNOT_ACCEPT[reason]) if reason else None


def item_name(item: str) -> str:
    """A Council item's name (an agenda situation or a thematic item) in the page's language."""
    return reference.council_item_name(item)


# --- requests ------------------------------------------------------------------------------

UPCOMING = 60  # meetings offered on the request form


def upcoming_meetings() -> list[CouncilMeeting]:
    """The Council's meetings from today on, soonest first (the request form's choices)."""
    return list(
        db.session.scalars(
            sa.select(CouncilMeeting)
            .where(CouncilMeeting.date >= rules.today())
            .order_by(CouncilMeeting.date, CouncilMeeting.id)
            .limit(UPCOMING)
        )
    )


def _date(value: Any, field: str) -> date:
    if not isinstance(value, date):
        raise ValidationError(field, _l("Give a date."))
    return value


def clean_request(data: dict[str, Any], meeting: Any | None) -> dict[str, Any]:
    """A request's values, checked: meeting (or date and item), topic, language, mode and the
    deadline (from today until the meeting's day)."""
    if meeting is not None:
        meeting_date, item = meeting.date, meeting.item
    else:
        meeting_date = _date(data.get("meeting_date"), "meeting_date")
        item = (data.get("item") or "").strip()
        if item.upper() in reference.situations():
            item = item.upper()
        elif item not in reference.council_items():
            raise ValidationError("item", _l("Choose a situation or a thematic item."))
    if meeting_date < rules.today():
        raise ValidationError("meeting_date", _l("The meeting's day has passed."))
    if meeting_date > rules.today() + timedelta(days=MEETING_AHEAD_DAYS):
        raise ValidationError(
            "meeting_date", _l("The meeting's day is more than a year away: check the year.")
        )
    theme = (data.get("theme") or "").strip() or None
    if theme is not None and theme not in reference.themes():
        raise ValidationError("theme", _l("Unknown value: %(v)s", v=theme))
    # Without bidirectional controls, which could make it read as another text to her.
    topic = clean_text(data.get("topic"), TOPIC_MAX, "topic").translate(BIDI_CONTROLS)
    if len(topic) < TOPIC_MIN:
        raise ValidationError(
            "topic", _l("Say in at least %(n)s characters what the briefing is about.", n=10)
        )
    language = (data.get("language") or "").strip().lower()
    if language not in reference.language_codes():
        raise ValidationError("language", _l("Choose a language."))
    mode = data.get("mode") or ""
    if mode not in REQUEST_MODES:
        raise ValidationError("mode", _l("Choose in person, remote, or either."))
    deadline = _date(data.get("deadline"), "deadline")
    if not rules.today() <= deadline <= meeting_date:
        raise ValidationError(
            "deadline", _l("The answer is needed between today and the meeting's day.")
        )
    return {
        "meeting_date": meeting_date,
        "item": item,
        "theme": theme,
        "topic": topic,
        "language": language,
        "mode": mode,
        "deadline": deadline,
    }


def ask(requester: User, data: dict[str, Any], meeting: Any | None = None) -> BriefingRequest:
    """A Council member's request for a briefer (LookupError: she may not ask)."""
    if not rules.may_ask(requester):
        raise LookupError("not a verified policy-maker of a Council member")
    values = clean_request(data, meeting)
    request = BriefingRequest(
        requester=requester, meeting_id=meeting.id if meeting is not None else None, **values
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        "briefing_requested",
        actor=requester,
        target_type="briefing_request",
        target_id=request.id,
    )
    return request


def lock_request(request_id: int) -> BriefingRequest | None:
    """The request, its row locked until the transaction ends: every move on it or on its
    invitations is serialised (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the write lock,
    taken by a write that changes nothing, before anything is read)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalar(
            sa.select(BriefingRequest)
            .where(BriefingRequest.id == request_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    db.session.execute(
        sa.update(BriefingRequest)
        .where(BriefingRequest.id == request_id)
        .values(id=BriefingRequest.id),
        execution_options={"synchronize_session": False},
    )
    return db.session.scalar(
        sa.select(BriefingRequest)
        .where(BriefingRequest.id == request_id)
        .execution_options(populate_existing=True)
    )


def end_request(request: BriefingRequest, actor: User, action: str) -> None:
    """Withdraw (the policy-maker who asked) or cancel (the secretariat) a request: its live
    invitations are cancelled with it. LookupError: not the actor's to do."""
    if not states.request_sides(actor, request) & states.REQUEST_MOVES[action].actors:
        raise LookupError("not a side of this request")
    locked = lock_request(request.id)
    if locked is None or not states.request_allowed(actor, action, locked):
        raise BriefingError(str(NO_LONGER))
    cancelled = states.move_request(locked, actor, action)
    if cancelled is None:
        raise BriefingError(str(NO_LONGER))
    audit.record(
        {"withdraw": "briefing_request_withdrawn", "cancel": "briefing_request_cancelled"}[action],
        actor=actor,
        target_type="briefing_request",
        target_id=request.id,
        invitations=len(cancelled),
    )


# --- invitations ---------------------------------------------------------------------------


def invite(
    request: BriefingRequest, actor: User, person_ids: list[int]
) -> list[BriefingInvitation]:
    """Invite offered defenders for an open request; each one once (two invitations of one
    person at once make one). LookupError: not the secretariat; BriefingError: refused."""
    if not states.is_secretariat(actor):
        raise LookupError("only the secretariat invites")
    wanted = list(dict.fromkeys(person_ids))
    if not wanted:
        raise BriefingError(str(_l("Choose at least one person to invite.")))
    locked = lock_request(request.id)
    if locked is None or not states.may_invite(locked):
        raise BriefingError(str(_l("Nobody can be invited for this request now.")))
    already = set(
        db.session.scalars(
            sa.select(BriefingInvitation.defender_id).where(
                BriefingInvitation.request_id == locked.id
            )
        )
    )
    people = {person.id: row for person, row in offered(wanted)}
    refused = [pid for pid in wanted if pid not in people or pid in already]
    if refused:
        raise BriefingError(
            str(_l("Some of them cannot be invited: invited already, or no longer available."))
        )
    made = []
    for person_id in wanted:
        invitation = BriefingInvitation(
            request_id=locked.id,
            defender_id=person_id,
            invited_by_id=actor.id,
            named=people[person_id].named,
        )
        try:
            with db.session.begin_nested():
                db.session.add(invitation)
        except IntegrityError as exc:  # the unique pair: a second invitation at once
            raise BriefingError(str(NO_LONGER)) from exc
        audit.record(
            "briefing_invited",
            actor=actor,
            target_type="briefing_invitation",
            target_id=invitation.id,
            request=locked.id,
        )
        made.append(invitation)
    return made


ANSWER_AUDITS = {
    "accept": "briefing_accepted",
    "decline": "briefing_declined",
    "step_back": "briefing_stepped_back",
    "withdraw": "briefing_invitation_withdrawn",
    "brief": "briefing_held",
}


def move(invitation: BriefingInvitation, actor: User, action: str, **values: Any) -> None:
    """Accept, decline or step back (she), withdraw or record as held (the secretariat), once:
    LookupError when it is not the actor's move, BriefingError when it can no longer be made.
    `values` are stored with the move (a briefing held: its day)."""
    step = states.INVITATION_MOVES.get(action)
    if step is None or action == "cancel":
        raise LookupError(action)
    if not states.invitation_sides(actor, invitation) & step.actors:
        raise LookupError("not the actor's move")
    locked = lock_request(invitation.request_id)
    db.session.refresh(invitation)
    if locked is None or not states.invitation_allowed(actor, action, invitation):
        reason = cannot_accept(actor, invitation) if action == "accept" else None
        raise BriefingError(reason or str(NO_LONGER))
    if action == "accept":
        # Named or anonymous: her choice as it is when she accepts.
        row = availability(invitation.defender)
        values["named"] = bool(row and row.named)
    if not states.move_invitation(invitation, action, **values):
        raise BriefingError(str(NO_LONGER))
    audit.record(
        ANSWER_AUDITS[action],
        actor=actor,
        target_type="briefing_invitation",
        target_id=invitation.id,
    )


def waiting(user: User) -> int:
    """Invitations waiting for her answer (the menu's count; only she sees it)."""
    if user.role != "defender":
        return 0
    return (
        db.session.scalar(
            sa.select(sa.func.count(BriefingInvitation.id))
            .join(BriefingRequest)
            .where(
                BriefingInvitation.defender_id == user.id,
                BriefingInvitation.status == states.INVITED,
                BriefingRequest.status == states.OPEN,
                BriefingRequest.meeting_date >= rules.today(),
            )
        )
        or 0
    )


# --- notices -------------------------------------------------------------------------------


def secretariat() -> list[User]:
    """The active admins: whom the secretariat's notices go to."""
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == "admin", User.status == "active").order_by(User.id)
        )
    )


def notify_secretariat(template: str, subject: Any, **context: Any) -> int:
    """A notice to every admin, in her language, without names or content: how many went."""
    sent = 0
    for admin in secretariat():
        if mail.try_send_template(
            admin.email, subject, template, locale=mail.language_for(admin), **context
        ):
            sent += 1
        else:
            logger.warning("secretariat notice %s for user %s not sent", template, admin.id)
    return sent

"""Briefers: a defender's availability, a Council member's request for a briefer, the
secretariat's invitations and her answers.

Who may see or do what: privacy/briefings.py (availability, who may ask) and
privacy/briefing_states.py (the moves and what each side may know). The records of a briefing
once accepted (risk assessment, outcome, check-ins, reprisal reports) are in
services/briefing_records.py; the pages' views in services/briefing_views.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import audit, mail, reference
from ..extensions import db
from ..models import (
    BriefingAvailability,
    BriefingInvitation,
    BriefingRequest,
    CouncilMeeting,
    Profile,
    User,
)
from ..models._types import utcnow
from ..models.briefings import MODES, REQUEST_MODES
from ..privacy import briefing_states as states
from ..privacy import briefings as rules
from ..validation import ValidationError, clean_codes, clean_text

logger = logging.getLogger(__name__)

TOPIC_MIN, TOPIC_MAX = 10, 1000


class BriefingError(ValueError):
    """A move that cannot be made now; str() is for the person."""


NO_LONGER = _l("This can no longer be done: the briefing or its request has changed meanwhile.")


# --- availability ------------------------------------------------------------------------


def item_name(item: str) -> str:
    """A Council item's name (an agenda situation or a thematic item) in the page's language."""
    return reference.council_item_name(item)


def availability(user: User) -> BriefingAvailability | None:
    """Her availability row, if she ever said she is available."""
    return db.session.get(BriefingAvailability, user.id)


def save_availability(user: User, data: dict[str, Any]) -> BriefingAvailability:
    """Store what she says of her availability; ValidationError names the field. Switched
    off, the rest is kept for the day she switches it on again."""
    if not rules.may_offer(user):
        raise LookupError("only defenders offer to brief")
    row = availability(user)
    before = row.active if row is not None else None
    if row is None:
        row = BriefingAvailability(user_id=user.id)
        db.session.add(row)
    active = bool(data.get("active"))
    situations = clean_codes(
        data.get("situations"), reference.situations(), "situations", upper=True
    )
    themes = clean_codes(data.get("themes"), reference.themes(), "themes")
    languages = clean_codes(data.get("languages"), reference.language_codes(), "languages")
    modes = clean_codes(data.get("modes"), MODES, "modes")
    if active:
        if not situations and not themes:
            raise ValidationError("situations", _l("Choose at least one situation or theme."))
        if not languages:
            raise ValidationError("languages", _l("Choose at least one language."))
        if not modes:
            raise ValidationError("modes", _l("Choose in person, remote, or both."))
    row.active = active
    row.situations, row.themes = ";".join(situations), ";".join(themes)
    row.languages = ";".join(languages)
    row.in_person, row.remote = "in_person" in modes, "remote" in modes
    row.named = data.get("named") == "named"
    row.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "briefing_availability_changed", actor=user, target=user, active=active, before=before
    )
    return row


def switch_off(user: User) -> None:
    """She is not available any more (what she said is kept for the day she is again)."""
    row = availability(user)
    if row is None or not row.active:
        return
    row.active = False
    row.updated_at = utcnow()
    audit.record(
        "briefing_availability_changed", actor=user, target=user, active=False, before=True
    )


def offered(person_ids: list[int] | None = None) -> list[tuple[User, BriefingAvailability]]:
    """Every defender offered now (privacy.briefings.offered_clause), with her availability,
    in two statements whatever their number."""
    query = (
        sa.select(User, BriefingAvailability)
        .join(Profile, Profile.user_id == User.id)
        .join(BriefingAvailability, BriefingAvailability.user_id == User.id)
        .where(rules.offered_clause())
        .order_by(User.name, User.id)
    )
    if person_ids is not None:
        query = query.where(User.id.in_(person_ids))
    return [(user, row) for user, row in db.session.execute(query).unique()]


@dataclass(frozen=True)
class Match:
    """An offered defender and what of a request she matches."""

    person: User
    availability: rules.AvailabilityView
    topic: bool
    language: bool
    mode: bool

    @property
    def full(self) -> bool:
        return self.topic and self.language and self.mode


def _matches_one(request: BriefingRequest, row: BriefingAvailability) -> tuple[bool, bool, bool]:
    topics = set(row.situation_codes) | set(row.theme_slugs)
    topic = request.item in topics or (request.theme is not None and request.theme in topics)
    language = request.language in row.language_codes
    mode = request.mode == "either" or request.mode in row.modes
    return topic, language, mode


def matches(request: BriefingRequest) -> list[Match]:
    """The offered defenders not yet invited for the request who match its topic (situation,
    thematic item or theme), its language or its mode: full matches first."""
    invited = {invitation.defender_id for invitation in request.invitations}
    found = []
    for person, row in offered():
        if person.id in invited:
            continue
        topic, language, mode = _matches_one(request, row)
        if topic or language:
            found.append(Match(person, rules.shape(row), topic, language, mode))
    found.sort(key=lambda m: (not m.full, not m.topic, not m.language, m.person.name))
    return found


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
    theme = (data.get("theme") or "").strip() or None
    if theme is not None and theme not in reference.themes():
        raise ValidationError("theme", _l("Unknown value: %(v)s", v=theme))
    topic = clean_text(data.get("topic"), TOPIC_MAX, "topic")
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
        raise BriefingError(str(NO_LONGER))
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


def notify_invited(person: User) -> None:
    """Tell her something waits: no meeting, no situation, no name, nothing but the link (her
    mailbox may be read by others), in her language; not when she turned notices off."""
    if person.profile is not None and not person.profile.notify_email:
        return
    if not mail.try_send_template(
        person.email,
        _l("Something is waiting for you in the directory"),
        "briefing_invited",
        locale=mail.language_for(person),
    ):
        logger.warning("briefing notice for user %s could not be sent", person.id)


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

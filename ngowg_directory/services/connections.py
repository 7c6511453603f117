"""Contact requests: ask, accept, decline, block, end; what each side sees of a request.

Which moves exist and who may make them: privacy/request_states.py. What each side may know
of a request: privacy.request_state_for (a decline or block looks exactly like a pending
request to its sender, until it expires). Only an accepted request reveals
`connections`-audience details.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from .. import audit, mail, privacy
from ..extensions import db
from ..models import Block, ContactRequest, Profile, User
from ..models._types import utcnow
from ..privacy import request_states as states

logger = logging.getLogger(__name__)

MESSAGE_MIN, MESSAGE_MAX = 20, 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CANNOT_RECEIVE = _l("This person cannot receive contact requests from you.")
NO_LONGER = _l("This request can no longer be answered.")
ASKER_UNLISTED = _l(
    "Nobody can see your profile while it is hidden or you are not listed, so you cannot ask "
    "for contact: the person you ask could not see who is asking. Show your profile, or agree "
    "to be listed, first."
)


class RequestError(ValueError):
    """A request that cannot be made or answered; str() is for the person."""


class DraftError(RequestError):
    """A message refused as too short or too long: the form comes back holding her text,
    with the reason at the field, for her to put right."""


def between(viewer: User, other: User) -> ContactRequest | None:
    """The newest request between two people, in either direction, that the viewer may know
    of (a request dropped because she had blocked its sender does not exist for her)."""
    return db.session.scalar(
        sa.select(ContactRequest)
        .where(
            sa.or_(
                sa.and_(
                    ContactRequest.requester_id == viewer.id,
                    ContactRequest.recipient_id == other.id,
                ),
                sa.and_(
                    ContactRequest.requester_id == other.id,
                    ContactRequest.recipient_id == viewer.id,
                    sa.not_(states.dropped_clause()),
                ),
            )
        )
        .order_by(ContactRequest.id.desc())
        .limit(1)
    )


def clean_message(message: str | None) -> str:
    """The purpose, as plain text of 20 to 1,000 characters."""
    text = unicodedata.normalize("NFC", _CONTROL.sub("", message or "")).strip()
    if len(text) < MESSAGE_MIN:
        raise DraftError(
            _("Say in at least %(n)s characters why you ask for contact.", n=MESSAGE_MIN)
        )
    if len(text) > MESSAGE_MAX:
        raise DraftError(_("Use at most %(n)s characters.", n=MESSAGE_MAX))
    return text


def ask(requester: User, recipient: User, message: str | None) -> ContactRequest:
    """Send a request; every refusal has a message, the same whether or not she blocked him.

    To someone who blocked the sender, the request is stored dropped (the machine's `blocked`
    without an answer): the sender sees it wait and expire like any other, the recipient never
    sees it, and no notice goes out (the caller asks `delivered`)."""
    if requester.id == recipient.id:
        raise RequestError(_("You cannot ask yourself for contact."))
    if not privacy.is_listed(requester):
        raise RequestError(str(ASKER_UNLISTED))
    if not privacy.is_listed(recipient):
        raise RequestError(str(CANNOT_RECEIVE))
    text = clean_message(message)
    _lock_people(requester.id, recipient.id)
    existing = between(requester, recipient)
    state = privacy.request_state_for(requester, existing) if existing is not None else None
    if state == states.ACCEPTED:
        raise RequestError(_("You are already connected."))
    if state in states.EXPIRING:
        raise RequestError(_("There is already an open request between you."))
    limit = current_app.config["CONNECTION_REQUESTS_PER_DAY"]
    if sent_today(requester) >= limit:
        raise RequestError(
            _("You can send at most %(n)s requests a day. Please try again tomorrow.", n=limit)
        )
    request = ContactRequest(
        requester=requester,
        recipient=recipient,
        message=text,
        status=states.initial_state(_blocked(recipient, requester)),
    )
    db.session.add(request)
    db.session.flush()
    details: dict[str, Any] = {"dropped": True} if states.is_dropped(request) else {}
    audit.record(
        "contact_requested", actor=requester, target=recipient, request=request.id, **details
    )
    return request


def _lock_people(*ids: int) -> None:
    """Serialise asks that involve these people until the transaction ends.

    Without it, two asks at once both find no open request between the pair (or both stay
    under the daily limit) and both insert. PostgreSQL: the two account rows, locked in id
    order so crossing asks cannot deadlock. SQLite: any write takes the database's single
    write lock, and reads before it hold no snapshot (pysqlite begins at the first write)."""
    ordered = sorted(set(ids))
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.select(User.id).where(User.id.in_(ordered)).order_by(User.id).with_for_update()
        )
    else:
        db.session.execute(
            sa.update(User).where(User.id == ordered[0]).values(id=User.id),
            execution_options={"synchronize_session": False},
        )


def delivered(request: ContactRequest) -> bool:
    """Whether the recipient is to hear of the request (a dropped one goes nowhere)."""
    return not states.is_dropped(request)


def sent_today(user: User) -> int:
    """Requests the user sent in the last 24 hours (dropped ones too: no oracle)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(ContactRequest.id)).where(
                ContactRequest.requester_id == user.id,
                ContactRequest.created_at > utcnow() - timedelta(days=1),
            )
        )
        or 0
    )


def _blocked(blocker: User, blocked: User) -> bool:
    return db.session.get(Block, (blocker.id, blocked.id)) is not None


def _add_block(blocker_id: int, blocked_id: int) -> None:
    """Record the block; already there (an earlier request) is fine, even at the same moment."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(Block)
        .values(blocker_id=blocker_id, blocked_id=blocked_id, created_at=utcnow())
        .on_conflict_do_nothing()
    )


def answer(request: ContactRequest, actor: User, decision: str) -> None:
    """Accept, decline or block a pending request, once: LookupError when it is not the
    actor's to answer, RequestError when it was answered (or expired) already."""
    if decision not in states.ANSWERS or not states.may_try(actor, decision, request):
        raise LookupError("not yours to answer")
    if states.is_held(request) or not states.move(request, actor, decision):
        raise RequestError(str(NO_LONGER))
    if decision == "block":
        _add_block(request.recipient_id, request.requester_id)
    audit.record(
        {"accept": "contact_accepted", "decline": "contact_declined", "block": "contact_blocked"}[
            decision
        ],
        actor=actor,
        target_type="contact_request",
        target_id=request.id,
        on_behalf=actor.id != request.recipient_id,
    )


def end(request: ContactRequest, actor: User) -> None:
    """Either side ends a connection: the connections-audience details are hidden again."""
    if not states.may_try(actor, "end", request):
        raise LookupError("not a side of this connection")
    if not states.move(request, actor, "end"):
        raise RequestError(_("This is not an active connection."))
    audit.record(
        "connection_ended", actor=actor, target_type="contact_request", target_id=request.id
    )


@dataclass(frozen=True)
class RequestView:
    """What one viewer may know of one request; templates get this, never the model."""

    id: int
    state: str  # privacy.request_state_for
    created_at: datetime
    actions: tuple[str, ...]  # the moves she may make now (the machine's answer)
    connected: bool  # an accepted connection of which she is a side
    other: privacy.PersonView | None = None  # the other side as she may see her; None: unlisted
    for_name: str | None = None  # whom a delegated manager answers for
    message: str | None = None  # only for those who may answer it
    # For her alone, while it waits for her answer: what accepting would show the sender.
    disclosure: privacy.Disclosure | None = None

    @property
    def answerable(self) -> bool:
        return any(action in states.ANSWERS for action in self.actions)


def view_for(viewer: User, request: ContactRequest, *, people: bool = True) -> RequestView | None:
    """The request as this viewer may know it, or None when it is not hers to know."""
    state = privacy.request_state_for(viewer, request)
    if state is None:
        return None
    actions = states.actions_for(viewer, request)
    connected = states.is_connection(viewer, request)
    is_side = viewer.id in (request.requester_id, request.recipient_id)
    other = None
    if people:
        person = request.other(viewer.id) if is_side else request.requester
        other = privacy.view_of(viewer, person, connected=connected)
    answerable = any(a in states.ANSWERS for a in actions)
    # Her audiences are hers: a manager answering for her is not told them.
    mine = answerable and viewer.id == request.recipient_id
    return RequestView(
        id=request.id,
        state=state,
        created_at=request.created_at,
        actions=actions,
        connected=connected,
        other=other,
        for_name=None if is_side else request.recipient.name,
        message=request.message if answerable else None,
        disclosure=privacy.disclosure(viewer, request.requester) if mine else None,
    )


@dataclass
class Delegated:
    """The requests a manager may answer for one person who lets managers answer for her."""

    person_id: int
    name: str
    requests: list[RequestView] = field(default_factory=list)


@dataclass
class Overview:
    received: list[RequestView] = field(default_factory=list)  # waiting for her answer
    delegated: list[Delegated] = field(default_factory=list)
    sent: list[RequestView] = field(default_factory=list)
    connections: list[RequestView] = field(default_factory=list)


def overview(user: User) -> Overview:
    """What /connections lists for a user; the machine decides what goes where."""
    delegators: list[int] = []
    if user.role == "manager" and user.organization_id is not None:
        delegators = list(
            db.session.scalars(
                sa.select(User.id)
                .join(Profile)
                .where(
                    User.organization_id == user.organization_id,
                    Profile.managers_may_answer,
                    privacy.listed_clause(),
                )
            )
        )
    rows = db.session.scalars(
        sa.select(ContactRequest)
        .where(
            sa.or_(
                ContactRequest.requester_id == user.id,
                ContactRequest.recipient_id == user.id,
                # Only pending ones could be hers to answer (the machine still decides).
                sa.and_(
                    ContactRequest.recipient_id.in_(delegators),
                    ContactRequest.status == states.PENDING,
                ),
            )
        )
        .order_by(ContactRequest.created_at.desc(), ContactRequest.id.desc())
    ).all()
    # Everyone on the page with profile and tags in four statements, however many requests:
    # each side's view is built from them, and the requests find them in the session.
    ids = {user.id} | {r.requester_id for r in rows} | {r.recipient_id for r in rows}
    query = sa.select(User).where(User.id.in_(ids)).options(*User.with_tags())
    # Held while the views are built: the session keeps only what someone refers to.
    people = db.session.scalars(query).unique().all() if rows else []
    result = Overview()
    groups: dict[int, Delegated] = {}
    for request in rows:
        view = view_for(user, request)
        if view is None:
            continue
        if view.answerable and request.recipient_id == user.id:
            result.received.append(view)
        elif view.answerable:
            group = groups.setdefault(
                request.recipient_id, Delegated(request.recipient_id, request.recipient.name)
            )
            group.requests.append(view)
        if view.connected:
            result.connections.append(view)
        elif request.requester_id == user.id:
            result.sent.append(view)
    result.delegated = sorted(groups.values(), key=lambda group: (group.name, group.person_id))
    del people
    return result


@dataclass(frozen=True)
class MenuState:
    """What the menu of every page says of her: requests waiting for her answer (and, for a
    manager, for those she answers for), and whether she is listed or hidden."""

    waiting: int = 0
    listed: bool = False
    hidden: bool = False


@lru_cache(maxsize=2)
def _menu_statement(delegating: bool) -> sa.Select:
    """The menu's statement, made once per process for each kind of reader (its values are
    bound parameters): building it took longer than running it."""
    user_id: sa.BindParameter[int] = sa.bindparam("user_id")
    answerable = ContactRequest.recipient_id == user_id
    listed = (
        sa.select(User.id)
        .join(Profile, Profile.user_id == User.id)
        .where(privacy.listed_clause())
        .correlate(None)
    )
    if delegating:
        delegators = listed.where(
            User.organization_id == sa.bindparam("org_id"), Profile.managers_may_answer
        )
        answerable = sa.or_(
            answerable,
            sa.and_(
                ContactRequest.recipient_id.in_(delegators),
                ContactRequest.requester_id != user_id,
            ),
        )
    waiting = (
        sa.select(sa.func.count(ContactRequest.id))
        .where(
            ContactRequest.status == states.PENDING,
            ContactRequest.created_at >= sa.bindparam("cutoff"),
            ContactRequest.requester_id.in_(listed),  # held while she is away (request_states)
            answerable,
        )
        .correlate(None)
        .scalar_subquery()
    )
    mine = aliased(Profile, name="mine")
    return sa.select(mine.hidden, mine.consent_at, waiting).where(mine.user_id == user_id)


def menu_state(user: User) -> MenuState:
    """The menu's state in one statement: her profile's two flags and the count of requests
    that /connections offers her to answer (the machine's rule, as a WHERE clause)."""
    delegating = user.role == "manager" and user.organization_id is not None
    values = {"user_id": user.id, "cutoff": states.expiry_cutoff()}
    if delegating:
        values["org_id"] = user.organization_id
    row = db.session.execute(_menu_statement(delegating), values).first()
    if row is None:
        return MenuState()
    hidden, consent_at, count = row
    return MenuState(
        waiting=count or 0,
        listed=user.status == "active" and consent_at is not None and not hidden,
        hidden=bool(hidden),
    )


def notify(recipient: User, template: str, subject: object) -> None:
    """A notice that something is waiting: no names, no message, no contact details.

    In the recipient's language: pass the subject as a lazy string (`_l`)."""
    if recipient.profile is not None and not recipient.profile.notify_email:
        return
    locale = mail.language_for(recipient)
    if not mail.try_send_template(recipient.email, subject, template, locale=locale):
        logger.warning("notice %s for user %s could not be sent", template, recipient.id)

"""Contact requests: ask, accept, decline, block, end; what each side sees of a request.

A declined or blocked request looks exactly like a pending one to the person who sent it,
until it expires. Only an accepted request reveals `connections`-audience details.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit, mail, privacy
from ..extensions import db
from ..models import Block, ContactRequest, User
from ..models._types import utcnow

logger = logging.getLogger(__name__)

MESSAGE_MIN, MESSAGE_MAX = 20, 1000
OPEN_STATES = ("pending", "declined", "blocked")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CANNOT_RECEIVE = _l("This person cannot receive contact requests from you.")


class RequestError(ValueError):
    """A request that cannot be made or answered; str() is for the person."""


def _expiry_cutoff():
    return utcnow() - timedelta(days=current_app.config["CONNECTION_REQUEST_DAYS"])


def is_expired(request: ContactRequest) -> bool:
    """Unanswered (or declined, or blocked) requests expire after CONNECTION_REQUEST_DAYS."""
    return request.status in OPEN_STATES and request.created_at < _expiry_cutoff()


def seen_state(request: ContactRequest, viewer: User) -> str:
    """The state as this viewer may know it: the sender never learns of a decline or block."""
    if is_expired(request):
        return "expired"
    if request.status in OPEN_STATES and viewer.id == request.requester_id:
        return "pending"
    return request.status


def between(a: User, b: User) -> ContactRequest | None:
    """The newest request between two people, in either direction."""
    return db.session.scalar(
        sa.select(ContactRequest)
        .where(
            sa.or_(
                sa.and_(ContactRequest.requester_id == a.id, ContactRequest.recipient_id == b.id),
                sa.and_(ContactRequest.requester_id == b.id, ContactRequest.recipient_id == a.id),
            )
        )
        .order_by(ContactRequest.id.desc())
        .limit(1)
    )


def clean_message(message: str | None) -> str:
    """The purpose, as plain text of 20 to 1,000 characters."""
    text = unicodedata.normalize("NFC", _CONTROL.sub("", message or "")).strip()
    if len(text) < MESSAGE_MIN:
        raise RequestError(
            _("Say in at least %(n)s characters why you ask for contact.", n=MESSAGE_MIN)
        )
    if len(text) > MESSAGE_MAX:
        raise RequestError(_("Use at most %(n)s characters.", n=MESSAGE_MAX))
    return text


def ask(requester: User, recipient: User, message: str | None) -> ContactRequest:
    """Send a request; every refusal has a message, and a block is never revealed."""
    if requester.id == recipient.id:
        raise RequestError(_("You cannot ask yourself for contact."))
    if not privacy.is_listed(recipient):
        raise RequestError(str(CANNOT_RECEIVE))
    text = clean_message(message)
    existing = between(requester, recipient)
    # Open requests first: a blocked request must get the same answer as a pending one.
    if existing is not None and not is_expired(existing):
        if existing.status == "accepted":
            raise RequestError(_("You are already connected."))
        if existing.status in OPEN_STATES:
            raise RequestError(_("There is already an open request between you."))
    if _blocked(recipient, requester):
        raise RequestError(str(CANNOT_RECEIVE))
    limit = current_app.config["CONNECTION_REQUESTS_PER_DAY"]
    if sent_today(requester) >= limit:
        raise RequestError(
            _("You can send at most %(n)s requests a day. Please try again tomorrow.", n=limit)
        )
    request = ContactRequest(requester=requester, recipient=recipient, message=text)
    db.session.add(request)
    db.session.flush()
    audit.record("contact_requested", actor=requester, target=recipient, request=request.id)
    return request


def sent_today(user: User) -> int:
    """Requests the user sent in the last 24 hours."""
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


def may_answer(user: User, request: ContactRequest) -> bool:
    """The recipient, or a manager of her organisation when she allowed it."""
    if user.id == request.recipient_id:
        return True
    recipient = request.recipient
    return (
        user.role == "manager"
        and recipient.organization_id is not None
        and user.organization_id == recipient.organization_id
        and recipient.profile is not None
        and recipient.profile.managers_may_answer
    )


def answer(request: ContactRequest, actor: User, decision: str) -> None:
    """Accept, decline or block an open request."""
    if not may_answer(actor, request):
        raise LookupError("not yours to answer")
    if request.status not in OPEN_STATES or is_expired(request):
        raise RequestError(_("This request can no longer be answered."))
    if decision == "block":
        request.status = "blocked"
        if not _blocked(request.recipient, request.requester):
            db.session.add(Block(blocker_id=request.recipient_id, blocked_id=request.requester_id))
    else:
        request.status = {"accept": "accepted", "decline": "declined"}[decision]
    request.responded_at = utcnow()
    request.answered_by_id = actor.id
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
    if actor.id not in (request.requester_id, request.recipient_id):
        raise LookupError("not a side of this connection")
    if request.status != "accepted":
        raise RequestError(_("This is not an active connection."))
    request.status = "ended"
    request.ended_at = utcnow()
    audit.record(
        "connection_ended", actor=actor, target_type="contact_request", target_id=request.id
    )


@dataclass
class Overview:
    received: list[ContactRequest]
    sent: list[ContactRequest]
    connections: list[ContactRequest]


def overview(user: User) -> Overview:
    """What /connections lists for a user (received includes those she answers for others)."""
    cutoff = _expiry_cutoff()
    delegated = []
    if user.role == "manager" and user.organization_id is not None:
        from ..models import Profile

        delegated = list(
            db.session.scalars(
                sa.select(User.id)
                .join(Profile)
                .where(User.organization_id == user.organization_id, Profile.managers_may_answer)
            )
        )
    rows = list(
        db.session.scalars(
            sa.select(ContactRequest)
            .where(
                sa.or_(
                    ContactRequest.requester_id == user.id,
                    ContactRequest.recipient_id.in_([user.id, *delegated]),
                )
            )
            .order_by(ContactRequest.created_at.desc())
        )
    )
    received = [
        r
        for r in rows
        if r.requester_id != user.id and r.status == "pending" and r.created_at >= cutoff
    ]
    sent = [r for r in rows if r.requester_id == user.id and r.status != "accepted"]
    connections = [
        r for r in rows if r.status == "accepted" and user.id in (r.requester_id, r.recipient_id)
    ]
    return Overview(received, sent, connections)


def notify(recipient: User, template: str, subject: object) -> None:
    """A notice that something is waiting: no names, no message, no contact details.

    In the recipient's language: pass the subject as a lazy string (`_l`)."""
    if recipient.profile is not None and not recipient.profile.notify_email:
        return
    try:
        mail.send_template(recipient.email, subject, template, locale=recipient.locale)
    except mail.MailError:
        logger.warning("notice %s for user %s could not be sent", template, recipient.id)

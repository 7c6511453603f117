"""A person's calendar feed of the Council's meetings (`/council.ics?key=…`): a key shown once,
stored as its SHA-256 digest, revoked by her or with her account's suspension or deletion;
the feed holds meetings only, nothing about people (RFC 5545, written here)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import audit, reference
from ..extensions import db
from ..labels import meeting_kind_label
from ..models import CalendarKey, User
from ..models._types import utcnow
from .council import MeetingView

logger = logging.getLogger(__name__)

PREFIX = "ngcal_"
# The feed reaches back a year: a calendar keeps what it has already read.
PAST_DAYS = 366


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def active(user: User) -> CalendarKey | None:
    """Her working key, if any (at most one)."""
    return db.session.scalar(
        sa.select(CalendarKey).where(
            CalendarKey.user_id == user.id, CalendarKey.revoked_at.is_(None)
        )
    )


def create(user: User) -> str:
    """A new key (any older one stops working); the secret is returned once, never stored."""
    revoke(user)
    secret = PREFIX + secrets.token_urlsafe(32)
    key = CalendarKey(user_id=user.id, prefix=secret[: len(PREFIX) + 6], key_hash=_digest(secret))
    db.session.add(key)
    db.session.flush()
    audit.record("calendar_key_created", actor=user, target_type="calendar_key", target_id=key.id)
    return secret


def revoke(user: User) -> bool:
    """Her key stops working; False when she had none."""
    key = active(user)
    if key is None:
        return False
    key.revoked_at = utcnow()
    audit.record("calendar_key_revoked", actor=user, target_type="calendar_key", target_id=key.id)
    return True


def revoke_all(user: User, reason: str) -> int:
    """Every working key of the account dies (suspension, deletion): one UPDATE."""
    if user.id is None:
        return 0
    result: Any = db.session.execute(
        sa.update(CalendarKey)
        .where(CalendarKey.user_id == user.id, CalendarKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        audit.record("calendar_keys_revoked", target=user, reason=reason)
    return int(result.rowcount or 0)


@sa.event.listens_for(Session, "before_flush")
def _with_the_account(session: Session, flush_context: Any, instances: Any) -> None:
    """A suspended or deleted account's calendar keys die in the same flush, whatever path
    suspended or deleted it (deletion also cascades in the database)."""
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, User):
            continue
        if obj in session.deleted:
            reason = "deleted"
        else:
            added: tuple[Any, ...] = tuple(sa.inspect(obj).attrs["status"].history.added)
            if "suspended" not in added:
                continue
            reason = "suspended"
        with session.no_autoflush:
            revoke_all(obj, reason)


def authenticate(secret: str | None) -> User | None:
    """The owner of a working key whose account is active, else None (which, never said)."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    key = db.session.scalar(sa.select(CalendarKey).where(CalendarKey.key_hash == _digest(secret)))
    if key is None or key.revoked_at is not None:
        return None
    user = db.session.get(User, key.user_id)
    if user is None or not user.is_active:
        return None
    return user


def feed_start() -> date:
    return utcnow().date() - timedelta(days=PAST_DAYS)


# --- RFC 5545 --------------------------------------------------------------------------------


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """A content line folded at 75 octets, never inside a UTF-8 sequence (RFC 5545 3.1)."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def ics(meetings: list[MeetingView], host: str, calendar_name: str) -> str:
    """The calendar: one all-day event per meeting, named by its item, kind and title."""
    stamp = _stamp(utcnow())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//NGO Working Group on WPS//Council calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(calendar_name)}",
    ]
    for meeting in meetings:
        summary = f"{reference.council_item_name(meeting.item)}: {meeting_kind_label(meeting.kind)}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:council-meeting-{meeting.id}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{meeting.date.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(meeting.date + timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{escape(summary)}",
            *([f"DESCRIPTION:{escape(meeting.title)}"] if meeting.title else []),
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)

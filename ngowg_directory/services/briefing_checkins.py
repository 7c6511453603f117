"""Safety check-ins after a briefer's return, 7 and 30 days after the briefing: what each
found (the secretariat's record, its note encrypted), and the reminders to the secretariat,
each sent once however often the command runs (`ngowg send-checkin-reminders`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import audit, i18n
from ..extensions import db
from ..models import BriefingInvitation, BriefingRequest, SafetyCheckin
from ..models._types import utcnow
from ..models.briefings import CHECKIN_DAYS, CHECKIN_RESULTS
from ..models.rows import changed
from ..privacy import briefing_states as states
from ..privacy import briefings as rules
from ..validation import ValidationError, clean_text
from . import briefings

logger = logging.getLogger(__name__)
NOTE_MAX = 2000


def briefing_day(invitation: BriefingInvitation) -> date:
    """The day the check-ins count from: the day it was held, else the meeting's."""
    return invitation.held_on or invitation.request.meeting_date


@dataclass(frozen=True)
class Checkin:
    """One check-in of a briefing: when it is due, and what it found if it was made."""

    days: int
    due: date
    result: str | None
    note: str | None
    recorded_at: datetime | None
    reminded_at: datetime | None

    @property
    def has_come(self) -> bool:
        """Whether its day has come: it may be recorded from then on, not before."""
        return self.due <= rules.today()

    @property
    def is_due(self) -> bool:
        return self.result is None and self.has_come


def checkins(invitation: BriefingInvitation) -> list[Checkin]:
    """Both check-ins of a briefing (for the secretariat's record of it)."""
    rows = {
        row.days: row
        for row in db.session.scalars(
            sa.select(SafetyCheckin).where(SafetyCheckin.invitation_id == invitation.id)
        )
    }
    day = briefing_day(invitation)
    found = []
    for days in CHECKIN_DAYS:
        row = rows.get(days)
        found.append(
            Checkin(
                days=days,
                due=day + timedelta(days=days),
                result=row.result if row else None,
                note=row.note if row else None,
                recorded_at=row.recorded_at if row else None,
                reminded_at=row.reminded_at if row else None,
            )
        )
    return found


def record_checkin(
    invitation: BriefingInvitation, actor: Any, days: int, result: Any, note: Any
) -> None:
    """What the check-in found: done, or concerns (and a note, encrypted)."""
    if not states.may_record(actor, invitation) or days not in CHECKIN_DAYS:
        raise LookupError("not the secretariat's record to write")
    due = briefing_day(invitation) + timedelta(days=days)
    if due > rules.today():
        # A check-in after the return, not before it: recorded early, it would stand for
        # the check-in that is due later, and that one would never be asked for.
        raise ValidationError(
            "result",
            _l(
                "This check-in is not due yet: it can be recorded from %(date)s.",
                date=i18n.format_day(due),
            ),
        )
    if result not in CHECKIN_RESULTS:
        raise ValidationError("result", _l("Say whether the check-in was done or found concerns."))
    text = clean_text(note, NOTE_MAX, "note") or None
    row = db.session.get(SafetyCheckin, (invitation.id, days))
    if row is not None and row.recorded_at is not None:
        # A record of her safety, kept as it was: what follows goes in the follow-up.
        raise ValidationError(
            "result",
            _l(
                "This check-in was recorded on %(date)s and is kept as it was.",
                date=i18n.format_day(row.recorded_at.date()),
            ),
        )
    if row is None:
        row = SafetyCheckin(invitation_id=invitation.id, days=days)
        db.session.add(row)
    row.result, row.note = result, text
    row.recorded_at, row.recorded_by_id = utcnow(), actor.id
    audit.record(
        "briefing_checkin_recorded",
        actor=actor,
        target_type="briefing_invitation",
        target_id=invitation.id,
        days=days,
        result=result,
    )


def due_checkins() -> list[tuple[BriefingInvitation, int]]:
    """(invitation, days) of every check-in due and not recorded yet, oldest first."""
    today = rules.today()
    rows = db.session.scalars(
        sa.select(BriefingInvitation)
        .join(BriefingRequest)
        .where(
            BriefingInvitation.status.in_(states.ASSESSED),
            sa.func.coalesce(BriefingInvitation.held_on, BriefingRequest.meeting_date)
            <= today - timedelta(days=min(CHECKIN_DAYS)),
        )
        .order_by(BriefingRequest.meeting_date, BriefingInvitation.id)
    ).all()
    if not rows:
        return []
    found = db.session.execute(
        sa.select(SafetyCheckin.invitation_id, SafetyCheckin.days).where(
            SafetyCheckin.invitation_id.in_([r.id for r in rows]),
            SafetyCheckin.recorded_at.is_not(None),
        )
    )
    recorded = {(invitation_id, days) for invitation_id, days in found}
    return [
        (invitation, days)
        for invitation in rows
        for days in CHECKIN_DAYS
        if (invitation.id, days) not in recorded
        and briefing_day(invitation) + timedelta(days=days) <= today
    ]


def _claim(invitation_id: int, days: int) -> bool:
    """Take the reminder of one check-in for this run: True exactly once per check-in, even
    when two runs overlap (the row's key, then reminded_at IS NULL, decide)."""
    try:
        with db.session.begin_nested():
            db.session.add(
                SafetyCheckin(invitation_id=invitation_id, days=days, reminded_at=utcnow())
            )
        return True
    except IntegrityError:
        pass
    statement = (
        sa.update(SafetyCheckin)
        .where(
            SafetyCheckin.invitation_id == invitation_id,
            SafetyCheckin.days == days,
            SafetyCheckin.reminded_at.is_(None),
            SafetyCheckin.recorded_at.is_(None),
        )
        .values(reminded_at=utcnow())
    )
    return changed(statement, execution_options={"synchronize_session": False}) == 1


def send_checkin_reminders(echo: Callable[[str], object] = logger.info) -> tuple[int, int]:
    """Remind the secretariat of every check-in that came due (7 and 30 days after the
    meeting), each once: (check-ins reminded, e-mails that could not be sent). The e-mail
    names nobody and says nothing of the briefing: a number and a link."""
    claimed = []
    for invitation, days in due_checkins():
        if _claim(invitation.id, days):
            claimed.append((invitation.id, days))
    db.session.commit()
    if not claimed:
        return 0, 0
    sent = briefings.notify_secretariat(
        "briefing_checkins_due", _l("Safety check-ins are due"), count=len(claimed)
    )
    failed = len(briefings.secretariat()) - sent
    if sent == 0:
        # Nobody was told: the next run tries again.
        for invitation_id, days in claimed:
            db.session.execute(
                sa.update(SafetyCheckin)
                .where(SafetyCheckin.invitation_id == invitation_id, SafetyCheckin.days == days)
                .values(reminded_at=None)
            )
        db.session.commit()
        echo(f"{len(claimed)} check-ins are due: no reminder could be sent.")
        return 0, max(failed, 1)
    for invitation_id, days in claimed:
        audit.record(
            "checkin_reminder_sent",
            target_type="briefing_invitation",
            target_id=invitation_id,
            days=days,
        )
    db.session.commit()
    echo(f"{len(claimed)} check-in reminders sent to {sent} of the secretariat.")
    return len(claimed), failed

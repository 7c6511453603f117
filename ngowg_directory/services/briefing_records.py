"""A briefing's record once she accepted: the risk assessment she and the secretariat
complete, the outcome and follow-up, the safety check-ins after her return (and the
secretariat's reminders of them), and confidential reprisal reports.

What she confides is encrypted at rest (models/briefings.py) and audited without its content.
Who may read or write each part: privacy/briefing_states.py (may_assess, may_record,
may_report, may_read_reports).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..models import (
    BriefingInvitation,
    BriefingRequest,
    ReprisalReport,
    RiskAssessment,
    SafetyCheckin,
)
from ..models._types import utcnow
from ..models.briefings import CHECKIN_DAYS, CHECKIN_RESULTS, RISK_ITEMS
from ..models.rows import changed
from ..privacy import briefing_states as states
from ..privacy import briefings as rules
from ..validation import ValidationError, clean_text
from . import briefings

logger = logging.getLogger(__name__)

NOTE_MAX = 2000
REPORT_MIN, REPORT_MAX = 10, 10_000
CHANGED = _l(
    "Someone else saved this checklist meanwhile: here it is as it is now. Your changes were "
    "not saved; make them again."
)


# --- the risk assessment -------------------------------------------------------------------


@dataclass(frozen=True)
class Checklist:
    """The risk assessment as its two readers see it: item -> (done, note)."""

    items: dict[str, tuple[bool, str]]
    version: int
    complete: bool
    updated_at: datetime | None


def checklist(invitation: BriefingInvitation) -> Checklist:
    """The assessment as it is (an empty checklist before anyone saved it)."""
    row = db.session.get(RiskAssessment, invitation.id)
    stored = json.loads(row.answers) if row is not None else {}
    items = {}
    for name in RISK_ITEMS:
        entry = stored.get(name) or {}
        items[name] = (bool(entry.get("done")), str(entry.get("note") or ""))
    return Checklist(
        items=items,
        version=row.version if row is not None else 0,
        complete=row is not None and row.completed_at is not None,
        updated_at=row.updated_at if row is not None else None,
    )


def save_checklist(
    invitation: BriefingInvitation, actor: Any, data: dict[str, Any], version: int
) -> Checklist:
    """Store the checklist as `version` was seen; BriefingError when someone saved since."""
    if not states.may_assess(actor, invitation):
        raise LookupError("not a reader of this assessment")
    answers = {}
    for name in RISK_ITEMS:
        note = clean_text(data.get(f"{name}_note"), NOTE_MAX, f"{name}_note")
        answers[name] = {"done": bool(data.get(f"{name}_done")), "note": note}
    complete = all(entry["done"] for entry in answers.values())
    now = utcnow()
    values = {
        "answers": json.dumps(answers, ensure_ascii=False),
        "completed_at": now if complete else None,
        "updated_at": now,
        "updated_by_id": actor.id,
    }
    if version == 0:
        try:
            with db.session.begin_nested():
                db.session.add(RiskAssessment(invitation_id=invitation.id, version=1, **values))
        except IntegrityError as exc:
            raise briefings.BriefingError(str(CHANGED)) from exc
    else:
        statement = (
            sa.update(RiskAssessment)
            .where(RiskAssessment.invitation_id == invitation.id, RiskAssessment.version == version)
            .values(version=RiskAssessment.version + 1, **values)
        )
        if changed(statement, execution_options={"synchronize_session": False}) != 1:
            raise briefings.BriefingError(str(CHANGED))
    row = db.session.get(RiskAssessment, invitation.id)
    if row is not None:
        db.session.refresh(row)
    audit.record(
        "risk_assessment_saved",
        actor=actor,
        target_type="briefing_invitation",
        target_id=invitation.id,
        complete=complete,
    )
    return checklist(invitation)


# --- outcome and follow-up -------------------------------------------------------------


def record_held(invitation: BriefingInvitation, actor: Any, held_on: Any, follow_up: Any) -> None:
    """The briefing was held on that day: its record moves to `briefed`, with the follow-up."""
    if not isinstance(held_on, date):
        raise ValidationError("held_on", _l("Give a date."))
    if held_on > rules.today():
        raise ValidationError("held_on", _l("This day has not come yet."))
    text = clean_text(follow_up, NOTE_MAX, "follow_up") or None
    briefings.move(invitation, actor, "brief", held_on=held_on, follow_up=text)


def save_follow_up(invitation: BriefingInvitation, actor: Any, follow_up: Any) -> None:
    """The follow-up of what she raised (the secretariat's note, encrypted)."""
    if not states.may_record(actor, invitation):
        raise LookupError("not the secretariat's record to write")
    invitation.follow_up = clean_text(follow_up, NOTE_MAX, "follow_up") or None
    audit.record(
        "briefing_follow_up_saved",
        actor=actor,
        target_type="briefing_invitation",
        target_id=invitation.id,
    )


# --- safety check-ins ----------------------------------------------------------------------


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
    def is_due(self) -> bool:
        return self.result is None and self.due <= rules.today()


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
    if result not in CHECKIN_RESULTS:
        raise ValidationError("result", _l("Say whether the check-in was done or found concerns."))
    text = clean_text(note, NOTE_MAX, "note") or None
    row = db.session.get(SafetyCheckin, (invitation.id, days))
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
    recorded = set(
        db.session.execute(
            sa.select(SafetyCheckin.invitation_id, SafetyCheckin.days).where(
                SafetyCheckin.invitation_id.in_([r.id for r in rows]),
                SafetyCheckin.recorded_at.is_not(None),
            )
        ).tuples()
    )
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


# --- reprisal reports ------------------------------------------------------------------


def file_report(invitation: BriefingInvitation, actor: Any, body: Any) -> ReprisalReport:
    """A confidential reprisal report: stored encrypted, audited without its content."""
    if not states.may_report(actor, invitation):
        raise LookupError("not hers to report on")
    text = clean_text(body, REPORT_MAX, "body")
    if len(text) < REPORT_MIN:
        raise ValidationError(
            "body", _l("Say in at least %(n)s characters what happened.", n=REPORT_MIN)
        )
    report = ReprisalReport(invitation_id=invitation.id, reported_by_id=actor.id, body=text)
    db.session.add(report)
    db.session.flush()
    audit.record(
        "reprisal_reported",
        actor=actor,
        target_type="briefing_invitation",
        target_id=invitation.id,
        on_behalf=actor.id != invitation.defender_id,
    )
    return report


@dataclass(frozen=True)
class Report:
    """A reprisal report as the secretariat reads it."""

    id: int
    created_at: datetime
    by_her: bool
    body: str


def reports(viewer: Any, invitation: BriefingInvitation) -> list[Report]:
    """The reports of a briefing, for the secretariat alone (else an empty list)."""
    if not states.may_read_reports(viewer):
        return []
    rows = db.session.scalars(
        sa.select(ReprisalReport)
        .where(ReprisalReport.invitation_id == invitation.id)
        .order_by(ReprisalReport.id)
    )
    return [
        Report(r.id, r.created_at, r.reported_by_id == invitation.defender_id, r.body) for r in rows
    ]


def receipts(viewer: Any, invitation: BriefingInvitation) -> list[datetime]:
    """When the reports she filed were received: all that their reporter is shown."""
    return list(
        db.session.scalars(
            sa.select(ReprisalReport.created_at)
            .where(
                ReprisalReport.invitation_id == invitation.id,
                ReprisalReport.reported_by_id == viewer.id,
            )
            .order_by(ReprisalReport.id)
        )
    )

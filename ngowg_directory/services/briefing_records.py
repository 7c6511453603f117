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
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..models import (
    BriefingInvitation,
    ReprisalReport,
    RiskAssessment,
)
from ..models._types import utcnow
from ..models.briefings import RISK_ITEMS
from ..models.rows import changed
from ..privacy import briefing_states as states
from ..privacy import briefings as rules
from ..validation import ValidationError, clean_text
from . import briefings

logger = logging.getLogger(__name__)

NOTE_MAX = 2000
REPORT_MIN, REPORT_MAX = 10, 10_000
BEFORE_ASKED = _l("This day is before the briefing was asked for: give the day it was held.")
KEPT = _l("The briefing was held: its risk assessment is kept as it was then.")
INCOMPLETE = _l("Complete the risk assessment first: every item of its checklist done, with her.")
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
    """Store the checklist as `version` was seen; BriefingError when someone saved since, or
    when the briefing was recorded as held (the request's row is locked first, so that a
    checklist is never undone while the briefing is being recorded)."""
    if not states.may_assess(actor, invitation):
        raise LookupError("not a reader of this assessment")
    briefings.lock_request(invitation.request_id)
    db.session.refresh(invitation)
    if not states.may_change_assessment(actor, invitation):
        raise briefings.BriefingError(str(KEPT))
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
    if held_on < invitation.request.created_at.date():
        # Its check-ins are counted from this day: a day before the request would make them
        # due at once (or long forgotten).
        raise ValidationError("held_on", BEFORE_ASKED)
    text = clean_text(follow_up, NOTE_MAX, "follow_up") or None
    if not checklist(invitation).complete:
        raise briefings.BriefingError(str(INCOMPLETE))
    # move() locks the request and records it only while the checklist is still complete.
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

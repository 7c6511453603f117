"""Civil society briefers: a defender's availability to brief the Security Council, the
requests of Council members for a briefer, the secretariat's invitations, and each briefing's
record (risk assessment, outcome, safety check-ins, reprisal reports).

Who may see or do what is decided in privacy/briefings.py and privacy/briefing_states.py.
What a briefer confides (the risk assessment, the follow-up, check-in notes, reprisal reports)
is encrypted at rest, as contact details are.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedText
from ..extensions import Model
from ._types import UTCDateTime, utcnow
from .council import CouncilMeeting
from .users import User

# How she would brief, and how a request asks for it ("either": in person or remote).
MODES = ("in_person", "remote")
REQUEST_MODES = ("in_person", "remote", "either")
REQUEST_STATES = ("open", "withdrawn", "cancelled")
INVITATION_STATES = ("invited", "accepted", "declined", "withdrawn", "cancelled", "briefed")
CHECKIN_DAYS = (7, 30)
CHECKIN_RESULTS = ("done", "concerns")
# The risk assessment's checklist, in the order the form shows it.
RISK_ITEMS = (
    "travel",
    "visibility",
    "organisation",
    "digital",
    "emergency_contact",
    "checkin_plan",
)


def _codes(text: str | None) -> list[str]:
    return [code for code in (text or "").split(";") if code]


class BriefingAvailability(Model):
    """A defender's offer to brief: on what, in which languages, how, named or anonymous."""

    __tablename__ = "briefing_availability"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    active: Mapped[bool] = mapped_column(default=True, index=True)
    # Codes separated by ";": situations (agenda codes), themes (slugs), languages (ISO 639-1).
    situations: Mapped[str] = mapped_column(sa.Text, default="")
    themes: Mapped[str] = mapped_column(sa.Text, default="")
    languages: Mapped[str] = mapped_column(sa.Text, default="")
    in_person: Mapped[bool] = mapped_column(default=False)
    remote: Mapped[bool] = mapped_column(default=True)
    # She may be named publicly as a briefer (records, the annual report), else anonymous.
    named: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    @property
    def situation_codes(self) -> list[str]:
        return _codes(self.situations)

    @property
    def theme_slugs(self) -> list[str]:
        return _codes(self.themes)

    @property
    def language_codes(self) -> list[str]:
        return _codes(self.languages)

    @property
    def modes(self) -> list[str]:
        return [m for m, on in (("in_person", self.in_person), ("remote", self.remote)) if on]


class BriefingRequest(Model):
    """A Council member's request for a briefer, for a meeting of the programme or a date and
    an item not yet on it."""

    __tablename__ = "briefing_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("council_meetings.id", ondelete="SET NULL"), index=True
    )
    meeting_date: Mapped[date] = mapped_column(sa.Date, index=True)
    item: Mapped[str] = mapped_column(sa.String(40))  # an agenda code or a thematic slug
    theme: Mapped[str | None] = mapped_column(sa.String(40))
    topic: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(3))
    mode: Mapped[str] = mapped_column(sa.String(20), default="either")
    deadline: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(20), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    meeting: Mapped[CouncilMeeting | None] = relationship()
    invitations: Mapped[list[BriefingInvitation]] = relationship(
        back_populates="request", order_by="BriefingInvitation.id"
    )


class BriefingInvitation(Model):
    """The secretariat's invitation of one defender for one request; once she accepts, the
    briefing's record: its risk assessment, outcome, follow-up and check-ins."""

    __tablename__ = "briefing_invitations"
    __table_args__ = (sa.UniqueConstraint("request_id", "defender_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("briefing_requests.id", ondelete="CASCADE"), index=True
    )
    defender_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(sa.String(20), default="invited", index=True)
    # Her choice when she accepted: named publicly, or anonymous.
    named: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_on: Mapped[date | None] = mapped_column(sa.Date)
    follow_up: Mapped[str | None] = mapped_column(EncryptedText)

    request: Mapped[BriefingRequest] = relationship(back_populates="invitations")
    defender: Mapped[User] = relationship(foreign_keys=[defender_id])


class RiskAssessment(Model):
    """The checklist she and the secretariat complete once she accepts: JSON, encrypted."""

    __tablename__ = "briefing_risk_assessments"

    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("briefing_invitations.id", ondelete="CASCADE"), primary_key=True
    )
    answers: Mapped[str] = mapped_column(EncryptedText)
    version: Mapped[int] = mapped_column(default=1)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class SafetyCheckin(Model):
    """A safety check-in after her return, 7 or 30 days after the meeting: the reminder to the
    secretariat (sent once) and what the check-in found."""

    __tablename__ = "briefing_checkins"

    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("briefing_invitations.id", ondelete="CASCADE"), primary_key=True
    )
    days: Mapped[int] = mapped_column(primary_key=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    result: Mapped[str | None] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(EncryptedText)


class ReprisalReport(Model):
    """A confidential report of intimidation or reprisal after a briefing: the secretariat
    alone reads it; the reporter is told only that it was received."""

    __tablename__ = "briefing_reprisal_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("briefing_invitations.id", ondelete="CASCADE"), index=True
    )
    reported_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""The Council's programme: months (their presidency) and meetings, entered by the secretariat.

A month is its first day; `/council/<yyyy-mm>` names it. Items are the agenda's country
situations (ISO alpha-2) or the thematic slugs of labels.COUNCIL_THEMATIC_ITEMS.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import audit, reference
from ..extensions import db
from ..models import MEETING_KINDS, CouncilMeeting, CouncilMonth, User
from ..models._types import utcnow
from ..validation import (
    ValidationError,
    ascii_digits,
    clean_line,
    clean_text,
    starts_like_formula,
)

logger = logging.getLogger(__name__)

# The Council first met in January 1946; nothing is planned past 2100.
FIRST_YEAR, LAST_YEAR = 1946, 2100
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
ON_THE_PROGRAMME = _l("This meeting is already on the programme (same day, item and kind).")


def parse_month(key: str | None) -> date | None:
    """The first day of a YYYY-MM month within the range, else None."""
    match = _MONTH.match(key or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def parse_date(value: str | None, field: str = "date") -> date:
    """A YYYY-MM-DD date within the range; ValidationError naming the field otherwise."""
    match = _DATE.match(ascii_digits((value or "").strip()))
    message = _l(
        "Write the date as YYYY-MM-DD, between %(first)s and %(last)s.",
        first=FIRST_YEAR,
        last=LAST_YEAR,
    )
    if not match:
        raise ValidationError(field, message)
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise ValidationError(field, _l("This day does not exist.")) from exc
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(field, message)
    return day


def first_day(day: date) -> date:
    return day.replace(day=1)


def this_month() -> date:
    """The first day of the current month (UTC)."""
    return first_day(utcnow().date())


def neighbours(month: date) -> tuple[date | None, date | None]:
    """The previous and the next month, None past the range."""
    before = (
        date(month.year - 1, 12, 1) if month.month == 1 else month.replace(month=month.month - 1)
    )
    after = (
        date(month.year + 1, 1, 1) if month.month == 12 else month.replace(month=month.month + 1)
    )
    return (
        before if before.year >= FIRST_YEAR else None,
        after if after.year <= LAST_YEAR else None,
    )


def find_month(month: date) -> CouncilMonth | None:
    return db.session.scalar(sa.select(CouncilMonth).where(CouncilMonth.month == month))


def months() -> list[tuple[CouncilMonth, int]]:
    """Every month entered, newest first, with its number of meetings (one query)."""
    count = (
        sa.select(sa.func.count(CouncilMeeting.id))
        .where(CouncilMeeting.month_id == CouncilMonth.id)
        .scalar_subquery()
    )
    query = sa.select(CouncilMonth, count).order_by(CouncilMonth.month.desc())
    return [(month, n) for month, n in db.session.execute(query)]


def month_for(day: date) -> CouncilMonth:
    """The month of this day, created (without a presidency) when it is not there yet. Two
    requests making the same new month at once make it once: the second's insert meets the
    unique month, is rolled back to its savepoint, and reads the first's."""
    month = find_month(first_day(day))
    if month is not None:
        return month
    month = CouncilMonth(month=first_day(day), notes="")
    try:
        with db.session.begin_nested():
            db.session.add(month)
            db.session.flush()
    except IntegrityError:
        found = find_month(first_day(day))
        if found is None:  # the unique month was not what refused it: not ours to hide
            raise
        return found
    return month


def clean_presidency(value: str | None) -> str | None:
    code = (value or "").strip().upper()
    if not code:
        return None
    if code not in reference.country_codes():
        raise ValidationError("presidency", _l("Choose the presidency's country from the list."))
    return code


def save_month(month: date, presidency: str | None, notes: str, actor: User) -> CouncilMonth:
    """Create or update a month's presidency and notes (audited)."""
    code = clean_presidency(presidency)
    text = clean_text(notes, 2000, "notes")
    row = month_for(month)
    row.presidency, row.notes, row.updated_at = code, text, utcnow()
    audit.record(
        "council_month_saved", actor=actor, target=row, month=row.key, presidency=code or ""
    )
    return row


def clean_item(value: str | None) -> str:
    """An agenda code (any case) or a thematic slug, as stored; ValidationError otherwise."""
    item = (value or "").strip()
    item = item.upper() if len(item) == 2 else item.lower()
    if item not in reference.council_items():
        raise ValidationError(
            "item", _l("Unknown item: use a Council agenda code (e.g. SD) or a thematic item.")
        )
    return item


def clean_meeting(data: dict[str, Any]) -> dict[str, Any]:
    """A meeting's date, item, kind and title, checked; ValidationError names the field."""
    day = data["date"] if isinstance(data["date"], date) else parse_date(data["date"])
    item = clean_item(data.get("item"))
    kind = (data.get("kind") or "").strip().lower()
    if kind not in MEETING_KINDS:
        raise ValidationError(
            "kind",
            _l("Unknown kind of meeting: use one of %(kinds)s.", kinds=", ".join(MEETING_KINDS)),
        )
    title = clean_line(data.get("title"), 200, "title")
    return {"date": day, "item": item, "kind": kind, "title": title}


def _refuse_on_the_programme(values: dict[str, Any], meeting_id: int | None = None) -> None:
    """As the importer does: no title a spreadsheet would run, and no second meeting of the
    same date, item and kind (ValidationError)."""
    if starts_like_formula(values["title"]):
        raise ValidationError(
            "title", _l("The title starts like a spreadsheet formula (=, +, - or @).")
        )
    if duplicate(values, meeting_id):
        raise ValidationError("date", ON_THE_PROGRAMME)


def _flush_unique(meeting: CouncilMeeting) -> None:
    """Write the meeting in a savepoint: the unique day, item and kind refuses the second of
    two requests saving the same meeting at once (a double click), with the same message as
    the check before it."""
    try:
        with db.session.begin_nested():
            db.session.add(meeting)
            db.session.flush()
    except IntegrityError as exc:
        raise ValidationError("date", ON_THE_PROGRAMME) from exc


def add_meeting(data: dict[str, Any], actor: User | None, via: str = "form") -> CouncilMeeting:
    """A new meeting on the programme, in the month of its date (made if needed)."""
    values = clean_meeting(data)
    _refuse_on_the_programme(values)
    meeting = CouncilMeeting(month_id=month_for(values["date"]).id, **values)
    _flush_unique(meeting)
    audit.record("council_meeting_added", actor=actor, target=meeting, via=via)
    return meeting


def update_meeting(meeting: CouncilMeeting, data: dict[str, Any], actor: User) -> None:
    """Change a meeting; a new date may move it to another month."""
    values = clean_meeting(data)
    _refuse_on_the_programme(values, meeting.id)
    month = month_for(values["date"])  # before the change: its query would flush it
    for name, value in values.items():
        setattr(meeting, name, value)
    meeting.month_id = month.id
    meeting.updated_at = utcnow()
    _flush_unique(meeting)
    audit.record("council_meeting_changed", actor=actor, target=meeting)


def delete_meeting(meeting: CouncilMeeting, actor: User) -> None:
    audit.record("council_meeting_deleted", actor=actor, target=meeting, date=str(meeting.date))
    db.session.delete(meeting)


def duplicate(values: dict[str, Any], meeting_id: int | None = None) -> bool:
    """Whether a meeting of this date, item and kind (other than `meeting_id`) is already on
    the programme."""
    found = db.session.scalar(
        sa.select(CouncilMeeting.id).where(
            CouncilMeeting.date == values["date"],
            CouncilMeeting.item == values["item"],
            CouncilMeeting.kind == values["kind"],
            CouncilMeeting.id != (meeting_id or 0),
        )
    )
    return found is not None


@dataclass(frozen=True)
class MeetingView:
    """A meeting as the pages, the API and the calendar show it (nothing about people)."""

    id: int
    date: date
    item: str
    kind: str
    title: str


def meeting_views(query: sa.Select) -> list[MeetingView]:
    rows = db.session.scalars(query.order_by(CouncilMeeting.date, CouncilMeeting.id))
    return [MeetingView(m.id, m.date, m.item, m.kind, m.title) for m in rows]


def month_meetings(month: CouncilMonth | None) -> list[MeetingView]:
    if month is None:
        return []
    return meeting_views(sa.select(CouncilMeeting).where(CouncilMeeting.month_id == month.id))


def item_meetings(item: str) -> list[MeetingView]:
    """Every meeting on one item, oldest first."""
    return meeting_views(sa.select(CouncilMeeting).where(CouncilMeeting.item == item))


def feed_meetings(since: date) -> list[MeetingView]:
    """The meetings of the calendar feed: from `since` on."""
    return meeting_views(sa.select(CouncilMeeting).where(CouncilMeeting.date >= since))

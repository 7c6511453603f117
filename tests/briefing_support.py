"""What the briefers' tests share: an available defender, a Council member's policy-maker, a
request made through the service, and the pages' buttons."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import BriefingAvailability, BriefingInvitation, BriefingRequest, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.models.briefings import RISK_ITEMS
from ngowg_directory.services import briefings

FLASH = re.compile(r'<p class="flash flash-(\w+)"[^>]*>(.*?)</p>', re.S)
TOPIC = "The humanitarian situation of women in Darfur and the peace talks."


def today() -> date:
    return datetime.now(UTC).date()


def make_available(
    user: User,
    *,
    situations: tuple[str, ...] = ("SD",),
    themes: tuple[str, ...] = ("crsv",),
    languages: tuple[str, ...] = ("ar", "en"),
    in_person: bool = False,
    remote: bool = True,
    named: bool = False,
    active: bool = True,
) -> BriefingAvailability:
    """Her availability, as the page would store it (committed)."""
    row = db.session.get(BriefingAvailability, user.id) or BriefingAvailability(user_id=user.id)
    row.active, row.named = active, named
    row.situations, row.themes = ";".join(situations), ";".join(themes)
    row.languages = ";".join(languages)
    row.in_person, row.remote = in_person, remote
    db.session.add(row)
    db.session.commit()
    return row


def make_council_member(user: User) -> User:
    """A verified policy-maker of a Council member, until the end of next year."""
    user.verified_at = utcnow()
    user.council_member_until = date(today().year + 1, 12, 31)
    db.session.commit()
    return user


def request_for(
    requester: User,
    *,
    item: str = "SD",
    language: str = "ar",
    mode: str = "either",
    days: int = 10,
    theme: str | None = None,
    topic: str = TOPIC,
) -> BriefingRequest:
    """A request made through the service (committed), for a meeting `days` from today."""
    request = briefings.ask(
        requester,
        {
            "meeting_date": today() + timedelta(days=days),
            "item": item,
            "theme": theme,
            "topic": topic,
            "language": language,
            "mode": mode,
            "deadline": today() + timedelta(days=max(days - 2, 0)),
        },
    )
    db.session.commit()
    return request


def asked_days_ago(request_id: int, days: int) -> None:
    """Move a request's making back: a briefing is held no earlier than it was asked for, and
    a check-in comes due only days after."""
    request = db.session.get(BriefingRequest, request_id)
    assert request is not None, request_id
    request.created_at = utcnow() - timedelta(days=days)
    db.session.commit()
    db.session.expire_all()  # the session keeps objects past a commit (expire_on_commit=False)


def invitation_of(request_id: int, person_id: int) -> BriefingInvitation | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(BriefingInvitation).where(
            BriefingInvitation.request_id == request_id,
            BriefingInvitation.defender_id == person_id,
        )
    )


def risk_fields(note: str, version: str, done: bool = True) -> dict[str, str]:
    """The risk assessment's form: every item with a note, all done (or none)."""
    fields = {"version": version}
    for name in RISK_ITEMS:
        fields[f"{name}_note"] = f"{note} {name}"
        fields[f"{name}_done"] = "y" if done else ""
    return fields


def assess(client: Any, invitation_id: int, note: str = "Checked together") -> None:
    """The risk assessment completed through its page (all six items done)."""
    url = f"/briefings/invitations/{invitation_id}/risk"
    version = re.search(r'name="version"[^>]*value="(\d+)"', client.get(url).get_data(as_text=True))
    answer = client.form(url, risk_fields(note, version.group(1) if version else "0"), page=url)
    assert answer.status_code == 302, answer.status_code


def told(html: str) -> list[tuple[str, str]]:
    """The flashed messages of a page: (category, text)."""
    return [(c, re.sub(r"<[^>]+>", "", t).strip()) for c, t in FLASH.findall(html)]


def press(client: Any, url: str, data: dict[str, Any] | None = None) -> tuple[int, list]:
    """A button pressed: the POST, then the page it leads to and what it said."""
    response = client.form(url, data or {}, page="/briefings")
    if response.status_code != 302:
        return response.status_code, []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return 302, told(page)

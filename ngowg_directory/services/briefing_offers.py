"""A defender's availability to brief: what she says of it, who is offered now, and who of
them matches a request (topic, language, way of briefing).

Who may learn of it: privacy/briefings.py (the secretariat and verified policy-makers); who
is offered: `offered_clause`, listed defenders whose availability is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import audit, reference
from ..extensions import db
from ..models import BriefingAvailability, BriefingInvitation, BriefingRequest, Profile, User
from ..models._types import utcnow
from ..models.briefings import MODES
from ..models.rows import changed
from ..privacy import briefing_states as states
from ..privacy import briefings as rules
from ..validation import ValidationError, clean_codes


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
    unnamed = 0 if row.named else unname_all(user)
    audit.record(
        "briefing_availability_changed",
        actor=user,
        target=user,
        active=active,
        before=before,
        unnamed=unnamed,
    )
    return row


def unname_all(user: User) -> int:
    """Anonymous from now on, and on every briefing she accepted before: how many changed."""
    return changed(
        sa.update(BriefingInvitation)
        .where(BriefingInvitation.defender_id == user.id, BriefingInvitation.named.is_(True))
        .values(named=False),
        execution_options={"synchronize_session": "fetch"},
    )


def choose_name(invitation: BriefingInvitation, user: User, named: bool) -> bool:
    """She is named, or not, on one briefing she accepted (in one statement, so that a step
    back or a withdrawal at once leaves nothing to name). False: not hers to change now."""
    if not states.may_choose_name(user, invitation):
        return False
    done = changed(
        sa.update(BriefingInvitation)
        .where(
            BriefingInvitation.id == invitation.id,
            BriefingInvitation.defender_id == user.id,
            BriefingInvitation.status.in_(states.ASSESSED),
        )
        .values(named=named),
        execution_options={"synchronize_session": "fetch"},
    )
    if done:
        audit.record(
            "briefing_naming_changed", actor=user, target=user, invitation=invitation.id,
            named=named,
        )  # fmt: skip
    return bool(done)


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

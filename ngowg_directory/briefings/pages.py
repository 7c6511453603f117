"""The choices the briefers' forms offer, in the page's language."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from .. import reference
from ..models import BriefingAvailability, User
from ..services import briefings
from .forms import AvailabilityForm, BriefingRequestForm


def _languages(extra: list[str]) -> list[tuple[str, str]]:
    """The most used languages and any she already chose, by their names."""
    codes = set(reference.COMMON_LANGUAGES) | set(extra)
    return reference.sorted_by_label(codes, reference.language_name)


def availability_choices(
    form: AvailabilityForm, user: User, row: BriefingAvailability | None
) -> None:
    """Situations, themes and languages (hers first among the languages offered)."""
    form.situations.choices = reference.situation_choices()
    form.themes.choices = reference.theme_choices()
    mine = user.profile.language_codes if user.profile is not None else []
    form.languages.choices = _languages(mine + (row.language_codes if row else []))


def fill_availability(form: AvailabilityForm, user: User, row: BriefingAvailability | None) -> None:
    """The form as she left it; a first visit starts from her profile's lists."""
    if row is None:
        profile = user.profile
        form.active.data = True
        form.modes.data = ["remote"]
        if profile is not None:
            form.situations.data = profile.situation_codes
            form.themes.data = profile.theme_slugs
            form.languages.data = profile.language_codes
        return
    form.active.data = row.active
    form.situations.data = row.situation_codes
    form.themes.data = row.theme_slugs
    form.languages.data = row.language_codes
    form.modes.data = row.modes
    form.named.data = "named" if row.named else "anonymous"


def meeting_choices(form: BriefingRequestForm) -> dict[str, Any]:
    """The meetings of the Council's programme from today on, by id, offered first; the
    empty choice is a meeting not on the programme yet (its day and item then)."""
    meetings = briefings.upcoming_meetings()
    form.meeting.choices = [("", _("Not on the programme yet: give the day and the item"))] + [
        (str(m.id), f"{m.date.isoformat()} · {briefings.item_name(m.item)}"
         + (f" · {m.title}" if m.title else ""))
        for m in meetings
    ]  # fmt: skip
    return {str(m.id): m for m in meetings}


def request_choices(form: BriefingRequestForm) -> None:
    """Items (situations, then the Council's thematic items), themes and languages."""
    situations = reference.situation_choices()
    thematic = [
        (code, reference.council_item_name(code))
        for code in reference.council_items()
        if code not in reference.situations()
    ]
    themes = reference.theme_choices()
    form.item.choices = [("", "—"), *situations, *thematic]
    form.theme.choices = [("", _("None")), *themes]
    form.language.choices = reference.language_choices()

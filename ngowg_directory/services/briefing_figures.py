"""The record of briefings in figures: the secretariat's dashboard charts (per year, by
region, situation and theme, beside the Working Group's published figures) and the annual
MAP report's CSV (counts; a briefer's name only where she chose to be named and is listed).

A briefing counts once the secretariat recorded it as held (`briefed`), in the year it was
held. One statement reads every briefing held; the figures are counted from its rows.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from .. import audit, reference
from ..extensions import db
from ..labels import REGION_LABELS
from ..models import BriefingInvitation, BriefingRequest
from ..privacy import briefing_states as states
from ..privacy import briefings as rules
from .briefings import item_name
from .export import BOM, neutralise

# Women civil society briefers at the Security Council, as the Working Group published them
# (issue 19): the anchors the dashboard shows beside what is recorded here.
PUBLISHED = (
    ("2021", 62),
    ("2022", 56),
    ("2023", 45),
    ("2024", 30),
)
PUBLISHED_NOTE = _l("2024: the first nine months.")
COLUMNS = ("year", "region", "item", "item_name", "theme", "briefings", "named_briefers")
HEADER = (
    _l("Year"),
    _l("Region"),
    _l("Agenda item (code)"),
    _l("Agenda item"),
    _l("Theme"),
    _l("Briefings"),
    _l("Briefers named publicly"),
)


@dataclass(frozen=True)
class Held:
    """One briefing held: what the figures count it by."""

    year: int
    item: str
    theme: str | None
    public_name: str | None


def held() -> list[Held]:
    """Every briefing recorded as held, in one statement (her account joined for the name)."""
    rows = db.session.scalars(
        sa.select(BriefingInvitation)
        .join(BriefingRequest)
        .where(BriefingInvitation.status == states.BRIEFED)
        .options(joinedload(BriefingInvitation.request), joinedload(BriefingInvitation.defender))
        .order_by(BriefingInvitation.id)
    )
    found = []
    for invitation in rows:
        day = invitation.held_on or invitation.request.meeting_date
        request = invitation.request
        found.append(Held(day.year, request.item, request.theme, rules.public_name(invitation)))
    return found


def figures() -> dict[str, Any]:
    """The dashboard's briefing charts: rows of (label, count), most first (years in order)."""
    briefings = held()
    years = Counter(str(b.year) for b in briefings)
    regions = Counter(reference.situation_region(b.item) for b in briefings)
    items = Counter(b.item for b in briefings)
    themes = Counter(b.theme for b in briefings if b.theme)
    return {
        "briefings_total": len(briefings),
        "briefings_by_year": sorted(years.items()),
        "briefings_by_region": [(str(REGION_LABELS[r]), n) for r, n in regions.most_common()],
        "briefings_by_situation": [(item_name(code), n) for code, n in items.most_common(12)],
        "briefings_by_theme": [(reference.theme_name(s), n) for s, n in themes.most_common(12)],
        "briefers_published": list(PUBLISHED),
        "briefers_published_note": PUBLISHED_NOTE,
    }


def report_rows() -> list[list[Any]]:
    """The annual report's rows: one per year, region, item and theme, with its count and
    the names of the briefers who chose to be named (and are listed)."""
    groups: dict[tuple[int, str, str, str], list[Held]] = defaultdict(list)
    for briefing in held():
        region = reference.situation_region(briefing.item)
        groups[(briefing.year, region, briefing.item, briefing.theme or "")].append(briefing)
    rows = []
    for (year, region, item, theme), found in sorted(groups.items()):
        names = sorted({b.public_name for b in found if b.public_name})
        rows.append(
            [
                year,
                str(REGION_LABELS[region]),
                item,
                item_name(item),
                reference.theme_name(theme) if theme else "",
                len(found),
                "; ".join(names),
            ]
        )
    return rows


def to_csv(actor: Any, header: Sequence[str] = COLUMNS, *, bom: bool = False) -> str:
    """The report as CSV text (machine names, or the admin's language's), audited."""
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([str(name) for name in header])
    rows = report_rows()
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    audit.record("briefings_exported", actor=actor, format="csv", rows=len(rows))
    return out.getvalue()

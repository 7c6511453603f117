"""Directory exports (CSV, vCard) with only what an administrator may see."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

import sqlalchemy as sa

from .. import audit, privacy
from ..extensions import db
from ..models import Profile, User
from ..validation import starts_like_formula
from .vcards import vcard_for

COLUMNS = (
    "id",
    "name",
    "role",
    "organization",
    "title",
    "affiliation",
    "country",
    "situations",
    "themes",
    "languages",
    "email",
    "phone",
    "messaging",
    "city",
    "last_confirmed",
)
# A UTF-8 byte order mark opening a CSV file meant for a spreadsheet: without it Excel reads
# the file in the computer's legacy code page (accents and Arabic come out garbled).
BOM = "\ufeff"
# Reveal rows are written this many at a time (one multi-row INSERT each).
REVEAL_BATCH = 1000


def neutralise(value: object) -> str:
    """The cell as text that no spreadsheet will run: a leading apostrophe where needed."""
    text = "" if value is None else str(value)
    return "'" + text if starts_like_formula(text) else text


def _viewer(actor: User | None) -> User:
    # The command line exports as "an administrator" who is connected to nobody.
    return actor if actor is not None else User(id=0, role="admin", email="", name="")


def listed_people() -> Iterator[User]:
    """Every listed person with her tags loaded, in id order."""
    query = (
        sa.select(User)
        .join(Profile)
        .where(privacy.listed_clause())
        .options(*User.with_tags())
        .order_by(User.id)
    )
    yield from db.session.scalars(query).unique()


def views(actor: User | None) -> Iterator[privacy.PersonView]:
    """What the exporting administrator may see of each listed person; each person whose
    details above `members` were exported gets a reveal row, as for a profile page."""
    viewer = _viewer(actor)
    revealed: list[tuple[str, int, dict[str, object]]] = []
    for person in listed_people():
        view = privacy.view_of(viewer, person, connected=False)
        if view is None:
            continue
        if view.revealed and not view.is_self:
            # The details of privacy.record_reveal, written in batches: exports are large.
            details: dict[str, object] = {"fields": sorted(view.revealed), "channel": "export"}
            revealed.append(("user", view.id, details))
            if len(revealed) >= REVEAL_BATCH:
                audit.record_many("contact_revealed", revealed, actor=actor)
                revealed = []
        yield view
    audit.record_many("contact_revealed", revealed, actor=actor)


def to_csv(
    actor: User | None, header: Sequence[str] = COLUMNS, *, bom: bool = False
) -> tuple[str, int]:
    """The directory as CSV text, and how many people it holds. The header is COLUMNS, the
    machine names (the command line's file), unless readable names are given for each (the
    secretariat's page); `bom` opens the text with a byte order mark for Excel."""
    if len(header) != len(COLUMNS):
        raise ValueError("one header name for each column")
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([str(name) for name in header])
    count = 0
    for view in views(actor):
        row = [
            view.id,
            view.name,
            view.role,
            view.organization.name if view.organization else "",
            view.title,
            view.affiliation,
            view.country or "",
            ";".join(view.situations),
            ";".join(view.themes),
            ";".join(view.languages),
            view.contact.get("email", ""),
            view.contact.get("phone", ""),
            view.contact.get("messaging", ""),
            view.contact.get("city", ""),
            view.last_confirmed_at.date().isoformat() if view.last_confirmed_at else "",
        ]
        writer.writerow([neutralise(cell) for cell in row])
        count += 1
    audit.record("directory_exported", actor=actor, format="csv", people=count)
    return out.getvalue(), count


def to_vcards(actor: User | None) -> tuple[str, int]:
    """The directory as vCard 4.0 cards, and how many people it holds."""
    cards = [vcard_for(view, with_country=True) for view in views(actor)]
    audit.record("directory_exported", actor=actor, format="vcard", people=len(cards))
    return "".join(cards), len(cards)

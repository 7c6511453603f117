"""`ngowg import-programme FILE.csv` (and the secretariat's upload): the Council's meetings from
`date,item,kind,title` rows, each checked and reported as the other imports do (importer.py:
a bad row writes nothing; comma or semicolon; a UTF-8 BOM is fine). Months are made from the
dates."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from .. import audit
from ..extensions import db
from ..models import User
from ..validation import ValidationError
from . import council
from .importer import Problems, Report, _run, refuse_formulas

logger = logging.getLogger(__name__)

PROGRAMME_COLUMNS = ("date", "item", "kind", "title")
# A month has some forty meetings, a year some five hundred: a file beyond this is a mistake,
# refused before its rows are checked (each is looked up on the programme).
MAX_ROWS = 5_000


def _check(values: dict[str, str], seen: dict[str, int], line: int) -> dict[str, Any]:
    problems = Problems()
    refuse_formulas(values, ("title",), problems)
    checked: dict[str, Any] = {}
    try:
        checked = council.clean_meeting(values)
    except ValidationError as exc:
        problems.add(exc.field, str(exc))
        # The other fields are still checked, so that the report names every problem.
        for name in ("date", "item", "kind", "title"):
            if name == exc.field:
                continue
            try:
                council.clean_meeting({**_stand_in(), name: values[name]})
            except ValidationError as other:
                if other.field == name:
                    problems.add(other.field, str(other))
    if checked:
        key = f"{checked['date']}|{checked['item']}|{checked['kind']}"
        first = seen.setdefault(key, line)
        if first != line:
            problems.add("date", _("the same meeting is also on line %(line)s", line=first))
        elif council.duplicate(checked):
            problems.add("date", _("this meeting is already on the programme"))
    return problems.passed(checked or None)


def _stand_in() -> dict[str, str]:
    return {"date": "2000-01-01", "item": "wps", "kind": "briefing", "title": ""}


def import_programme(
    data: bytes,
    *,
    dry_run: bool = False,
    actor: User | None = None,
    echo: Callable[[str], object] | None = None,
) -> Report:
    """Add the file's meetings to the programme, 200 rows a transaction."""

    def create(batch: list[dict[str, Any]]) -> None:
        for checked in batch:
            try:
                council.add_meeting(checked, actor, via="import")
            except ValidationError:
                # Added by someone else between this row's check and now (two uploads at
                # once): it is on the programme, as the row asked; the batch goes on.
                logger.info("meeting on %s already added meanwhile", checked["date"])
        audit.record("programme_imported", actor=actor, meetings=len(batch))
        db.session.commit()

    def describe(checked: dict[str, Any]) -> str:
        return _(
            "meeting on %(date)s: %(item)s, %(kind)s",
            date=checked["date"].isoformat(),
            item=checked["item"],
            kind=checked["kind"],
        )

    return _run(data, PROGRAMME_COLUMNS, _check, create, describe, dry_run, echo, max_rows=MAX_ROWS)

"""The audit log for the secretariat: filter by person, action and date; export as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import audit
from ..converters import MAX_ID
from ..extensions import db
from ..i18n import sort_key
from ..labels import audit_action_label
from ..models import AuditEvent
from ..permissions import admin_required, fresh_admin_required
from ..services.admin_audit import AuditNames
from ..services.export import BOM, neutralise
from . import bp
from .paging import page_number

PER_PAGE = 100


def _date(name: str, messages: list[str]) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        messages.append(
            _(
                "“%(value)s” is not a date like 2026-01-31; that filter was left out.",
                value=raw[:20],
            )
        )
        return None


def _filtered() -> tuple[sa.Select, dict[str, str], list[str]]:
    messages: list[str] = []
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    applied: dict[str, str] = {}
    person = request.args.get("person", "").strip()
    if person:
        digits = person.lstrip("0") or "0"
        # An account number an id column can hold (past it PostgreSQL refuses the query).
        if person.isascii() and person.isdigit() and len(digits) <= 10 and int(digits) <= MAX_ID:
            who = int(digits)
            query = query.where(sa.or_(AuditEvent.actor_id == who, AuditEvent.target_id == who))
            applied["person"] = person
        else:
            messages.append(_("“person” is an account number; that filter was left out."))
    action = request.args.get("action", "").strip()[:60]
    if action:
        query = query.where(AuditEvent.action == action)
        applied["action"] = action
    since, until = _date("since", messages), _date("until", messages)
    if since:
        query = query.where(AuditEvent.created_at >= since)
        applied["since"] = request.args["since"]
    if until:
        if until.date() < date.max:  # until the last day there is: no upper bound at all
            query = query.where(AuditEvent.created_at < until + timedelta(days=1))
        applied["until"] = request.args["until"]
    return query, applied, messages


@bp.get("/audit")
@admin_required
def audit_log() -> str:
    """The newest events first, 100 a page."""
    query, applied, messages = _filtered()
    page = db.paginate(
        query, page=page_number(), per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False
    )
    actions = db.session.scalars(
        sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    )
    return render_template(
        "admin/audit.html",
        page=page,
        applied=applied,
        messages=messages,
        actions=sorted(actions, key=lambda action: sort_key(audit_action_label(action))),
        names=AuditNames(page.items),
    )


# The export's columns: readable names in the admin's language (the file is read in a
# spreadsheet); docs/CONTRACT.md names no column of it.
CSV_COLUMNS = (
    _l("Number"),
    _l("Time (UTC)"),
    _l("Actor"),
    _l("Actor's account number"),
    _l("Action"),
    _l("Action code"),
    _l("Target"),
    _l("Target type"),
    _l("Target number"),
    _l("Address (IP)"),
    _l("Details"),
)
CSV_BATCH = 1000


@bp.get("/audit.csv")
@fresh_admin_required
def audit_csv() -> Response:
    """The filtered log as CSV for a spreadsheet: a UTF-8 byte order mark (Excel then reads
    accents and Arabic right), readable column names, names of the people and organisations
    named; audited; formula cells neutralised."""
    query, applied, _messages = _filtered()
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([str(label) for label in CSV_COLUMNS])
    count = 0
    events = list(db.session.scalars(query.limit(100_000)))
    for start in range(0, len(events), CSV_BATCH):
        batch = events[start : start + CSV_BATCH]
        names = AuditNames(batch)
        for event in batch:
            actor, target = names.actor(event), names.target(event)
            writer.writerow(
                neutralise(cell)
                for cell in (
                    event.id,
                    event.created_at.isoformat(),
                    actor.text if actor else "",
                    event.actor_id or "",
                    names.action(event),
                    event.action,
                    target.text if target else "",
                    event.target_type or "",
                    event.target_id or "",
                    event.ip or "",
                    "; ".join(f"{label}: {value}" for label, value in names.details(event)),
                )
            )
            count += 1
    # The filters go under one key: a filter named like a parameter of record() (`action`)
    # must not collide with it.
    audit.record("audit_exported", actor=current_user, rows=count, filters=applied)
    db.session.commit()
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response

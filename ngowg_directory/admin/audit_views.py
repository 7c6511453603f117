"""The audit log for the secretariat: filter by person, action and date; export as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..extensions import db
from ..models import AuditEvent
from ..permissions import admin_required, fresh_admin_required
from ..services.export import neutralise
from . import bp

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
        if person.isascii() and person.isdigit():
            who = int(person)
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
        query = query.where(AuditEvent.created_at < until + timedelta(days=1))
        applied["until"] = request.args["until"]
    return query, applied, messages


@bp.get("/audit")
@admin_required
def audit_log() -> str:
    """The newest events first, 100 a page."""
    query, applied, messages = _filtered()
    page = db.paginate(query, per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    actions = db.session.scalars(
        sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    )
    return render_template(
        "admin/audit.html", page=page, applied=applied, messages=messages, actions=list(actions)
    )


@bp.get("/audit.csv")
@fresh_admin_required
def audit_csv() -> Response:
    """The filtered log as CSV (audited; formula cells neutralised)."""
    query, applied, _messages = _filtered()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "time_utc", "actor_id", "action", "target_type", "target_id", "ip", "details"]
    )
    count = 0
    for event in db.session.scalars(query.limit(100_000)):
        writer.writerow(
            neutralise(cell)
            for cell in (
                event.id,
                event.created_at.isoformat(),
                event.actor_id or "",
                event.action,
                event.target_type or "",
                event.target_id or "",
                event.ip or "",
                event.details or "",
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

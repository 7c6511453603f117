"""Figures for the secretariat's dashboard: a handful of grouped counts, one query each."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .. import privacy, reference
from ..extensions import db
from ..models import AuditEvent, ContactRequest, Invitation, Profile, ProfileTheme, User
from ..models._types import utcnow
from . import briefing_figures

SECURITY_ACTIONS = (
    "login_failure",
    "lockout",
    "rate_limited",
    "user_suspended",
    "2fa_disabled",
    "role_changed",
    "account_deleted",
)


def _grouped(column: Any, *joins: Any, limit: int = 12) -> list[tuple[str, int]]:
    query = sa.select(column, sa.func.count()).select_from(User).join(Profile)
    for join in joins:
        query = query.join(join)
    query = query.where(privacy.listed_clause()).group_by(column).order_by(sa.func.count().desc())
    return [(str(value), count) for value, count in db.session.execute(query.limit(limit)) if value]


def figures() -> dict[str, Any]:
    """Everything the dashboard shows."""
    now = utcnow()
    stale_days = current_app.config["PROFILE_STALE_DAYS"]
    request_days = current_app.config["CONNECTION_REQUEST_DAYS"]
    return {
        "by_role": _grouped(User.role),
        "by_country": [(reference.country_name(c), n) for c, n in _grouped(Profile.country)],
        "by_theme": [
            (reference.theme_name(s), n) for s, n in _grouped(ProfileTheme.slug, ProfileTheme)
        ],
        "pending_invitations": db.session.scalar(
            sa.select(sa.func.count(Invitation.id)).where(Invitation.accepted_at.is_(None))
        ),
        "stale_profiles": db.session.scalar(
            sa.select(sa.func.count(Profile.user_id)).where(
                Profile.last_confirmed_at < now - timedelta(days=stale_days)
            )
        ),
        "open_requests": db.session.scalar(
            sa.select(sa.func.count(ContactRequest.id)).where(
                ContactRequest.status == "pending",
                ContactRequest.created_at >= now - timedelta(days=request_days),
            )
        ),
        **briefing_figures.figures(),
        "security_events": list(
            db.session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.action.in_(SECURITY_ACTIONS))
                .order_by(AuditEvent.id.desc())
                .limit(10)
            )
        ),
    }

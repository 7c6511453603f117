"""Append-only record of sensitive events: who did what to whom, never the values."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

from .extensions import db
from .models import AuditEvent
from .models._types import utcnow
from .models.rows import insert_all

logger = logging.getLogger(__name__)


def record(
    action: str,
    *,
    actor: Any = None,
    target: Any = None,
    target_type: str | None = None,
    target_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit row to the session (the request's commit writes it).

    `details` must never hold a password, code, token, message or contact detail.
    """
    if target is not None:
        target_type = target_type or target.__tablename__.rstrip("s")
        target_id = target.id
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", actor),
        target_type=target_type,
        target_id=target_id,
        ip=request.remote_addr if has_request_context() else None,
        details=details or None,
    )
    db.session.add(event)
    logger.info("audit %s actor=%s target=%s:%s", action, event.actor_id, target_type, target_id)
    return event


def record_many(
    action: str,
    targets: Sequence[tuple[str, int, Mapping[str, Any] | None]],
    *,
    actor: Any = None,
) -> None:
    """Write many audit rows of one action at once (a bulk import): (target type, target id,
    details) each. One multi-row INSERT instead of an object a row; same rows as `record`."""
    if not targets:
        return
    actor_id = getattr(actor, "id", actor)
    ip = request.remote_addr if has_request_context() else None
    now = utcnow()
    insert_all(
        AuditEvent,
        (
            {
                "created_at": now,
                "actor_id": actor_id,
                "action": action,
                "target_type": target_type,
                "target_id": target_id,
                "ip": ip,
                "details": dict(details) if details else None,
            }
            for target_type, target_id, details in targets
        ),
    )
    if logger.isEnabledFor(logging.INFO):
        for target_type, target_id, _details in targets:
            logger.info("audit %s actor=%s target=%s:%s", action, actor_id, target_type, target_id)


def about_user(action: str, user_id: int) -> sa.Select[AuditEvent]:
    """The events of one action done to one account, newest first."""
    return (
        sa.select(AuditEvent)
        .where(
            AuditEvent.action == action,
            AuditEvent.target_type == "user",
            AuditEvent.target_id == user_id,
        )
        .order_by(AuditEvent.id.desc())
    )

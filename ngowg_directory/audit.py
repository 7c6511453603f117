"""Append-only record of sensitive events: who did what to whom, never the values."""

from __future__ import annotations

import logging
from typing import Any

from flask import has_request_context, request

from .extensions import db
from .models import AuditEvent

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

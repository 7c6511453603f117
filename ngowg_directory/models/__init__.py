"""Typed SQLAlchemy models, one module per domain."""

from ..extensions import Base, db
from .audit import AuditEvent
from .orgs import Organization
from .users import ROLES, Invitation, RecoveryCode, User

__all__ = [
    "ROLES",
    "AuditEvent",
    "Base",
    "Invitation",
    "Organization",
    "RecoveryCode",
    "User",
    "db",
]

"""Typed SQLAlchemy models, one module per domain."""

from ..extensions import Base, db
from .audit import AuditEvent
from .connections import REQUEST_STATES, Block, ContactRequest
from .orgs import ORG_KINDS, Organization, OrganizationCountry, OrganizationTag, OrganizationTheme
from .profiles import (
    AUDIENCES,
    CONTACT_FIELDS,
    Profile,
    ProfileLanguage,
    ProfileSituation,
    ProfileTag,
    ProfileTheme,
)
from .tokens import ApiToken
from .users import ROLES, STATUSES, Invitation, RecoveryCode, User

__all__ = [
    "AUDIENCES",
    "CONTACT_FIELDS",
    "ORG_KINDS",
    "REQUEST_STATES",
    "ROLES",
    "STATUSES",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Block",
    "ContactRequest",
    "Invitation",
    "Organization",
    "OrganizationCountry",
    "OrganizationTag",
    "OrganizationTheme",
    "Profile",
    "ProfileLanguage",
    "ProfileSituation",
    "ProfileTag",
    "ProfileTheme",
    "RecoveryCode",
    "User",
    "db",
]

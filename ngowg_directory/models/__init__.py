"""Typed SQLAlchemy models, one module per domain."""

from ..extensions import Base, db
from .audit import AuditEvent
from .briefings import (
    BriefingAvailability,
    BriefingInvitation,
    BriefingRequest,
    ReprisalReport,
    RiskAssessment,
    SafetyCheckin,
)
from .connections import REQUEST_STATES, Block, ContactRequest
from .council import (
    CREDIT_STATES,
    MEETING_KINDS,
    RECOMMENDATION_LOCALES,
    RECOMMENDATION_STATES,
    CalendarKey,
    CouncilMeeting,
    CouncilMonth,
    Recommendation,
    RecommendationCredit,
    RecommendationText,
)
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
    "CREDIT_STATES",
    "MEETING_KINDS",
    "ORG_KINDS",
    "RECOMMENDATION_LOCALES",
    "RECOMMENDATION_STATES",
    "REQUEST_STATES",
    "ROLES",
    "STATUSES",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Block",
    "BriefingAvailability",
    "BriefingInvitation",
    "BriefingRequest",
    "CalendarKey",
    "ContactRequest",
    "CouncilMeeting",
    "CouncilMonth",
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
    "Recommendation",
    "RecommendationCredit",
    "RecommendationText",
    "RecoveryCode",
    "ReprisalReport",
    "RiskAssessment",
    "SafetyCheckin",
    "User",
    "db",
]

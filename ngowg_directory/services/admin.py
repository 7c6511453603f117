"""The secretariat's actions on accounts; each one is audited."""

from __future__ import annotations

import re
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import audit
from ..models import ROLES, User
from ..models._types import utcnow
from ..validation import ValidationError, clean_text
from . import accounts, profiles, tokens, twofactor
from .accounts import AccountError

REASON_MIN = 3
REASON_MAX = 500
# Contact details have no place in a reason kept in the audit log: an e-mail address, or a
# phone number (a "+" and digits, or nine digits or more, spaced or not).
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_PHONE = re.compile(r"\+\s*\d(?:[\s().-]*\d){5,}|\d(?:[\s().-]?\d){8,}")


def likely_genuine(user: User) -> bool:
    """A policy-maker whose address is on one of the configured UN domains."""
    domain = user.email.rsplit("@", 1)[-1].lower()
    return any(
        domain == known or domain.endswith("." + known)
        for known in current_app.config["VERIFIED_EMAIL_DOMAINS"]
    )


def change_role(user: User, role: str, actor: User) -> None:
    """Give an account another role; a manager must belong to an organisation."""
    if role not in ROLES:
        raise AccountError(_l("Unknown role %(role)s.", role=role))
    if user.id == actor.id:
        raise AccountError(_l("You cannot change your own role."))
    if role == "manager" and user.organization_id is None:
        raise AccountError(_l("A manager must belong to an organisation."))
    if role != user.role:
        tokens.revoke_all(user, "role", actor=actor)
    old, user.role = user.role, role
    if user.role != "policy_maker":
        user.verified_at = None
        user.council_member_until = None  # asking for a briefer ends with the role
    user.end_all_sessions()
    audit.record("role_changed", actor=actor, target=user, old=old, new=role)


def set_verified(user: User, verified: bool, actor: User) -> None:
    """Mark a policy-maker as checked by the secretariat (a visible badge), or not."""
    if user.role != "policy_maker":
        raise AccountError(_l("Only policy-makers are verified."))
    user.verified_at = utcnow() if verified else None
    if not verified:
        user.council_member_until = None  # asking for a briefer ends with the mark
    audit.record("verified" if verified else "unverified", actor=actor, target=user)


def council_years() -> list[int]:
    """The years a Council member's term may be said to end in: this one and the next."""
    year = utcnow().year
    return [year, year + 1]


def set_council_member(user: User, until: str, actor: User) -> int | None:
    """Say that a verified policy-maker works for a Security Council member whose term ends
    with the year `until` ("": not a Council member): she may ask for briefers until then."""
    if user.role != "policy_maker" or user.verified_at is None:
        raise AccountError(
            _l("Only verified policy-makers can be marked as working for a Council member.")
        )
    year = None
    if until:
        allowed = {str(y): y for y in council_years()}
        if until not in allowed:
            raise AccountError(_l("Choose the year the member's term ends."))
        year = allowed[until]
    user.council_member_until = date(year, 12, 31) if year is not None else None
    audit.record("council_member_set", actor=actor, target=user, until=year)
    return year


def clean_reason(raw: str | None) -> str:
    """The reason for a suspension: required, one short paragraph, and no contact detail
    (it is kept in the audit log, which holds none)."""
    try:
        reason = clean_text(raw, REASON_MAX, "reason")
    except ValidationError as exc:
        raise AccountError(
            _l("Give the reason in at most %(n)s characters.", n=REASON_MAX)
        ) from exc
    if len(reason) < REASON_MIN:
        raise AccountError(_l("Give the reason for the suspension: the secretariat will see it."))
    if _EMAIL.search(reason) or _PHONE.search(reason):
        raise AccountError(
            _l(
                "Write the reason without an e-mail address or a phone number: "
                "the audit log keeps no contact details."
            )
        )
    return reason


def set_suspended(user: User, suspended: bool, actor: User, reason: str | None = None) -> None:
    """Suspend (every session ends at once; a reason is required) or reactivate an account."""
    if user.id == actor.id:
        raise AccountError(_l("You cannot suspend yourself."))
    if suspended:
        if user.status == "suspended":
            raise AccountError(_l("This account is already suspended."))
        accounts.suspend(user, actor, reason=clean_reason(reason))
    else:
        accounts.reactivate(user, actor)


def reset_two_factor(user: User, actor: User) -> None:
    """Remove someone's second factor, so she can enrol again (after proving who she is)."""
    tokens.revoke_all(user, "two_factor_reset", actor=actor)
    twofactor.disable(user, actor=actor)


def delete(user: User, actor: User) -> None:
    """Delete an account for good."""
    if user.id == actor.id:
        raise AccountError(_l("Delete your own account from your privacy page."))
    profiles.delete_account(user, actor=actor)

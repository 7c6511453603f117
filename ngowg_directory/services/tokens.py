"""Personal access tokens: shown once, stored hashed, expiring, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import audit
from ..extensions import db
from ..models import ApiToken, User
from ..models._types import utcnow
from .profiles import clean_text

PREFIX = "ngowg_"
LIFETIMES = (30, 90, 365)
MAX_ACTIVE = 10


class TokenError(ValueError):
    """A token that cannot be created; str() is for the person."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(user: User, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token and its secret, which is never stored and never shown again."""
    name = clean_text(name, len(name), "name")
    if not name or len(name) > 100:
        raise TokenError(_l("Give the token a name of at most 100 characters."))
    if days not in LIFETIMES:
        raise TokenError(_l("Choose one of the offered lifetimes."))
    if len(active(user)) >= MAX_ACTIVE:
        raise TokenError(_l("You have %(n)s active tokens; revoke one first.", n=MAX_ACTIVE))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[: len(PREFIX) + 6],
        token_hash=_digest(secret),
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "token_created", actor=user, target_type="api_token", target_id=token.id, days=days
    )
    return token, secret


def active(user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > utcnow(),
            )
            .order_by(ApiToken.id.desc())
        )
    )


def revoke(user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when there is no such token."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record("token_revoked", actor=user, target_type="api_token", target_id=token.id)
    return True


def authenticate(secret: str) -> User | None:
    """The owner of a valid token (not expired, not revoked, owner active), else None."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        db.session.commit()
    return token.user

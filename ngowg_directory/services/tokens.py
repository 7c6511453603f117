"""Personal access tokens: shown once, stored hashed, expiring, revocable, and no stronger
than a sign-in: made with the password (and a code), revoked with what they were made with."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from .. import audit
from ..extensions import db
from ..models import ApiToken, User
from ..models._types import utcnow
from ..validation import clean_text

logger = logging.getLogger(__name__)

PREFIX = "ngowg_"
LIFETIMES = (30, 90, 365)
MAX_ACTIVE = 10
# Why every token of an account dies, as the owner reads it in the notice.
REASONS = {
    "password": _l("Your password was changed, so every API token of your account was revoked."),
    "two_factor_on": _l(
        "Two-factor sign-in was turned on for your account, so every API token of your account "
        "was revoked: tokens made with the password alone must be made again with a code."
    ),
    "two_factor_off": _l(
        "Two-factor sign-in was turned off on your account, so every API token of your account "
        "was revoked."
    ),
    "two_factor_reset": _l(
        "The secretariat reset your two-factor sign-in, so every API token of your account was "
        "revoked."
    ),
    "role": _l(
        "Your role in the directory changed, so every API token of your account was revoked."
    ),
    "suspended": _l("Your account was suspended, so every API token of your account was revoked."),
    "deleted": _l("Your account was deleted, so every API token of your account was revoked."),
}
CLOSED = ("suspended", "deleted")  # no new token can be made: the notice does not offer one
_NOTICES = "token_revocation_notices"


class TokenError(ValueError):
    """A token that cannot be created; str() is for the person."""


class OwnerNotConfirmed(TokenError):
    """The password (or the code) did not prove the owner; the failure was counted."""

    def __init__(self, message: object, *, just_locked: bool) -> None:
        super().__init__(str(message))
        self.just_locked = just_locked


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_request(user: User, name: str, days: int) -> str:
    """The cleaned name of a token the user may make, else TokenError (nothing is spent)."""
    name = clean_text(name, len(name), "name")
    if not name or len(name) > 100:
        raise TokenError(_l("Give the token a name of at most 100 characters."))
    if days not in LIFETIMES:
        raise TokenError(_l("Choose one of the offered lifetimes."))
    if len(active(user)) >= MAX_ACTIVE:
        raise TokenError(_l("You have %(n)s active tokens; revoke one first.", n=MAX_ACTIVE))
    return name


def create(user: User, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token and its secret, which is never stored and never shown again."""
    name = check_request(user, name, days)
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


@dataclass(frozen=True)
class Notice:
    """A revocation notice waiting for the commit: address, language, why, which tokens."""

    email: str
    locale: str | None
    reason: str
    names: tuple[str, ...]


def revoke_all(user: User, reason: str, actor: User | None = None) -> int:
    """Revoke every working token of the account (one UPDATE), audit it, and e-mail the
    owner why once the transaction commits; the number revoked."""
    if user.id is None:
        return 0
    now = utcnow()
    statement = (
        sa.update(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
        .values(revoked_at=now)
        .returning(ApiToken.name)
        .execution_options(synchronize_session=False)
    )
    # No autoflush: the flush's own safety net (below) would revoke first, without the actor.
    with db.session.no_autoflush:
        names = tuple(db.session.execute(statement).scalars())
    if not names:
        return 0
    audit.record("tokens_revoked", actor=actor, target=user, reason=reason, count=len(names))
    from .. import mail

    with db.session.no_autoflush:  # her languages may be read in the middle of a flush
        notice = Notice(user.email, mail.language_for(user), reason, names)
    db.session.info.setdefault(_NOTICES, []).append(notice)
    logger.info("%s API tokens of user %s revoked (%s)", len(names), user.id, reason)
    return len(names)


def _changed(user: User, name: str) -> tuple[Any, ...] | None:
    """The new value(s) of a changed attribute, else None."""
    history: sa.orm.attributes.History = sa.inspect(user).attrs[name].history
    return tuple(history.added) if history.has_changes() else None


def _reason_for(user: User) -> str | None:
    status = _changed(user, "status")
    if status and status[0] == "suspended":
        return "suspended"
    if _changed(user, "password_changed_at"):
        return "password"
    totp = _changed(user, "totp_enabled")
    if totp:
        return "two_factor_on" if totp[0] else "two_factor_off"
    if _changed(user, "role"):
        return "role"
    return None


@sa.event.listens_for(Session, "before_flush")
def _safety_net(session: Session, flush_context: Any, instances: Any) -> None:
    """Whatever path changes a password, a role, two-factor or suspends or deletes an
    account, its tokens die in the same flush (revoke_all finds none left when the path
    called it first, as every known path does)."""
    deleted = [obj for obj in session.deleted if isinstance(obj, User)]
    changed = [(obj, _reason_for(obj)) for obj in session.dirty if isinstance(obj, User)]
    for obj, reason in [*changed, *((obj, "deleted") for obj in deleted)]:
        if reason is not None and revoke_all(obj, reason):
            logger.warning("tokens of user %s revoked at flush (%s)", obj.id, reason)


@sa.event.listens_for(Session, "after_commit")
def _send_notices(session: Session) -> None:
    """The revocation notices of the committed transaction, in each owner's language."""
    notices = session.info.pop(_NOTICES, [])
    if not notices:
        return
    from .. import mail

    for notice in notices:
        if not mail.try_send_template(
            notice.email,
            _l("Your directory API tokens were revoked"),
            "tokens_revoked",
            locale=notice.locale,
            reason=REASONS.get(notice.reason, REASONS["password"]),
            names=notice.names,
            can_renew=notice.reason not in CLOSED,
        ):
            logger.warning("token revocation notice (%s) could not be sent", notice.reason)


@sa.event.listens_for(Session, "after_rollback")
def _drop_notices(session: Session) -> None:
    """Nothing was revoked after all: no notice goes out."""
    session.info.pop(_NOTICES, None)


def authenticate(secret: str) -> tuple[User | None, bool]:
    """The owner of a valid token (not expired, not revoked, owner active), else None; and
    whether the token's last use was noted (the caller commits it)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None, False
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None, False
    if not token.user.is_active:
        return None, False
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        return token.user, True
    return token.user, False

"""Accounts: creation, passwords, sign-in checks with lockout, password reset tokens."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit, i18n, mail, validation
from ..extensions import db
from ..models import ROLES, Organization, User
from ..models._types import UTCDateTime, utcnow
from ..models.rows import changed
from ..validation import ValidationError, clean_name
from . import passwords, profiles, tokens, twofactor

logger = logging.getLogger(__name__)


class AccountError(ValueError):
    """A request about an account that cannot be carried out; str() is for the person."""


def normalise_email(email: str) -> str:
    """A checked, normalised e-mail address (domain lower-cased), or AccountError."""
    try:
        return validation.normalise_email(email)
    except ValidationError as exc:
        raise AccountError(str(exc)) from exc


def find_by_email(email: str) -> User | None:
    """The account for an address, compared case-insensitively."""
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def check_new_account(
    email: str, role: str, *, name: str = "", organization: Organization | None = None
) -> tuple[str, str]:
    """The normalised address and cleaned name of an account to create, or AccountError;
    whether the address already has an account is not looked at."""
    if role not in ROLES:
        raise AccountError(_l("Unknown role %(role)s.", role=role))
    email = normalise_email(email)
    if role == "manager" and organization is None:
        raise AccountError(_l("A manager must belong to an organisation."))
    try:
        name = clean_name(name, 120)
    except ValidationError as exc:
        raise AccountError(str(exc)) from exc
    return email, name


def create_user(
    email: str,
    role: str,
    *,
    name: str = "",
    organization: Organization | None = None,
    password: str | None = None,
    actor: User | None = None,
) -> User:
    """Create an account; without a password it stays `invited` until the person signs up."""
    email, name = check_new_account(email, role, name=name, organization=organization)
    if find_by_email(email) is not None:
        raise AccountError(_l("An account with this e-mail address already exists."))
    user = User(email=email, role=role, name=name, organization=organization)
    user.profile = profiles.new_profile(user)
    db.session.add(user)
    if password is not None:
        set_password(user, password, event=None)
        user.status = "active"
    db.session.flush()
    audit.record("user_created", actor=actor, target=user, role=role)
    logger.info("user %s created with role %s", user.id, role)
    return user


def set_password(user: User, password: str, *, event: str | None = "password_changed") -> None:
    """Check the policy, store the new hash and end every other session of the user."""
    passwords.check_policy(password, email=user.email)
    tokens.revoke_all(user, "password", actor=user)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    user.end_all_sessions()
    user.failed_logins = 0
    user.locked_until = None
    if event:
        audit.record(event, actor=user, target=user)


@dataclass
class SignInResult:
    """What a password check found: the user on success, else why not (for the audit)."""

    user: User | None
    reason: str | None = None
    just_locked: bool = False

    @property
    def ok(self) -> bool:
        return self.reason is None


def check_credentials(email: str, password: str) -> SignInResult:
    """Check an e-mail and password; same work for unknown, locked and wrong ones."""
    user = find_by_email(email) if email else None
    now = utcnow()
    if user is None or user.password_hash is None:
        passwords.verify_password(None, password)
        audit.record("login_failure", target_type="user", target_id=getattr(user, "id", None))
        return SignInResult(None, "unknown")
    if user.locked_until and user.locked_until > now:
        passwords.verify_password(None, password)
        audit.record("login_failure", target=user, reason="locked")
        return SignInResult(user, "locked")
    if not passwords.verify_password(user.password_hash, password):
        locked = register_failure(user, now)
        return SignInResult(user, "password", just_locked=locked)
    if not user.is_active:
        audit.record("login_failure", target=user, reason=user.status)
        return SignInResult(user, user.status)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return SignInResult(user)


def register_failure(user: User, now: datetime | None = None, reason: str = "password") -> bool:
    """Count a failed attempt; lock the account after too many. True when it just locked.

    The counter is moved by single UPDATE statements, so failures sent in parallel to
    several workers are all counted and exactly one of them sets the lock.
    """
    config = current_app.config
    now = now or utcnow()
    cutoff = now - timedelta(seconds=config["LOCKOUT_WINDOW_SECONDS"])
    now_value = sa.literal(now, UTCDateTime)
    stale = sa.or_(User.failed_window_start.is_(None), User.failed_window_start < cutoff)
    count = db.session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(
            failed_logins=sa.case((stale, 1), else_=User.failed_logins + 1),
            failed_window_start=sa.case((stale, now_value), else_=User.failed_window_start),
        )
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    audit.record("login_failure", target=user, reason=reason)
    locked = count == config["LOCKOUT_THRESHOLD"]
    if locked:
        db.session.execute(
            sa.update(User)
            .where(User.id == user.id)
            .values(
                locked_until=sa.literal(
                    now + timedelta(seconds=config["LOCKOUT_SECONDS"]), UTCDateTime
                ),
                failed_logins=0,
                failed_window_start=None,
            )
            .execution_options(synchronize_session=False)
        )
        audit.record("lockout", target=user, minutes=config["LOCKOUT_SECONDS"] // 60)
        logger.warning("account %s locked after repeated failed sign-ins", user.id)
    db.session.expire(user, ["failed_logins", "failed_window_start", "locked_until"])
    return locked


def register_success(user: User) -> None:
    """Reset the failure counter and note the sign-in."""
    user.failed_logins = 0
    user.failed_window_start = None
    user.locked_until = None
    user.last_login_at = utcnow()
    audit.record("login_success", actor=user, target=user)


def confirm_owner(user: User, password: str, code: str) -> None:
    """Before an API token is made: check the password (and a current code where two-factor
    is on) as a sign-in would; wrong ones, and any while the account is locked, count toward
    the lockout (tokens.OwnerNotConfirmed)."""
    result = check_credentials(user.email, password)
    if not result.ok:
        raise tokens.OwnerNotConfirmed(_refusal(user), just_locked=result.just_locked)
    if user.totp_enabled and not twofactor.verify_totp(user, code):
        locked = register_failure(user, reason="two_factor")
        raise tokens.OwnerNotConfirmed(_refusal(user), just_locked=locked)


def _refusal(user: User) -> object:
    if user.totp_enabled:
        return _l(
            "The password or the code is not right, so no token was made. After five failed "
            "attempts the account is locked for 15 minutes."
        )
    return _l(
        "The password is not right, so no token was made. After five failed attempts the "
        "account is locked for 15 minutes."
    )


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_fingerprint(user: User) -> str:
    # Part of the token: once the password changes, every older link stops working.
    material = f"{user.password_hash or ''}|{user.id}".encode()
    return hashlib.sha256(material).hexdigest()[:20]


def make_reset_token(user: User) -> str:
    """A signed, one-hour reset token bound to the current password."""
    return _reset_serializer().dumps({"u": user.id, "p": _password_fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """The user a valid, unused, unexpired reset token belongs to, else None."""
    try:
        data = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or not user.is_active or data.get("p") != _password_fingerprint(user):
        return None
    return user


def reset_password(user: User, password: str) -> bool:
    """Spend a reset link: set the new password, or False when the link was spent meanwhile.

    A link is bound to the password it was made for (its fingerprint). One UPDATE claims the
    row while that password is still in place, so of several browsers sending the same link
    at once exactly one sets a password: the others wait for its commit, then match nothing.
    """
    claimed = changed(
        sa.update(User)
        .where(User.id == user.id, User.password_hash == user.password_hash)
        .values(password_changed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        return False
    set_password(user, password, event="password_reset")
    return True


def suspend(user: User, actor: User | None, reason: str | None = None) -> None:
    """Suspend an account: it cannot sign in and every session ends at once. The
    secretariat's reason is kept in the audit entry (for admins; never shown to her)."""
    tokens.revoke_all(user, "suspended", actor=actor)
    user.status = "suspended"
    user.end_all_sessions()
    if reason:
        audit.record("user_suspended", actor=actor, target=user, reason=reason)
    else:
        audit.record("user_suspended", actor=actor, target=user)


def reactivate(user: User, actor: User | None) -> None:
    """Lift a suspension; the API tokens it revoked stay revoked."""
    tokens.revoke_all(user, "suspended", actor=actor)  # any left by an older suspension
    user.status = "active" if user.password_hash else "invited"
    audit.record("user_reactivated", actor=actor, target=user)


def remember_language(user: User, language: str) -> None:
    """Note the language her signed-in pages speak now, when it is another than last time
    (mail.language_for: her e-mails speak it unless she saved a choice); committed at once,
    alone (the request has written nothing yet). One UPDATE of a column the search index does
    not read, so no entry is recomputed. A database too busy to take it costs the page nothing:
    the next page tries again."""
    if user.last_locale == language or not i18n.is_supported(language):
        return
    try:
        db.session.execute(
            sa.update(User)
            .where(User.id == user.id)
            .values(last_locale=language)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except sa.exc.OperationalError as exc:
        db.session.rollback()
        logger.warning("language of user %s not noted: %s", user.id, type(exc).__name__)
        return
    set_committed_value(user, "last_locale", language)


def notify_lockout(user: User) -> None:
    """Tell her that her account was just locked (sign-in, two-factor or token form)."""
    if not mail.try_send_template(
        user.email,
        _l("Your directory account was locked for 15 minutes"),
        "lockout",
        locale=mail.language_for(user),
    ):
        logger.warning("lockout notice for user %s could not be sent", user.id)

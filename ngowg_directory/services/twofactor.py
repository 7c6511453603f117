"""Two-factor sign-in: TOTP (RFC 6238) with replay protection, and recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit
from ..extensions import db
from ..models import RecoveryCode, User
from ..models._types import utcnow
from ..models.rows import changed
from ..validation import ascii_digits
from . import tokens

ISSUER = "NGOWG Directory"
STEP_SECONDS = 30
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    """A 160-bit base32 secret (32 characters)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=current_app.config.get("TOTP_ISSUER", ISSUER)
    )


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code, with no inline styles."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#1b1b1b", light="#ffffff")


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step a code belongs to, within plus or minus one step, else None."""
    code = ascii_digits("".join(code.split()))  # typed on a Dari or Arabic keyboard too
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    now = time.time() if at is None else at
    current = int(now // STEP_SECONDS)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_totp(user: User, code: str, at: float | None = None) -> bool:
    """Check a code for an enrolled user and spend its step: a step already used is refused."""
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code, at)
    if step is None:
        return False
    # One statement checks and spends the step, so the same code sent from several pending
    # sign-ins at once lets exactly one in (PostgreSQL re-checks the row after a concurrent
    # update; SQLite serialises the writes).
    spent = changed(
        sa.update(User)
        .where(
            User.id == user.id,
            User.totp_enabled.is_(True),
            sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if spent != 1:
        db.session.expire(user, ["totp_last_step"])
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def enable(user: User, secret: str, code: str) -> list[str] | None:
    """Turn 2FA on when the code proves the app has the secret; returns new recovery codes."""
    step = matching_step(secret, code)
    if step is None:
        return None
    tokens.revoke_all(user, "two_factor_on", actor=user)  # made with the password alone
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_last_step = step
    user.end_all_sessions()
    codes = regenerate_recovery_codes(user, event=None)
    audit.record("2fa_enabled", actor=user, target=user)
    return codes


def disable(user: User, actor: User | None = None) -> None:
    """Turn 2FA off and drop its secret and recovery codes."""
    tokens.revoke_all(user, "two_factor_off", actor=actor or user)
    user.totp_secret = None
    user.totp_enabled = False
    user.totp_last_step = None
    user.recovery_codes.clear()
    user.end_all_sessions()
    audit.record("2fa_disabled", actor=actor or user, target=user)


def _code_digest(code: str) -> str:
    normalised = "".join(ch for ch in ascii_digits(code).lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def regenerate_recovery_codes(
    user: User, *, event: str | None = "recovery_codes_renewed"
) -> list[str]:
    """Replace the user's recovery codes with ten new ones, shown once and stored hashed."""
    user.recovery_codes.clear()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    user.recovery_codes.extend(RecoveryCode(code_hash=_code_digest(code)) for code in codes)
    if event:
        audit.record(event, actor=user, target=user)
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend a recovery code; each works once, however many sign-ins send it at once."""
    digest = _code_digest(code)
    if len(digest) != 64 or not code.strip():
        return False
    spent = changed(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == digest,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if spent != 1:
        return False
    audit.record("recovery_code_used", actor=user, target=user, remaining=remaining_codes(user))
    return True


def remaining_codes(user: User) -> int:
    """How many unused recovery codes the user has left (counted in the database)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )

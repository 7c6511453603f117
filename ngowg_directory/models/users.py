"""Accounts, their invitations and their two-factor recovery codes."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedText
from ..extensions import Model
from ._types import UTCDateTime, utcnow
from .orgs import Organization
from .profiles import Profile

ROLES = ("admin", "manager", "staff", "defender", "policy_maker")
STATUSES = ("invited", "active", "suspended")


class User(UserMixin, Model):
    """A person with an account. A person invited but not yet signed up has no password."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    role: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), default="invited")
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped to end every session of this user at once (sign-out, password, 2FA, suspension).
    session_version: Mapped[int] = mapped_column(default=1)
    failed_logins: Mapped[int] = mapped_column(default=0)
    failed_window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText)
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Her saved choice (the switch, or the language she accepted her invitation in)...
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    # ...and the language her signed-in pages were last shown in: her e-mails speak the first
    # of the two that is set (mail.language_for).
    last_locale: Mapped[str | None] = mapped_column(sa.String(10))
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Policy-makers checked by the secretariat get a visible badge.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A verified policy-maker of a Security Council member's mission, until the last day of
    # the member's term (set by the secretariat): she may ask for a briefer (privacy/briefings).
    council_member_until: Mapped[date | None] = mapped_column(sa.Date)

    organization: Mapped[Organization | None] = relationship(lazy="joined")
    profile: Mapped[Profile] = relationship(
        lazy="joined", cascade="all, delete-orphan", uselist=False, single_parent=True
    )
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @staticmethod
    def with_tags() -> tuple:
        """Loader options: the profile and its three tag lists in three extra queries."""
        from sqlalchemy.orm import joinedload

        from .profiles import Profile

        profile = joinedload(User.profile)
        return (
            profile.selectinload(Profile.situations),
            profile.selectinload(Profile.themes),
            profile.selectinload(Profile.languages),
        )

    def get_id(self) -> str:
        """Flask-Login's session key: id and session version, so a bump ends old sessions."""
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def end_all_sessions(self) -> None:
        """Invalidate every session cookie this user holds, everywhere."""
        self.session_version = (self.session_version or 0) + 1

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class RecoveryCode(Model):
    """A single-use two-factor recovery code, stored as a SHA-256 digest."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class Invitation(Model):
    """A single-use, expiring link that lets an invited person set her password."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    send_count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An invitation to an address that already has an account: nothing is created, her
    # account is not changed, its holder is told by e-mail, and the inviter's list shows it
    # like any other. The role and organisation asked for are kept here, not on her account.
    notice: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    role: Mapped[str | None] = mapped_column(sa.String(20))
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL")
    )
    # The language of the invitation e-mail and of the page that accepts it (None: older rows).
    locale: Mapped[str | None] = mapped_column(sa.String(10))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    organization: Mapped[Organization | None] = relationship(foreign_keys=[organization_id])

    @property
    def invited_role(self) -> str:
        """The role the invitation offers."""
        return self.role if self.notice and self.role else self.user.role

    @property
    def invited_organization(self) -> Organization | None:
        """The organisation the invitation is for."""
        return self.organization if self.notice else self.user.organization

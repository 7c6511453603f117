"""A person's directory profile: what she shows and who may see each contact detail."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedText
from ..extensions import Model
from ._types import SearchEntry, UTCDateTime, utcnow

CONTACT_FIELDS = ("email", "phone", "messaging", "city")
AUDIENCES = ("members", "policy_makers", "connections", "private")


class Profile(SearchEntry, Model):
    """One per account. Contact details are encrypted; each has its own audience."""

    __tablename__ = "profiles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(sa.String(150), default="")
    affiliation: Mapped[str] = mapped_column(sa.String(200), default="")
    country: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    email: Mapped[str | None] = mapped_column(EncryptedText)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    messaging: Mapped[str | None] = mapped_column(EncryptedText)
    city: Mapped[str | None] = mapped_column(EncryptedText)
    email_audience: Mapped[str] = mapped_column(sa.String(20), default="members")
    phone_audience: Mapped[str] = mapped_column(sa.String(20), default="connections")
    messaging_audience: Mapped[str] = mapped_column(sa.String(20), default="connections")
    city_audience: Mapped[str] = mapped_column(sa.String(20), default="members")
    # She agreed to be listed, herself, in the app (the consent step): the only thing that
    # lists anyone, of any role.
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secretariat holds her written agreement (an import's `consent` column): shown to
    # her and to admins, and never enough to list her.
    consent_on_file_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # She chose "not now" at the consent step, or withdrew: sign-in stops leading her there.
    consent_deferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(default=False)
    notify_email: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    managers_may_answer: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    last_confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    version_id: Mapped[int] = mapped_column(default=1)
    # The search index's entry (SearchEntry): listed people only, never a contact detail.

    situations: Mapped[list[ProfileSituation]] = relationship(
        cascade="all, delete-orphan", order_by="ProfileSituation.code"
    )
    themes: Mapped[list[ProfileTheme]] = relationship(
        cascade="all, delete-orphan", order_by="ProfileTheme.slug"
    )
    languages: Mapped[list[ProfileLanguage]] = relationship(
        cascade="all, delete-orphan", order_by="ProfileLanguage.code"
    )

    __mapper_args__ = {"version_id_col": version_id}

    # Tag lists load on access; pages that show them ask for them with `with_tags()`.

    def audience(self, field: str) -> str:
        """The audience chosen for one contact field."""
        return getattr(self, f"{field}_audience")

    @property
    def situation_codes(self) -> list[str]:
        return [row.code for row in self.situations]

    @property
    def theme_slugs(self) -> list[str]:
        return [row.slug for row in self.themes]

    @property
    def language_codes(self) -> list[str]:
        return [row.code for row in self.languages]

    def set_tags(self, situations: list[str], themes: list[str], languages: list[str]) -> None:
        """Replace the three lists, keeping rows that stay."""
        replace_rows(self.situations, situations, ProfileSituation, "code")
        replace_rows(self.themes, themes, ProfileTheme, "slug")
        replace_rows(self.languages, languages, ProfileLanguage, "code")


def replace_rows(rows: list, wanted: list[str], model: type, attr: str) -> None:
    """Make a tag collection hold exactly `wanted`, keeping the rows that stay."""
    keep = set(wanted)
    rows[:] = [row for row in rows if getattr(row, attr) in keep]
    present = {getattr(row, attr) for row in rows}
    rows.extend(model(**{attr: value}) for value in dict.fromkeys(wanted) if value not in present)


class ProfileTag:
    """A row of one of a profile's tag lists: the person, then the value (the key is both, in
    that order: `sort_order` puts this column first)."""

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("profiles.user_id", ondelete="CASCADE"), primary_key=True, sort_order=-1
    )


class ProfileSituation(ProfileTag, Model):
    """A Security Council agenda situation the person works on (ISO alpha-2)."""

    __tablename__ = "profile_situations"

    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True, index=True)


class ProfileTheme(ProfileTag, Model):
    """A Women, Peace and Security theme the person works on."""

    __tablename__ = "profile_themes"

    slug: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)


class ProfileLanguage(ProfileTag, Model):
    """A language the person works in (ISO 639-1)."""

    __tablename__ = "profile_languages"

    code: Mapped[str] = mapped_column(sa.String(3), primary_key=True, index=True)

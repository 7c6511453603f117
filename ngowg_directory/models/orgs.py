"""Member organisations, UN entities, missions and partners."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._types import UTCDateTime, utcnow

ORG_KINDS = ("member", "un_entity", "mission", "partner")


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="member")
    website: Mapped[str | None] = mapped_column(sa.String(300))
    headquarters_country: Mapped[str | None] = mapped_column(sa.String(2))
    focus: Mapped[str | None] = mapped_column(sa.String(500))
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Organization {self.slug}>"

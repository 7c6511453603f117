"""Reminders to confirm a profile that is over a year old, with a one-time link."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .. import audit, mail
from ..extensions import db
from ..models import Profile, User
from ..models._types import utcnow

logger = logging.getLogger(__name__)
LINK_DAYS = 30


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="profile-confirm")


def make_token(user: User) -> str:
    """A link token bound to the current confirmation: once used, it stops working."""
    stamp = user.profile.last_confirmed_at.isoformat()
    return _serializer().dumps({"u": user.id, "c": stamp})


def user_for_token(token: str) -> User | None:
    """The user of a valid, unused confirmation token, else None."""
    try:
        data = _serializer().loads(token, max_age=LINK_DAYS * 86400)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or not user.is_active:
        return None
    if user.profile.last_confirmed_at.isoformat() != data.get("c"):
        return None
    return user


def due() -> list[User]:
    """Active people with a profile confirmed too long ago and no recent reminder."""
    days = current_app.config["PROFILE_STALE_DAYS"]
    now = utcnow()
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Profile)
            .where(
                User.status == "active",
                Profile.last_confirmed_at < now - timedelta(days=days),
                sa.or_(
                    Profile.reminder_sent_at.is_(None),
                    Profile.reminder_sent_at < now - timedelta(days=LINK_DAYS),
                ),
            )
            .order_by(User.id)
        )
    )


def send_all(echo: Callable[[str], object] = logger.info) -> tuple[int, int]:
    """E-mail every due person; returns (sent, failed). Commits after each message."""
    sent = failed = 0
    people = due()
    for index, user in enumerate(people, start=1):
        link = f"{current_app.config['BASE_URL']}/account/confirm/{make_token(user)}"
        if not mail.try_send_template(
            user.email,
            _l("Is your directory profile still right?"),
            "reminder",
            locale=mail.language_for(user),
            link=link,
        ):
            failed += 1
            echo(f"[{index}/{len(people)}] user {user.id}: not sent (mail server error)")
            continue
        user.profile.reminder_sent_at = utcnow()
        audit.record("reminder_sent", target=user)
        db.session.commit()
        sent += 1
        echo(f"[{index}/{len(people)}] user {user.id}: reminder sent")
    return sent, failed

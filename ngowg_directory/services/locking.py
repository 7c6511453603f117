"""Optimistic locking of edit forms: two people editing one record never overwrite each other.

An edit form carries the record's version and values as they were when it was opened, signed
(`sign_opened`). On save, `check_opened` compares them with the record now: when someone else
saved in between, `Conflict` lists what they changed, and the form shows it instead of saving.
A save that races past the check is stopped by the version column (`flush_or_conflict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..validation import ValidationError


@dataclass
class Conflict(Exception):
    """Someone saved the record after it was opened: what they changed, and its value now."""

    changes: dict[str, Any]


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def sign_opened(salt: str, record: int, version: int, values: dict[str, Any]) -> str:
    """The record, version and values an edit form was opened with, signed for the round
    trip (the record's id: a form opened on one record is refused on another)."""
    return _serializer(salt).dumps({"r": record, "v": version, "s": values})


def check_opened(
    salt: str,
    opened: str,
    record: int,
    version: int,
    now: dict[str, Any],
    editable: tuple[str, ...],
) -> None:
    """Raise Conflict listing what someone else changed since the form was opened."""
    damaged = _l("The form was damaged. Reload the page and try again.")
    try:
        token = _serializer(salt).loads(opened)
    except BadSignature as exc:
        raise ValidationError("name", damaged) from exc
    if not isinstance(token, dict) or token.get("r") != record:
        raise ValidationError("name", damaged)
    if token["v"] != version:
        changed = {key: now[key] for key in editable if now[key] != token["s"].get(key)}
        if changed:
            raise Conflict(changed)


def flush_or_conflict() -> None:
    """Write the edit; Conflict (and a rolled back session) when another save got there first."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict({}) from exc

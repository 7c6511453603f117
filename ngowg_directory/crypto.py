"""Authenticated encryption of sensitive columns (Fernet: AES-CBC with HMAC-SHA256).

A leaf module: the models import its column type; re-encrypting every stored value with a
new key is a service (services/keys.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app


class KeyError_(RuntimeError):
    """The field encryption key is missing or malformed."""


def build_keyring(keys: str) -> MultiFernet:
    """A MultiFernet from a comma-separated list of keys; the first one encrypts."""
    parts = [part.strip() for part in keys.split(",") if part.strip()]
    if not parts:
        raise KeyError_("FIELD_ENCRYPTION_KEY is empty")
    try:
        return MultiFernet([Fernet(part.encode()) for part in parts])
    except (ValueError, TypeError) as exc:
        raise KeyError_(
            "FIELD_ENCRYPTION_KEY must be one or more url-safe base64 32-byte Fernet keys, "
            "separated by commas"
        ) from exc


def init_app(app: Flask) -> None:
    """Bind the keyring built from FIELD_ENCRYPTION_KEY to the app."""
    app.extensions["ngowg_keyring"] = build_keyring(app.config["FIELD_ENCRYPTION_KEY"])


def keyring() -> MultiFernet:
    """The current app's keyring."""
    return current_app.extensions["ngowg_keyring"]


def encrypt(value: str) -> str:
    """Encrypt a text value with the primary key."""
    return keyring().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a value written by `encrypt` with any key of the keyring."""
    try:
        return keyring().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise KeyError_("a stored value cannot be decrypted with FIELD_ENCRYPTION_KEY") from exc


class EncryptedText(sa.types.TypeDecorator):
    """A text column stored encrypted; None stays NULL."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return decrypt(value)

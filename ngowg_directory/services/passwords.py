"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import cache

import argon2
from argon2 import PasswordHasher
from flask import current_app
from flask_babel import lazy_gettext as _l
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 128


class PasswordRejected(ValueError):
    """The password breaks the policy; str() is a message for the person."""


@cache
def _hasher(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(argon2.profiles, profile))


def hasher() -> PasswordHasher:
    """The argon2id hasher for the current app's ARGON2_PROFILE."""
    return _hasher(current_app.config["ARGON2_PROFILE"])


@cache
def common_passwords() -> frozenset[str]:
    """30,000 most common passwords, from the zxcvbn package's frequency lists."""
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_policy(password: str, *, email: str | None = None) -> None:
    """Raise PasswordRejected when the password may not be used; no composition rules."""
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(_l("Use at most %(n)s characters.", n=MAX_LENGTH))
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(_l("Use at least %(n)s characters.", n=MIN_LENGTH))
    folded = password.casefold()
    if folded in common_passwords() or (email and folded == email.casefold()):
        raise PasswordRejected(
            _l("This password is too common and easy to guess. Choose another one.")
        )


def hash_password(password: str) -> str:
    """An argon2id hash of a password that passed the policy."""
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(_l("Use at most %(n)s characters.", n=MAX_LENGTH))
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches; argon2 runs even when there is no stored hash."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return hasher().verify(stored_hash or dummy_hash(), password) and stored_hash is not None
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than the current profile."""
    return hasher().check_needs_rehash(stored_hash)


def dummy_hash() -> str:
    """A hash with the current parameters, so unknown accounts cost the same time."""
    profile = current_app.config["ARGON2_PROFILE"]
    return _dummy_hash(profile)


@cache
def _dummy_hash(profile: str) -> str:
    return _hasher(profile).hash("not a real password, only for timing")

"""Password hashing and policy: argon2id, 12 to 128 characters, no common passwords."""

from __future__ import annotations

import argon2
import pytest

from ngowg_directory import create_app
from ngowg_directory.extensions import db
from ngowg_directory.services import passwords

from .conftest import FIELD_KEY, PASSWORD, SECRET_KEY


def test_hash_is_argon2id_with_the_cheapest_profile_in_tests(app, make_user):
    user = make_user("defender")
    parameters = argon2.extract_parameters(user.password_hash)
    assert user.password_hash.startswith("$argon2id$v=19$")
    assert parameters == argon2.profiles.CHEAPEST


def test_production_uses_argon2s_default_profile(tmp_path):
    app = create_app(
        "production",
        INSTANCE_PATH=str(tmp_path),
        SECRET_KEY=SECRET_KEY,
        FIELD_ENCRYPTION_KEY=FIELD_KEY,
        WEB_CONCURRENCY=1,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}",
    )
    with app.app_context():
        stored = passwords.hash_password(PASSWORD)
    parameters = argon2.extract_parameters(stored)
    assert parameters.type is argon2.Type.ID
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (
        65536,
        3,
        4,
    )
    assert parameters == argon2.profiles.RFC_9106_LOW_MEMORY


@pytest.mark.parametrize(
    ("candidate", "accepted"),
    [
        ("a" * 11 + "Z", True),  # exactly 12
        ("elevenchars", False),
        ("x" * 128, True),
        ("x" * 129, False),
        ("qwerty123456", False),  # on the common-password list
        ("QWERTY123456", False),  # the list check ignores case
        ("1q2w3e4r5t6y", False),
        ("tomato orbit lantern", True),
        ("ّمحمد سلام عليكم", True),  # any script, no composition rules
    ],
)
def test_policy_bounds_and_common_list(app, candidate, accepted):
    if accepted:
        passwords.check_policy(candidate)
    else:
        with pytest.raises(passwords.PasswordRejected):
            passwords.check_policy(candidate)


def test_common_list_has_at_least_10000_entries(app):
    assert len(passwords.common_passwords()) >= 10_000


def test_password_equal_to_the_email_is_refused(app):
    with pytest.raises(passwords.PasswordRejected):
        passwords.check_policy("someone@example.org", email="Someone@example.org")


def test_overlong_password_is_refused_before_hashing(app, monkeypatch):
    calls = []
    real = passwords.hasher

    def counting():
        calls.append(1)
        return real()

    monkeypatch.setattr(passwords, "hasher", counting)
    with pytest.raises(passwords.PasswordRejected):
        passwords.hash_password("p" * 129)
    assert passwords.verify_password(passwords.dummy_hash(), "p" * 100_000) is False
    assert calls == []


def test_passwords_are_never_trimmed_or_case_folded(app, client, make_user, login):
    user = make_user("staff", password="  Spaced Out Password  ")
    assert passwords.verify_password(user.password_hash, "  Spaced Out Password  ")
    assert not passwords.verify_password(user.password_hash, "Spaced Out Password")
    assert not passwords.verify_password(user.password_hash, "  spaced out password  ")
    login(client, user, password="  Spaced Out Password  ")


def test_an_old_hash_is_upgraded_at_sign_in(app, client, make_user, login):
    user = make_user("defender")
    weaker = argon2.PasswordHasher(time_cost=1, memory_cost=16, parallelism=1, hash_len=16)
    user.password_hash = weaker.hash(PASSWORD)
    db.session.commit()
    login(client, user)
    db.session.refresh(user)
    assert argon2.extract_parameters(user.password_hash) == argon2.profiles.CHEAPEST

"""Rows of multi-row INSERTs come from the models' own defaults (models/rows.py), so a bulk
path writes what the ORM path writes: the bulk invitations of an import, the generated people
of `generate-data`."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import Invitation, Profile, ProfileTheme, User
from ngowg_directory.models.rows import insert_rows
from ngowg_directory.services import invitations


def test_insert_rows_fills_in_the_model_defaults_once_for_the_batch():
    rows = insert_rows(
        User, [{"email": "a@x.org", "role": "staff"}, {"email": "b@x.org", "role": "defender"}]
    )
    assert rows[0]["status"] == "invited" and rows[0]["session_version"] == 1
    assert rows[0]["totp_enabled"] is False and rows[0]["name"] == ""
    assert rows[0]["password_hash"] is None and "id" not in rows[0], "the database numbers rows"
    assert isinstance(rows[0]["created_at"], datetime)
    assert rows[0]["created_at"] == rows[1]["created_at"], "one moment for the batch"
    assert insert_rows(ProfileTheme, [{"user_id": 1, "slug": "crsv"}]) == [
        {"user_id": 1, "slug": "crsv"}
    ]


def test_insert_rows_refuses_a_name_that_is_no_column_and_a_required_value_left_out():
    with pytest.raises(KeyError, match="emial"):
        insert_rows(User, [{"emial": "a@example.org", "role": "staff"}])
    with pytest.raises(ValueError, match=r"users\.email"):
        insert_rows(User, [{"role": "staff"}])
    with pytest.raises(ValueError, match=r"profile_themes\.slug"):
        insert_rows(ProfileTheme, [{"user_id": 1}])


# Columns that differ between any two rows whatever path wrote them.
DIFFERENT = {"id", "user_id", "email", "token_hash"}


def _columns(obj: object) -> dict[str, object]:
    """Every column's value; for a moment, whether one is set."""
    values = {}
    for column in sa.inspect(type(obj)).columns:
        if column.key in DIFFERENT:
            continue
        value = getattr(obj, column.key)
        values[column.key] = value is not None if isinstance(value, datetime) else value
    return values


def test_a_bulk_invitation_writes_the_rows_a_single_invitation_writes(app, make_org, mailbox):
    org = make_org("wilpf")
    single = invitations.invite("one@example.org", "staff", organization=org).invitation
    [outgoing] = invitations.invite_many(
        [
            invitations.NewPerson(
                email="many@example.org",
                role="staff",
                name="",
                organization=org,
                profile={"email": "many@example.org"},
                situations=[],
                themes=[],
                languages=[],
                consent_on_file=False,
            )
        ],
        inviter=None,
    )
    db.session.commit()
    db.session.expire_all()
    bulk = db.session.get(Invitation, outgoing.invitation_id)
    single = db.session.get(Invitation, single.id)
    assert _columns(bulk.user) == _columns(single.user)
    assert _columns(bulk.user.profile) == _columns(single.user.profile)
    assert _columns(bulk) == _columns(single)
    assert bulk.user.profile.email == "many@example.org"


def test_generated_people_e_mail_reads_back_as_an_address(app, runner):
    """generate-data once encrypted the address itself, and the column type encrypted the
    ciphertext again: every generated person's e-mail decrypted to a Fernet token."""
    result = runner.invoke(args=["generate-data", "--people", "30", "--orgs", "3"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    people = db.session.scalars(sa.select(User).options(*User.with_tags())).unique().all()
    assert len(people) == 30
    for person in people:
        assert re.fullmatch(r"bulk\d+@bulk\.example\.org", person.profile.email), (
            person.profile.email
        )
        assert person.profile.email == person.email
    stored = db.session.scalar(sa.select(sa.type_coerce(Profile.email, sa.Text)).limit(1))
    assert stored is not None and "@" not in stored, "stored encrypted"

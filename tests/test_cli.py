"""Command line: create-user, set-password, invite, seed-demo (CONTRACT.md)."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from ngowg_directory import demo
from ngowg_directory.extensions import db
from ngowg_directory.models import ContactRequest, Organization, User
from ngowg_directory.services import accounts, passwords

from .conftest import PASSWORD


def test_create_user_reads_the_password_from_standard_input(app, runner, make_org):
    make_org("wilpf")
    result = runner.invoke(
        args=[
            "create-user",
            "Nadia@Example.org",
            "--role",
            "manager",
            "--org",
            "wilpf",
            "--name",
            "Nadia Murad",
        ],
        input=f" {PASSWORD} \n",
    )
    assert result.exit_code == 0, result.output
    user = accounts.find_by_email("nadia@example.org")
    assert user.role == "manager" and user.organization.slug == "wilpf" and user.is_active
    assert passwords.verify_password(user.password_hash, f" {PASSWORD} ")
    assert PASSWORD not in result.output


def test_create_user_refuses_bad_input_and_writes_nothing(app, runner):
    cases = [
        (["create-user", "not-an-email", "--role", "staff"], PASSWORD, "not a valid e-mail"),
        (
            ["create-user", "a@example.org", "--role", "king"],
            PASSWORD,
            "Invalid value for '--role'",
        ),
        (
            ["create-user", "a@example.org", "--role", "staff", "--org", "nope"],
            PASSWORD,
            "no organisation",
        ),
        (["create-user", "a@example.org", "--role", "staff"], "short", "at least 12"),
        (["create-user", "a@example.org", "--role", "manager"], PASSWORD, "must belong"),
    ]
    for args, password, message in cases:
        result = runner.invoke(args=args, input=password + "\n")
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_create_user_refuses_a_duplicate(app, runner, make_user):
    existing = make_user("staff")
    result = runner.invoke(
        args=["create-user", existing.email, "--role", "staff"], input=PASSWORD + "\n"
    )
    assert result.exit_code != 0 and "already exists" in result.output


def test_set_password_ends_sessions_and_activates_invited_accounts(app, runner, make_user):
    user = make_user("defender")
    version = user.session_version
    result = runner.invoke(args=["set-password", user.email], input="another long passphrase\n")
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert passwords.verify_password(user.password_hash, "another long passphrase")
    assert user.session_version > version
    missing = runner.invoke(args=["set-password", "ghost@example.org"], input=PASSWORD + "\n")
    assert missing.exit_code != 0 and "No account" in missing.output
    weak = runner.invoke(args=["set-password", user.email], input="qwerty123456\n")
    assert weak.exit_code != 0 and "too common" in weak.output


def test_invite_prints_the_link_and_sends_it(app, runner, make_org, mailbox):
    make_org("madre")
    result = runner.invoke(
        args=["invite", "field@example.org", "--role", "defender", "--org", "madre"]
    )
    assert result.exit_code == 0, result.output
    link = next(line for line in result.output.splitlines() if "/auth/invite/" in line)
    assert mailbox.links("field@example.org") == [link.strip()]
    assert "works once" in result.output


def test_seed_demo_is_idempotent_and_marks_demo_people(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    people = db.session.scalar(sa.select(sa.func.count(User.id)))
    orgs = db.session.scalar(sa.select(sa.func.count(Organization.id)))
    assert people == len(demo.DEMO_PEOPLE) and orgs >= 17
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == people
    assert "0 organisations, 0 people and 0 contact requests added" in second.output
    states = set(db.session.scalars(sa.select(ContactRequest.status)))
    assert {"pending", "accepted", "declined", "blocked", "ended"} <= states
    roles = set(db.session.scalars(sa.select(User.role)))
    assert roles == {"admin", "manager", "staff", "defender", "policy_maker"}
    assert all(
        u.is_demo and u.email.endswith("@demo.example.org")
        for u in db.session.scalars(sa.select(User))
    )
    names = " ".join(db.session.scalars(sa.select(User.name)))
    assert "فاطمة" in names and "Núñez" in names
    assert demo.DEMO_PASSWORD in first.output


def test_seed_demo_if_empty_leaves_a_used_database_alone(app, runner, make_user):
    make_user("admin")
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_demo_accounts_can_sign_in(app, runner, client, login):
    runner.invoke(args=["seed-demo"])
    defender = accounts.find_by_email(demo.demo_email("defender.mali"))
    admin = accounts.find_by_email(demo.demo_email("secretariat"))
    login(client, defender, password=demo.DEMO_PASSWORD)
    client.form("/auth/logout", {})
    login(client, admin, password=demo.DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_console_script_and_flask_app_option_share_the_commands(tmp_path):
    env = {"NGOWG_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    bindir = sys.executable.rsplit("/", 1)[0]
    for command in (
        [f"{bindir}/ngowg", "--help"],
        [f"{bindir}/flask", "--app", "ngowg_directory", "--help"],
    ):
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
        for name in ("create-user", "set-password", "invite", "seed-demo", "db"):
            assert name in output, (command, name)

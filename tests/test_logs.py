"""Nothing secret reaches the logs or the audit log: passwords, codes, tokens."""

from __future__ import annotations

import json
import logging

import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent

from .conftest import PASSWORD, totp_now

NEW = "brand new secret passphrase"


def test_a_whole_account_life_leaves_no_secret_in_logs_or_audit(
    app, client, new_client, make_user, login, mailbox, caplog
):
    caplog.set_level(logging.DEBUG)
    admin = make_user("admin")
    login(client, admin)
    client.form(
        "/admin/invitations", {"email": "new@example.org", "role": "defender", "organization": ""}
    )
    invite_link = mailbox.links("new@example.org")[0]
    invite_path = "/" + invite_link.split("/", 3)[3]
    invitee = new_client()
    invitee.form(
        invite_path, {"name": "Rana", "password": PASSWORD, "confirm": PASSWORD}, page=invite_path
    )
    invitee.form("/auth/logout", {})
    invitee.form("/auth/login", {"email": "new@example.org", "password": "wrong guess 12345"})
    invitee.form("/auth/reset", {"email": "new@example.org"})
    reset_link = mailbox.links("new@example.org")[-1]
    reset_path = "/" + reset_link.split("/", 3)[3]
    invitee.form(reset_path, {"password": NEW, "confirm": NEW}, page=reset_path)
    client.form("/auth/logout", {})
    db.session.refresh(admin)
    code = totp_now(admin, 1)
    client.form("/auth/login", {"email": admin.email, "password": PASSWORD})
    client.form("/auth/two-factor", {"code": code})

    secrets = {
        "password": PASSWORD,
        "new password": NEW,
        "wrong password": "wrong guess 12345",
        "invitation token": invite_link.rsplit("/", 1)[1],
        "reset token": reset_link.rsplit("/", 1)[1],
        "totp code": code,
        "totp secret": admin.totp_secret,
    }
    # The SMTP sink's own debug log ("mail.log") stands for the outside mail server: skip it.
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert "invitation_accepted" in logged and "login_success" in logged
    audit = json.dumps(
        [[e.action, e.target_type, e.details] for e in db.session.scalars(sa.select(AuditEvent))]
    )
    for name, value in secrets.items():
        assert value not in logged, f"the {name} reached the log"
        assert value not in audit, f"the {name} reached the audit log"

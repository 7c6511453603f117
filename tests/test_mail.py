"""E-mail: a real SMTP conversation, the outbox without a server, and failures."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from ngowg_directory import mail
from testsupport.servers import free_port


def test_message_goes_through_a_real_smtp_server(app, mailbox):
    mail.send_template("someone@example.org", "Test subject", "lockout")
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message["To"] == "someone@example.org"
    assert message["Subject"] == "Test subject"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "locked for 15 minutes" in mailbox.body(message)
    assert "http://directory.test/auth/reset" in mailbox.body(message)


def test_without_mail_server_messages_go_to_the_outbox(app, mailbox, tmp_path):
    app.config["MAIL_SERVER"] = None
    mail.send_template("someone@example.org", "Outbox subject", "lockout")
    outbox = list((tmp_path / "instance" / "outbox").glob("*.eml"))
    assert len(outbox) == 1
    assert outbox[0].stat().st_mode & 0o777 == 0o600
    assert b"Outbox subject" in outbox[0].read_bytes()
    assert mailbox.messages == []


def test_an_unreachable_server_raises_mail_error(app):
    app.config["MAIL_PORT"] = free_port()
    with pytest.raises(mail.MailError):
        mail.send_template("someone@example.org", "Lost", "lockout")


def test_an_invitation_survives_a_mail_failure_and_says_so(app, client, make_user, login):
    admin = make_user("admin")
    login(client, admin)
    app.config["MAIL_PORT"] = free_port()
    response = client.form(
        "/admin/invitations", {"email": "x@example.org", "role": "staff", "organization": ""}
    )
    assert response.status_code == 302
    page = client.get("/admin/invitations").get_data(as_text=True)
    assert "could not be sent" in page and "x@example.org" in page


def test_an_address_in_another_script_goes_out_under_smtputf8(app, mailbox):
    mail.send_template("zoë@example.org", "Réinitialisation — مرحبا", "lockout", locale="ar")
    (raw,) = mailbox.raw
    message = message_from_bytes(raw, policy=policy.default)
    assert message["To"] == "zoë@example.org"
    assert message["Subject"] == "Réinitialisation — مرحبا"
    assert message.get_content_type() == "text/plain"
    assert "http://directory.test/auth/reset" in message.get_content()


def test_a_header_with_a_line_break_is_refused(app, mailbox):
    with pytest.raises(ValueError, match="line break"):
        mail.send_template("a@example.org\r\nBcc: b@example.org", "Subject", "lockout")
    assert mailbox.messages == []

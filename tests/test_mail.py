"""E-mail: a real SMTP conversation, the outbox without a server, and failures."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from ngowg_directory import mail
from ngowg_directory.config import Config, ConfigError
from testsupport.servers import app_env, free_port, ngowg


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


# --- where the links lead ------------------------------------------------------------------


def served_env(tmp_path, database_url, smtp_port, **settings):
    """The environment `make run` gives the app (PORT exported, BASE_URL only when the
    operator sets it), with mail to the suite's SMTP server."""
    env = app_env(tmp_path / "served", database_url, MAIL_SERVER="127.0.0.1")
    env["MAIL_PORT"] = str(smtp_port)
    del env["BASE_URL"]
    env.update(settings)
    return env


def test_links_in_e_mails_lead_to_the_port_the_server_was_given(
    app, tmp_path, database_url, smtp_server, mailbox
):
    _box, smtp_port = smtp_server
    env = served_env(tmp_path, database_url, smtp_port, PORT="8123")
    printed = ngowg(env, "invite", "port@example.org", "--role", "staff")
    (link,) = mailbox.links("port@example.org")
    assert link.startswith("http://127.0.0.1:8123/auth/invite/")
    assert link in printed
    # An explicit BASE_URL is what the links use, whatever the port.
    env = served_env(
        tmp_path, database_url, smtp_port, PORT="8123", BASE_URL="https://directory.example.org/"
    )
    ngowg(env, "invite", "public@example.org", "--role", "staff")
    (link,) = mailbox.links("public@example.org")
    assert link.startswith("https://directory.example.org/auth/invite/")


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8080"}, "http://127.0.0.1:8080"),
        ({"PORT": " 8080 "}, "http://127.0.0.1:8080"),
        ({"PORT": "8080", "GUNICORN_BIND": "127.0.0.1:9001"}, "http://127.0.0.1:9001"),
        ({"GUNICORN_BIND": "0.0.0.0:9002"}, "http://127.0.0.1:9002"),
        ({"GUNICORN_BIND": "[::]:9003"}, "http://127.0.0.1:9003"),
        ({"GUNICORN_BIND": "[::1]:9004"}, "http://[::1]:9004"),
        ({"GUNICORN_BIND": "directory.lan:9005"}, "http://directory.lan:9005"),
        ({"PORT": "8081", "GUNICORN_BIND": "unix:/run/ngowg.sock"}, "http://127.0.0.1:8081"),
        (
            {"PORT": "8080", "BASE_URL": "https://directory.example.org/"},
            "https://directory.example.org",
        ),
        (
            {"PORT": "nonsense", "BASE_URL": "https://directory.example.org"},
            "https://directory.example.org",
        ),
    ],
)
def test_base_url_follows_where_the_server_listens_unless_it_is_set(
    monkeypatch, environment, expected
):
    for name in ("PORT", "GUNICORN_BIND", "BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert expected == Config().BASE_URL


@pytest.mark.parametrize("port", ["nonsense", "0", "70000", "-1"])
def test_a_port_that_is_no_port_is_refused_by_name(monkeypatch, port):
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    monkeypatch.setenv("PORT", port)
    with pytest.raises(ConfigError, match="PORT must be a port number"):
        Config()

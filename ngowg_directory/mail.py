"""Outgoing e-mail over SMTP, or into instance/outbox/ when no MAIL_SERVER is set."""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

logger = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


def build_message(to: str, subject: str, template: str, **context: object) -> EmailMessage:
    """A plain-text message rendered from templates/email/<template>.txt."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="ngowg-directory")
    message["Auto-Submitted"] = "auto-generated"
    body = render_template(f"email/{template}.txt", base_url=config["BASE_URL"], **context)
    message.set_content(body)
    return message


def send(message: EmailMessage) -> None:
    """Deliver a message; raise MailError when the server refuses or cannot be reached."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        _write_to_outbox(message)
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        logger.error("mail %r to one recipient failed: %s", message["Subject"], type(exc).__name__)
        raise MailError(str(exc)) from exc
    logger.info("mail %r sent through %s", message["Subject"], config["MAIL_SERVER"])


def send_template(
    to: str, subject: object, template: str, *, locale: str | None = None, **context: object
) -> None:
    """Render in the recipient's language (`locale`, English when unset) and deliver.

    `subject` should be a lazy string (`_l`) so that it too is in the recipient's language.
    """
    with force_locale(locale or "en"):
        message = build_message(to, str(subject), template, **context)
    send(message)


def _write_to_outbox(message: EmailMessage) -> Path:
    outbox = Path(current_app.instance_path) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
    path = outbox / name
    path.write_bytes(bytes(message))
    path.chmod(0o600)
    logger.info("mail %r written to %s (no MAIL_SERVER set)", message["Subject"], path)
    return path

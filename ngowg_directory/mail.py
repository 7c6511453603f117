"""Outgoing e-mail over SMTP, or into instance/outbox/ when no MAIL_SERVER is set.

Messages are plain text. They are written out here rather than through `email.message`: for
a 10,000-row import, building and serialising `EmailMessage` objects took more time than
writing the accounts. The format is the one `email` would produce: ASCII headers (RFC 2047
encoded words for other scripts), UTF-8 body in quoted-printable, or base64 when most of it
is in another script.
"""

from __future__ import annotations

import base64
import binascii
import logging
import smtplib
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from . import files, i18n

if TYPE_CHECKING:
    from .models import User

logger = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


@dataclass(frozen=True)
class Mail:
    """A message ready to send: its envelope and its bytes (CRLF line ends)."""

    sender: str
    to: str
    subject: str
    data: bytes


def _check(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError("a mail header cannot hold a line break")
    return value


def _text_header(name: str, value: str) -> str:
    """A header of free text: RFC 2047 encoded words when it is not ASCII, folded."""
    _check(value)
    if value.isascii() and len(name) + len(value) < 76:
        return f"{name}: {value}"
    charset = "us-ascii" if value.isascii() else "utf-8"
    return f"{name}: " + Header(value, charset, header_name=name).encode(linesep="\r\n")


@lru_cache(maxsize=64)
def _address_header(name: str, value: str) -> str:
    """An address header: the display name encoded, the address as it is (an address in
    another script is sent as UTF-8 under SMTPUTF8, RFC 6531/6532)."""
    display, address = parseaddr(_check(value))
    if address.isascii():
        return f"{name}: " + formataddr((display, address), charset="utf-8")
    return f"{name}: " + formataddr((display, address)) if display else f"{name}: {address}"


def _body(text: str) -> tuple[str, bytes]:
    """(Content-Transfer-Encoding, encoded body) for a text in UTF-8."""
    raw = text.replace("\r\n", "\n").encode("utf-8")
    if len(raw) - len(text) > len(text) // 5:  # mostly another script: base64 is shorter
        return "base64", base64.encodebytes(raw).replace(b"\n", b"\r\n")
    encoded = binascii.b2a_qp(raw, quotetabs=False, istext=True, header=False)
    return "quoted-printable", encoded.replace(b"\n", b"\r\n")


def compose(to: str, subject: str, body: str) -> Mail:
    """A plain-text message from its parts."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    encoding, payload = _body(body)
    headers = [
        _address_header("From", sender),
        f"To: {_check(to)}" if to.isascii() and "<" not in to else _address_header("To", to),
        _text_header("Subject", subject),
        f"Date: {format_datetime(datetime.now(UTC))}",
        f"Message-ID: {make_msgid(domain='ngowg-directory')}",
        "Auto-Submitted: auto-generated",
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        f"Content-Transfer-Encoding: {encoding}",
    ]
    head = "\r\n".join(headers).encode("utf-8")  # ASCII unless an address needs SMTPUTF8
    return Mail(_envelope_sender(sender), to, subject, head + b"\r\n\r\n" + payload)


@lru_cache(maxsize=8)
def _envelope_sender(sender: str) -> str:
    return parseaddr(sender)[1] or sender


def language_for(user: User, fallback: str | None = None) -> str:
    """The language of e-mails to `user`: her saved choice, else the language her signed-in
    pages were last shown in (through her browser's Accept-Language too, sessions.py), else
    the first of her languages the site speaks, else `fallback` (the language an invitation
    was written in), else English (docs/CONTRACT.md, Languages)."""
    for code in (user.locale, user.last_locale):
        if i18n.is_supported(code):
            return str(code)
    profile = user.profile
    for code in profile.language_codes if profile is not None else ():
        if i18n.is_supported(code):
            return code
    return fallback if fallback is not None and i18n.is_supported(fallback) else "en"


def render_body(template: str, **context: object) -> str:
    """The text of templates/email/<template>.txt, in the current language."""
    return render_template(
        f"email/{template}.txt", base_url=current_app.config["BASE_URL"], **context
    )


def build_message(to: str, subject: str, template: str, **context: object) -> Mail:
    """A plain-text message rendered from templates/email/<template>.txt."""
    return compose(to, subject, render_body(template, **context))


class Connection:
    """One SMTP connection for many messages (or the outbox folder when no server is set).

    A message the server refuses raises MailError and the connection carries on; a
    connection that drops is opened again for the next message."""

    def __init__(self) -> None:
        self.config = current_app.config
        self.outbox = Path(current_app.instance_path) / "outbox"
        self._smtp: smtplib.SMTP | None = None
        self._outbox_ready = False

    def __enter__(self) -> Connection:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def _open(self) -> smtplib.SMTP:
        config = self.config
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15)
        try:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: Mail) -> None:
        """Deliver a message; raise MailError when the server refuses or cannot be reached."""
        if not self.config.get("MAIL_SERVER"):
            self._write_to_outbox(message)
            return
        try:
            if self._smtp is None:
                self._smtp = self._open()
            utf8 = not (message.sender.isascii() and message.to.isascii())
            self._smtp.sendmail(
                message.sender, [message.to], message.data, ["SMTPUTF8"] if utf8 else ()
            )
        except (OSError, smtplib.SMTPException) as exc:
            if isinstance(exc, OSError | smtplib.SMTPServerDisconnected):
                self.close()  # opened again for the next message
            logger.error("mail %r to one recipient failed: %s", message.subject, type(exc).__name__)
            raise MailError(str(exc)) from exc
        logger.info("mail %r sent through %s", message.subject, self.config["MAIL_SERVER"])

    def _write_to_outbox(self, message: Mail) -> Path:
        if not self._outbox_ready:
            files.private_dir(self.outbox)
            self._outbox_ready = True
        path = self.outbox / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        with files.open_private(path, exclusive=True) as file:
            file.write(message.data)
        logger.info("mail %r written to %s (no MAIL_SERVER set)", message.subject, path)
        return path


def send(message: Mail) -> None:
    """Deliver one message over its own connection; MailError when it cannot be delivered."""
    with Connection() as connection:
        connection.send(message)


def send_template(
    to: str,
    subject: object,
    template: str,
    *,
    locale: str | None = None,
    connection: Connection | None = None,
    **context: object,
) -> None:
    """Render in the recipient's language (`locale`, English when unset) and deliver, over
    `connection` when one is given (many messages), else over a connection of its own.

    `subject` should be a lazy string (`_l`) so that it too is in the recipient's language.
    """
    with i18n.speaking(locale):
        message = build_message(to, str(subject), template, **context)
    if connection is None:
        send(message)
    else:
        connection.send(message)


def try_send_template(
    to: str, subject: object, template: str, *, locale: str | None = None, **context: object
) -> bool:
    """send_template, and whether the message went: False, instead of MailError, when the
    server refused it or could not be reached (already logged by Connection.send), for a
    caller that reports a lost notice and goes on."""
    try:
        send_template(to, subject, template, locale=locale, connection=None, **context)
    except MailError:
        return False
    return True


def notify_waiting(person: User) -> bool:
    """Tell her something waits for her in the directory (an invitation to brief, a credit
    offered): nothing but that and the link, since her mailbox may be read by others; in her
    language; not when she turned notices off, nor to an account that cannot sign in.
    Whether a message went."""
    if person.status != "active" or (
        person.profile is not None and not person.profile.notify_email
    ):
        return False
    if try_send_template(
        person.email,
        _l("Something is waiting for you in the directory"),
        "waiting",
        locale=language_for(person),
    ):
        return True
    logger.warning("notice for user %s could not be sent", person.id)
    return False

"""A real SMTP server on loopback (aiosmtpd) and the mailbox it delivers into."""

from __future__ import annotations

import re
import threading
import time
from email import message_from_bytes
from email.message import Message
from typing import Any

from .servers import free_port


class Mailbox:
    """Messages received by the local SMTP server, in order. With `keep=False` it only counts
    them (a benchmark's ten thousand invitations need not be parsed and kept)."""

    def __init__(self, *, keep: bool = True) -> None:
        self.keep = keep
        self.received = 0
        self.messages: list[Message] = []
        self.raw: list[bytes] = []
        self.peers: list[Any] = []  # the client's address of each message's connection
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.received += 1
            if self.keep:
                self.raw.append(envelope.content)
                self.peers.append(session.peer)
                self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def clear(self) -> None:
        with self._lock:
            self.received = 0
            self.messages.clear()
            self.raw.clear()
            self.peers.clear()

    def wait_for(self, count: int, timeout: float) -> int:
        """Wait until `count` messages have arrived, or `timeout` seconds; how many did."""
        deadline = time.monotonic() + timeout
        while self.received < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.received

    def to(self, address: str) -> list[Message]:
        """Messages addressed to one recipient."""
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def body(message: Message) -> str:
        """The decoded text body."""
        payload = message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode(message.get_content_charset() or "utf-8")

    def links(self, address: str) -> list[str]:
        """Every http link in the messages to an address."""
        found: list[str] = []
        for message in self.to(address):
            found += re.findall(r"https?://\S+", self.body(message))
        return found


class SmtpServer:
    """An SMTP server on a free loopback port delivering into `mailbox`, started at once."""

    def __init__(self, mailbox: Mailbox) -> None:
        from aiosmtpd.controller import Controller

        self.mailbox = mailbox
        self.port = free_port()
        self.controller = Controller(
            mailbox, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=True
        )
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

"""HTTP to a served app as a browser sends it: one cookie jar, forms posted with their CSRF
token, redirects not followed.

`Browser` is one person's browser: one cookie jar for every server on 127.0.0.1, as a browser
behind a load balancer has. `Browser.on(server)` is that browser on one server (a `Tab`), which
is what the sign-in helpers (`signin`) and the benchmarks' simulated people take.
"""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie
from typing import Any, Protocol
from urllib.parse import urlencode

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
Fields = dict[str, Any] | list[tuple[str, str]]


def bearer(secret: str) -> dict[str, str]:
    """The header that authenticates an API request with a personal access token."""
    return {"Authorization": f"Bearer {secret}"}


class Reachable(Protocol):
    """Where a server listens: a gunicorn `servers.Server`, or an `Address`."""

    @property
    def name(self) -> str: ...

    @property
    def port(self) -> int | None: ...


@dataclass
class Address:
    """A server started some other way (werkzeug in this process): its loopback port."""

    port: int
    name: str = "local"


@dataclass
class Page:
    """One HTTP answer (redirects are not followed)."""

    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def status_code(self) -> int:
        """The status, by the name Flask's test responses give it."""
        return self.status

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def messages(self) -> list[str]:
        """The flashed messages and error texts of an HTML page, tags removed."""
        found = re.findall(r'<p class="(?:flash|error)[^"]*"[^>]*>(.*?)</p>', self.text, re.S)
        return [re.sub(r"<[^>]+>|\s+", " ", text).strip() for text in found]

    def __repr__(self) -> str:
        return f"<Page {self.status} location={self.location!r} messages={self.messages()!r}>"


@dataclass
class Browser:
    """A browser: one cookie jar for every server on 127.0.0.1. `source_address` is the
    loopback address requests come from (any of 127.0.0.0/8), which is the address the
    per-address rate limits count. With `keep_alive` it keeps one connection open to each
    server (as a browser does, and as the benchmarks' simulated people must); without it each
    request has a connection of its own."""

    source_address: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)
    keep_alive: bool = False
    timeout: float = 30
    _connections: dict[int, http.client.HTTPConnection] = field(default_factory=dict, repr=False)

    def request(
        self, server: Reachable, method: str, path: str, fields: Fields | None = None
    ) -> Page:
        assert server.port is not None, f"server {server.name} is not ready"
        headers = {"Accept": "text/html"}
        if self.keep_alive:
            headers["Connection"] = "keep-alive"
        body = None
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.keep_alive:
            response, text = self._kept(server.port, method, path, body, headers)
        else:
            connection = self._connect(server.port)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode("utf-8", errors="replace")
            finally:
                connection.close()
        self.store(response.headers.get_all("Set-Cookie") or [])
        return Page(response.status, response.headers, text)

    def _connect(self, port: int) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(
            "127.0.0.1", port, timeout=self.timeout, source_address=(self.source_address, 0)
        )

    def _kept(
        self, port: int, method: str, path: str, body: str | None, headers: dict[str, str]
    ) -> tuple[http.client.HTTPResponse, str]:
        for attempt in (1, 2):
            connection = self._connections.get(port) or self._connect(port)
            self._connections[port] = connection
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode("utf-8", errors="replace")
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: one retry on a new one.
                self._connections.pop(port).close()
                if attempt == 2:
                    raise
            except (OSError, http.client.HTTPException):
                self._connections.pop(port).close()  # not to be used again
                raise
        if response.getheader("Connection", "").lower() == "close":
            self._connections.pop(port).close()
        return response, text

    def store(self, set_cookies: list[str]) -> None:
        """Keep the cookies of these Set-Cookie headers; forget the ones they expire."""
        now = datetime.now(UTC)
        for header in set_cookies:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                expires = morsel["expires"]
                expired = (
                    not morsel.value
                    or morsel["max-age"] == "0"
                    or bool(expires and parsedate_to_datetime(expires) <= now)
                )
                if expired:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def cookie_header(self) -> str:
        """The Cookie header this browser sends (for a tool that sends requests itself)."""
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def get(self, server: Reachable, path: str) -> Page:
        return self.request(server, "GET", path)

    def csrf_token(self, server: Reachable, page: str) -> str:
        """The CSRF token of the form on a page (which also sets the session cookie)."""
        answer = self.get(server, page)
        match = CSRF_RE.search(answer.text)
        assert match, f"no CSRF token on {page} ({answer.status}): {answer.text[:300]}"
        return match.group(1)

    def submit(
        self, server: Reachable, path: str, fields: dict[str, Any], page: str | None = None
    ) -> Page:
        """Load the form's page (`path` unless given), then POST the fields with its token."""
        token = self.csrf_token(server, page or path)
        return self.request(server, "POST", path, {**fields, "csrf_token": token})

    def on(self, server: Reachable) -> Tab:
        """This browser on one server."""
        return Tab(self, server)

    def close(self) -> None:
        """Close the connections kept open."""
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()


@dataclass
class Tab:
    """A browser on one server: its requests, and forms posted with their token (`form`, as
    the Flask test client of `flask_client` has it, so that the sign-in helpers take both)."""

    browser: Browser
    server: Reachable

    def request(self, method: str, path: str, fields: Fields | None = None) -> Page:
        return self.browser.request(self.server, method, path, fields)

    def get(self, path: str) -> Page:
        return self.browser.get(self.server, path)

    def csrf_token(self, page: str) -> str:
        return self.browser.csrf_token(self.server, page)

    def form(self, path: str, fields: dict[str, Any], page: str | None = None) -> Page:
        return self.browser.submit(self.server, path, fields, page)

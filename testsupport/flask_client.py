"""The app's test client (in this process, no server) as the tests and bench/queries.py use it:
forms posted with their CSRF token, each request in an app context of its own."""

from __future__ import annotations

from typing import Any

from flask.globals import _cv_app
from flask.testing import FlaskClient

from .http import CSRF_RE


class Client(FlaskClient):
    """A test client that fills in the CSRF token like a browser would.

    Each request runs in its own app context, as in production: the test's own context
    (for database access) must not lend its `g` or its session to the requests.
    """

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        token = _cv_app.set(None)  # type: ignore[arg-type]
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)

    def csrf_token(self, page: str | None = None) -> str:
        """The CSRF token of this client's session, read from a page's form."""
        for candidate in [page, "/safety", "/auth/login"]:
            if candidate is None:
                continue
            html = self.get(candidate).get_data(as_text=True)
            match = CSRF_RE.search(html)
            if match:
                return match.group(1)
        raise AssertionError("no page offered a CSRF token")

    def form(
        self, url: str, data: dict[str, Any] | None = None, page: str | None = None, **kw: Any
    ):
        """POST a form with the session's CSRF token, as the page would send it."""
        fields = dict(data or {})
        fields.setdefault("csrf_token", self.csrf_token(page))
        return self.post(url, data=fields, **kw)

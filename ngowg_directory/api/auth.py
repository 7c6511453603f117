"""Bearer-token authentication for every API request; the session cookie is never used.

The token is read before any rate limit is counted (a URL value preprocessor runs before
every before_request, the limiter's included), so the limits can count per token owner and
failed authentication apart; the 401 and 403 answers come after the limits."""

from __future__ import annotations

from flask import abort, g, request, url_for
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from ..extensions import db
from ..models import User
from ..services import tokens
from ..sessions import requires_two_factor

OPEN_ENDPOINTS = frozenset({"api.openapi"})
# The API answers in English (README): these messages are not translated.
MISSING = (
    "This request has no personal access token. Send one in the header "
    "'Authorization: Bearer TOKEN'; make one at /account/tokens."
)
INVALID = (
    "This token is not valid: it may have been revoked or have expired (a password change, a "
    "two-factor change, a change of role or a suspension revokes every token of the account). "
    "Make a new one at {url}."
)
ENROL = (
    "Your role needs two-factor sign-in, and it is not on for your account: the API answers "
    "nothing until you turn it on at /account/security/two-factor."
)


class QuotedChallenge(WWWAuthenticate):
    """A Bearer challenge with every parameter quoted, as RFC 6750 writes them
    (`Bearer realm="ngowg-directory", error="invalid_token"`): Werkzeug leaves bare tokens
    unquoted, which some clients do not read. The values are ours, never the request's."""

    def to_header(self) -> str:
        params = ", ".join(f'{key}="{value}"' for key, value in self.parameters.items())
        return f"{self.type.title()} {params}"

    def __str__(self) -> str:
        return self.to_header()


def identify(endpoint: str | None, values: dict | None) -> None:
    """Find the token's owner (g.api_user) and note how authentication went (g.api_auth)."""
    g.api_user = None
    if endpoint in OPEN_ENDPOINTS:
        g.api_auth = "open"
        return
    scheme, _sep, secret = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        g.api_auth = "missing"
        return
    if not secret.strip():  # "Bearer" and no token: a token that does not work
        g.api_auth = "invalid"
        return
    user, touched = tokens.authenticate(secret.strip())
    if touched:
        db.session.commit()  # last use noted at once: no write lock held through the request
    g.api_user = user
    g.api_auth = "ok" if user is not None else "invalid"


def authenticated() -> bool:
    """The request carries a working token."""
    return g.get("api_auth") == "ok"


def failed() -> bool:
    """The request needed a token and brought none that works."""
    return g.get("api_auth") in ("missing", "invalid")


def require_token() -> None:
    """before_request of the API, after the limits: 401 without a working token, 403 while
    the owner's role needs two-factor sign-in she has not turned on."""
    if g.get("api_auth") == "open":
        return
    user = g.get("api_user")
    if user is None:
        # RFC 6750, section 3: a request without a token gets the bare challenge; one with a
        # token that does not work is told so (error="invalid_token").
        challenge: dict[str, str | None] = {"realm": "ngowg-directory"}
        description = MISSING
        if g.get("api_auth") == "invalid":
            challenge["error"] = "invalid_token"
            description = INVALID.format(url=url_for("account.api_tokens", _external=True))
        raise Unauthorized(
            description=description,
            www_authenticate=QuotedChallenge("bearer", challenge),
        )
    if requires_two_factor(user):
        raise Forbidden(description=ENROL)


def api_user() -> User:
    """The owner of the request's token."""
    user = getattr(g, "api_user", None)
    if user is None:
        abort(401)
    return user

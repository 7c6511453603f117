"""Bearer-token authentication for every API request; the session cookie is never used."""

from __future__ import annotations

from flask import abort, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from ..models import User
from ..services import tokens


class TokenRequired(Unauthorized):
    description = "Send a personal access token: Authorization: Bearer TOKEN."


def require_token() -> None:
    """before_request of the API: find the token's owner or answer 401."""
    if request.endpoint == "api.openapi":
        return
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    user = tokens.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise TokenRequired(
            www_authenticate=WWWAuthenticate("bearer", {"realm": "ngowg-directory"})
        )
    g.api_user = user


def api_user() -> User:
    """The owner of the request's token."""
    user = getattr(g, "api_user", None)
    if user is None:
        abort(401)
    return user


def token_key() -> str:
    """Rate limits count per token owner."""
    user = getattr(g, "api_user", None)
    return f"api:{user.id}" if user is not None else f"api-addr:{request.remote_addr}"

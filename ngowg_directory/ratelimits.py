"""Keys and limit strings for Flask-Limiter."""

from __future__ import annotations

from flask import current_app, request


def client_address() -> str:
    """The client's address (ProxyFix has already applied the trusted proxy count)."""
    return request.remote_addr or "unknown"


def login_limit() -> str:
    """Per-address sign-in attempts, from RATELIMIT_LOGIN."""
    return current_app.config["RATELIMIT_LOGIN"]

"""Keys, limit strings and breach handling for Flask-Limiter."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, g, request
from flask_login import current_user

from . import audit
from .extensions import client_address, db, limiter

logger = logging.getLogger(__name__)


def request_user() -> Any:
    """Who the request acts as: under /api/ the token's owner (never the cookie's user, which
    the API ignores), elsewhere the signed-in user; None for anyone else."""
    if request.path.startswith("/api/"):
        return g.get("api_user")
    return current_user if current_user.is_authenticated else None


def user_key() -> str:
    """Per user, whether she reads through the pages or the API (one harvesting budget);
    per address for anyone else."""
    user = request_user()
    if user is not None:
        return f"user:{user.id}"
    return f"addr:{client_address()}"


HEADER_ENDPOINTS = ("auth.login",)


def add_limit_headers(response: Response) -> Response:
    """X-RateLimit-Limit, -Remaining and -Reset on API answers and the sign-in form.

    Tools reading the API pace themselves by them, and people signing in are told how many
    attempts are left; pages do without, since reading the window is a round trip to Redis
    (a fifth of a cached search page's time through gunicorn, docs/PERFORMANCE.md)."""
    endpoint = request.endpoint or ""
    if not (endpoint.startswith("api.") or endpoint in HEADER_ENDPOINTS):
        return response
    current = limiter.current_limit
    if current is None:
        return response
    try:
        response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
        response.headers["X-RateLimit-Remaining"] = str(current.remaining)
        response.headers["X-RateLimit-Reset"] = str(current.reset_at)
    except Exception as exc:  # the limiter's storage is unreachable: the answer goes without
        logger.warning("rate limit headers left out: %s", type(exc).__name__)
    return response


def divided(value: str, processes: int) -> str:
    """A limit string for one of `processes` processes counting apart, so that together they
    allow no more than `value`: each allows floor(amount / processes) per window, or, when
    that would be less than one, 1 per that many windows ("10 per minute" over 4 processes:
    "2 per 1 minute"; over 40: "1 per 4 minute")."""
    from limits import parse_many

    if processes <= 1:
        return value
    parts = []
    for item in parse_many(value):
        unit = item.GRANULARITY.name
        if item.amount >= processes:
            parts.append(f"{item.amount // processes} per {item.multiples} {unit}")
        else:
            windows = -(-processes // item.amount) * item.multiples
            parts.append(f"1 per {windows} {unit}")
    return "; ".join(parts)


def falling_back() -> bool:
    """Whether the limiter counts in this process's memory because Redis did not answer
    (Flask-Limiter's in-memory fallback, which probes Redis again with a growing back-off)."""
    return bool(getattr(limiter, "_storage_dead", False))


def configured_limit(name: str) -> str:
    """The limit of setting `name`: as configured while the limits are shared (Redis, or one
    process with memory://); while Redis is away, divided by RATELIMIT_FALLBACK_PROCESSES so
    that the harvesting guard stays as strict as configured over all the processes."""
    value = current_app.config[name]
    if falling_back():
        return divided(value, int(current_app.config.get("RATELIMIT_FALLBACK_PROCESSES", 1)))
    return value


def login_limit() -> str:
    """Per-address sign-in attempts, from RATELIMIT_LOGIN."""
    return configured_limit("RATELIMIT_LOGIN")


def search_limit_value() -> str:
    """Per-user searches, from RATELIMIT_SEARCH."""
    return configured_limit("RATELIMIT_SEARCH")


def profile_limit_value() -> str:
    """Per-user profile views, from RATELIMIT_PROFILE_VIEWS."""
    return configured_limit("RATELIMIT_PROFILE_VIEWS")


def api_limit_value() -> str:
    """API requests per token owner, from RATELIMIT_API."""
    return configured_limit("RATELIMIT_API")


def api_auth_failure_limit_value() -> str:
    """API requests without a working token per address, from RATELIMIT_API_AUTH_FAILURES."""
    return configured_limit("RATELIMIT_API_AUTH_FAILURES")


def record_breach(limit: object) -> None:
    """Audit a harvesting-guard breach (who, which limit), once per refused request."""
    user = request_user()
    audit.record(
        "rate_limited",
        actor=user.id if user is not None else None,
        endpoint=request.endpoint,
        limit=str(getattr(limit, "limit", "")),
    )
    db.session.commit()
    logger.warning("rate limit reached on %s by %s", request.endpoint, user_key())


# The harvesting guards: one budget each per user, shared by every view that spends it.
search_limit = limiter.shared_limit(
    search_limit_value, scope="search", key_func=user_key, on_breach=record_breach
)
profile_view_limit = limiter.shared_limit(
    profile_limit_value, scope="profile-views", key_func=user_key, on_breach=record_breach
)

"""One renderer for every HTTP error: the site's page for browsers, JSON under /api/."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from .extensions import db, limiter
from .redaction import loggable_path

logger = logging.getLogger(__name__)

TITLES = {
    400: _l("Bad request"),
    401: _l("Sign-in needed"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("File too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Service unavailable"),
}
MESSAGES = {
    400: _l("The request could not be understood. Go back, reload the page and try again."),
    401: _l("Please sign in to continue."),
    403: _l("You do not have access to this page."),
    404: _l("There is nothing at this address. It may have been removed, or never existed."),
    405: _l("This page cannot be used that way."),
    413: _l("What you sent is too large. Files may be at most 8 MB."),
    429: _l("You have made too many requests. Please wait and try again."),
    500: _l("An error on our side stopped this page. It has been logged; please try again."),
    503: _l("The directory is not available right now. Please try again in a few minutes."),
}
CSRF_MESSAGE = _l(
    "This form has expired or was not sent from this site. Go back, reload the page and try again."
)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _retry_after(error: HTTPException) -> int | None:
    if not isinstance(error, RateLimitExceeded):
        return None
    current = limiter.current_limit
    if current is None:
        return None
    return max(1, int(current.reset_at - time.time()))


def render_error(error: HTTPException) -> Response:
    """Render any HTTP error in the site's look, or as JSON for the API."""
    code = error.code or 500
    message = CSRF_MESSAGE if isinstance(error, CSRFError) else MESSAGES.get(code, error.name)
    # A view that aborts with its own (translated) description says what was wrong.
    own = error.description
    if (
        own
        and own != type(error).description
        and not isinstance(error, CSRFError | RateLimitExceeded)
    ):
        message = own
    retry_after = _retry_after(error)
    response: Response
    if _wants_json():
        body = {"error": {"code": error.name.lower().replace(" ", "_"), "message": str(message)}}
        response = jsonify(body)
    else:
        html = render_template(
            "errors/error.html",
            code=code,
            title=TITLES.get(code, error.name),
            message=message,
            retry_after=retry_after,
            # The language switch leads home: an error page must not echo its address (a
            # hidden profile's 404 is byte for byte the 404 of an id that never existed).
            language_next="/",
        )
        response = Response(html, mimetype="text/html")
    response.status_code = code
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    challenges = getattr(error, "www_authenticate", None)  # Unauthorized's only
    if code == 401 and challenges:
        response.headers["WWW-Authenticate"] = ", ".join(str(w) for w in challenges)
    if code == 405 and error.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def handle_unexpected(error: Exception) -> Response:
    """Roll back, log the traceback server-side, and show a plain 500."""
    from .database import rollback_or_discard

    rollback_or_discard(db.session)  # a dead connection: discarded, the page still answers
    logger.exception("unhandled error on %s %s", request.method, loggable_path(request.path))
    return render_error(InternalServerError())


def handle_internal(error: InternalServerError) -> Response:
    """A 500 made by Flask itself from an error outside the view (an after_request hook, an
    error handler): a database that stopped answering there is still a 503."""
    from .database import handle_unavailable, is_unavailable

    original = getattr(error, "original_exception", None)
    if isinstance(original, Exception) and is_unavailable(original):
        return handle_unavailable(original)
    return render_error(error)


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SafetyNet:
    """The outermost WSGI layer: whatever escapes Flask (a teardown, a failing error page) is
    answered with the site's own error page and every security header, never gunicorn's bare
    500 and its traceback: 503 with Retry-After when the database stopped answering, 500
    otherwise."""

    def __init__(self, app: Flask, inner: WsgiApp) -> None:
        self.app = app
        self.inner = inner

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started: list[bool] = []

        def noted(*args: Any) -> Any:
            started.append(True)
            return start_response(*args)

        try:
            return self.inner(environ, noted)
        except Exception as exc:
            return self.answer(environ, start_response, exc, replacing=bool(started))

    def answer(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        exc: Exception,
        *,
        replacing: bool,
    ) -> Any:
        from .database import RETRY_AFTER_SECONDS, DatabaseUnavailable, _reason, is_unavailable
        from .extensions import login_manager
        from .headers import STATIC_HEADERS, set_security_headers

        unavailable = is_unavailable(exc)
        where = f"{environ.get('REQUEST_METHOD')} {loggable_path(environ.get('PATH_INFO', ''))}"
        if unavailable:
            logger.warning("database unavailable on %s (%s)", where, _reason(exc))
        else:
            logger.error("unhandled error outside the view on %s", where, exc_info=exc)
        error = DatabaseUnavailable() if unavailable else InternalServerError()
        try:
            with self.app.request_context(environ):
                g._login_user = login_manager.anonymous_user()  # the page needs no database
                response = render_error(error)
                if unavailable:
                    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
                response = set_security_headers(response)
        except Exception:
            logger.exception("the error page failed on %s", where)
            response = Response(str(MESSAGES[error.code]), error.code, mimetype="text/plain")
            response.headers.update(STATIC_HEADERS)
            response.headers["Cache-Control"] = "no-store"
            if unavailable:
                response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        if not replacing:
            return response(environ, start_response)
        exc_info = (type(exc), exc, exc.__traceback__)

        def restart(status: str, headers: list[Any], _exc_info: Any = None) -> Any:
            # The failed answer had called start_response already: replace it, as WSGI
            # allows until the headers are sent (gunicorn re-raises when they were, which
            # nothing could mend).
            return start_response(status, headers, exc_info)

        return response(environ, restart)


def init_app(app: Flask) -> None:
    """Register the handlers, and the safety net around the whole app."""
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(InternalServerError, handle_internal)
    app.register_error_handler(Exception, handle_unexpected)
    app.wsgi_app = SafetyNet(app, app.wsgi_app)  # type: ignore[method-assign]

"""ngowg-directory: the NGO Working Group on Women, Peace and Security's directory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import PROJECT_ROOT, Config, config_from_env

logger = logging.getLogger(__name__)


def create_app(config: Config | str | None = None, **overrides: Any) -> Flask:
    """Build the app: `config` is a Config object or an environment name; overrides win."""
    if config is None or isinstance(config, str):
        config = config_from_env(config)
    for key, value in overrides.items():
        setattr(config, key, value)
    config.finalise()

    app = Flask(
        __name__,
        instance_path=config.INSTANCE_PATH,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(config.as_dict())
    from . import files

    files.private_dir(app.instance_path)  # keys, the SQLite file, the outbox, imports
    from . import converters, rawinput

    # Before any route is added: both set URL converters (segments, bounded ids).
    rawinput.init_app(app)
    converters.init_app(app)
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1, x_host=1
        )

    configure_logging(app)
    register_extensions(app)
    register_search_listeners(app)
    register_blueprints(app)
    register_log_redaction(app)
    register_assets(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def configure_logging(app: Flask) -> None:
    """Log to stderr with the module name; the app never logs secrets or contact details, and
    every line goes through the same redaction as gunicorn's logs (no query string, no secret
    path segment, no API token: redaction.redact_text)."""
    if not logging.getLogger().handlers:
        from . import database, redaction

        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        for handler in logging.getLogger().handlers:
            handler.addFilter(database.QUIET_LOST_CONNECTIONS)  # before the redaction
        redaction.redact_handlers(logging.getLogger())


def register_extensions(app: Flask) -> None:
    """Bind the extensions and the database helpers."""
    from . import crypto, database
    from .extensions import babel, csrf, db, limiter, login_manager, migrate

    crypto.init_app(app)
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    from .ratelimits import add_limit_headers

    app.after_request(add_limit_headers)
    from .i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    from . import sessions

    sessions.init_login_manager(login_manager)


def register_search_listeners(app: Flask) -> None:
    """Keep the search index in step with every write through the ORM (search/index.py)."""
    from . import search

    search.register_listeners()


def register_blueprints(app: Flask) -> None:
    """One blueprint per area."""
    from .account import bp as account_bp
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .briefings import bp as briefings_bp
    from .connections import bp as connections_bp
    from .council import bp as council_bp
    from .directory import bp as directory_bp
    from .main import bp as main_bp
    from .orgs import bp as orgs_bp
    from .people import bp as people_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(connections_bp)
    app.register_blueprint(briefings_bp)
    app.register_blueprint(council_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(orgs_bp, url_prefix="/orgs")
    app.register_blueprint(people_bp, url_prefix="/people")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def register_log_redaction(app: Flask) -> None:
    """Every rule with a secret in its path is redacted in this process's logs (the access
    log of gunicorn's workers included), derived from the URL map."""
    from . import redaction

    redaction.install(app.url_map.iter_rules())


def register_assets(app: Flask) -> None:
    """Static files under hashed names (WhiteNoise), compressed HTML (before the headers hook)."""
    from . import assets

    assets.init_app(app)


def register_request_hooks(app: Flask) -> None:
    """Session lifetime, the sign-in requirement, and the security headers."""
    from . import headers, sessions

    sessions.init_app(app)
    headers.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    """One renderer for every HTTP error, HTML or JSON."""
    from . import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    """The command-line interface of CONTRACT.md."""
    from . import cli

    cli.init_app(app)


def register_template_helpers(app: Flask) -> None:
    """Template globals: language, direction, navigation."""
    from . import i18n, templating

    i18n.init_app(app)
    templating.init_app(app)

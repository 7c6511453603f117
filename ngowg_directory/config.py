"""Configuration classes, read from the environment (see CONTRACT.md)."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"
MIN_SECRET_KEY_LENGTH = 32
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

logger = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """The configuration cannot serve safely; the message says what to set."""


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc


def _env_int_from(name: str, default: int, low: int, high: int | None = None) -> int:
    """A whole number within bounds, else a ConfigError that names the setting."""
    value = _env_int(name, default)
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise ConfigError(f"{name} must be a whole number {bounds}, not {value}")
    return value


def _env_list(name: str, default: str) -> list[str]:
    value = os.environ.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


def default_base_url() -> str:
    """Where the served app answers when BASE_URL is not set: the address gunicorn binds
    (GUNICORN_BIND, else 127.0.0.1:PORT, as gunicorn.conf.py does), so that the links in
    e-mails of `PORT=8080 make run` lead to port 8080. A wildcard address (0.0.0.0, ::) is
    reached as 127.0.0.1; a Unix socket has no URL, so 127.0.0.1:PORT stands for it."""
    port = os.environ.get("PORT", "").strip() or "8000"
    if not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"PORT must be a port number from 1 to 65535, not {port!r}")
    host = "127.0.0.1"
    bind = os.environ.get("GUNICORN_BIND", "").strip().split()[:1]
    if bind and not bind[0].startswith(("unix:", "fd://")):
        address, _sep, bound = bind[0].rpartition(":")
        if bound.isascii() and bound.isdigit():
            port = bound
            address = address.strip("[]")
            if address and not _is_wildcard(address):
                host = f"[{address}]" if ":" in address else address
    return f"http://{host}:{int(port)}"


def _is_wildcard(address: str) -> bool:
    """Whether a bind address means every interface (0.0.0.0, ::): reached as 127.0.0.1."""
    try:
        return ipaddress.ip_address(address).is_unspecified
    except ValueError:  # a host name
        return False


def instance_file_secret(instance_path: str | Path, name: str, factory: Any) -> str:
    """Read a secret from the instance folder, creating it (mode 0600) on first use."""
    from . import files

    path = Path(instance_path) / name
    if path.exists():
        files.tighten(path, files.PRIVATE_FILE)
        return path.read_text().strip()
    files.private_dir(path.parent)
    value = factory()
    with files.open_private(path, "w", exclusive=True) as handle:
        handle.write(value + "\n")
    return value


def normalise_database_url(url: str) -> str:
    """PostgreSQL URLs use psycopg 3, whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def server_workers(env_name: str, storage_uri: str, workers: int) -> int:
    """How many worker processes may serve: limits kept in memory:// are counted by each
    process apart (two workers would allow every limit twice), so with memory:// one process
    serves, and production refuses more than one (ConfigError) instead of quietly serving less."""
    if not storage_uri.startswith("memory://") or workers <= 1:
        return workers
    if env_name == "production":
        raise ConfigError(
            f"RATELIMIT_STORAGE_URI is memory:// but {workers} workers would serve "
            "(WEB_CONCURRENCY or gunicorn -w): each would keep its own rate limits, and every "
            "limit would be multiplied. Set "
            "RATELIMIT_STORAGE_URI=redis://host:6379/0 (shared by every worker), or "
            "WEB_CONCURRENCY=1."
        )
    return 1


class Config:
    """Settings shared by every environment; each class below adjusts a few."""

    ENV_NAME = "development"
    TESTING = False
    DEBUG = False

    def __init__(self) -> None:
        self.INSTANCE_PATH = os.environ.get("NGOWG_INSTANCE_PATH", str(DEFAULT_INSTANCE))
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or None
        self.FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY") or None
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{Path(self.INSTANCE_PATH) / 'ngowg.db'}"
        )
        # Database pool, per process (PostgreSQL; SQLite needs none). A sync gunicorn worker
        # serves one request at a time on one connection: 2 kept open and 2 more at a peak
        # (a CLI command or backup next to a request) make at most 4 per worker, so 2 workers
        # on each of 10 machines stay within PostgreSQL's default 100 connections. A request
        # waits at most 10 s for a free connection and 5 s to connect, then answers 503: both
        # well under gunicorn's 30 s worker timeout, so a sick database never gets workers
        # killed. Connections are tested before each use (pool_pre_ping), which drops the ones
        # a database restart killed, and replaced after 30 minutes (idle-killing firewalls).
        self.DATABASE_POOL_SIZE = _env_int("DATABASE_POOL_SIZE", 2)
        self.DATABASE_MAX_OVERFLOW = _env_int("DATABASE_MAX_OVERFLOW", 2)
        self.DATABASE_POOL_TIMEOUT = _env_int("DATABASE_POOL_TIMEOUT", 10)
        self.DATABASE_CONNECT_TIMEOUT = _env_int("DATABASE_CONNECT_TIMEOUT", 5)
        self.DATABASE_POOL_RECYCLE = _env_int("DATABASE_POOL_RECYCLE", 1800)
        # The longest a PostgreSQL statement of the served app may run (its statement_timeout;
        # 0: none); a request whose database calls wait 1 s longer than this (the server hung,
        # not refusing) has its process's connections cut by the watchdog and answers 503
        # (database.py). The `ngowg` command line runs without it (migrations, backups).
        self.DATABASE_STATEMENT_TIMEOUT = _env_int_from("DATABASE_STATEMENT_TIMEOUT", 5, 0, 25)
        self.SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        # A Redis that hangs (not only one that is down) costs a request half a second at
        # most, then limits fall back to per-process memory (RATELIMIT_IN_MEMORY_FALLBACK_...
        # below); without timeouts redis-py would wait forever and gunicorn kill the worker.
        self.RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        self.RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute")
        self.RATELIMIT_SEARCH = os.environ.get("RATELIMIT_SEARCH", "300 per hour")
        self.RATELIMIT_PROFILE_VIEWS = os.environ.get("RATELIMIT_PROFILE_VIEWS", "600 per hour")
        # API requests per token owner, over every endpoint; and requests without a working
        # token (none, mistyped, expired, revoked) per address, counted apart from those.
        self.RATELIMIT_API = os.environ.get("RATELIMIT_API", "1000 per hour")
        self.RATELIMIT_API_AUTH_FAILURES = os.environ.get(
            "RATELIMIT_API_AUTH_FAILURES", "20 per minute"
        )
        # While Redis is away each process counts limits in its own memory: every limit is then
        # divided by the number of processes that serve in all (every worker of every server),
        # so that together they allow no more than the limit (ratelimits.py).
        self.RATELIMIT_FALLBACK_PROCESSES = _env_int_from(
            "RATELIMIT_FALLBACK_PROCESSES", _env_int("WEB_CONCURRENCY", 2), 1
        )
        # Rendered search result sections, per process, by what they show
        # (directory/section_cache.py).
        self.SEARCH_CACHE_SECONDS = _env_int("SEARCH_CACHE_SECONDS", 600)
        self.WEB_CONCURRENCY = _env_int("WEB_CONCURRENCY", 2)
        # The start of every link in an e-mail; set it to the public address in production.
        self.BASE_URL = (os.environ.get("BASE_URL", "").strip() or default_base_url()).rstrip("/")
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
        self.MAIL_PORT = _env_int("MAIL_PORT", 25)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
        self.MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
        self.MAIL_DEFAULT_SENDER = os.environ.get(
            "MAIL_DEFAULT_SENDER", "NGO Working Group directory <directory@localhost>"
        )
        # Where a person whose account is suspended is told to write (the sign-in page).
        self.SECRETARIAT_EMAIL = os.environ.get("SECRETARIAT_EMAIL", "").strip() or None
        self.TWO_FACTOR_REQUIRED_ROLES = _env_list("TWO_FACTOR_REQUIRED_ROLES", "admin,manager")
        self.INVITATION_MAX_AGE_HOURS = _env_int("INVITATION_MAX_AGE_HOURS", 72)
        self.PROXY_FIX_X_FOR = _env_int("PROXY_FIX_X_FOR", 0)
        self.BACKUP_ENCRYPTION_KEY = os.environ.get("BACKUP_ENCRYPTION_KEY") or None
        self.BACKUP_RETENTION_DAYS = _env_int("BACKUP_RETENTION_DAYS", 30)
        self.VERIFIED_EMAIL_DOMAINS = _env_list(
            "VERIFIED_EMAIL_DOMAINS", "un.org,unwomen.org,undp.org,unfpa.org,ohchr.org,unhcr.org"
        )
        self.ADMIN_FRESH_SECONDS = _env_int("ADMIN_FRESH_SECONDS", 600)
        # Contact requests: days before an unanswered one expires (ten years at most: more is
        # a typo, not a policy), and how many new ones a person may send a day.
        self.CONNECTION_REQUEST_DAYS = _env_int_from("CONNECTION_REQUEST_DAYS", 30, 1, 3650)
        self.CONNECTION_REQUESTS_PER_DAY = _env_int_from("CONNECTION_REQUESTS_PER_DAY", 20, 1)

    # Sessions: signed cookie, renewed at sign-in, ended by a per-user version.
    SESSION_COOKIE_NAME = "ngowg_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_IDLE_SECONDS = 30 * 60
    SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    PASSWORD_RESET_MAX_AGE = 60 * 60
    PROFILE_STALE_DAYS = 365
    LOGO_MAX_BYTES = 512 * 1024
    TWO_FACTOR_PENDING_SECONDS = 5 * 60
    LOCKOUT_THRESHOLD = 5
    LOCKOUT_WINDOW_SECONDS = 15 * 60
    LOCKOUT_SECONDS = 15 * 60
    ARGON2_PROFILE = "RFC_9106_LOW_MEMORY"

    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = 4 * 60 * 60
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # Flask-Limiter's X-RateLimit-* headers cost one more Redis round trip a request (the
    # window's state): ratelimits.add_limit_headers sends them only where someone reads them
    # (the API and the sign-in form). Refusals carry Retry-After everywhere (errors.py).
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_KEY_PREFIX = "ngowg"
    HSTS = False
    BABEL_DEFAULT_LOCALE = "en"
    # WTForms' own messages (This field is required.) in the page's language.
    WTF_I18N_ENABLED = True

    def finalise(self) -> None:
        """Fill generated secrets and check the settings; raise ConfigError when unsafe."""
        self.finalise_database()
        if not self.SECRET_KEY:
            self.SECRET_KEY = instance_file_secret(
                self.INSTANCE_PATH, "secret_key", lambda: secrets.token_urlsafe(48)
            )
        if not self.FIELD_ENCRYPTION_KEY:
            from cryptography.fernet import Fernet

            self.FIELD_ENCRYPTION_KEY = instance_file_secret(
                self.INSTANCE_PATH, "field_key", lambda: Fernet.generate_key().decode()
            )

    def finalise_database(self) -> None:
        """psycopg 3 for PostgreSQL, and engine options that suit the database (pool above)."""
        from .database import engine_options

        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(self.SQLALCHEMY_DATABASE_URI)
        self.SQLALCHEMY_ENGINE_OPTIONS = {
            **engine_options(
                self.SQLALCHEMY_DATABASE_URI,
                pool_size=self.DATABASE_POOL_SIZE,
                max_overflow=self.DATABASE_MAX_OVERFLOW,
                pool_timeout=self.DATABASE_POOL_TIMEOUT,
                pool_recycle=self.DATABASE_POOL_RECYCLE,
                connect_timeout=self.DATABASE_CONNECT_TIMEOUT,
                statement_timeout=self.DATABASE_STATEMENT_TIMEOUT,
            ),
            **self.SQLALCHEMY_ENGINE_OPTIONS,
        }

    def as_dict(self) -> dict[str, Any]:
        """Every upper-case setting, class and instance attributes alike."""
        names = {name for name in dir(self) if name.isupper()}
        return {name: getattr(self, name) for name in names}


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    ARGON2_PROFILE = "CHEAPEST"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-ngowg_session"
    HSTS = True

    def finalise(self) -> None:
        self.finalise_database()
        if not self.SECRET_KEY or len(self.SECRET_KEY) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                f"SECRET_KEY must be set to at least {MIN_SECRET_KEY_LENGTH} random characters "
                "in production (python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if not self.FIELD_ENCRYPTION_KEY:
            raise ConfigError(
                "FIELD_ENCRYPTION_KEY must be set in production "
                "(python3 -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')"
            )
        server_workers(self.ENV_NAME, self.RATELIMIT_STORAGE_URI, self.WEB_CONCURRENCY)
        if urlsplit(self.BASE_URL).hostname in LOOPBACK_HOSTS:
            logger.warning(
                "BASE_URL is %s: the links in e-mails lead nowhere for anyone but this machine "
                "(set BASE_URL to the directory's public address, https://...)",
                self.BASE_URL,
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env(name: str | None = None) -> Config:
    """The config object for NGOWG_ENV (or `name`), checked and with its secrets filled."""
    name = name or os.environ.get("NGOWG_ENV", "development")
    if name not in CONFIGS:
        raise ConfigError(f"NGOWG_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    config = CONFIGS[name]()
    return config

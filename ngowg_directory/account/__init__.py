"""A person's own account: security now; profile and privacy settings later."""

from flask import Blueprint

bp = Blueprint("account", __name__)

from . import council_views, profile_views, token_views, views  # noqa: E402,F401

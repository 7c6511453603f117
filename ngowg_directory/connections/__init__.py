"""Contact requests and connections."""

from flask import Blueprint

bp = Blueprint("connections", __name__)

from . import views  # noqa: E402,F401

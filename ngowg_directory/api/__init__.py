"""The read-only JSON API, /api/v1: a personal access token acts as its owner."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import council, views  # noqa: E402,F401

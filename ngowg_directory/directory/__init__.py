"""The directory: people and organisations search."""

from flask import Blueprint

bp = Blueprint("directory", __name__)

from . import views  # noqa: E402,F401

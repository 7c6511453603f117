"""The Council's month, its situations and the calendar feed: /council, /council.ics."""

from flask import Blueprint

bp = Blueprint("council", __name__)

from . import views  # noqa: E402,F401

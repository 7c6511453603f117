"""The secretariat's pages."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import audit_views, import_views, org_views, people_views, views  # noqa: E402,F401

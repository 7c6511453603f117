"""The secretariat's pages."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import (  # noqa: E402,F401
    audit_views,
    council_views,
    import_views,
    org_views,
    people_views,
    recommendation_views,
    views,
)

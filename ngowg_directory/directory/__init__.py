"""The directory: people and organisations search."""

from flask import Blueprint

from .facet_options import facet_options

bp = Blueprint("directory", __name__)
bp.add_app_template_global(facet_options)

from . import views  # noqa: E402,F401

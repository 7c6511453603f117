"""Briefers: availability (/account/briefing), requests and invitations (/briefings), the
record of each briefing, and the secretariat's report of them (/admin/briefings.csv)."""

from flask import Blueprint

bp = Blueprint("briefings", __name__)

from . import record_views, views  # noqa: E402,F401


@bp.context_processor
def briefing_labels() -> dict[str, object]:
    """The names of states and modes, for the briefers' templates."""
    from ..labels import (
        BRIEFING_MODE_LABELS,
        INVITATION_STATE_LABELS,
        REQUEST_STATE_LABELS,
        RISK_ITEM_LABELS,
    )

    return {
        "invitation_states": INVITATION_STATE_LABELS,
        "request_states": REQUEST_STATE_LABELS,
        "mode_labels": BRIEFING_MODE_LABELS,
        "risk_labels": RISK_ITEM_LABELS,
    }

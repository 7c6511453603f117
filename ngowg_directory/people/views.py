"""A person's profile, showing only what the viewer may see."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from .. import privacy
from ..extensions import db
from ..forms import RequestForm
from ..labels import BRIEFING_MODE_LABELS
from ..privacy.briefings import availability_of
from ..ratelimits import profile_view_limit
from ..services import connections
from . import bp


@bp.get("/<int:person_id>")
@profile_view_limit
def show(person_id: int) -> str:
    """The profile; hidden, unconsented and deleted people look exactly like missing ids."""
    person = privacy.person_or_404(current_user, person_id)
    # The newest request between the two also says whether they are connected: one query.
    request = None if person.id == current_user.id else connections.between(current_user, person)
    seen = connections.view_for(current_user, request, people=False) if request else None
    view = privacy.view_of(current_user, person, connected=seen is not None and seen.connected)
    if view is None:
        abort(404)
    if privacy.record_reveal(current_user, view):
        db.session.commit()
    return render_template(
        "people/profile.html",
        view=view,
        request=seen,
        # Her availability to brief: for the secretariat and verified policy-makers only.
        availability=availability_of(current_user, person),
        mode_names=BRIEFING_MODE_LABELS,
        form=RequestForm(),
        # Asking needs the asker to be seen (services/connections.ask): the menu's state says
        # whether she is listed, in the statement the menu runs anyway.
        asker_unlisted=connections.ASKER_UNLISTED,
    )

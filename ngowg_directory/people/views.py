"""A person's profile, showing only what the viewer may see."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from .. import privacy
from ..extensions import db
from ..models import User
from ..ratelimits import profile_view_limit
from . import bp


@bp.get("/<int:person_id>")
@profile_view_limit
def show(person_id: int) -> str:
    """The profile; hidden, unconsented and deleted people look exactly like missing ids."""
    person = db.session.get(User, person_id, options=User.with_tags())
    view = privacy.view_of(current_user, person) if person is not None else None
    if view is None:
        abort(404)
    if privacy.record_reveal(current_user, view):
        db.session.commit()
    return render_template("people/profile.html", view=view)

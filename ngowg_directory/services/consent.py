"""The consent step: what each audience will see of her once listed, and "not now".

Nobody is listed until she agrees herself (privacy.is_listed). Before she does, the step shows
her profile as a member, a policy-maker and a connection will see it, each built by
privacy.view_of for a stand-in viewer of that kind; nothing is written to build it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import session
from flask_babel import lazy_gettext as _l
from flask_login import user_logged_in

from .. import privacy
from ..extensions import db
from ..models import CONTACT_FIELDS, Profile, User
from ..models._types import utcnow

AGREED, STEP, LATER = "agreed", "step", "later"
# (key, heading, who that is, stand-in viewer's role, connected)
AUDIENCES = (
    (
        "members",
        _l("As a member sees you"),
        _l(
            "Every signed-in member of the directory: organisation staff, defenders, policy-makers."
        ),
        "staff",
        False,
    ),
    (
        "policy_makers",
        _l("As a policy-maker sees you"),
        _l("Policy-makers, the secretariat and your organisation's managers."),
        "policy_maker",
        False,
    ),
    (
        "connections",
        _l("As a connection sees you"),
        _l(
            "Someone whose contact request you accepted. A connection who is a policy-maker "
            "also sees what policy-makers see."
        ),
        "staff",
        True,
    ),
)
_MEMO_KEY = "consent_state"
_MEMO_SECONDS = 300


@dataclass
class AudiencePreview:
    """One audience's view of her, and the contact details she gave that it will not see."""

    key: str
    heading: Any
    who: Any
    view: privacy.PersonView
    withheld: list[str]


class _AsListed:
    """Her account or profile as it will be once she agrees: her own values, listed.

    A read-only stand-in: attributes come from the real object unless overridden here, and
    nothing is set on the real object, so the session has nothing to write."""

    def __init__(self, target: Any, **overrides: Any) -> None:
        self._target = target
        self._overrides = overrides

    def __getattr__(self, name: str) -> Any:
        if name in self._overrides:
            return self._overrides[name]
        return getattr(self._target, name)


def _stand_in_viewer(role: str) -> User:
    # Transient, never added to the session; id 0 is nobody's, so she is not "herself" to it.
    return User(id=0, role=role, email="", name="", status="active")


def preview(user: User) -> list[AudiencePreview]:
    """What each audience will see of her once she agrees (and while she is not hidden)."""
    listed = _AsListed(
        user,
        status="active",
        profile=_AsListed(user.profile, hidden=False, consent_at=utcnow()),
    )
    own = privacy.view_of(user, user, connected=False)
    given = [name for name in CONTACT_FIELDS if own is not None and name in own.contact]
    previews = []
    for key, heading, who, role, connected in AUDIENCES:
        view = privacy.view_of(_stand_in_viewer(role), listed, connected=connected)  # type: ignore[arg-type]
        if view is None:  # cannot happen for a listed person; never show her own view instead
            continue
        withheld = [name for name in given if name not in view.contact]
        previews.append(AudiencePreview(key, heading, who, view, withheld))
    return previews


def state(user: User) -> str:
    """AGREED, LATER (she chose "not now" or withdrew) or STEP (sign-in leads her to it)."""
    row = db.session.execute(
        sa.select(Profile.consent_at, Profile.consent_deferred_at).where(Profile.user_id == user.id)
    ).first()
    if row is None or row.consent_at is not None:
        return AGREED
    return LATER if row.consent_deferred_at is not None else STEP


def _state_of_loaded(user: User) -> str | None:
    """state(user) from her profile when it is already loaded (no query), else None."""
    if "profile" not in sa.inspect(user).dict or user.profile is None:
        return None
    if user.profile.consent_at is not None:
        return AGREED
    return LATER if user.profile.consent_deferred_at is not None else STEP


def _remember(user: User, value: str) -> str:
    session[_MEMO_KEY] = [user.id, value, int(time.time())]
    return value


@user_logged_in.connect
def _remember_at_sign_in(sender: Any, user: User, **extra: Any) -> None:
    """Every sign-in starts a new session: note her choice from the profile sign-in loaded."""
    user = getattr(user, "_get_current_object", lambda: user)()
    value = _state_of_loaded(user)
    if value is not None:
        _remember(user, value)


def remembered_state(user: User) -> str:
    """state(user), read at most every five minutes per session.

    Only for the notice on every page and the sign-in step, which must not cost a query on
    each page; who is listed is never decided from it."""
    memo = session.get(_MEMO_KEY)
    now = int(time.time())
    if (
        isinstance(memo, list)
        and len(memo) == 3
        and memo[0] == user.id
        and 0 <= now - memo[2] < _MEMO_SECONDS
    ):
        return str(memo[1])
    return _remember(user, state(user))


def forget_state() -> None:
    """After she changes her choice: the next page reads it afresh."""
    session.pop(_MEMO_KEY, None)


def defer(user: User) -> None:
    """She chose "not now": still unlisted, and sign-in stops leading her to the step."""
    if user.profile.consent_at is None and user.profile.consent_deferred_at is None:
        user.profile.consent_deferred_at = utcnow()

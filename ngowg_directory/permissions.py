"""Access decorators and loaders; templates never decide who may do what."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from . import privacy
from .models import Organization

F = TypeVar("F", bound=Callable[..., Any])


def admin_required(view: F) -> F:
    """Only the secretariat; everyone else gets 403."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def is_fresh() -> bool:
    """Whether the signed-in person confirmed her password and code within the last
    ADMIN_FRESH_SECONDS (ten minutes): the secretariat's changes and exports need it."""
    age = time.time() - session.get("auth_at", 0)
    return bool(age <= current_app.config["ADMIN_FRESH_SECONDS"])


def _page_of_the_action() -> str:
    """Where to come back after confirming: the page a GET asked for; for a POST (which
    cannot be replayed, and whose page the browser does not say: pages send no referrer),
    the nearest page at or above the action's path (`/admin/invitations` for its own form,
    `/admin/people/5` for `/admin/people/5/suspend`)."""
    if request.method == "GET":
        return request.full_path
    pages = current_app.url_map.bind_to_environ(request.environ)
    path = request.path
    while path.count("/") > 1:
        try:
            pages.match(path, method="GET")
        except HTTPException:
            path = path.rsplit("/", 1)[0]
        else:
            return path
    return path or "/"


def fresh_admin_required(view: F) -> F:
    """Admin changes and exports: an admin with two-factor sign-in who confirmed it is her
    within ten minutes. Reading the secretariat's pages needs only `admin_required`."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403)
        if not current_user.totp_enabled:
            flash(_("The secretariat's actions need two-factor sign-in. Please set it up."), "info")
            return redirect(url_for("account.two_factor_setup"))
        if not is_fresh():
            if request.method == "POST":
                flash(_("Nothing was changed yet: confirm it is you, then do it again."), "info")
            return redirect(url_for("auth.reauthenticate", next=_page_of_the_action()))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def may_manage(organization: Organization) -> bool:
    """Admins, and managers of this very organisation."""
    if not current_user.is_authenticated:
        return False
    if current_user.is_admin:
        return True
    return current_user.role == "manager" and current_user.organization_id == organization.id


def get_managed_org_or_404(slug: str) -> Organization:
    """The organisation if the current user may manage it; 404 if she may not see it (unknown,
    or archived: privacy.org_or_404), 403 if she may see it but it is not hers."""
    organization = privacy.org_or_404(current_user, slug)
    if not may_manage(organization):
        abort(403)
    return organization

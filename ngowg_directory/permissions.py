"""Access decorators and loaders; templates never decide who may do what."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

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


def fresh_admin_required(view: F) -> F:
    """Admin actions: an admin with two-factor sign-in who signed in within ten minutes."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403)
        if not current_user.totp_enabled:
            flash(_("The secretariat's actions need two-factor sign-in. Please set it up."), "info")
            return redirect(url_for("account.two_factor_setup"))
        age = time.time() - session.get("auth_at", 0)
        if age > current_app.config["ADMIN_FRESH_SECONDS"]:
            # A POST cannot be replayed: come back to the page the action was on.
            target = (
                request.full_path if request.method == "GET" else request.path.rsplit("/", 1)[0]
            )
            return redirect(url_for("auth.reauthenticate", next=target))
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

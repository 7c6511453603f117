"""Values every template gets: language and direction, navigation, labels."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .forms import ROLE_LABELS
from .models._types import utcnow

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
STATUS_LABELS = {"invited": _l("invited"), "active": _l("active"), "suspended": _l("suspended")}
FLASH_LABELS = {"error": _l("Error:"), "success": _l("Done:"), "info": _l("Note:")}


def navigation() -> list[tuple[str, Any, dict[str, str]]]:
    """The main menu for the signed-in user: (endpoint, label, url arguments)."""
    if not has_request_context() or not current_user.is_authenticated:
        return []
    items: list[tuple[str, Any, dict[str, str]]] = [("main.index", _l("Home"), {})]
    if current_user.role == "manager" and current_user.organization is not None:
        items.append(
            ("orgs.people", _l("My organisation"), {"slug": current_user.organization.slug})
        )
    if current_user.is_admin:
        items.append(("admin.index", _l("Secretariat"), {}))
    items.append(("account.security", _l("Sign-in and security"), {}))
    return items


def template_globals() -> dict[str, Any]:
    locale = str(get_locale() or "en")
    return {
        "current_locale": locale,
        "text_direction": "rtl" if locale.split("_")[0] in RTL_LANGUAGES else "ltr",
        "nav_items": navigation(),
        "flash_labels": FLASH_LABELS,
        "role_labels": ROLE_LABELS,
        "status_labels": STATUS_LABELS,
        "now": utcnow(),
    }


def init_app(app: Flask) -> None:
    """Register the context processor."""
    app.context_processor(template_globals)

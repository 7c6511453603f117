"""Values every template gets: language and direction, navigation, labels."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from . import i18n, privacy, reference
from .labels import (
    ORG_KIND_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    audit_action_label,
    meeting_kind_label,
    role_label,
)
from .models._types import utcnow
from .privacy.briefings import may_open_briefings
from .services.briefings import waiting
from .services.connections import MenuState, menu_state

FLASH_LABELS = {"error": _l("Error:"), "success": _l("Done:"), "info": _l("Note:")}


def navigation() -> list[tuple[str, Any, dict[str, str]]]:
    """The main menu for the signed-in user: (endpoint, label, url arguments)."""
    if not has_request_context() or not current_user.is_authenticated:
        return []
    items: list[tuple[str, Any, dict[str, str]]] = [
        ("directory.index", _l("Directory"), {}),
        ("council.this_month", _l("The Council"), {}),
        ("connections.index", _l("Connections"), {}),
    ]
    if may_open_briefings(current_user):
        items.append(("briefings.index", _l("Briefings"), {}))
    if current_user.role == "manager" and privacy.org_visible(
        current_user, current_user.organization
    ):
        items.append(
            ("orgs.people", _l("My organisation"), {"slug": current_user.organization.slug})
        )
    if current_user.is_admin:
        items.append(("admin.index", _l("Secretariat"), {}))
    items.append(("people.show", _l("My profile"), {"person_id": str(current_user.id)}))
    items.append(("account.privacy", _l("Privacy"), {}))
    items.append(("account.security", _l("Sign-in and security"), {}))
    return items


def menu() -> MenuState:
    """The menu's count of waiting requests and her listed or hidden state: one statement,
    run once per request and only by a page that shows the menu (base.html), never by mail."""
    if not has_request_context() or not current_user.is_authenticated:
        return MenuState()
    if "menu_state" not in g:
        g.menu_state = menu_state(current_user)
    state: MenuState = g.menu_state
    return state


def briefings_waiting() -> int:
    """The menu's count of briefing invitations waiting for her answer (defenders only: one
    statement, run once per request by base.html)."""
    if not has_request_context() or not current_user.is_authenticated:
        return 0
    if current_user.role != "defender":
        return 0
    if "briefings_waiting" not in g:
        g.briefings_waiting = waiting(current_user)
    count: int = g.briefings_waiting
    return count


def tag_label(field: str, value: str) -> str:
    """The readable name of one item of a tag list (for messages that list them)."""
    if field == "themes":
        return reference.theme_name(value)
    if field == "situations":
        return reference.situation_name(value)
    if field == "languages":
        return reference.language_name(value)
    if field == "countries":
        return reference.country_name(value)
    return value


def template_globals() -> dict[str, Any]:
    return {
        "nav_items": navigation(),
        "menu": menu,
        "briefings_waiting": briefings_waiting,
        "flash_labels": FLASH_LABELS,
        "role_labels": ROLE_LABELS,
        "status_labels": STATUS_LABELS,
        "org_kind_labels": ORG_KIND_LABELS,
        "now": utcnow(),
        "country_name": reference.country_name,
        "situation_name": reference.situation_name,
        "language_name": reference.language_name,
        "theme_name": reference.theme_name,
        "council_item_name": reference.council_item_name,
        "meeting_kind_label": meeting_kind_label,
        "month_name": i18n.format_month,
        "audit_action_label": audit_action_label,
    }


def init_app(app: Flask) -> None:
    """Register the context processor."""
    app.context_processor(template_globals)
    # Globals (not context) so that macros imported without context can use them.
    app.jinja_env.globals.update(tag_label=tag_label, role_label=role_label)

"""The audit log as the secretariat reads it: names instead of account numbers, readable
actions and details; never a contact value (an event's details never hold one, and the
people it names are named by their display name, not their e-mail address)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit
from ..extensions import db
from ..labels import ROLE_LABELS, audit_action_label
from ..models import AuditEvent, Organization, User

# What an event's target is, for the targets that are neither a person nor an organisation.
TARGET_TYPES = {
    "api_token": _l("Access token"),
    "contact_request": _l("Contact request"),
    "invitation": _l("Invitation"),
}
# Readable names of the details an event may carry; others keep their code.
DETAIL_LABELS = {
    "reason": _l("Reason"),
    "old": _l("Before"),
    "new": _l("After"),
    "role": _l("Role"),
    "organization": _l("Organisation"),
    "fields": _l("Fields"),
    "rows": _l("Rows"),
    "people": _l("People"),
    "format": _l("Format"),
    "via": _l("Through"),
    "mailed": _l("E-mail sent"),
    "count": _l("Number"),
    "filters": _l("Filters"),
    "invitation": _l("Invitation"),
    "notice": _l("To an existing account"),
}
ROLE_DETAILS = ("old", "new", "role")


@dataclass(frozen=True)
class Named:
    """Someone or something an event names: the text to show and, where there is one, the
    secretariat's page of it (endpoint and its arguments)."""

    text: str
    endpoint: str | None = None
    args: tuple[tuple[str, Any], ...] = ()

    @property
    def url_args(self) -> dict[str, Any]:
        return dict(self.args)


class AuditNames:
    """The names of the accounts and organisations a page of events mentions, read in two
    queries; an account deleted since is named as such."""

    def __init__(self, events: Iterable[AuditEvent]) -> None:
        self.events = list(events)
        user_ids: set[int] = set()
        org_ids: set[int] = set()
        for event in self.events:
            if event.actor_id:
                user_ids.add(event.actor_id)
            if event.target_id and event.target_type == "user":
                user_ids.add(event.target_id)
            if event.target_id and event.target_type == "organization":
                org_ids.add(event.target_id)
            organization = (event.details or {}).get("organization")
            if isinstance(organization, int):
                org_ids.add(organization)
        self.users: dict[int, str] = {}
        if user_ids:
            people = db.session.execute(sa.select(User.id, User.name).where(User.id.in_(user_ids)))
            self.users = {user_id: name or "" for user_id, name in people}
        self.orgs: dict[int, tuple[str, str]] = {}
        if org_ids:
            found = db.session.execute(
                sa.select(Organization.id, Organization.name, Organization.slug).where(
                    Organization.id.in_(org_ids)
                )
            )
            self.orgs = {org_id: (name, slug) for org_id, name, slug in found}

    def person(self, user_id: int | None) -> Named | None:
        """An account by its display name (with a link to its page), or None for no one."""
        if not user_id:
            return None
        if user_id not in self.users:
            return Named(_("deleted account (number %(id)s)", id=user_id))
        name = self.users[user_id] or _("account without a name (number %(id)s)", id=user_id)
        return Named(name, "admin.person", (("person_id", user_id),))

    def organization(self, org_id: int) -> Named:
        if org_id not in self.orgs:
            return Named(_("deleted organisation (number %(id)s)", id=org_id))
        name, slug = self.orgs[org_id]
        return Named(name, "orgs.show", (("slug", slug),))

    def actor(self, event: AuditEvent) -> Named | None:
        return self.person(event.actor_id)

    def target(self, event: AuditEvent) -> Named | None:
        if not event.target_id:
            return None
        if event.target_type == "user":
            return self.person(event.target_id)
        if event.target_type == "organization":
            return self.organization(event.target_id)
        kind = TARGET_TYPES.get(event.target_type or "")
        return Named(f"{kind or event.target_type} {event.target_id}")

    def details(self, event: AuditEvent) -> list[tuple[str, str]]:
        """The event's details as (readable name, readable value) pairs."""
        shown = []
        for key, value in sorted((event.details or {}).items()):
            if key == "organization" and isinstance(value, int):
                text = self.organization(value).text
            elif key in ROLE_DETAILS and isinstance(value, str) and value in ROLE_LABELS:
                text = str(ROLE_LABELS[value])
            elif isinstance(value, bool):
                text = _("yes") if value else _("no")
            elif isinstance(value, list):
                text = ", ".join(str(item) for item in value)
            elif isinstance(value, dict):
                text = ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
            else:
                text = str(value)
            label = DETAIL_LABELS.get(key)
            shown.append((str(label) if label is not None else key, text))
        return shown

    @staticmethod
    def action(event: AuditEvent) -> str:
        return audit_action_label(event.action)


def suspension_reason(user: User) -> AuditEvent | None:
    """The event of the account's current suspension (its reason is in the details), for the
    secretariat's page of the account; never shown to the person herself."""
    if user.status != "suspended":
        return None
    return db.session.scalar(audit.about_user("user_suspended", user.id).limit(1))

"""CSV import of organisations and people: a report line per row; a bad row writes nothing."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit
from ..extensions import db
from ..models import ORG_KINDS, ROLES, Organization, User
from ..models._types import utcnow
from ..search.text import normalise
from . import accounts, invitations, orgs, profiles
from .accounts import AccountError
from .profiles import ProfileError

logger = logging.getLogger(__name__)

ORG_COLUMNS = ("name", "slug", "kind", "website", "headquarters_country", "focus")
PEOPLE_COLUMNS = (
    "email",
    "name",
    "role",
    "organization",
    "title",
    "country",
    "city",
    "phone",
    "messaging",
    "situations",
    "themes",
    "languages",
    "bio",
    "consent",
)
MAX_BYTES = 20 * 1024 * 1024
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing was imported."""


@dataclass
class RowResult:
    line: int
    ok: bool
    message: str


@dataclass
class Report:
    rows: list[RowResult] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(1 for row in self.rows if row.ok)

    @property
    def failed(self) -> int:
        return sum(1 for row in self.rows if not row.ok)


def read_csv(data: bytes, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(first line number, row) pairs of a UTF-8 CSV file with the expected header.

    The whole file is read before anything is written, so a file that turns out to be
    unreadable half-way imports nothing."""
    return list(_rows(data, columns))


def _rows(data: bytes, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 20 MB. Split it into smaller files."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _('The file is not UTF-8 text. Save it as "CSV UTF-8" and try again.')
        ) from exc
    if "\x00" in text:
        raise ImportFileError(_("The file is not a CSV text file."))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in columns if name not in header]
    if missing:
        raise ImportFileError(
            _(
                "The first line must name the columns %(expected)s; missing: %(missing)s.",
                expected=",".join(columns),
                missing=", ".join(missing),
            )
        )
    reader.fieldnames = header
    try:
        while True:
            start = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                return
            values = {key: (row.get(key) or "").strip() for key in columns}
            if any(values.values()):
                yield start, values
    except csv.Error as exc:
        raise ImportFileError(_("The file is not valid CSV: %(error)s", error=str(exc))) from exc


FORMULA_START = ("=", "+", "-", "@")


def refuse_formulas(values: dict[str, str], fields: tuple[str, ...]) -> None:
    """A cell a spreadsheet would run (=, +, -, @) has no place in a name or a text."""
    for name in fields:
        if values.get(name, "").startswith(FORMULA_START):
            raise ProfileError(name, _("starts like a spreadsheet formula (=, +, - or @)"))


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _check_org(values: dict[str, str], seen: set[str]) -> dict[str, Any]:
    refuse_formulas(values, ("name", "focus"))
    slug = values["slug"].lower()
    if not values["name"]:
        raise ProfileError("name", _("the name is empty"))
    if not _SLUG.match(slug) or len(slug) > 100:
        raise ProfileError("slug", _("the slug must be lower-case letters, digits and dashes"))
    if slug in seen or orgs.find(slug) is not None:
        raise ProfileError(
            "slug", _("an organisation with the slug %(slug)s already exists", slug=slug)
        )
    kind = values["kind"] or "member"
    if kind not in ORG_KINDS:
        raise ProfileError("kind", _("unknown kind %(kind)s", kind=kind))
    cleaned = orgs.clean(
        {
            "name": values["name"],
            "website": values["website"],
            "headquarters_country": values["headquarters_country"],
        }
    )
    return {**cleaned, "slug": slug, "kind": kind, "focus": values["focus"][:500] or None}


def _run(
    data: bytes,
    columns: tuple[str, ...],
    check: Callable[[dict[str, str], set[str]], dict[str, Any]],
    key: str,
    create: Callable[[dict[str, Any]], object],
    describe: Callable[[dict[str, Any]], str],
    dry_run: bool,
    echo: Callable[[str], object] | None,
) -> Report:
    """Check every row; create the good ones (unless a dry run); report each in plain words."""
    report = Report()
    seen: set[str] = set()
    for line, values in read_csv(data, columns):
        try:
            checked = check(values, seen)
        except ProfileError as exc:
            _note(report, echo, line, False, f"{exc.field}: {exc}")
            continue
        seen.add(checked[key])
        if not dry_run:
            create(checked)
        _note(report, echo, line, True, describe(checked))
    return report


def import_orgs(
    data: bytes,
    *,
    dry_run: bool = False,
    actor: User | None = None,
    echo: Callable[[str], object] | None = None,
) -> Report:
    """Create organisations from CSV rows."""

    def create(checked: dict[str, Any]) -> None:
        organization = Organization(
            **{
                k: checked[k]
                for k in ("name", "slug", "kind", "website", "headquarters_country", "focus")
            }
        )
        db.session.add(organization)
        db.session.flush()
        audit.record("organization_created", actor=actor, target=organization, via="import")
        db.session.commit()

    def describe(checked: dict[str, Any]) -> str:
        return _("organisation %(slug)s", slug=checked["slug"])

    return _run(data, ORG_COLUMNS, _check_org, "slug", create, describe, dry_run, echo)


def close_name(name: str, organization: Organization) -> User | None:
    """A member of the organisation whose name is the same or nearly (typos, accents)."""
    wanted = normalise(name)
    if not wanted:
        return None
    members = db.session.scalars(sa.select(User).where(User.organization_id == organization.id))
    for member in members:
        if SequenceMatcher(None, wanted, normalise(member.name)).ratio() >= 0.9:
            return member
    return None


def _check_person(values: dict[str, str], seen: set[str]) -> dict[str, Any]:
    refuse_formulas(values, ("name", "title", "bio"))
    try:
        email = accounts.normalise_email(values["email"])
    except AccountError as exc:
        raise ProfileError("email", str(exc)) from exc
    if email in seen or accounts.find_by_email(email) is not None:
        raise ProfileError(
            "email", _("a person with the e-mail %(email)s already exists", email=email)
        )
    role = values["role"]
    if role not in ROLES:
        raise ProfileError("role", _("unknown role %(role)s", role=role))
    organization = None
    if values["organization"]:
        organization = orgs.find(values["organization"])
        if organization is None:
            raise ProfileError(
                "organization", _("unknown organisation %(slug)s", slug=values["organization"])
            )
    if role == "manager" and organization is None:
        raise ProfileError("organization", _("a manager must belong to an organisation"))
    if organization is not None:
        twin = close_name(values["name"], organization)
        if twin is not None:
            raise ProfileError(
                "name",
                _(
                    "looks like %(name)s (account %(id)s), already in %(org)s",
                    name=twin.name,
                    id=twin.id,
                    org=organization.name,
                ),
            )
    consent = values["consent"].lower()
    if consent not in ("", "yes", "no"):
        raise ProfileError("consent", _("write yes or no"))
    cleaned = profiles.clean(
        {
            **{
                key: values[key]
                for key in ("name", "title", "country", "bio", "phone", "messaging", "city")
            },
            "email": email,
            "situations": _split(values["situations"]),
            "themes": _split(values["themes"]),
            "languages": _split(values["languages"]),
        }
    )
    return {
        **cleaned,
        "account_email": email,
        "role": role,
        "organization": organization,
        "consent": consent == "yes",
    }


def import_people(
    data: bytes,
    *,
    dry_run: bool = False,
    actor: User | None = None,
    echo: Callable[[str], object] | None = None,
) -> Report:
    """Create invited people with their profiles from CSV rows, and send their invitations."""

    def describe(checked: dict[str, Any]) -> str:
        return _("%(email)s invited", email=checked["account_email"])

    return _run(
        data,
        PEOPLE_COLUMNS,
        _check_person,
        "account_email",
        lambda checked: _create_person(checked, actor),
        describe,
        dry_run,
        echo,
    )


def _create_person(checked: dict[str, Any], actor: User | None) -> None:
    sent = invitations.invite(
        checked["account_email"],
        checked["role"],
        organization=checked["organization"],
        name=checked["name"],
        inviter=actor,
    )
    profile = sent.invitation.user.profile
    for key in ("title", "country", "bio", "email", "phone", "messaging", "city"):
        setattr(profile, key, checked[key])
    profile.set_tags(checked["situations"], checked["themes"], checked["languages"])
    if checked["consent"]:
        profile.consent_at = utcnow()
        audit.record("consent_given", actor=actor, target=sent.invitation.user, via="import")
    db.session.commit()


def _note(
    report: Report, echo: Callable[[str], object] | None, line: int, ok: bool, message: str
) -> None:
    report.rows.append(RowResult(line, ok, message))
    if echo is not None:
        echo(f"line {line}: {'ok' if ok else 'error'}: {message}")

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
        # Judged as it would be stored: "\x01=cmd|..." loses its control character.
        raw = values.get(name, "")
        if profiles.clean_text(raw, len(raw), name).startswith(FORMULA_START):
            raise ProfileError(name, _("starts like a spreadsheet formula (=, +, - or @)"))


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _clean_focus(value: str) -> str | None:
    return profiles.clean_text(value, len(value), "focus")[:500] or None


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
    return {**cleaned, "slug": slug, "kind": kind, "focus": _clean_focus(values["focus"])}


BATCH = 200


def _run(
    data: bytes,
    columns: tuple[str, ...],
    check: Callable[[dict[str, str], set[str]], dict[str, Any]],
    key: str,
    create: Callable[[list[dict[str, Any]]], object],
    describe: Callable[[dict[str, Any]], str],
    dry_run: bool,
    echo: Callable[[str], object] | None,
) -> Report:
    """Check every row; create the good ones (unless a dry run); report each in plain words.

    Good rows are created `BATCH` at a time, in one transaction each; a batch's report lines
    are printed once it is committed, in the file's order."""
    report = Report()
    seen: set[str] = set()
    waiting: list[tuple[int, bool, str]] = []
    batch: list[dict[str, Any]] = []

    def commit_batch() -> None:
        if batch and not dry_run:
            create(batch)
        for line, ok, message in waiting:
            _note(report, echo, line, ok, message)
        batch.clear()
        waiting.clear()

    for line, values in read_csv(data, columns):
        try:
            checked = check(values, seen)
        except ProfileError as exc:
            waiting.append((line, False, f"{exc.field}: {exc}"))
            continue
        seen.add(checked[key])
        batch.append(checked)
        waiting.append((line, True, describe(checked)))
        if len(batch) >= BATCH:
            commit_batch()
    commit_batch()
    return report


def import_orgs(
    data: bytes,
    *,
    dry_run: bool = False,
    actor: User | None = None,
    echo: Callable[[str], object] | None = None,
) -> Report:
    """Create organisations from CSV rows."""

    def create(batch: list[dict[str, Any]]) -> None:
        made = []
        for checked in batch:
            organization = Organization(
                **{
                    k: checked[k]
                    for k in ("name", "slug", "kind", "website", "headquarters_country", "focus")
                }
            )
            db.session.add(organization)
            made.append(organization)
        db.session.flush()
        for organization in made:
            audit.record("organization_created", actor=actor, target=organization, via="import")
        db.session.commit()

    def describe(checked: dict[str, Any]) -> str:
        return _("organisation %(slug)s", slug=checked["slug"])

    return _run(data, ORG_COLUMNS, _check_org, "slug", create, describe, dry_run, echo)


class Directory:
    """What a people import checks against, read once instead of once a row: the addresses in
    use, the organisations by slug, and (per organisation, when first needed) the folded names
    of its members. People created by this import are added as they are made."""

    def __init__(self) -> None:
        self.emails = set(db.session.scalars(sa.select(User.email)))
        self.orgs = {org.slug: org for org in db.session.scalars(sa.select(Organization))}
        self._members: dict[int, list[tuple[str, str, int | User]]] = {}

    def members(self, organization: Organization) -> list[tuple[str, str, int | User]]:
        """(folded name, name, id or not-yet-flushed account) of each member."""
        if organization.id not in self._members:
            rows = db.session.execute(
                sa.select(User.name, User.id).where(User.organization_id == organization.id)
            )
            self._members[organization.id] = [(normalise(n), n, i) for n, i in rows]
        return self._members[organization.id]

    def add(self, user: User) -> None:
        self.emails.add(user.email)
        org = user.organization
        if org is not None and org.id in self._members:  # else read with the others later
            self._members[org.id].append((normalise(user.name), user.name, user))

    def close_name(self, name: str, organization: Organization) -> tuple[str, int] | None:
        """(name, id) of a member whose name is the same or nearly (typos, accents)."""
        wanted = normalise(name)
        if not wanted:
            return None
        for folded, member_name, member in self.members(organization):
            matcher = SequenceMatcher(None, wanted, folded)
            # The cheap upper bounds first: most names are far apart.
            close = (
                matcher.real_quick_ratio() >= 0.9
                and matcher.quick_ratio() >= 0.9
                and matcher.ratio() >= 0.9
            )
            if close:
                if isinstance(member, User):
                    db.session.flush()  # a person of this file: her id, for the message
                    member = member.id
                return member_name, member
        return None


def _check_person(
    values: dict[str, str], seen: set[str], directory: Directory | None = None
) -> dict[str, Any]:
    directory = directory or Directory()
    refuse_formulas(values, ("name", "title", "bio"))
    try:
        email = accounts.normalise_email(values["email"])
    except AccountError as exc:
        raise ProfileError("email", str(exc)) from exc
    if email in seen or email in directory.emails:
        raise ProfileError(
            "email", _("a person with the e-mail %(email)s already exists", email=email)
        )
    role = values["role"]
    if role not in ROLES:
        raise ProfileError("role", _("unknown role %(role)s", role=role))
    organization = None
    if values["organization"]:
        organization = directory.orgs.get(values["organization"])
        if organization is None:
            raise ProfileError(
                "organization", _("unknown organisation %(slug)s", slug=values["organization"])
            )
    if role == "manager" and organization is None:
        raise ProfileError("organization", _("a manager must belong to an organisation"))
    if organization is not None:
        twin = directory.close_name(values["name"], organization)
        if twin is not None:
            raise ProfileError(
                "name",
                _(
                    "looks like %(name)s (account %(id)s), already in %(org)s",
                    name=twin[0],
                    id=twin[1],
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

    directory = Directory()
    return _run(
        data,
        PEOPLE_COLUMNS,
        lambda values, seen: _check_person(values, seen, directory),
        "account_email",
        lambda batch: _create_people(batch, actor, directory),
        describe,
        dry_run,
        echo,
    )


def _create_people(batch: list[dict[str, Any]], actor: User | None, directory: Directory) -> None:
    """Create a batch of invited people with their profiles, flushed and committed together;
    each gets her own invitation e-mail."""
    prepared = []
    for checked in batch:
        item = invitations.prepare(
            checked["account_email"],
            checked["role"],
            organization=checked["organization"],
            name=checked["name"],
            inviter=actor,
        )
        profile = item.user.profile
        for key in ("title", "country", "bio", "email", "phone", "messaging", "city"):
            setattr(profile, key, checked[key])
        # A profile not yet flushed has no rows to load: setting its tags sends no query.
        profile.set_tags(checked["situations"], checked["themes"], checked["languages"])
        if checked["consent"]:
            profile.consent_at = utcnow()
        directory.add(item.user)
        prepared.append(item)
    invitations.send_prepared(prepared, actor)
    for item, checked in zip(prepared, batch, strict=True):
        if checked["consent"]:
            audit.record("consent_given", actor=actor, target=item.user, via="import")
    db.session.commit()


def _note(
    report: Report, echo: Callable[[str], object] | None, line: int, ok: bool, message: str
) -> None:
    report.rows.append(RowResult(line, ok, message))
    if echo is not None:
        echo(f"line {line}: {'ok' if ok else 'error'}: {message}")

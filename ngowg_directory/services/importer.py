"""CSV import of organisations and people: a report line per row; a bad row writes nothing."""

from __future__ import annotations

import csv
import io
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit, i18n, mail
from ..extensions import db
from ..models import ORG_KINDS, ROLES, Organization, User
from ..search.text import normalise
from ..validation import ValidationError, clean_text, starts_like_formula
from . import accounts, invitations, orgs, profiles
from .accounts import AccountError
from .closenames import NameIndex

logger = logging.getLogger(__name__)

ORG_COLUMNS = ("name", "slug", "kind", "website", "headquarters_country", "focus")
# Columns a file may leave out (CONTRACT.md: "and optionally acronym").
ORG_OPTIONAL = ("acronym",)
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
PREVIEW_LINES = 1000
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing was imported."""


@dataclass
class RowResult:
    """One row of the file: its first line, whether it can be imported, what the report says
    of it, every problem found in it (field, message), and the values read from it."""

    line: int
    ok: bool
    message: str
    problems: list[tuple[str, str]] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)


class RowProblems(ValueError):
    """Everything wrong with one row, each problem a ValidationError naming its field."""

    def __init__(self, problems: list[ValidationError]) -> None:
        super().__init__("; ".join(f"{p.field}: {p}" for p in problems))
        self.problems = problems


class Problems:
    """The problems of a row, collected check after check so that all of them are shown."""

    def __init__(self) -> None:
        self.found: list[ValidationError] = []

    def add(self, name: str, message: object) -> None:
        self.found.append(ValidationError(name, message))

    def cleaned(
        self, clean: Callable[[dict[str, Any]], dict[str, Any]], data: dict[str, Any]
    ) -> dict[str, Any] | None:
        """`clean(data)`, collecting each of its errors: a service's clean() stops at the first
        bad field, so that field is emptied (a stand-in for a required name) and it runs again,
        until it passes. None when anything was wrong."""
        data = dict(data)
        failed: set[str] = set()
        while True:
            try:
                result = clean(data)
            except ValidationError as exc:
                self.found.append(exc)
                if exc.field in failed or exc.field not in data:
                    return None
                failed.add(exc.field)
                data[exc.field] = [] if isinstance(data[exc.field], list) else ""
                if exc.field == "name":
                    data["name"] = "-"
                continue
            return None if failed else result

    def passed(self, cleaned: dict[str, Any] | None) -> dict[str, Any]:
        """The row's cleaned values when nothing was found wrong; else RowProblems."""
        if self.found or cleaned is None:
            raise RowProblems(self.found)
        return cleaned


@dataclass
class Report:
    rows: list[RowResult] = field(default_factory=list)
    unsent: int = 0  # rows added whose invitation e-mail could not be sent
    # Seconds spent checking rows, writing them, and sending e-mails (people only).
    seconds: dict[str, float] = field(
        default_factory=lambda: {"checking": 0.0, "writing": 0.0, "e-mails": 0.0}
    )

    def timing(self) -> str:
        """ "checking 1.2 s, writing 1.6 s, e-mails 5.1 s" (phases that took any time)."""
        return ", ".join(
            f"{name} {seconds:.1f} s" for name, seconds in self.seconds.items() if seconds >= 0.05
        )

    def shown(self, limit: int = PREVIEW_LINES) -> list[RowResult]:
        """The rows a preview lists, in the file's order: every refused row (up to `limit`),
        then as many good rows from the start as fit (a page of 40,000 rows helps nobody)."""
        refused = [row for row in self.rows if not row.ok][:limit]
        good = [row for row in self.rows if row.ok][: limit - len(refused)]
        return sorted(refused + good, key=lambda row: row.line)

    @property
    def added(self) -> int:
        return sum(1 for row in self.rows if row.ok)

    @property
    def failed(self) -> int:
        return sum(1 for row in self.rows if not row.ok)


def read_csv(
    data: bytes,
    columns: tuple[str, ...],
    optional: tuple[str, ...] = (),
    max_rows: int | None = None,
) -> list[tuple[int, dict[str, str]]]:
    """(first line number, row) pairs of a UTF-8 CSV file with the expected header; the
    `optional` columns are read too where the header names them; more than `max_rows` rows
    refuse the file.

    The whole file is read before anything is written, so a file that turns out to be
    unreadable half-way imports nothing."""
    rows = []
    for found in _rows(data, columns, optional):
        rows.append(found)
        if max_rows is not None and len(rows) > max_rows:
            raise ImportFileError(
                _(
                    "The file has more than %(count)s rows. Split it into smaller files.",
                    count=f"{max_rows:,}",
                )
            )
    return rows


def _rows(
    data: bytes, columns: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
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
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as exc:
        raise _unreadable(exc, 1) from exc
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
    columns = (*columns, *(name for name in optional if name in header))
    start = reader.line_num + 1
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
        raise _unreadable(exc, start) from exc


def _unreadable(exc: csv.Error, line: int) -> ImportFileError:
    """The csv module's error in the reader's language (its own words are English)."""
    if "field limit" in str(exc):
        return ImportFileError(
            _(
                "Line %(line)s has a cell longer than %(limit)s KB: check the quotes around it.",
                line=line,
                limit=csv.field_size_limit() // 1024,
            )
        )
    return ImportFileError(_("The file is not valid CSV (line %(line)s).", line=line))


def _delimiter(text: str) -> str:
    """A comma, or a semicolon (what French and Spanish spreadsheets write): whichever
    separates more names of the header line."""
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def refuse_formulas(
    values: dict[str, str], fields: tuple[str, ...], problems: Problems | None = None
) -> None:
    """A cell a spreadsheet would run (=, +, -, @) has no place in a name or a text: each such
    cell is added to `problems`, or (without it) the first raises ValidationError."""
    for name in fields:
        # Judged as it would be stored: "\x01=cmd|..." loses its control character.
        raw = values.get(name, "")
        if starts_like_formula(clean_text(raw, len(raw), name)):
            message = _("starts like a spreadsheet formula (=, +, - or @)")
            if problems is None:
                raise ValidationError(name, message)
            problems.add(name, message)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _clean_focus(value: str) -> str | None:
    return clean_text(value, len(value), "focus")[:500] or None


def _also_on(seen: dict[str, int], key: str, line: int) -> int | None:
    """The earlier line of this file with the same key (e-mail, slug), else None; the first
    line of each key is kept, whether or not its row could be imported."""
    first = seen.setdefault(key, line)
    return first if first != line else None


def _check_org(values: dict[str, str], seen: dict[str, int], line: int) -> dict[str, Any]:
    problems = Problems()
    refuse_formulas(values, ("name", "acronym", "focus"), problems)
    slug = values["slug"].lower()
    if not values["name"]:
        problems.add("name", _("the name is empty"))
    if not _SLUG.match(slug) or len(slug) > 100:
        problems.add("slug", _("the slug must be lower-case letters, digits and dashes"))
    elif (earlier := _also_on(seen, slug, line)) is not None:
        problems.add(
            "slug",
            _("the slug %(slug)s is also on line %(line)s of this file", slug=slug, line=earlier),
        )
    elif orgs.find(slug) is not None:
        problems.add("slug", _("an organisation with the slug %(slug)s already exists", slug=slug))
    kind = values["kind"] or "member"
    if kind not in ORG_KINDS:
        problems.add("kind", _("unknown kind %(kind)s", kind=kind))
    cleaned = problems.cleaned(
        orgs.clean,
        {
            "name": values["name"] or "-",  # an empty name is reported above
            "acronym": values.get("acronym", ""),
            "website": values["website"],
            "headquarters_country": values["headquarters_country"],
        },
    )
    try:
        focus = _clean_focus(values["focus"])
    except ValidationError as exc:
        problems.add(exc.field, str(exc))
    cleaned = problems.passed(cleaned)
    return {**cleaned, "slug": slug, "kind": kind, "focus": focus}


BATCH = 200


def _run(
    data: bytes,
    columns: tuple[str, ...],
    check: Callable[[dict[str, str], dict[str, int], int], dict[str, Any]],
    create: Callable[[list[dict[str, Any]]], dict[int, str] | None],
    describe: Callable[[dict[str, Any]], str],
    dry_run: bool,
    echo: Callable[[str], object] | None,
    report: Report | None = None,
    optional: tuple[str, ...] = (),
    max_rows: int | None = None,
) -> Report:
    """Check every row; create the good ones (unless a dry run); report each in plain words.

    Good rows are created `BATCH` at a time, in one transaction each; a batch's report lines
    are printed once it is committed, in the file's order. `create` may return words to add
    to some rows' lines, by their place in the batch (an e-mail that could not be sent)."""
    report = report if report is not None else Report()
    # The first line of each e-mail address or slug in the file (the checks fill it in).
    seen: dict[str, int] = {}
    waiting: list[tuple[int, dict[str, str], list[tuple[str, str]], str, int | None]] = []
    batch: list[dict[str, Any]] = []

    def commit_batch() -> None:
        start = time.perf_counter()
        notes = create(batch) if batch and not dry_run else None
        report.seconds["writing"] += time.perf_counter() - start
        report.unsent += len(notes or ())
        for line, values, problems, message, place in waiting:
            note = notes.get(place) if notes and place is not None else None
            message = f"{message}; {note}" if note else message
            _note(report, echo, RowResult(line, not problems, message, problems, values))
        batch.clear()
        waiting.clear()

    for line, values in read_csv(data, columns, optional, max_rows):
        try:
            start = time.perf_counter()
            checked = check(values, seen, line)
        except (ValidationError, RowProblems) as exc:
            found = exc.problems if isinstance(exc, RowProblems) else [exc]
            problems = [(problem.field, str(problem)) for problem in found]
            waiting.append((line, values, problems, str(RowProblems(found)), None))
            continue
        finally:
            report.seconds["checking"] += time.perf_counter() - start
        waiting.append((line, values, [], describe(checked), len(batch)))
        batch.append(checked)
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
        made: list[Organization] = []
        for checked in batch:
            organization = Organization(
                **{
                    k: checked[k]
                    for k in (
                        "name",
                        "slug",
                        "kind",
                        "acronym",
                        "website",
                        "headquarters_country",
                        "focus",
                    )
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

    return _run(
        data, ORG_COLUMNS, _check_org, create, describe, dry_run, echo, optional=ORG_OPTIONAL
    )


class Directory:
    """What a people import checks against, read once instead of once a row: the addresses in
    use, the organisations by slug, and (per organisation, when first needed) the names of its
    members, indexed for the close-name check. Rows of the file that passed are added as they
    are checked, so that two near-identical names in one file are caught too."""

    def __init__(self) -> None:
        self.emails = set(db.session.scalars(sa.select(User.email)))
        self.orgs = {org.slug: org for org in db.session.scalars(sa.select(Organization))}
        self._members: dict[int, tuple[NameIndex, list[tuple[str, int]]]] = {}

    def members(self, organization: Organization) -> tuple[NameIndex, list[tuple[str, int]]]:
        """An organisation's members' folded names, and (name, account id or, for a row of
        this file, minus its line) of each, in the same order."""
        if organization.id not in self._members:
            rows = db.session.execute(
                sa.select(User.name, User.id)
                .where(User.organization_id == organization.id)
                .order_by(User.id)
            ).all()
            index = NameIndex()
            for name, _id in rows:
                index.add(normalise(name))
            self._members[organization.id] = (index, [(name, user_id) for name, user_id in rows])
        return self._members[organization.id]

    def add_row(self, name: str, organization: Organization | None, line: int) -> None:
        """A row of this file that passed its checks."""
        if organization is not None:
            index, members = self.members(organization)
            index.add(normalise(name))
            members.append((name, -line))  # a negative number: a line of the file, not an id

    def close_name(self, name: str, organization: Organization) -> tuple[str, int] | None:
        """(name, id) of a member whose name is the same or nearly (typos, accents), or
        (name, -line) of such a row earlier in this file (`closenames`: linear in the rows)."""
        index, members = self.members(organization)
        place = index.closest(normalise(name))
        return None if place is None else members[place]


def _check_person(
    values: dict[str, str], seen: dict[str, int], directory: Directory, line: int
) -> dict[str, Any]:
    problems = Problems()
    refuse_formulas(values, ("name", "title", "bio"), problems)
    email = ""
    try:
        email = accounts.normalise_email(values["email"])
    except AccountError as exc:
        problems.add("email", str(exc))
    if email:
        earlier = _also_on(seen, email, line)
        if earlier is not None:
            problems.add(
                "email",
                _(
                    "the e-mail %(email)s is also on line %(line)s of this file",
                    email=email,
                    line=earlier,
                ),
            )
        elif email in directory.emails:
            problems.add(
                "email", _("a person with the e-mail %(email)s already exists", email=email)
            )
    role = values["role"]
    if role not in ROLES:
        problems.add("role", _("unknown role %(role)s", role=role))
    organization = None
    if values["organization"]:
        organization = directory.orgs.get(values["organization"])
        if organization is None:
            problems.add(
                "organization", _("unknown organisation %(slug)s", slug=values["organization"])
            )
    elif role == "manager":
        problems.add("organization", _("a manager must belong to an organisation"))
    if organization is not None and values["name"]:
        twin = directory.close_name(values["name"], organization)
        if twin is not None and twin[1] < 0:
            problems.add(
                "name",
                _(
                    "looks like %(name)s on line %(line)s of this file, also in %(org)s",
                    name=twin[0],
                    line=-twin[1],
                    org=organization.name,
                ),
            )
        elif twin is not None:
            problems.add(
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
        problems.add("consent", _("write yes or no"))
    cleaned = problems.cleaned(
        profiles.clean,
        {
            **{
                key: values[key]
                for key in ("name", "title", "country", "bio", "phone", "messaging", "city")
            },
            "email": "",  # already checked and normalised above
            "situations": _split(values["situations"]),
            "themes": _split(values["themes"]),
            "languages": _split(values["languages"]),
        },
    )
    cleaned = problems.passed(cleaned)
    directory.add_row(cleaned["name"], organization, line)
    spoken = [code for code in cleaned["languages"] if i18n.is_supported(code)]
    return {
        **cleaned,
        "email": email,
        "account_email": email,
        "role": role,
        "organization": organization,
        "consent": consent == "yes",  # her agreement on file: recorded, it lists nobody
        # Her invitation speaks the first of her languages the site speaks, else the
        # inviter's (invitations.invite_many).
        "locale": spoken[0] if spoken else None,
    }


def import_people(
    data: bytes,
    *,
    dry_run: bool = False,
    actor: User | None = None,
    echo: Callable[[str], object] | None = None,
) -> Report:
    """Create invited people with their profiles from CSV rows, and send their invitations
    (a batch's e-mails once its accounts are committed, all over one SMTP connection)."""

    def describe(checked: dict[str, Any]) -> str:
        return _("%(email)s invited", email=checked["account_email"])

    directory = Directory()
    report = Report()
    with mail.Connection() as connection:
        _run(
            data,
            PEOPLE_COLUMNS,
            lambda values, seen, line: _check_person(values, seen, directory, line),
            lambda batch: _create_people(batch, actor, connection, report),
            describe,
            dry_run,
            echo,
            report,
        )
    if report.unsent:
        logger.warning("%s invitation e-mails could not be sent", report.unsent)
    return report


def _create_people(
    batch: list[dict[str, Any]],
    actor: User | None,
    connection: mail.Connection,
    report: Report,
) -> dict[int, str]:
    """Create a batch of invited people with their profiles and commit them together; then
    e-mail each her invitation. Returns a note for each row whose e-mail failed."""
    people = [
        invitations.NewPerson(
            email=checked["account_email"],
            role=checked["role"],
            name=checked["name"],
            organization=checked["organization"],
            profile={
                key: checked[key]
                for key in ("title", "country", "bio", "email", "phone", "messaging", "city")
            },
            situations=checked["situations"],
            themes=checked["themes"],
            languages=checked["languages"],
            consent_on_file=checked["consent"],
            locale=checked["locale"],
        )
        for checked in batch
    ]
    outgoing = invitations.invite_many(people, actor)
    db.session.commit()
    start = time.perf_counter()
    mailed = invitations.mail_many(outgoing, actor, connection)
    db.session.commit()
    spent = time.perf_counter() - start
    report.seconds["e-mails"] += spent
    report.seconds["writing"] -= spent  # counted by the caller as writing
    return {
        place: _("the invitation e-mail could not be sent")
        for place, went in enumerate(mailed)
        if not went
    }


def _note(report: Report, echo: Callable[[str], object] | None, row: RowResult) -> None:
    report.rows.append(row)
    if echo is not None:
        echo(f"line {row.line}: {'ok' if row.ok else 'error'}: {row.message}")

"""Command line: `ngowg COMMAND` or `flask --app ngowg_directory COMMAND` (CONTRACT.md)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from . import files
from .extensions import db
from .i18n import LANGUAGES
from .models import ROLES, Organization
from .services import accounts, invitations, passwords
from .services.accounts import AccountError


def _read_password(confirm: bool = True) -> str:
    """A password from standard input (one line) or an interactive prompt; never an argument."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        # Only the line ending is removed: passwords are never trimmed.
        return line[:-1] if line.endswith("\n") else line
    return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)


def _org_or_fail(slug: str | None) -> Organization | None:
    if not slug:
        return None
    organization = db.session.scalar(sa.select(Organization).where(Organization.slug == slug))
    if organization is None:
        raise click.BadParameter(f"no organisation has the slug {slug!r}", param_hint="--org")
    return organization


def _fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--org", "org_slug", help="slug of the person's organisation")
@click.option("--name", default="", help="display name")
@with_appcontext
def create_user_command(email: str, role: str, org_slug: str | None, name: str) -> None:
    """Create an active account; the password comes from standard input or a prompt."""
    organization = _org_or_fail(org_slug)
    password = _read_password()
    try:
        user = accounts.create_user(
            email, role, name=name, organization=organization, password=password
        )
    except (AccountError, passwords.PasswordRejected) as exc:
        _fail(str(exc))
        return
    db.session.commit()
    click.echo(f"Created {user.email} ({role}), id {user.id}.")


@click.command("set-password")
@click.argument("email")
@with_appcontext
def set_password_command(email: str) -> None:
    """Set a password (from standard input or a prompt); other sessions end."""
    user = accounts.find_by_email(email)
    if user is None:
        _fail(f"No account has the e-mail address {email}.")
        return
    try:
        accounts.set_password(user, _read_password())
    except passwords.PasswordRejected as exc:
        _fail(str(exc))
        return
    if user.status == "invited":
        user.status = "active"
    db.session.commit()
    click.echo(f"Password set for {user.email}.")


@click.command("invite")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--org", "org_slug", help="slug of the person's organisation")
@click.option("--name", default="", help="display name, if known")
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="language of the invitation e-mail and of the page that accepts it",
)
@with_appcontext
def invite_command(email: str, role: str, org_slug: str | None, name: str, language: str) -> None:
    """Invite someone: sends the e-mail and prints the link."""
    organization = _org_or_fail(org_slug)
    try:
        # Whoever runs the command holds the database: she is told plainly, and the pages'
        # notice to the holder (invitation_notices.py) is not sent from here.
        if accounts.find_by_email(accounts.normalise_email(email)) is not None:
            raise AccountError("An account with this e-mail address already exists.")
        sent = invitations.invite(
            email, role, organization=organization, name=name, locale=language
        )
    except AccountError as exc:
        _fail(str(exc))
        return
    db.session.commit()
    if not sent.mailed:
        click.echo("Warning: the e-mail could not be sent; pass the link on another way.", err=True)
    click.echo(f"Invitation for {sent.invitation.user.email} ({role}):")
    click.echo(sent.link)
    click.echo(f"It works once, until {sent.invitation.expires_at:%Y-%m-%d %H:%M} UTC.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="do nothing when the database has any account")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Load demo organisations and fictional people (idempotent) and print the accounts."""
    from . import demo

    # One audit line per person would bury the printed accounts.
    package_logger = logging.getLogger("ngowg_directory")
    level = package_logger.level
    package_logger.setLevel(logging.WARNING)
    try:
        demo.seed(if_empty=if_empty, echo=click.echo)
    finally:
        package_logger.setLevel(level)


def _run_import(kind: str, path: str, dry_run: bool) -> None:
    from .services import importer, programme

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"Cannot read {path}: {exc.strerror}") from exc
    runs = {
        "orgs": importer.import_orgs,
        "people": importer.import_people,
        "programme": programme.import_programme,
    }
    run = runs[kind]
    try:
        report = run(data, dry_run=dry_run, echo=click.echo)
    except importer.ImportFileError as exc:
        _fail(str(exc))
        return
    verb = "would be added" if dry_run else "added"
    click.echo(f"{report.added} {verb}, {report.failed} refused.")
    click.echo(f"Time: {report.timing()}.", err=True)
    if report.unsent:
        click.echo(
            f"{report.unsent} invitation e-mails could not be sent: check MAIL_SERVER, then "
            "resend them from the Invitations page.",
            err=True,
        )
    if report.failed:
        raise SystemExit(1)


def _import_command(kind: str, help: str) -> click.Command:
    """`import-KIND FILE.csv [--dry-run]`: the two imports differ in what they read alone."""

    @click.command(f"import-{kind}", help=help)
    @click.argument("path", metavar="FILE.csv")
    @click.option("--dry-run", is_flag=True, help="check every row, write nothing")
    @with_appcontext
    def command(path: str, dry_run: bool) -> None:
        _run_import(kind, path, dry_run)

    return command


import_orgs_command = _import_command(
    "orgs", "Import organisations: name,slug,kind,website,headquarters_country,focus."
)
import_people_command = _import_command(
    "people", "Import people (CONTRACT.md columns); each gets an invitation."
)
import_programme_command = _import_command(
    "programme",
    "Import the Council's meetings: date,item,kind,title (item: an agenda code such as SD or "
    "a thematic slug such as wps; kind: briefing, consultations, mandate_renewal, open_debate, "
    "arria). Months are made from the dates.",
)


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """E-mail people whose profile was last confirmed over 12 months ago."""
    from .services import reminders

    sent, failed = reminders.send_all(echo=click.echo)
    click.echo(f"{sent} reminders sent, {failed} failed.")
    if failed:
        raise SystemExit(1)


@click.command("send-checkin-reminders")
@with_appcontext
def send_checkin_reminders_command() -> None:
    """Remind the secretariat of the safety check-ins due 7 and 30 days after a briefing
    (each once; the e-mail holds no name and no content, only a link)."""
    from .services import briefing_checkins

    reminded, failed = briefing_checkins.send_checkin_reminders(echo=click.echo)
    click.echo(f"{reminded} check-ins reminded, {failed} e-mails failed.")
    if failed:
        raise SystemExit(1)


@click.command("rotate-field-key")
@with_appcontext
def rotate_field_key_command() -> None:
    """Re-encrypt contact details with the first key of FIELD_ENCRYPTION_KEY.

    Put the new key first and keep the old one after it (comma-separated), run this,
    then remove the old key.
    """
    from .services import keys

    count = keys.rotate_all(db.session)
    click.echo(f"{count} encrypted values re-encrypted with the primary key.")


@click.command("generate-data")
@click.option("--people", "count", type=click.IntRange(1, 2_000_000), required=True)
@click.option("--orgs", type=click.IntRange(0, 100_000), default=None, help="default: people/50")
@click.option("--seed", type=int, default=1325, help="random seed, for repeatable data")
@with_appcontext
def generate_data_command(count: int, orgs: int | None, seed: int) -> None:
    """Fictional bulk data for benchmarks (marked as demo, e-mails on bulk.example.org)."""
    import time

    from . import bulk

    started = time.perf_counter()
    made = bulk.generate_people(count, orgs=orgs, seed=seed, echo=click.echo)
    click.echo(f"{made} people generated in {time.perf_counter() - started:.1f} s.")


REINDEX_BATCH = 2_000


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index of every person and organisation."""
    import sqlalchemy as sa

    from .models import Organization, User
    from .search.engine import KINDS, engine
    from .search.index import refresh_org, refresh_person

    total = db.session.scalar(sa.select(sa.func.count(User.id))) or 0
    people = 0
    last = 0
    # In batches, each committed and let go: at a million people, holding every row of one
    # transaction would take gigabytes.
    while True:
        batch = list(
            db.session.scalars(
                sa.select(User)
                .where(User.id > last)
                .order_by(User.id)
                .limit(REINDEX_BATCH)
                .options(*User.with_tags())
            ).unique()
        )
        if not batch:
            break
        for user in batch:
            if user.profile is not None:
                refresh_person(user.profile, user)
                people += 1
        last = batch[-1].id
        db.session.commit()
        db.session.expunge_all()
        if people % 50_000 < REINDEX_BATCH:
            click.echo(f"  search entries of {people:,} of {total:,} accounts checked")
    for org in db.session.scalars(sa.select(Organization)):
        refresh_org(org)
    db.session.commit()
    click.echo(f"Search entries written for {people} people.")
    for kind in KINDS:
        found = engine(kind)
        count = found.rebuild()
        click.echo(f"Search index of {kind} built: {count} entries in {found.folder}.")


@click.command("export-directory")
@click.option("--format", "fmt", type=click.Choice(["csv", "vcard"]), required=True)
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_directory_command(fmt: str, out: str) -> None:
    """Export listed people with the fields an administrator may see (audited)."""
    from .services import export

    text, count = export.to_csv(None) if fmt == "csv" else export.to_vcards(None)
    try:
        with files.open_private(out, "w") as handle:
            handle.write(text)
    except OSError as exc:
        _fail(f"Cannot write {out}: {exc.strerror}")
        return
    db.session.commit()
    click.echo(f"{count} people written to {out}.")


@click.command("backup")
@click.argument("out")
@with_appcontext
def backup_command(out: str) -> None:
    """An encrypted, checked copy of the whole database, taken while the app serves."""
    from .services import backup

    try:
        backup.backup(out, echo=click.echo)
    except backup.BackupError as exc:
        _fail(str(exc))


@click.command("restore")
@click.argument("source", metavar="IN")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@with_appcontext
def restore_command(source: str, yes: bool) -> None:
    """Replace the database's content with a backup. Stop the app first."""
    from .services import backup

    if not yes and not click.confirm(
        "This replaces everything in the database with the backup. Continue?", default=False
    ):
        raise click.ClickException("Nothing was restored.")
    try:
        backup.restore(source, echo=click.echo)
    except backup.BackupError as exc:
        _fail(str(exc))


COMMANDS = (
    export_directory_command,
    backup_command,
    restore_command,
    generate_data_command,
    reindex_command,
    create_user_command,
    set_password_command,
    invite_command,
    seed_demo_command,
    import_orgs_command,
    import_people_command,
    import_programme_command,
    send_reminders_command,
    send_checkin_reminders_command,
    rotate_field_key_command,
)


def init_app(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    for command in COMMANDS:
        app.cli.add_command(command)


def main() -> None:
    """Console script `ngowg`."""
    from . import create_app

    # No statement timeout on the command line: a migration, backup or reindex may take long.
    FlaskGroup(
        create_app=lambda: create_app(DATABASE_STATEMENT_TIMEOUT=0),
        help="ngowg-directory administration",
    )()

"""Smaller leaks and hardening of issue 15: ids beyond 64 bits, file modes, the access log's
secrets, control characters in names, invitations to existing accounts, export reveal rows
and what moves "last updated"."""

from __future__ import annotations

import contextlib
import csv
import os
import re
import sqlite3
import stat
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from werkzeug.routing import IntegerConverter

from ngowg_directory import redaction
from ngowg_directory.converters import MAX_ID
from ngowg_directory.extensions import db
from ngowg_directory.models import ApiToken, AuditEvent, Invitation, Organization, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import accounts, invitation_notices, invitations, tokens
from ngowg_directory.services.importer import PEOPLE_COLUMNS
from testsupport.http import CSRF_RE, Browser
from testsupport.servers import ServerPool, app_env, ngowg

from .conftest import PASSWORD

# --- ids beyond 64 bits --------------------------------------------------------------------

# 2**31 and 2**63 - 1 fail on PostgreSQL (INTEGER ids), 2**63 and more on SQLite too.
HUGE_IDS = (2**31, 2**63 - 1, 2**63, 2**64, 10**30, -1)


def _id_rules(app):
    """Every rule with an `<int:…>` argument."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]


def _with_id(rule, value: int, slug: str) -> str:
    """The rule's path with `value` for every id and `slug` for every other argument."""
    segments = []
    for segment in rule.rule.split("/"):
        if segment.startswith("<int"):
            segment = str(value)
        elif segment.startswith("<"):
            segment = slug
        segments.append(segment)
    return "/".join(segments)


@pytest.fixture
def admin_client(app, client, make_user, make_org, login):
    make_org("wilpf")
    admin = make_user("admin", name="Secretariat Admin")
    login(client, admin)
    client.admin = admin
    return client


def test_ids_beyond_64_bits_answer_404_on_every_rule_never_500(app, admin_client):
    rules = _id_rules(app)
    assert len(rules) >= 20, [r.rule for r in rules]
    _row, secret = tokens.create(admin_client.admin, "bounds", 30)
    db.session.commit()
    api = {"Authorization": f"Bearer {secret}"}
    csrf = admin_client.csrf_token("/account/profile")
    failures = []
    for rule in rules:
        for value in HUGE_IDS:
            url = _with_id(rule, value, "wilpf")
            headers = api if url.startswith("/api/") else {}
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": csrf} if method == "POST" else None
                response = admin_client.open(url, method=method, data=data, headers=headers)
                if response.status_code != 404:
                    failures.append(f"{method} {url}: {response.status_code}")
                elif url.startswith("/api/") and not response.is_json:
                    failures.append(f"{method} {url}: not JSON")
    assert not failures, "\n".join(failures)


def test_ids_up_to_the_bound_still_reach_their_page(app, admin_client):
    assert admin_client.get(f"/people/{admin_client.admin.id}").status_code == 200
    assert admin_client.get(f"/people/{2**31 - 1}").status_code == 404  # a missing id
    assert admin_client.get(f"/people/0{admin_client.admin.id}").status_code == 200


def test_every_id_column_fits_the_converters_bound():
    """MAX_ID is the range of `sa.Integer`: a wider id column needs a wider bound."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            keyed = column.primary_key or column.foreign_keys
            if keyed and isinstance(column.type, sa.Integer):
                assert type(column.type) is sa.Integer, f"{table.name}.{column.name}"
    assert MAX_ID == 2**31 - 1


# --- files readable by the app's user alone ---------------------------------------------------


def _mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """A development-like instance: keys generated into it, mail written to its outbox."""
    instance = tmp_path / "instance"
    env = app_env(instance, f"sqlite:///{instance / 'ngowg.db'}")
    del env["SECRET_KEY"], env["FIELD_ENCRYPTION_KEY"]
    return env


@pytest.mark.slow
def test_instance_folder_database_wal_keys_outbox_and_backups_are_private(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    instance = Path(cli_env["NGOWG_INSTANCE_PATH"])
    database = instance / "ngowg.db"
    with _umask(0o022):  # the usual umask: new files 0644, folders 0755
        ngowg(cli_env, "db", "upgrade")
        reader = sqlite3.connect(database)  # keeps the WAL and shared memory after the CLI
        try:
            reader.execute("SELECT count(*) FROM users").fetchone()
            ngowg(cli_env, "invite", "someone@example.org", "--role", "staff")  # a write
            ngowg(cli_env, "export-directory", "--format", "csv", str(tmp_path / "out.csv"))
            (tmp_path / "backups").mkdir()
            ngowg(cli_env, "backup", str(tmp_path / "backups"))
            wal, shm = Path(f"{database}-wal"), Path(f"{database}-shm")
            assert wal.exists() and shm.exists()
            modes = {
                "instance folder": _mode(instance),
                "database": _mode(database),
                "WAL": _mode(wal),
                "shared memory": _mode(shm),
                "secret_key": _mode(instance / "secret_key"),
                "field_key": _mode(instance / "field_key"),
                "outbox folder": _mode(instance / "outbox"),
                **{f"outbox {p.name}": _mode(p) for p in (instance / "outbox").iterdir()},
                "export": _mode(tmp_path / "out.csv"),
                **{f"backup {p.name}": _mode(p) for p in (tmp_path / "backups").iterdir()},
            }
        finally:
            reader.close()
    assert len(modes) == 10, modes
    expected = {name: "0o700" if name.endswith("folder") else "0o600" for name in modes}
    assert modes == expected


@pytest.mark.slow
def test_files_left_readable_by_an_older_version_are_made_private_at_start(
    cli_env: dict[str, str],
) -> None:
    instance = Path(cli_env["NGOWG_INSTANCE_PATH"])
    database = instance / "ngowg.db"
    ngowg(cli_env, "db", "upgrade")
    reader = sqlite3.connect(database)
    try:
        reader.execute("SELECT count(*) FROM users").fetchone()
        loose = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
        loose += [instance / "secret_key", instance / "field_key"]
        for path in loose:
            path.chmod(0o644)
        instance.chmod(0o755)
        ngowg(cli_env, "db", "current")
        assert _mode(instance) == "0o700"
        assert {path.name: _mode(path) for path in loose} == {p.name: "0o600" for p in loose}
    finally:
        reader.close()


# --- secrets in paths never reach the access log ------------------------------------------------

# Path arguments that are not secrets, and why; any other name must be in SECRET_ARGUMENTS
# (a secret added under a new name would otherwise be logged in clear).
PUBLIC_PATH_ARGUMENTS = {
    "slug": "an organisation's public short name",
    "fmt": "an export's file format",
    "filename": "a static file",
    "month": "a month of the Security Council's programme (YYYY-MM)",
    "code": "an item of the Council's agenda (SD, wps)",
    "move": "an answer to a credit (accept, decline, withdraw)",
}


def test_every_path_argument_is_a_known_secret_or_a_known_public_value(app):
    unknown = []
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                continue  # an id: public, and bounded
            if name not in redaction.SECRET_ARGUMENTS and name not in PUBLIC_PATH_ARGUMENTS:
                unknown.append(f"{rule.rule}: <{name}>")
    assert not unknown, (
        "name a secret path argument token, key, secret or signature (redaction.py), or add a "
        "public one to PUBLIC_PATH_ARGUMENTS: " + ", ".join(unknown)
    )


def _secret_rules(app) -> list[str]:
    """The rules with a secret in their path, read from the URL map by this test."""
    secret = {"token", "key", "secret", "signature"}
    return sorted({r.rule for r in app.url_map.iter_rules() if secret & r.arguments})


def test_the_redacted_rules_are_derived_from_the_url_map(app):
    derived = _secret_rules(app)
    assert "/account/confirm/<token>" in derived
    assert set(derived) <= set(redaction.installed())
    for rule in derived:
        secret = uuid.uuid4().hex
        path = _path(rule, secret)
        assert secret not in redaction.loggable_path(path), rule
        assert secret not in redaction.loggable_path(path.replace("/", "//", 1)), rule
        assert secret not in redaction.loggable_path(f"{path}/more"), rule
    assert redaction.loggable_path("/people/12") == "/people/12"


def _path(rule: str, secret: str) -> str:
    """A path of `rule` with `secret` for its secret arguments and `x` for the others."""

    def fill(match: re.Match[str]) -> str:
        return secret if match.group(1) in {"token", "key", "secret", "signature"} else "x"

    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", fill, rule)


@pytest.fixture
def migrated_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a server on a migrated SQLite file (PostgreSQL adds nothing here)."""
    env = app_env(tmp_path / "cli", f"sqlite:///{tmp_path / 'shared.db'}")
    ngowg(env, "db", "upgrade")
    return env


@pytest.mark.slow
def test_the_access_log_holds_no_secret_of_any_secret_route(
    app, tmp_path: Path, migrated_env: dict[str, str]
) -> None:
    rules = _secret_rules(app)
    assert len(rules) >= 3, rules
    secrets: dict[str, str] = {}
    with ServerPool(tmp_path / "servers") as pool:
        (server,) = pool.start(["a"], migrated_env)
        browser = Browser()
        requests = 0
        for rule in rules:
            for variant in ("plain", "double slash", "longer", "encoded slash", "post"):
                secret = uuid.uuid4().hex * 2
                secrets[f"{rule} ({variant})"] = secret
                path = _path(rule, secret)
                method = "POST" if variant == "post" else "GET"
                if variant == "double slash":
                    path = "/" + path
                elif variant == "longer":
                    path += "/more"
                elif variant == "encoded slash":
                    path = _path(rule, f"{secret[:8]}%2F{secret[8:]}")
                page = browser.request(server, method, path, {} if method == "POST" else None)
                assert page.status < 500, (path, page.status)
                requests += 1
        pool.stop_all()  # every access line is written once the server has stopped
        log = server.log()
    leaked = [n for n, s in secrets.items() if s[:8] in log or s[8:24] in log]
    assert not leaked, f"in the access log: {leaked}\n{log}"
    assert log.count("/[redacted]") >= requests, log


# --- names: one line, no invisible controls -----------------------------------------------------

NAME_MESSAGE = "A name must be on one line, without tabs or invisible control characters."
BAD_NAMES = (
    "Amina\nOther Line",
    "Amina\r\nOther",
    "Amina Tab\tbed",
    "Amina \u202eevil",  # right-to-left override: shows another name
    "Ami\u200bna",  # zero-width space
    "Amina\u2028Two",  # line separator
    "Amina\x85Two",  # next line
    "Ami\u00adna",  # soft hyphen
    "Amina\x1b[31m",
)


def _names_stored() -> set[str]:
    users = db.session.scalars(sa.select(User.name)).all()
    orgs_ = db.session.scalars(sa.select(Organization.name)).all()
    token_names = db.session.scalars(sa.select(ApiToken.name)).all()
    return {*users, *orgs_, *token_names}


def _refused(response) -> bool:
    return NAME_MESSAGE in response.get_data(as_text=True)


def test_an_invitation_cannot_be_accepted_with_a_control_character_in_the_name(
    app, client, make_org
):
    sent = invitations.invite("amina@example.org", "defender")
    db.session.commit()
    path = sent.link.removeprefix(app.config["BASE_URL"])
    for bad in BAD_NAMES:
        fields = {"name": bad, "password": PASSWORD, "confirm": PASSWORD}
        response = client.form(path, fields, page=path)
        assert response.status_code == 200 and _refused(response), repr(bad)
    db.session.refresh(sent.invitation.user)
    assert sent.invitation.user.status == "invited" and sent.invitation.accepted_at is None


def test_the_profile_form_refuses_a_control_character_in_the_name(app, client, make_user, login):
    from .test_profiles import profile_form, save

    user = make_user("defender", name="Hawa Nyakuong")
    login(client, user)
    for bad in BAD_NAMES:
        response = save(client, profile_form(client, name=bad))
        assert response.status_code == 200 and _refused(response), repr(bad)
    db.session.refresh(user)
    assert user.name == "Hawa Nyakuong"


def test_names_with_joiners_are_kept(app, client, make_user, login):
    """Persian, Dari and Pashto names hold the zero-width non-joiner: they are names."""
    from .test_profiles import profile_form, save

    user = make_user("defender", name="Hawa")
    login(client, user)
    name = "فاطمه محمدی\u200cنژاد"
    assert save(client, profile_form(client, name=name)).status_code == 302
    db.session.refresh(user)
    assert user.name == name


def test_organisation_and_token_names_refuse_control_characters(
    app, admin_client, make_user, login
):
    from .test_orgs import open_edit, save

    before = _names_stored()
    page = "/admin/organizations"
    for bad in BAD_NAMES[:6]:
        created = admin_client.form(page, {"name": bad, "slug": "bad-org", "kind": "member"})
        assert created.status_code == 302
        assert _refused(admin_client.get(created.headers["Location"])), repr(bad)
        edited = save(admin_client, {**open_edit(admin_client), "name": bad})
        assert edited.status_code == 200 and _refused(edited), repr(bad)
        fields = {"name": bad, "days": "30"}
        token = admin_client.form("/account/tokens", fields, page="/account/tokens")
        assert token.status_code == 200 and _refused(token), repr(bad)
    assert _names_stored() == before
    assert db.session.scalar(sa.select(Organization).where(Organization.slug == "bad-org")) is None


def test_invitation_forms_refuse_a_control_character_in_the_name(
    app, admin_client, make_user, new_client, login
):
    manager = new_client()
    login(manager, make_user("manager", org="wilpf"))
    for client, page in ((admin_client, "/admin/invitations"), (manager, "/orgs/wilpf/people")):
        for bad in BAD_NAMES[:4]:
            fields = {"email": "new.person@example.org", "name": bad, "role": "staff"}
            response = client.form(page, fields, page=page)
            assert response.status_code == 200 and _refused(response), (page, repr(bad))
    assert accounts.find_by_email("new.person@example.org") is None


def test_the_command_line_and_the_csv_import_refuse_control_characters_in_names(
    app, runner, make_org, tmp_path
):
    make_org("wilpf")
    before = _names_stored()
    for bad in BAD_NAMES:
        created = runner.invoke(
            args=["create-user", "cli@example.org", "--role", "staff", "--name", bad],
            input=PASSWORD + "\n",
        )
        assert created.exit_code != 0 and NAME_MESSAGE in created.output, repr(bad)
        invited = runner.invoke(
            args=["invite", "cli@example.org", "--role", "staff", "--name", bad]
        )
        assert invited.exit_code != 0 and NAME_MESSAGE in invited.output, repr(bad)
    people = tmp_path / "people.csv"
    with people.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PEOPLE_COLUMNS)
        for number, bad in enumerate(BAD_NAMES):
            row = {c: "" for c in PEOPLE_COLUMNS}
            row.update(email=f"row{number}@example.org", name=bad, role="staff")
            writer.writerow([row[c] for c in PEOPLE_COLUMNS])
    result = runner.invoke(args=["import-people", str(people)])
    assert f"0 added, {len(BAD_NAMES)} refused." in result.output, result.output
    assert result.output.count(NAME_MESSAGE) == len(BAD_NAMES), result.output
    orgs_file = tmp_path / "orgs.csv"
    with orgs_file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "slug", "kind", "website", "headquarters_country", "focus"])
        for number, bad in enumerate(BAD_NAMES):
            writer.writerow([bad, f"org-{number}", "member", "", "", ""])
    result = runner.invoke(args=["import-orgs", str(orgs_file)])
    assert f"0 added, {len(BAD_NAMES)} refused." in result.output, result.output
    assert _names_stored() == before
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


# --- "last updated" moves only with what members see -------------------------------------------


def _order_by_update(client, *names: str) -> list[str]:
    html = client.get("/directory", query_string={"sort": "updated"}).get_data(as_text=True)
    assert all(name in html for name in names), html[:2000]
    return sorted(names, key=html.index)


def test_privacy_settings_do_not_move_a_person_up_in_last_updated(
    app, client, new_client, make_user, login
):
    from .test_profiles import profile_form, save

    quiet = make_user("defender", name="Quiet Changer", org="wilpf")
    other = make_user("defender", name="Other Defender")
    now = utcnow()
    for user, age in ((quiet, 2), (other, 1)):
        user.profile.consent_at = now - timedelta(days=age)
        user.profile.updated_at = now - timedelta(days=age)
    db.session.commit()
    stamp = quiet.profile.updated_at
    viewer = new_client()
    login(viewer, make_user("staff", name="Viewing Staff"))
    assert _order_by_update(viewer, "Quiet Changer", "Other Defender")[0] == "Other Defender"

    login(client, quiet)
    page = "/account/privacy"
    audiences = {"email": "private", "phone": "private", "messaging": "members", "city": "members"}
    assert client.form(page, audiences, page=page).status_code == 302
    settings = {"cs-notify_email": "", "cs-managers_may_answer": "y"}
    assert client.form("/account/settings/connections", settings, page=page).status_code == 302
    assert client.form("/account/hide", {}, page=page).status_code == 302
    assert client.form("/account/show", {}, page=page).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, quiet.id).profile.updated_at == stamp
    assert _order_by_update(viewer, "Quiet Changer", "Other Defender")[0] == "Other Defender"

    # A new phone number for her connections, then a save without changes: nothing members see.
    same = {"name": "Quiet Changer", "country": "", "phone": "+249912345678"}
    assert save(client, profile_form(client, **same)).status_code == 302
    assert save(client, profile_form(client, **same)).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, quiet.id).profile.phone == "+249912345678"
    assert db.session.get(User, quiet.id).profile.updated_at == stamp

    # What members see: her title.
    data = profile_form(client, **same, title="Coordinator")
    assert save(client, data).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, quiet.id).profile.updated_at > stamp
    assert _order_by_update(viewer, "Quiet Changer", "Other Defender")[0] == "Quiet Changer"


# --- exports are in the reveal log --------------------------------------------------------------


def _listed(make_user, name: str, **audiences: str) -> User:
    user = make_user("defender", name=name)
    profile = user.profile
    profile.consent_at = utcnow()
    profile.phone, profile.city = "+249912345678", "Juba"
    for field, audience in audiences.items():
        setattr(profile, f"{field}_audience", audience)
    db.session.commit()
    return user


def _export_reveals() -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == "contact_revealed")
    return [e for e in db.session.scalars(query) if (e.details or {}).get("channel") == "export"]


def test_admin_exports_write_a_reveal_row_she_sees_on_her_reveal_log(
    app, admin_client, make_user, new_client, login, runner, tmp_path
):
    shared = _listed(make_user, "Shared With Policy", email="policy_makers", phone="policy_makers")
    _listed(make_user, "Nothing Above Members", email="members", phone="connections")
    admin = admin_client.admin
    for path in ("/admin/export.csv", "/admin/export.vcf"):
        response = admin_client.get(path)
        assert response.status_code == 200 and "+249912345678" in response.get_data(as_text=True)
    result = runner.invoke(args=["export-directory", "--format", "csv", str(tmp_path / "x.csv")])
    assert result.exit_code == 0, result.output
    rows = _export_reveals()
    assert [(e.target_id, e.actor_id) for e in rows] == [
        (shared.id, admin.id),
        (shared.id, admin.id),
        (shared.id, None),
    ]
    assert all(e.details == {"fields": ["email", "phone"], "channel": "export"} for e in rows)

    own = new_client()
    login(own, shared)
    html = own.get("/account/reveals").get_data(as_text=True)
    # One line per viewer and day: the admin's two exports, then the command line's.
    assert html.count("Secretariat Admin") == 1, html
    assert html.count("in an export of the directory") == 2
    assert "in an export of the directory (2 times)" in html
    assert "the secretariat, from the command line" in html


def test_a_large_export_writes_its_reveal_rows_in_a_few_statements(
    app, make_user, runner, tmp_path
):
    for number in range(40):
        _listed(make_user, f"Person {number}", phone="policy_makers")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = runner.invoke(args=["export-directory", "--format", "vcard", str(tmp_path / "x")])
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert result.exit_code == 0, result.output
    assert len(_export_reveals()) == 40
    assert len(statements) <= 2, len(statements)  # the reveal rows, and the export's own row


# --- invitations answer the same whether or not the address has an account ----------------------


def _same_minute() -> None:
    """Both invitations' "valid until" must fall in one minute, as they do for a person."""
    if time.time() % 60 > 55:
        time.sleep(61 - time.time() % 60)


def _normalised(text: str, address: str, slug: str) -> str:
    """An answer with what differs by construction replaced: the session's CSRF token, the
    address typed, the organisation's slug, row ids (counters both kinds draw from) and the
    machine-readable moment of sending (milliseconds apart; the page shows the same day)."""
    text = CSRF_RE.sub('name="csrf_token" value="CSRF"', text)
    text = re.sub(r'datetime="[^"]+"', 'datetime="WHEN"', text)
    text = re.sub(r'(id="csrf_token"[^>]*value=")[^"]+', r"\1CSRF", text)
    text = text.replace(address, "ADDRESS").replace(slug, "SLUG")
    return re.sub(r"/(people|invitations)/\d+", r"/\1/ID", text)


def _holder_state(user: User) -> tuple:
    db.session.expire_all()
    user = db.session.get(User, user.id)
    return (
        user.role,
        user.organization_id,
        user.status,
        user.name,
        user.password_hash,
        user.session_version,
        user.email,
    )


def test_a_manager_inviting_an_address_with_an_account_gets_the_same_answer(
    app, make_user, make_org, new_client, login, mailbox
):
    make_org("org-a", "Same Name")
    make_org("org-b", "Same Name")
    holder = make_user("defender", "holder@example.org", org="elsewhere", name="Existing Holder")
    holder.locale = "fr"
    db.session.commit()
    before = _holder_state(holder)
    addresses = {"org-a": "new.person@example.org", "org-b": holder.email}
    clients = {}
    for slug in addresses:
        clients[slug] = new_client()
        manager = make_user("manager", f"m-{slug}@example.org", org=slug, name="Maria Manager")
        login(clients[slug], manager)
    mailbox.clear()
    _same_minute()
    answers = {}
    for slug, address in addresses.items():
        client, page = clients[slug], f"/orgs/{slug}/people"
        fields = {"email": address, "name": "Amina Person", "role": "staff"}
        posted = client.form(page, fields, page=page)
        followed = client.get(page)
        resent = client.form(_resend_path(followed, slug), {}, page=page)
        after_resend = client.get(page)
        answers[slug] = [
            (
                r.status_code,
                _normalised(r.headers.get("Location", ""), address, slug),
                _normalised(r.get_data(True), address, slug),
            )
            for r in (posted, followed, resent, after_resend)
        ]
    assert answers["org-a"][1][0] == 200 and "Invitation sent to" in answers["org-a"][1][2]
    for new, existing in zip(answers["org-a"], answers["org-b"], strict=True):
        assert new == existing
    assert _holder_state(holder) == before, "her account is unchanged"
    assert len(mailbox.to("new.person@example.org")) == 2  # the invitation, sent again
    notices = mailbox.to(holder.email)
    assert len(notices) == 2
    body = mailbox.body(notices[0])
    with force_locale("fr"):
        hello = gettext("Hello,")
        subject = str(invitation_notices.SUBJECT)
    assert hello != "Hello," and body.startswith(hello), body  # in her language
    assert str(make_header(decode_header(notices[0]["Subject"]))) == subject
    assert "Same Name" in body and "/auth/login" in body and "/auth/invite/" not in body
    assert "Maria" not in body and "m-org-b" not in body and "Amina" not in body


def _resend_path(page, slug: str) -> str:
    match = re.search(rf'action="(/orgs/{slug}/invitations/\d+/resend)"', page.get_data(True))
    assert match, page.get_data(True)[:3000]
    return match.group(1)


def test_the_secretariat_inviting_an_address_with_an_account_gets_the_same_answer(
    app, admin_client, make_user, mailbox
):
    holder = make_user("staff", "holder@example.org", org="elsewhere", name="Existing Holder")
    before = _holder_state(holder)
    page = "/admin/invitations"
    answers = []
    _same_minute()
    for address in ("new.person@example.org", holder.email):
        fields = {"email": address, "name": "", "role": "policy_maker", "organization": ""}
        posted = admin_client.form(page, fields, page=page)
        html = admin_client.get(page).get_data(as_text=True)
        flashed = re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', html, re.S)
        row = re.search(rf"<tr>\s*<td><bdi>{re.escape(address)}</bdi>.*?</tr>", html, re.S)
        assert row, html
        answers.append(
            (
                posted.status_code,
                posted.headers.get("Location"),
                _normalised(posted.get_data(True), address, "\x00"),
                [_normalised(text, address, "\x00") for text in flashed],
                _normalised(row.group(0), address, "\x00"),
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][3] and "Invitation sent to ADDRESS." in answers[0][3][0]
    assert _holder_state(holder) == before
    assert len(mailbox.to(holder.email)) == 1
    assert "/auth/invite/" not in mailbox.body(mailbox.to(holder.email)[0])


def test_the_command_line_says_plainly_that_the_address_has_an_account(
    app, runner, make_user, mailbox
):
    holder = make_user("staff", "holder@example.org", name="Existing Holder")
    before = _holder_state(holder)
    result = runner.invoke(args=["invite", "Holder@Example.org", "--role", "defender"])
    assert result.exit_code != 0
    assert "An account with this e-mail address already exists." in result.output
    assert _holder_state(holder) == before
    assert mailbox.to(holder.email) == []
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_a_notice_is_never_an_invitation_anyone_can_accept(app, client, make_user, mailbox):
    holder = make_user("staff", "holder@example.org", name="Existing Holder")
    sent = invitations.invite(holder.email, "defender")
    db.session.commit()
    assert sent.invitation.notice and sent.link == ""
    assert invitations.find_open("") is None
    assert all("/auth/invite/" not in link for link in mailbox.links(holder.email))
    assert [i.id for i in invitations.pending_for()] == [sent.invitation.id]

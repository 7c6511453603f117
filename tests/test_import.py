"""CSV import of organisations and people (CONTRACT.md: import-orgs, import-people)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, Invitation, Organization, Profile, User
from ngowg_directory.services import accounts, invitations
from testsupport.servers import free_port

FORMULA_CELLS = ("=HYPERLINK(1)", "+1+cmd", "-2+cmd", "@SUM(A1)", "\t=cmd", "\r@cmd", "\x01=cmd")

ORG_HEADER = "name,slug,kind,website,headquarters_country,focus"
PEOPLE_HEADER = (
    "email,name,role,organization,title,country,city,phone,messaging,"
    "situations,themes,languages,bio,consent"
)
NOT_UTF8 = 'The file is not UTF-8 text. Save it as "CSV UTF-8" and try again.'


# --- helpers -----------------------------------------------------------------------------


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return str(path)


def csv_file(tmp_path: Path, header: str, *rows: str, name: str = "import.csv") -> str:
    return write(tmp_path, name, "\n".join([header, *rows]) + "\n")


def report(output: str) -> dict[int, str]:
    """The per-row report: line number to its message line."""
    lines = {}
    for text in output.splitlines():
        match = re.match(r"line (\d+): ", text)
        if match:
            lines[int(match.group(1))] = text
    return lines


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def org_slugs() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(sa.select(Organization.slug)))


def person(email: str) -> User | None:
    db.session.expire_all()
    return accounts.find_by_email(email)


def snapshot_counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        model.__name__: count(model)
        for model in (User, Profile, Organization, Invitation, AuditEvent)
    }


# --- organisations -----------------------------------------------------------------------


def test_import_orgs_adds_every_good_row(app, runner, tmp_path):
    path = csv_file(
        tmp_path,
        ORG_HEADER,
        "Women Peacemakers,women-peacemakers,member,https://wpm.example.org,SD,Mediation",
        "UN Women,un-women,un_entity,https://www.unwomen.org,US,",
        'Permanent Mission of Norway,norway-mission,mission,,NO,"Chairs, convenes"',
        "Peace Partners,peace-partners,partner,,,",
    )
    result = runner.invoke(args=["import-orgs", path])
    assert result.exit_code == 0, result.output
    lines = report(result.output)
    assert sorted(lines) == [2, 3, 4, 5]
    assert all(": ok: " in text for text in lines.values()), result.output
    assert "women-peacemakers" in lines[2] and "peace-partners" in lines[5]
    assert "4 added, 0 refused." in result.output
    db.session.expire_all()
    wpm = db.session.scalar(sa.select(Organization).where(Organization.slug == "women-peacemakers"))
    assert wpm.name == "Women Peacemakers" and wpm.kind == "member"
    assert wpm.website == "https://wpm.example.org" and wpm.headquarters_country == "SD"
    assert wpm.focus == "Mediation"
    norway = db.session.scalar(sa.select(Organization).where(Organization.slug == "norway-mission"))
    assert norway.kind == "mission" and norway.focus == "Chairs, convenes"
    assert norway.website is None
    assert org_slugs() == {"women-peacemakers", "un-women", "norway-mission", "peace-partners"}
    # Each creation is in the audit log.
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "organization_created"
            )
        )
        == 4
    )


def test_import_orgs_reports_bad_rows_and_writes_only_the_good_ones(
    app, runner, tmp_path, make_org
):
    make_org("wilpf", name="Existing WILPF")
    path = csv_file(
        tmp_path,
        ORG_HEADER,
        "Good Org,good-org,partner,,,",  # 2
        "Another WILPF,wilpf,member,,,",  # 3: slug taken in the database
        "Bad Slug,Bad Slug!,member,,,",  # 4
        "Kind Org,kind-org,ngo,,,",  # 5
        "Country Org,country-org,member,,XX,",  # 6
        "Good Org Again,good-org,member,,,",  # 7: slug twice in the file
        "Web Org,web-org,member,not a website,,",  # 8
        ",nameless,member,,,",  # 9
        "Second Good,second-good,member,,KE,Peace",  # 10
    )
    result = runner.invoke(args=["import-orgs", path])
    assert result.exit_code == 1, result.output
    lines = report(result.output)
    assert sorted(lines) == list(range(2, 11)), result.output
    for ok in (2, 10):
        assert ": ok: " in lines[ok], lines[ok]
    expected = {
        3: "already exists",
        4: "lower-case letters, digits and dashes",
        5: "unknown kind ngo",
        6: "Unknown country code XX",
        7: "the slug good-org is also on line 2 of this file",
        8: "Give a web address such as wilpf.org",
        9: "name is empty",
    }
    for line, words in expected.items():
        assert ": error: " in lines[line], lines[line]
        assert words in lines[line], lines[line]
    assert "2 added, 7 refused." in result.output
    assert org_slugs() == {"wilpf", "good-org", "second-good"}
    db.session.expire_all()
    wilpf = db.session.scalar(sa.select(Organization).where(Organization.slug == "wilpf"))
    assert wilpf.name == "Existing WILPF" and wilpf.kind == "member"
    good = db.session.scalar(sa.select(Organization).where(Organization.slug == "good-org"))
    assert good.name == "Good Org" and good.kind == "partner"


def test_import_orgs_refuses_a_website_longer_than_the_column(app, runner, tmp_path):
    long_site = "https://example.org/" + "a" * 400
    path = csv_file(
        tmp_path,
        ORG_HEADER,
        f"Long Site,long-site,member,{long_site},,",
        "After It,after-it,member,,,",
    )
    result = runner.invoke(args=["import-orgs", path])
    assert result.exit_code == 1, result.output
    lines = report(result.output)
    assert ": error: " in lines[2] and "website" in lines[2], result.output
    assert ": ok: " in lines[3]
    assert org_slugs() == {"after-it"}


def test_import_orgs_dry_run_writes_nothing(app, runner, tmp_path):
    path = csv_file(tmp_path, ORG_HEADER, "Good Org,good-org,member,,,", "Kind Org,kind-org,ngo,,,")
    before = snapshot_counts()
    dry = runner.invoke(args=["import-orgs", path, "--dry-run"])
    assert dry.exit_code == 1
    assert snapshot_counts() == before and org_slugs() == set()
    real = runner.invoke(args=["import-orgs", path])
    assert report(dry.output) == report(real.output)
    assert org_slugs() == {"good-org"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,slug,kind\nGood Org,good-org,member\n", "missing: website, headquarters_country"),
        (f"{ORG_HEADER}\nCaf\xe9 Org,cafe-org,member,,,\n".encode("latin-1"), NOT_UTF8),
        (random.Random(7).randbytes(4096), NOT_UTF8),
        (b"", "The first line must name the columns"),
    ],
    ids=["missing-columns", "latin-1", "binary", "empty"],
)
def test_import_orgs_refuses_a_bad_file(app, runner, tmp_path, content, message):
    path = write(tmp_path, "orgs.csv", content)
    result = runner.invoke(args=["import-orgs", path])
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert org_slugs() == set()


def test_import_orgs_missing_file_is_a_clear_error(app, runner, tmp_path):
    result = runner.invoke(args=["import-orgs", str(tmp_path / "nope.csv")])
    assert result.exit_code != 0
    assert "nope.csv" in result.output and "Traceback" not in result.output


# --- people: good rows -------------------------------------------------------------------

AMINA = (
    "amina@example.org,Amina Yusuf,defender,wilpf,Coordinator,SD,Khartoum,0912 345 678,"
    "Signal +249912345678,SD;SS,crsv;participation,ar;EN,Documents violations in Darfur.,yes"
)
SAM = (
    "Sam@Example.org,Sam Staff,staff,wilpf,Advocacy officer,CH,Geneva,022 919 70 80,,"
    ",national-action-plans,fr,,"
)
PAT = "pat@example.org,Pat Policy,policy_maker,,Counsellor,NO,Oslo,,,,,en;fr,,no"


@pytest.fixture
def wilpf(make_org):
    return make_org("wilpf", name="Women's International League")


def test_import_people_invites_each_person_with_her_profile(app, runner, tmp_path, wilpf, mailbox):
    path = csv_file(tmp_path, PEOPLE_HEADER, AMINA, SAM, PAT)
    result = runner.invoke(args=["import-people", path])
    assert result.exit_code == 0, result.output
    lines = report(result.output)
    assert sorted(lines) == [2, 3, 4]
    assert all(": ok: " in text for text in lines.values()), result.output
    assert "3 added, 0 refused." in result.output

    amina = person("amina@example.org")
    assert amina is not None and amina.status == "invited" and amina.password_hash is None
    assert amina.role == "defender" and amina.organization.slug == "wilpf"
    assert amina.name == "Amina Yusuf"
    profile = amina.profile
    assert profile.title == "Coordinator" and profile.country == "SD"
    assert profile.city == "Khartoum"
    assert profile.phone == "+249912345678"
    assert profile.messaging == "Signal +249912345678"
    assert profile.email == "amina@example.org"
    assert sorted(profile.situation_codes) == ["SD", "SS"]
    assert sorted(profile.theme_slugs) == ["crsv", "participation"]
    assert sorted(profile.language_codes) == ["ar", "en"]
    assert profile.bio == "Documents violations in Darfur."

    sam = person("sam@example.org")
    assert sam is not None and sam.role == "staff" and sam.organization.slug == "wilpf"
    assert sam.profile.phone == "+41229197080" and sam.profile.city == "Geneva"
    assert sam.profile.theme_slugs == ["national-action-plans"]

    pat = person("pat@example.org")
    assert pat is not None and pat.role == "policy_maker" and pat.organization is None
    assert pat.profile.phone is None and sorted(pat.profile.language_codes) == ["en", "fr"]

    # Each got exactly one invitation e-mail with a working link.
    for email in ("amina@example.org", "sam@example.org", "pat@example.org"):
        links = [link for link in mailbox.links(email) if "/auth/invite/" in link]
        assert len(mailbox.to(email)) == 1 and len(links) == 1, email
    assert count(Invitation) == 3
    path_of = mailbox.links("amina@example.org")[0].split("directory.test", 1)[1]
    assert app.test_client().get(path_of).status_code == 200


def test_imported_people_get_their_roles_default_audiences(app, runner, tmp_path, wilpf):
    path = csv_file(tmp_path, PEOPLE_HEADER, AMINA, SAM, PAT)
    assert runner.invoke(args=["import-people", path]).exit_code == 0
    amina = person("amina@example.org").profile
    assert (
        amina.email_audience,
        amina.phone_audience,
        amina.messaging_audience,
        amina.city_audience,
    ) == ("connections", "connections", "connections", "private")
    for email in ("sam@example.org", "pat@example.org"):
        profile = person(email).profile
        assert (
            profile.email_audience,
            profile.phone_audience,
            profile.messaging_audience,
            profile.city_audience,
        ) == ("members", "connections", "connections", "members"), email


def test_consent_is_recorded_as_on_file_for_yes_only_and_lists_nobody(app, runner, tmp_path, wilpf):
    shouty = "rana@example.org,Rana,defender,,,SY,,,,,,,,YES"  # case does not matter
    path = csv_file(tmp_path, PEOPLE_HEADER, AMINA, SAM, PAT, shouty)
    assert runner.invoke(args=["import-people", path]).exit_code == 0
    assert person("amina@example.org").profile.consent_on_file_at is not None
    assert person("rana@example.org").profile.consent_on_file_at is not None
    assert person("sam@example.org").profile.consent_on_file_at is None
    assert person("pat@example.org").profile.consent_on_file_at is None
    for email in ("amina@example.org", "rana@example.org", "sam@example.org", "pat@example.org"):
        assert person(email).profile.consent_at is None, f"{email} is listed by the import"
    on_file = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "consent_on_file")
    ).all()
    assert sorted(event.target_id for event in on_file) == sorted(
        [person("amina@example.org").id, person("rana@example.org").id]
    )
    given = sa.select(AuditEvent).where(AuditEvent.action == "consent_given")
    assert db.session.scalars(given).all() == []


def test_contact_details_are_stored_encrypted(app, runner, tmp_path, wilpf):
    path = csv_file(tmp_path, PEOPLE_HEADER, AMINA)
    assert runner.invoke(args=["import-people", path]).exit_code == 0
    db.session.expire_all()
    rows = db.session.execute(sa.text("SELECT email, phone, messaging, city FROM profiles")).all()
    assert len(rows) == 1
    raw = " ".join(str(value) for value in rows[0])
    for secret in ("912345678", "Khartoum", "Signal", "amina@example.org"):
        assert secret not in raw, secret
    # ...and they decrypt to the right values through the model.
    assert person("amina@example.org").profile.phone == "+249912345678"


# --- people: bad rows --------------------------------------------------------------------


def row(**changes: str) -> str:
    """A good people row with some columns changed."""
    values = dict(
        zip(
            PEOPLE_HEADER.split(","),
            [
                "x@example.org",
                "Some Person",
                "staff",
                "wilpf",
                "Officer",
                "KE",
                "Nairobi",
                "0712 345678",
                "",
                "SO",
                "protection",
                "sw",
                "A short bio.",
                "yes",
            ],
            strict=True,
        )
    )
    values.update(changes)
    return ",".join(values.values())


BAD_PEOPLE = [
    # (row, words the report must use for it)
    (row(email="not-an-email"), "not a valid e-mail address"),
    (row(email="role@example.org", role="queen"), "unknown role queen"),
    (row(email="org@example.org", organization="nowhere"), "unknown organisation nowhere"),
    (row(email="country@example.org", country="XX"), "Unknown country code XX"),
    (row(email="theme@example.org", themes="protection;knitting"), "knitting"),
    (row(email="lang@example.org", languages="en;qq"), "qq"),
    (row(email="phone@example.org", phone="12345"), "phone number"),
    (row(email="letters@example.org", phone="call me maybe"), "phone number"),
    (row(email="existing@example.org"), "already exists"),
    # Twice in the file: said so, with the other line (not "already exists").
    (row(email="Good@Example.org"), "the e-mail good@example.org is also on line 2 of this file"),
    (row(email="city@example.org", city="12 Main Street"), "city or town"),
    (row(email="consent@example.org", consent="maybe"), "yes or no"),
    (row(email="situation@example.org", situations="FR"), "FR"),
    (row(email="manager@example.org", role="manager", organization=""), "must belong"),
    (row(email="noname@example.org", name=""), "name"),
]


def bad_people_file(tmp_path: Path) -> str:
    return csv_file(
        tmp_path,
        PEOPLE_HEADER,
        row(email="good@example.org", name="Good Person"),  # line 2
        *[text for text, _words in BAD_PEOPLE],  # lines 3 ...
        row(email="last@example.org", name="Last Good"),
    )


def test_bad_people_rows_are_reported_and_write_nothing(
    app, runner, tmp_path, wilpf, make_user, mailbox
):
    make_user("staff", email="existing@example.org", name="Existing Person", org="wilpf")
    path = bad_people_file(tmp_path)
    before = snapshot_counts()
    result = runner.invoke(args=["import-people", path])
    assert result.exit_code == 1, result.output
    lines = report(result.output)
    last_line = 3 + len(BAD_PEOPLE)
    assert sorted(lines) == list(range(2, last_line + 1)), result.output
    assert ": ok: " in lines[2] and ": ok: " in lines[last_line]
    for offset, (_text, words) in enumerate(BAD_PEOPLE):
        line = 3 + offset
        assert ": error: " in lines[line], lines[line]
        assert words in lines[line], (line, lines[line])
        assert "Traceback" not in lines[line]
    assert f"2 added, {len(BAD_PEOPLE)} refused." in result.output

    # Only the two good people were created and invited.
    after = snapshot_counts()
    assert after["User"] == before["User"] + 2
    assert after["Profile"] == before["Profile"] + 2
    assert after["Invitation"] == before["Invitation"] + 2
    assert sorted(m["To"] for m in mailbox.messages) == ["good@example.org", "last@example.org"]
    for email in (
        "role@example.org",
        "org@example.org",
        "country@example.org",
        "theme@example.org",
        "lang@example.org",
        "phone@example.org",
        "city@example.org",
        "consent@example.org",
        "manager@example.org",
        "noname@example.org",
    ):
        assert person(email) is None, email
    # The existing account is untouched.
    existing = person("existing@example.org")
    assert existing.name == "Existing Person" and existing.status == "active"
    assert existing.organization.slug == "wilpf"
    assert existing.profile.city is None and existing.profile.title == ""


def test_dry_run_reports_the_same_and_writes_nothing(
    app, runner, tmp_path, wilpf, make_user, mailbox
):
    make_user("staff", email="existing@example.org")
    path = bad_people_file(tmp_path)
    before = snapshot_counts()
    dry = runner.invoke(args=["import-people", path, "--dry-run"])
    assert dry.exit_code == 1, dry.output
    assert f"2 would be added, {len(BAD_PEOPLE)} refused." in dry.output
    assert snapshot_counts() == before
    assert mailbox.messages == []
    assert person("good@example.org") is None
    # The real run says exactly the same about every row.
    real = runner.invoke(args=["import-people", path])
    assert report(dry.output) == report(real.output)
    assert person("good@example.org") is not None


def test_dry_run_of_a_good_file_exits_zero(app, runner, tmp_path, wilpf, mailbox):
    path = csv_file(tmp_path, PEOPLE_HEADER, AMINA, SAM)
    before = snapshot_counts()
    result = runner.invoke(args=["import-people", path, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2 would be added, 0 refused." in result.output
    assert snapshot_counts() == before and mailbox.messages == []


def test_exit_code_is_1_when_a_row_fails_and_0_when_all_pass(app, runner, tmp_path, wilpf):
    good = csv_file(tmp_path, PEOPLE_HEADER, AMINA, name="good.csv")
    bad = csv_file(tmp_path, PEOPLE_HEADER, row(email="x@example.org", role="queen"), SAM)
    assert runner.invoke(args=["import-people", good]).exit_code == 0
    result = runner.invoke(args=["import-people", bad])
    assert result.exit_code == 1
    assert person("sam@example.org") is not None
    # Importing the same good file again: every row is now a duplicate.
    again = runner.invoke(args=["import-people", good])
    assert again.exit_code == 1 and "already exists" in again.output


def test_a_quoted_bio_with_commas_and_newlines_is_kept(app, runner, tmp_path, wilpf):
    text = row(email="quoted@example.org", bio='"Mediator, trainer\nand ""organiser"""')
    path = csv_file(
        tmp_path, PEOPLE_HEADER, text, row(email="next@example.org", name="Another Member")
    )
    result = runner.invoke(args=["import-people", path])
    assert result.exit_code == 0, result.output
    # The report names the line where the record starts, as an editor shows it.
    assert "quoted@example.org" in report(result.output)[2], result.output
    assert person("quoted@example.org").profile.bio == 'Mediator, trainer\nand "organiser"'
    assert person("next@example.org") is not None


def test_a_utf8_file_with_bom_and_accents_is_read(app, runner, tmp_path, wilpf):
    content = "\ufeff" + PEOPLE_HEADER + "\n" + row(email="cafe@example.org", name="Hélène Ñúñez")
    path = write(tmp_path, "bom.csv", content + "\n")
    result = runner.invoke(args=["import-people", path])
    assert result.exit_code == 0, result.output
    assert person("cafe@example.org").name == "Hélène Ñúñez"


def test_a_semicolon_separated_file_as_french_excel_writes_it_is_read(app, runner, tmp_path, wilpf):
    """CONTRACT.md: a comma or a semicolon separates columns (detected); a list inside a
    cell is then quoted, as spreadsheets do."""
    header = PEOPLE_HEADER.replace(",", ";")
    values = row(email="point-virgule@example.org", name="Amélie Dupont", languages="fr;ar")
    cells = ['"fr;ar"' if cell == "fr;ar" else cell for cell in values.split(",")]
    path = write(tmp_path, "excel-fr.csv", "\ufeff" + header + "\r\n" + ";".join(cells) + "\r\n")
    result = runner.invoke(args=["import-people", path])
    assert result.exit_code == 0, result.output
    imported = person("point-virgule@example.org")
    assert imported is not None and imported.name == "Amélie Dupont"
    assert imported.profile.city == "Nairobi" and imported.profile.title == "Officer"
    assert sorted(language.code for language in imported.profile.languages) == ["ar", "fr"]


# --- people: bad files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            (PEOPLE_HEADER + "\n" + row(email="r@example.org", name="Ren\xe9e") + "\n").encode(
                "latin-1"
            ),
            NOT_UTF8,
        ),
        (
            PEOPLE_HEADER.replace(",consent", "")
            + "\n"
            + row(email="r@example.org").rsplit(",", 1)[0]
            + "\n",
            "missing: consent",
        ),
        (
            "e-mail,name\nr@example.org,Renee\n",
            "The first line must name the columns",
        ),
        (random.Random(1325).randbytes(4096), NOT_UTF8),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, NOT_UTF8),
        ((PEOPLE_HEADER + "\n" + row(email="r@example.org") + "\x00\n").encode(), "not a CSV"),
        (b"", "The first line must name the columns"),
    ],
    ids=["latin-1", "missing-column", "wrong-header", "random-bytes", "png", "nul", "empty"],
)
def test_a_bad_people_file_is_refused_whole(
    app, runner, tmp_path, wilpf, mailbox, content, message
):
    path = write(tmp_path, "people.csv", content)
    before = snapshot_counts()
    for args in (["import-people", path], ["import-people", path, "--dry-run"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert message in result.output, result.output
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert snapshot_counts() == before
    assert person("r@example.org") is None
    assert mailbox.messages == []


def test_a_file_found_unreadable_half_way_imports_nothing(app, runner, tmp_path, wilpf, mailbox):
    """The CSV reader gives up on a field over 128 KB: the rows before it must not stay."""
    content = (
        PEOPLE_HEADER
        + "\n"
        + row(email="first@example.org")
        + "\n"
        + row(email="second@example.org", bio="x" * 200_000)
        + "\n"
        + row(email="third@example.org")
        + "\n"
    )
    path = write(tmp_path, "late.csv", content)
    before = snapshot_counts()
    result = runner.invoke(args=["import-people", path])
    assert result.exit_code != 0
    # In the reader's words (translated), not the csv module's English.
    assert "Line 3 has a cell longer than 128 KB" in result.output, result.output
    assert "field limit" not in result.output
    assert person("first@example.org") is None
    assert snapshot_counts() == before
    assert mailbox.messages == []


def test_a_close_name_in_the_same_organisation_is_reported_as_a_duplicate(
    app, runner, tmp_path, wilpf
):
    first = runner.invoke(
        args=[
            "import-people",
            csv_file(tmp_path, PEOPLE_HEADER, row(email="a@example.org", name="Aïssata Traoré")),
        ]
    )
    assert first.exit_code == 0, first.output
    again = csv_file(
        tmp_path,
        PEOPLE_HEADER,
        row(email="other@example.org", name="Aissata Traore"),
        row(email="third@example.org", name="Aissata Traoreh"),
        row(email="fourth@example.org", name="Someone Else Entirely"),
    )
    result = runner.invoke(args=["import-people", again])
    assert result.exit_code == 1
    assert result.output.count("looks like Aïssata Traoré") == 2
    assert person("other@example.org") is None and person("fourth@example.org") is not None


def test_close_names_within_one_file_are_caught_too(app, runner, tmp_path, wilpf):
    path = csv_file(
        tmp_path,
        PEOPLE_HEADER,
        row(email="a@example.org", name="Aïssata Traoré"),
        row(email="b@example.org", name="Someone Else Entirely"),
        row(email="c@example.org", name="Aissata Traore"),
    )
    for dry_run in (["--dry-run"], []):
        result = runner.invoke(args=["import-people", *dry_run, path])
        assert result.exit_code == 1, result.output
        assert report(result.output)[4] == (
            "line 4: error: name: looks like Aïssata Traoré on line 2 of this file, also in "
            f"{wilpf.name}"
        )
    assert person("a@example.org") is not None and person("c@example.org") is None


def test_invitations_of_an_import_go_out_over_one_smtp_connection(
    app, runner, tmp_path, wilpf, mailbox
):
    rng = random.Random(25)
    names = [
        "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(5))
        for _ in range(250)
    ]
    rows = [
        row(email=f"p{i}@example.org", name=f"{name.title()} Amina") for i, name in enumerate(names)
    ]
    result = runner.invoke(args=["import-people", csv_file(tmp_path, PEOPLE_HEADER, *rows)])
    assert result.exit_code == 0, result.output
    assert len(mailbox.messages) == 250  # two batches of the importer
    assert len(set(mailbox.peers)) == 1, "one SMTP connection for the whole file"
    # Each e-mail holds its own working link.
    for index in (0, 249):
        (link,) = mailbox.links(f"p{index}@example.org")
        token = link.rsplit("/", 1)[1]
        assert invitations.find_open(token).user.email == f"p{index}@example.org"
    sent = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "invitation_sent")
    ).all()
    assert len(sent) == 250 and all(event.details["mailed"] for event in sent)


def test_an_import_while_the_mail_server_is_down_keeps_the_people_and_says_so(
    app, runner, tmp_path, wilpf, mailbox
):
    app.config["MAIL_PORT"] = free_port()
    path = csv_file(
        tmp_path,
        PEOPLE_HEADER,
        row(email="p1@example.org", name="First Person"),
        row(email="p2@example.org", name="Second Person"),
    )
    result = runner.invoke(args=["import-people", path])
    assert result.exit_code == 0, result.output  # every row was added
    lines = report(result.output)
    assert lines[2] == (
        "line 2: ok: p1@example.org invited; the invitation e-mail could not be sent"
    )
    assert "2 invitation e-mails could not be sent" in result.output
    for email in ("p1@example.org", "p2@example.org"):
        user = person(email)
        assert user is not None and user.status == "invited"
        events = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "invitation_sent", AuditEvent.target_id == user.id
            )
        ).all()
        assert [event.details["mailed"] for event in events] == [False]
    assert mailbox.messages == []


# --- the close-name check is linear in the rows ------------------------------------------


def made_up_names(count: int, seed: int) -> list[str]:
    """Distinct made-up names like those of a large organisation: given name and surname."""
    rng = random.Random(seed)

    def word(syllables: int) -> str:
        return "".join(
            rng.choice("bdfghklmnprstvz") + rng.choice("aeiou") for _ in range(syllables)
        )

    names: set[str] = set()
    while len(names) < count:
        names.add(f"{word(rng.randint(2, 3)).title()} {word(rng.randint(2, 4)).title()}")
    ordered = sorted(names)  # a set's order changes with the hash seed: sort, then shuffle
    rng.shuffle(ordered)
    return ordered


def one_org_file(names: list[str]) -> bytes:
    rows = [f"p{i}@example.org,{name},staff,wilpf,,,,,,,,,," for i, name in enumerate(names)]
    return ("\n".join([PEOPLE_HEADER, *rows]) + "\n").encode()


def crowded_names(count: int, seed: int) -> list[str]:
    """Names of one organisation sharing their last words, as in bench/importspeed.py: a
    made-up word, then one of ten given names and one of nine family names."""
    rng = random.Random(seed)
    given = (
        "Amina",
        "Fatima",
        "Lucía",
        "Hawa",
        "Nour",
        "Grace",
        "Oksana",
        "Thida",
        "Mariam",
        "Zainab",
    )
    family = (
        "Diallo",
        "Núñez",
        "Okafor",
        "Haddad",
        "Deng",
        "Kovalenko",
        "Aung",
        "Traoré",
        "Quispe",
    )
    return [
        "".join(rng.choice("bcdfghjklmnprstvz") + rng.choice("aeiou") for _ in range(6)).title()
        + f" {rng.choice(given)} {rng.choice(family)}"
        for _ in range(count)
    ]


@pytest.mark.parametrize("names", [made_up_names, crowded_names])
def test_the_close_name_check_grows_linearly_with_the_rows(app, wilpf, monkeypatch, names):
    """Names handed to rapidfuzz for 1,000 and for 10,000 rows of one organisation. Comparing
    each row with every earlier one hands row n all n - 1 names before it; here no row is
    compared with more than a fixed number, and ten times the rows cost about ten times the
    comparisons once names crowd."""
    from rapidfuzz import process

    from ngowg_directory.services import importer

    compared: list[int] = []
    extract_one = process.extractOne

    def counting(query, choices, **kwargs):
        compared.append(len(choices))
        return extract_one(query, choices, **kwargs)

    monkeypatch.setattr(process, "extractOne", counting)
    totals = {}
    for rows in (1_000, 10_000):
        compared.clear()
        data = one_org_file(names(rows, seed=rows))
        report = importer.import_people(data, dry_run=True)
        db.session.rollback()
        assert report.added + report.failed == rows
        assert compared, "the check compared names"
        assert max(compared) <= 64, f"a row of {rows} was compared with {max(compared)} names"
        totals[rows] = sum(compared)
    if names is crowded_names:
        assert totals[10_000] <= 20 * totals[1_000], totals


def test_the_index_finds_what_comparing_every_pair_finds(app):
    """Typos, accents, a missing or an extra letter, among 3,000 members of one organisation:
    the indexed check answers exactly what comparing with every name answers."""
    from rapidfuzz import fuzz, process

    from ngowg_directory.search.text import normalise
    from ngowg_directory.services.closenames import NameIndex

    rng = random.Random(1325)
    members = made_up_names(3_000, seed=15)
    variants = []
    for name in rng.sample(members, 300):
        letters = list(name)
        at = rng.randrange(1, len(letters))
        change = rng.choice(["drop", "add", "swap", "replace", "accent"])
        if change == "drop":
            del letters[at]
        elif change == "add":
            letters.insert(at, rng.choice("aeiou"))
        elif change == "swap":
            letters[at - 1], letters[at] = letters[at], letters[at - 1]
        elif change == "replace":
            letters[at] = "x"
        else:
            letters = list(name.replace("a", "á").replace("e", "ë"))
        variants.append("".join(letters))
    index = NameIndex()
    caught = 0
    for name in [*members, *variants]:
        folded = normalise(name)
        expected = process.extractOne(folded, index.names, scorer=fuzz.ratio, score_cutoff=90)
        found = index.closest(folded)
        assert found == (None if expected is None else expected[2]), name
        if found is None:
            index.add(folded)
        else:
            caught += 1
    assert caught >= 280, f"only {caught} of 300 look-alikes caught"


def test_the_command_and_the_page_say_the_same_about_every_row(
    app, runner, client, tmp_path, wilpf, make_user, login
):
    make_user("staff", email="existing@example.org", name="Existing Person", org="wilpf")
    path = bad_people_file(tmp_path)
    command = report(runner.invoke(args=["import-people", path, "--dry-run"]).output)
    login(client, make_user("admin"))
    from .test_admin_import import upload

    html = upload(client, Path(path).read_bytes()).get_data(as_text=True)
    page = {}
    for line, result, details in re.findall(
        r'<tr>\s*<td>(\d+)</td>\s*<td><span class="badge[^"]*">(\w+)</span></td>\s*'
        r"<td>.*?</td>\s*<td>(.*?)</td>\s*</tr>",
        html,
        re.S,
    ):
        problems = re.findall(r'<li><code dir="ltr">([^<]*)</code>: ([^<]*)</li>', details)
        if problems:  # every problem of the row, one item each
            details = "; ".join(f"{name}: {message}" for name, message in problems)
        page[int(line)] = f"line {line}: {result}: {details}"
    assert page == {line: text.replace("&#39;", "'") for line, text in command.items()}


@pytest.mark.parametrize("cell", FORMULA_CELLS)
def test_the_import_refuses_what_the_export_neutralises(app, cell):
    """One rule for a cell a spreadsheet would run (validation.FORMULA_START): the export
    neutralises it, the import refuses it (judged as it would be stored)."""
    from ngowg_directory.services import export, importer
    from ngowg_directory.validation import ValidationError

    stored = cell.lstrip("\t\r\x01")
    assert export.neutralise(stored) == "'" + stored
    with pytest.raises(ValidationError):
        importer.refuse_formulas({"name": cell}, ("name",))


def test_the_import_and_the_export_read_the_same_formula_characters(app, monkeypatch):
    from ngowg_directory import validation
    from ngowg_directory.services import export, importer

    monkeypatch.setattr(validation, "FORMULA_START", ("#",))
    assert export.neutralise("#x") == "'#x" and export.neutralise("=x") == "=x"
    importer.refuse_formulas({"name": "=x"}, ("name",))
    with pytest.raises(validation.ValidationError):
        importer.refuse_formulas({"name": "#x"}, ("name",))


# --- the language of each invitation --------------------------------------------------------


def test_each_imported_person_is_invited_in_the_first_of_her_languages_the_site_speaks(
    app, runner, tmp_path, wilpf, mailbox
):
    from .test_i18n import lang_dir, subject, translated

    path = csv_file(
        tmp_path,
        PEOPLE_HEADER,
        row(email="arabic@example.org", name="Salma Idris", languages="ar;en"),
        row(email="spanish@example.org", name="Lucia Pérez", languages="qu;de;ES;fr"),
        row(email="french@example.org", name="Aminata Ba", languages="wo;fr"),
        row(email="none@example.org", name="Rahel Tesfaye", languages="ti;am"),
        row(email="empty@example.org", name="Mwajuma Ali", languages=""),
    )
    result = runner.invoke(args=["import-people", path])
    assert result.exit_code == 0, result.output
    invited = "You are invited to the NGO Working Group directory"
    expected = {
        "arabic@example.org": translated("ar", invited),
        "spanish@example.org": translated("es", invited),
        "french@example.org": translated("fr", invited),
        # None of her languages is the site's: the inviter's (English from the command line).
        "none@example.org": invited,
        "empty@example.org": invited,
    }
    assert {email: subject(mailbox.to(email)[0]) for email in expected} == expected
    # The page of her link speaks it as well, whatever her browser asks for.
    link = next(link for link in mailbox.links("arabic@example.org") if "/auth/invite/" in link)
    page = app.test_client().get(
        link.split("directory.test", 1)[1], headers={"Accept-Language": "en"}
    )
    assert lang_dir(page.get_data(as_text=True)) == ("ar", "rtl")

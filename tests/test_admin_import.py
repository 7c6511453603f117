"""Importing through the secretariat's pages: preview first, nothing written until confirmed."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import Organization, User
from ngowg_directory.services.importer import PEOPLE_COLUMNS

HEADER = ",".join(PEOPLE_COLUMNS)


def people_csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def upload(client, data: bytes, kind: str = "people", filename: str = "people.csv"):
    token = client.csrf_token("/admin/import")
    return client.post(
        "/admin/import",
        data={"csrf_token": token, "kind": kind, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def admin_client(app, client, make_user, make_org, login):
    make_org("wilpf", "WILPF")
    login(client, make_user("admin"))
    return client


def count_users() -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)))


def test_preview_reports_every_row_and_writes_nothing(admin_client, mailbox, make_user):
    make_user("staff", org="wilpf", name="Existing Member", email="existing@example.org")
    before = count_users()
    data = people_csv(
        "good@example.org,Good Person,defender,wilpf,,SD,,,,SD,crsv,ar,,yes",
        "not-an-email,Bad Email,staff,,,,,,,,,,,",
        "x@example.org,Unknown Country,staff,,,XX,,,,,,,,",
        "y@example.org,Unknown Org,staff,nope,,,,,,,,,,",
        "existing@example.org,Again,staff,,,,,,,,,,,",
        "z@example.org,Existing Membr,staff,wilpf,,,,,,,,,,",
        'f@example.org,=HYPERLINK("http://evil.example"),staff,,,,,,,,,,,',
    )
    response = upload(admin_client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 row can be imported" in html and "6 rows will be left out" in html
    for message in (
        "not a valid e-mail address",
        "Unknown country code XX",
        "unknown organisation nope",
        "already exists",
        "looks like Existing Member",
        "spreadsheet formula",
    ):
        assert message in html, message
    assert count_users() == before and mailbox.messages == []
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    confirm = admin_client.form(
        "/admin/import/confirm", {"token": token, "kind": "people"}, page="/admin/import"
    )
    assert confirm.headers["Location"] == "/admin/people"
    assert count_users() == before + 1
    assert [m["To"] for m in mailbox.messages] == ["good@example.org"]
    again = admin_client.form(
        "/admin/import/confirm", {"token": token, "kind": "people"}, page="/admin/import"
    )
    assert again.headers["Location"] == "/admin/import", "a preview is used once"
    assert count_users() == before + 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("name,é\n".encode("latin-1"), "not UTF-8"),
        (b"email,name\nx@example.org,X\n", "must name the columns"),
        (bytes(range(256)) * 50, "not UTF-8"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message(admin_client, data, message):
    before = count_users()
    response = upload(admin_client, data)
    assert response.headers["Location"] == "/admin/import"
    assert message in admin_client.get("/admin/import").get_data(as_text=True)
    assert count_users() == before


def test_an_oversized_file_is_refused(admin_client, app):
    response = upload(admin_client, b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10))
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


def test_organisations_import_through_the_pages(admin_client):
    data = b"name,slug,kind,website,headquarters_country,focus\nNew Org,new-org,partner,,KE,Peace\n"
    html = upload(admin_client, data, kind="orgs").get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    admin_client.form(
        "/admin/import/confirm", {"token": token, "kind": "orgs"}, page="/admin/import"
    )
    assert db.session.scalar(sa.select(Organization).where(Organization.slug == "new-org"))


def test_a_forged_token_imports_nothing(admin_client):
    response = admin_client.form(
        "/admin/import/confirm",
        {"token": "../../etc/passwd", "kind": "people"},
        page="/admin/import",
    )
    assert response.headers["Location"] == "/admin/import"

"""Importing through the secretariat's pages: preview first, nothing written until confirmed."""

from __future__ import annotations

import io
import os
import re
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask import request

from ngowg_directory.extensions import db
from ngowg_directory.models import Organization, User
from ngowg_directory.services import staging
from ngowg_directory.services.importer import PEOPLE_COLUMNS

from .conftest import FIELD_KEY, build_app

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


def test_an_imported_person_with_none_of_the_sites_languages_is_invited_in_the_inviters(
    admin_client, mailbox
):
    from .test_i18n import subject, translated

    admin_client.form("/language", {"locale": "fr", "next": "/admin/import"})
    data = people_csv(
        "sw@example.org,Neema Mollel,defender,wilpf,,TZ,,,,SD,crsv,sw,,",
        "ar@example.org,Huda Saleh,defender,wilpf,,SD,,,,SD,crsv,sw;ar,,",
    )
    html = upload(admin_client, data).get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    admin_client.form(
        "/admin/import/confirm", {"token": token, "kind": "people"}, page="/admin/import"
    )
    invited = "You are invited to the NGO Working Group directory"
    assert subject(mailbox.to("sw@example.org")[0]) == translated("fr", invited)
    assert subject(mailbox.to("ar@example.org")[0]) == translated("ar", invited)


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


# --- the uploaded file while it waits: encrypted, private, gone at each end ------------------

CANARY_ROW = (
    "canary-q7x@example.org,Quillon Zafirah,defender,wilpf,,SD,Zqxville,0912 345 678,"
    "Signal canary-k9w2,SD,crsv,ar,Bio canary-b3v8,yes"
)
# Stored encrypted once imported: never in clear on disk, before or after.
SEALED = ("Zqxville", "0912 345 678", "912345678", "canary-k9w2")
# Not imported yet: nothing of the row anywhere on disk.
EVERYTHING = (*SEALED, "canary-q7x", "Quillon Zafirah", "canary-b3v8")


def files_holding(root: Path, canaries: tuple[str, ...]) -> dict[str, list[str]]:
    """Every file under `root` that holds one of the values in clear, by value."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        content = path.read_bytes()
        for canary in canaries:
            if canary.encode() in content:
                found.setdefault(canary, []).append(str(path.relative_to(root)))
    return found


def staged(app) -> list[Path]:
    folder = Path(app.instance_path) / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def preview_token(client, data: bytes) -> str:
    response = upload(client, data)
    assert response.status_code == 200, response.headers.get("Location")
    match = re.search(r'name="token" value="([0-9a-f]{32})"', response.get_data(as_text=True))
    assert match, "the preview offers to import"
    return match.group(1)


def check_waiting_file(app, tmp_path: Path, data: bytes) -> Path:
    """While the preview waits: one staged file, 0600 in a 0700 folder, encrypted."""
    (path,) = staged(app)
    assert path.stat().st_mode & 0o777 == 0o600, oct(path.stat().st_mode)
    assert path.parent.stat().st_mode & 0o777 == 0o700, oct(path.parent.stat().st_mode)
    assert files_holding(tmp_path, EVERYTHING) == {}
    # It is the file itself, sealed with the field key (not a copy kept elsewhere).
    assert Fernet(FIELD_KEY.encode()).decrypt(path.read_bytes()) == data
    return path


@pytest.fixture
def canary_file() -> bytes:
    return people_csv(CANARY_ROW, "other@example.org,Other Person,staff,wilpf,,,,,,,,,,")


def test_a_cancelled_preview_leaves_nothing_on_disk(admin_client, app, tmp_path, canary_file):
    token = preview_token(admin_client, canary_file)
    check_waiting_file(app, tmp_path, canary_file)
    page = admin_client.get("/admin/import")  # the preview page's own button posts here
    assert page.status_code == 200
    response = admin_client.form(
        "/admin/import/cancel", {"token": token, "kind": "people"}, page="/admin/import"
    )
    assert response.headers["Location"] == "/admin/import"
    html = admin_client.get("/admin/import").get_data(as_text=True)
    assert "Import cancelled: the uploaded file is deleted and nothing was imported." in html
    assert staged(app) == []
    assert files_holding(tmp_path, EVERYTHING) == {}
    assert db.session.scalar(sa.select(User).where(User.email == "canary-q7x@example.org")) is None
    # The cancelled preview cannot be imported afterwards.
    again = admin_client.form(
        "/admin/import/confirm", {"token": token, "kind": "people"}, page="/admin/import"
    )
    assert again.headers["Location"] == "/admin/import"
    assert "This preview was already imported or has expired." in admin_client.get(
        "/admin/import"
    ).get_data(as_text=True)


def test_the_preview_page_offers_to_cancel_and_says_what_it_does(admin_client, canary_file):
    html = upload(admin_client, canary_file).get_data(as_text=True)
    assert 'action="/admin/import/cancel"' in html
    assert "Cancel and delete the uploaded file" in html
    assert "kept encrypted on the server for an hour at most" in html


def test_a_confirmed_preview_leaves_no_file_and_nothing_in_clear(
    admin_client, app, tmp_path, canary_file, mailbox
):
    token = preview_token(admin_client, canary_file)
    check_waiting_file(app, tmp_path, canary_file)
    response = admin_client.form(
        "/admin/import/confirm", {"token": token, "kind": "people"}, page="/admin/import"
    )
    assert response.headers["Location"] == "/admin/people"
    assert db.session.scalar(sa.select(User).where(User.email == "canary-q7x@example.org"))
    assert staged(app) == []
    assert files_holding(Path(app.instance_path), EVERYTHING) == {}
    # The database file and its journal (beside the instance folder in the tests) hold the
    # contact details encrypted only.
    assert files_holding(tmp_path, SEALED) == {}


@pytest.mark.parametrize("end", ["page visit", "confirmation", "app start"])
def test_a_preview_left_waiting_an_hour_is_deleted(
    admin_client, app, tmp_path, canary_file, database_url, end
):
    token = preview_token(admin_client, canary_file)
    path = check_waiting_file(app, tmp_path, canary_file)
    an_hour_ago = time.time() - staging.MAX_AGE - 1
    os.utime(path, (an_hour_ago, an_hour_ago))
    if end == "page visit":
        assert admin_client.get("/admin/import").status_code == 200
    elif end == "confirmation":
        response = admin_client.form(
            "/admin/import/confirm", {"token": token, "kind": "people"}, page="/admin/import"
        )
        assert response.headers["Location"] == "/admin/import"
        assert "This preview was already imported or has expired." in admin_client.get(
            "/admin/import"
        ).get_data(as_text=True)
    else:
        build_app(Path(app.instance_path), database_url)  # another worker starting
    assert staged(app) == []
    assert files_holding(tmp_path, EVERYTHING) == {}
    assert db.session.scalar(sa.select(User).where(User.email == "canary-q7x@example.org")) is None


def test_a_fresh_preview_survives_the_sweep(admin_client, app, canary_file):
    preview_token(admin_client, canary_file)
    admin_client.get("/admin/import")
    assert len(staged(app)) == 1, "a preview younger than an hour is kept"


def test_files_in_clear_left_by_an_earlier_version_are_deleted(admin_client, app, canary_file):
    folder = Path(app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    legacy = folder / f"{'a' * 32}.people.csv"
    legacy.write_bytes(canary_file)
    admin_client.get("/admin/import")
    assert not legacy.exists()


def test_a_file_with_nothing_to_import_is_not_kept(admin_client, app):
    html = upload(admin_client, people_csv("not-an-email,Bad Email,staff,,,,,,,,,,,")).get_data(
        as_text=True
    )
    assert "Nothing in this file can be imported, so it was not kept." in html
    assert 'name="token"' not in html
    assert staged(app) == []


def test_another_admin_cannot_confirm_or_cancel_a_preview(
    admin_client, app, new_client, make_user, login, canary_file
):
    token = preview_token(admin_client, canary_file)
    other = new_client()
    login(other, make_user("admin"))
    for action in ("confirm", "cancel"):
        response = other.form(
            f"/admin/import/{action}", {"token": token, "kind": "people"}, page="/admin/import"
        )
        assert response.headers["Location"] == "/admin/import", action
    assert len(staged(app)) == 1
    assert db.session.scalar(sa.select(User).where(User.email == "canary-q7x@example.org")) is None


def test_an_uploaded_file_stays_in_memory(app):
    """Werkzeug spools uploads over 500 KB to a temporary file: contact details in clear."""
    big = people_csv(*[CANARY_ROW] * 5000)
    assert len(big) > 500 * 1024
    with app.test_request_context(
        "/admin/import",
        method="POST",
        data={"kind": "people", "file": (io.BytesIO(big), "people.csv")},
        content_type="multipart/form-data",
    ):
        stream = request.files["file"].stream
        assert isinstance(stream, io.BytesIO), type(stream)
        assert stream.getvalue() == big


# --- confirmation is used once, however many arrive at once ----------------------------------


def test_simultaneous_confirmations_import_the_rows_exactly_once(
    admin_client, app, new_client, mailbox
):
    rows = [f"p{i}@example.org,{name} Once,staff,wilpf,,,,,,,,,," for i, name in enumerate(NAMES)]
    token = preview_token(admin_client, people_csv(*rows))
    csrf = admin_client.csrf_token("/admin/import")
    cookie = app.config["SESSION_COOKIE_NAME"]
    session_value = admin_client.get_cookie(cookie).value
    clients = []
    for _ in range(4):
        browser = new_client()
        browser.set_cookie(cookie, session_value)
        clients.append(browser)
    before = count_users()
    barrier = threading.Barrier(len(clients))
    answers: list[str] = []

    def confirm(browser) -> None:
        barrier.wait()
        response = browser.post(
            "/admin/import/confirm",
            data={"csrf_token": csrf, "token": token, "kind": "people"},
        )
        answers.append(f"{response.status_code} {response.headers.get('Location')}")

    threads = [threading.Thread(target=confirm, args=(browser,)) for browser in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answers) == ["302 /admin/import"] * 3 + ["302 /admin/people"], answers
    db.session.expire_all()
    assert count_users() == before + len(rows)
    assert sorted(m["To"] for m in mailbox.messages) == sorted(
        f"p{i}@example.org" for i in range(5)
    )
    losers = [b for b in clients if "already imported" in b.get("/admin/import").get_data(True)]
    assert len(losers) == 3
    assert staged(app) == []


NAMES = ("Amina", "Bertha", "Chiara", "Dalia", "Esther")


# --- a large file previews within a worker's time ---------------------------------------------


def test_forty_thousand_rows_of_one_organisation_preview_through_the_page(admin_client, app):
    """gunicorn kills a worker after 30 s; comparing every pair of names took 50 s. The
    worker's CPU time is what the page costs (the wall clock also counts the other programs
    sharing this machine's cores)."""
    from .test_import import crowded_names

    names = crowded_names(40_000, seed=40)
    rows = [
        f"p{i}@example.org,{name},staff,wilpf,Programme officer,SD,,,,SD;SS,crsv,en;fr,,"
        for i, name in enumerate(names)
    ]
    data = people_csv(*rows)
    assert len(data) < app.config["MAX_CONTENT_LENGTH"]
    start, cpu = time.perf_counter(), time.thread_time()
    response = upload(admin_client, data)
    seconds, cpu = time.perf_counter() - start, time.thread_time() - cpu
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    print(f"40,000-row preview through the page: {seconds:.1f} s, {cpu:.1f} s of CPU")
    assert cpu < 30, f"the preview took {cpu:.1f} s of CPU"
    added = int(re.search(r"<strong>([\d,]+) rows can be imported", html).group(1).replace(",", ""))
    assert added >= 39_900, added
    assert "Showing 1,000 of 40,000 lines" in html
    assert "ngowg import-people FILE.csv" in html, "the page suggests the command line"
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    admin_client.form(
        "/admin/import/cancel", {"token": token, "kind": "people"}, page="/admin/import"
    )
    assert staged(app) == []

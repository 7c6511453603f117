"""Open redirects: every redirect target read from a request leads to a path on this site.

A corpus of known bypasses is checked on `urls.safe_local_path` itself, and end to end through
each page that redirects to a target it was given: sign-in's `next` (signed in and not), the
two-factor step, re-authentication and the language switch. Where a target is refused the
page goes home; the Location header is then also read the way a browser reads it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import User
from ngowg_directory.services import twofactor
from ngowg_directory.urls import MAX_LENGTH, safe_local_path

from .conftest import PASSWORD, totp_now

SITE = "directory.test"
EVIL = "evil.example"

REFUSED = [
    # Control characters and whitespace anywhere (browsers drop tab, CR and LF inside a URL,
    # and strip leading C0 controls and spaces).
    f"/\t/{EVIL}",
    f"/%09/{EVIL}",
    f"/\n/{EVIL}",
    f"/%0A/{EVIL}",
    f"/\r/{EVIL}",
    f"/%0d/{EVIL}",
    f"/\x00/{EVIL}",
    f"/%00/{EVIL}",
    f"/\x0b/{EVIL}",
    f"/\x0c/{EVIL}",
    f"/\x1f/{EVIL}",
    f"/\x7f/{EVIL}",
    f"/\u0085/{EVIL}",
    f"/\u00a0/{EVIL}",
    f"/\u1680/{EVIL}",
    f"/\u2028/{EVIL}",
    f"/\u2029/{EVIL}",
    f"/\u200b/{EVIL}",
    f"/\u202e/{EVIL}",
    f"/\u3000/{EVIL}",
    f"/\ufeff/{EVIL}",
    f"/%C2%85/{EVIL}",
    f"/%E2%80%A8/{EVIL}",
    f"/%E3%80%80/{EVIL}",
    f"/%20/{EVIL}",
    f"/ /{EVIL}",
    f"/account\r\nLocation: https://{EVIL}/",
    f"/%0d%0aLocation:%20https://{EVIL}/",
    f"/{EVIL}\t",
    # Leading whitespace or control before two slashes.
    f" //{EVIL}",
    f"\t//{EVIL}",
    f"\n//{EVIL}",
    f"\x00//{EVIL}",
    f"\u2028//{EVIL}",
    # Backslashes (a browser reads them as slashes in http URLs).
    f"/\\{EVIL}",
    f"\\\\{EVIL}",
    f"\\/{EVIL}",
    f"/\\/{EVIL}",
    f"//\\{EVIL}",
    f"/%5C{EVIL}",
    f"/%5c{EVIL}",
    f"/%5C%5C{EVIL}",
    f"%5C%5C{EVIL}",
    f"/%255C{EVIL}",
    # Encoded slashes, once, twice and three times.
    f"/%2F/{EVIL}",
    f"/%2f/{EVIL}",
    f"%2F%2F{EVIL}",
    f"/%2F%2F{EVIL}",
    f"/%252F/{EVIL}",
    f"/%25252F/{EVIL}",
    f"/%2525252F/{EVIL}",
    # Two slashes or more: another host.
    f"//{EVIL}",
    f"///{EVIL}",
    f"////{EVIL}",
    f"//{EVIL}/%2F..",
    f"//{EVIL}:443/",
    # Userinfo.
    f"//user@{EVIL}",
    f"//user:password@{EVIL}/",
    f"//{SITE}@{EVIL}",
    f"https://{SITE}@{EVIL}/",
    # Schemes.
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    f"http:{EVIL}",
    f"http:/{EVIL}",
    f"http://{EVIL}",
    f"https://{EVIL}/",
    f"HTTPS://{EVIL}/",
    f"ftp://{EVIL}/",
    f"http://{SITE}/account",  # on this site, but not a path: refused all the same
    # Relative references that are not an absolute path.
    EVIL,
    f"{EVIL}/account",
    f".//{EVIL}",
    f"../{EVIL}",
    "?next=/",
    "#top",
    # Dot segments (resolved by the browser).
    "/./account",
    f"/.//{EVIL}",
    f"/../{EVIL}",
    f"/%2E%2E/{EVIL}",
    f"/%2e/%2f{EVIL}",
    # Unicode look-alikes of the slash and the backslash, raw and encoded.
    f"/\uff0f{EVIL}",
    f"\uff0f\uff0f{EVIL}",
    f"/\uff3c{EVIL}",
    f"/\u2215{EVIL}",
    f"/\u2044{EVIL}",
    f"/\u3002{EVIL}",
    f"/%EF%BC%8F{EVIL}",
    f"/%EF%BC%BC{EVIL}",
    # Malformed escapes and very long values.
    "/%FF",
    "/" + "a" * MAX_LENGTH,
    "/" + "%2F" * 5000,
    "",
]

KEPT = [
    "/",
    "/account/security",
    "/people/12",
    "/orgs/wilpf/people",
    "/directory?q=Sudan&country=SD",
    "/directory?q=%D8%A7%D9%84%D8%B3%D9%88%D8%AF%D8%A7%D9%86&page=2",
    "/directory?q=a%2F%2Fb",
    f"/@{EVIL}",  # a path of this site
    f"/{EVIL}",  # likewise
    f"/%E3%80%82{EVIL}",  # the ideographic full stop is a dot only inside a host name
    "/account#two-factor",
]


def lands_on(location: str) -> str | None:
    """The host a browser goes to from this Location, read as leniently as browsers do."""
    cleaned = location.strip("".join(chr(c) for c in range(33)))
    cleaned = "".join(ch for ch in cleaned if ch not in "\t\n\r").replace("\\", "/")
    return urlsplit(urljoin(f"http://{SITE}/auth/login", cleaned)).hostname


@pytest.mark.parametrize("target", REFUSED, ids=repr)
def test_refused_targets(target):
    assert safe_local_path(target) is None


@pytest.mark.parametrize("target", KEPT, ids=repr)
def test_paths_on_this_site_are_kept(target):
    assert safe_local_path(target) == target


def test_nothing_but_text_is_a_target():
    assert safe_local_path(None) is None
    assert safe_local_path(["/"]) is None  # type: ignore[arg-type]


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    # Hundreds of sign-ins from one test address: the limit is not what is tested here.
    return {"RATELIMIT_LOGIN": "100000 per minute"}


def wrong_answers(responses: list[tuple[str, Any]]) -> list[tuple[str, str | None]]:
    """The targets whose redirect does not go where it should, with where it went."""
    wrong = []
    for target, response in responses:
        location = response.headers.get("Location")
        expected = target if target in KEPT else "/"
        if response.status_code != 302 or location != expected or lands_on(location) != SITE:
            wrong.append((target, location or str(response.status_code)))
    return wrong


CORPUS = REFUSED + KEPT


def test_sign_in_leads_only_to_this_site(app, new_client, make_user):
    user = make_user("defender")
    answers = []
    for target in CORPUS:
        browser = new_client()
        answers.append(
            (
                target,
                browser.form(
                    "/auth/login",
                    {"email": user.email, "password": PASSWORD},
                    query_string={"next": target},
                ),
            )
        )
    assert wrong_answers(answers) == []


def test_a_signed_in_person_is_sent_only_to_this_site(app, client, make_user, login):
    login(client, make_user("defender"))
    answers = []
    for target in CORPUS:
        answers.append((target, client.get("/auth/login", query_string={"next": target})))
        answers.append(
            (
                target,
                client.form(
                    "/auth/login",
                    {"email": "x@example.org", "password": "x"},
                    query_string={"next": target},
                ),
            )
        )
    assert wrong_answers(answers) == []


def test_the_two_factor_step_leads_only_to_this_site(app, new_client, make_user):
    user = make_user("defender", totp=True)
    answers = []
    codes: list[str] = []
    for target in CORPUS:
        if not codes:
            codes = twofactor.regenerate_recovery_codes(user, event=None)
            db.session.commit()
        browser = new_client()
        first = browser.form(
            "/auth/login",
            {"email": user.email, "password": PASSWORD},
            query_string={"next": target},
        )
        assert first.headers["Location"] == "/auth/two-factor"
        answers.append((target, browser.form("/auth/two-factor", {"code": codes.pop()})))
    assert wrong_answers(answers) == []


def test_reauthentication_leads_only_to_this_site(app, client, make_user, login):
    admin = make_user("admin")
    login(client, admin)
    answers = []
    for target in CORPUS:
        # Each confirmation spends a step; let the clock move on for the next one.
        db.session.execute(sa.update(User).where(User.id == admin.id).values(totp_last_step=None))
        db.session.commit()
        answers.append(
            (
                target,
                client.form(
                    "/auth/reauthenticate",
                    {"password": PASSWORD, "code": totp_now(admin)},
                    page="/auth/reauthenticate",
                    query_string={"next": target},
                ),
            )
        )
    assert wrong_answers(answers) == []


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_language_switch_leads_only_to_this_site(app, client, make_user, login, signed_in):
    if signed_in:
        login(client, make_user("defender"))
    answers = [
        (target, client.form("/language", {"locale": "fr", "next": target})) for target in CORPUS
    ]
    assert wrong_answers(answers) == []

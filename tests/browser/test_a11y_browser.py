"""axe-core (WCAG 2.1 A and AA) on every main page, in English and in Arabic.

axe is injected from tests/browser/node_modules (npm ci): the pages' CSP rightly refuses
inline scripts, so only these tests use a browser context that bypasses it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import Browser
from .helpers import (
    AXE_SCRIPT,
    axe_violations,
    describe_violations,
    seed_directory,
    sign_in,
    switch_language,
)

pytestmark = pytest.mark.browser

ANONYMOUS_PAGES = ["/auth/login", "/auth/reset", "/safety", "/no-such-page"]


def check(page: Page, path: str, found: dict, browser: Browser, locale: str) -> None:
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", locale)
    violations = axe_violations(page)
    if violations:
        found[path] = violations
        browser.shot(page, "axe-" + path.strip("/").replace("/", "-").replace("?", "-")[:40])


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_main_pages_have_no_axe_violations(
    browser: Browser, make_user, make_org, locale: str
) -> None:
    assert AXE_SCRIPT.is_file(), "run `npm ci` in tests/browser to install axe-core"
    people = seed_directory(make_user, make_org)
    viewer, person = people[2], people[0]
    admin = make_user("admin", name="Sara Okafor", totp=True)
    found: dict[str, list] = {}

    anonymous = browser.new_page(bypass_csp=True)
    anonymous.goto("/auth/login")
    switch_language(anonymous, locale)
    for path in ANONYMOUS_PAGES:
        check(anonymous, path, found, browser, locale)

    page = browser.new_page(bypass_csp=True)
    sign_in(page, viewer)
    switch_language(page, locale)
    for path in [
        "/directory",
        "/directory?q=a&country=SD&theme=crsv",
        "/directory/organizations",
        f"/people/{person.id}",
        "/orgs/wilpf",
        "/connections",
        "/account/profile",
        "/account/privacy",
        "/account/security",
        "/account/tokens",
        "/safety",
        "/no-such-page",
    ]:
        check(page, path, found, browser, locale)

    secretariat = browser.new_page(bypass_csp=True)
    sign_in(secretariat, admin)
    switch_language(secretariat, locale)
    for path in ["/admin/", "/admin/people"]:
        check(secretariat, path, found, browser, locale)

    assert found == {}, "axe-core found violations:\n" + describe_violations(found)

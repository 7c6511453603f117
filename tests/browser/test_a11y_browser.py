"""axe-core (WCAG 2.1 A and AA, and its best practices) on every main page, in each of the
nine languages; the keyboard path through the search page (English and Arabic).

axe is injected from tests/browser/node_modules (npm ci): the pages' CSP rightly refuses
inline scripts, so only these tests use a browser context that bypasses it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ngowg_directory import i18n
from ngowg_directory.extensions import db
from ngowg_directory.services import connections

from .conftest import Browser
from .helpers import (
    AXE_SCRIPT,
    axe_violations,
    describe_violations,
    make_listed,
    seed_directory,
    sign_in,
    switch_language,
)

pytestmark = pytest.mark.browser

ANONYMOUS_PAGES = ["/auth/login", "/auth/reset", "/safety", "/no-such-page"]


def check(page: Page, path: str, found: dict, browser: Browser, locale: str) -> None:
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", i18n.language_tag(locale))
    violations = axe_violations(page)
    if violations:
        found[path] = violations
        name = path.strip("/").replace("/", "-").replace("?", "-")[:40]
        browser.shot(page, f"axe-{locale}-{name}")


# The people a viewer of each language has to do with, named as people of that language are.
NAMES = {
    "en": ("Eva Lindqvist", "Rosa Mwangi", "Noura Fadel"),
    "fr": ("Claire Dubois", "Aminata Traoré", "Mariam Koné"),
    "es": ("Lucía Romero", "Paula Herrera", "Camila Ríos"),
    "ar": ("ريم منصور", "هالة يوسف", "سارة عمر"),
    "ru": ("Анна Соколова", "Мадина Юсупова", "Ирина Петрова"),
    "zh": ("王芳", "李娜", "陈静"),
    "fa": ("مریم رحیمی", "فرشته کریمی", "نرگس احمدی"),
    "ps": ("ملالۍ اڅکزۍ", "شکیلا وردګ", "زرغونه کاکړ"),
    "uk": ("Оксана Шевченко", "Ірина Бондар", "Олена Мельник"),
}


@pytest.mark.parametrize("locale", i18n.LANGUAGES)
def test_main_pages_have_no_axe_violations(
    browser: Browser, make_user, make_org, locale: str
) -> None:
    assert AXE_SCRIPT.is_file(), "run `npm ci` in tests/browser to install axe-core"
    people = seed_directory(make_user, make_org)
    person = people[0]
    # A viewer of her own, with a request waiting for her, one she sent, and a connection,
    # so that /connections shows every kind of row.
    names = NAMES[locale]
    viewer = make_listed(make_user, "policy_maker", names[0], country="US")
    incoming = make_listed(make_user, "defender", names[1])
    connected = make_listed(make_user, "defender", names[2])
    message = "About the women's protection advisers in the mission, 2026."
    connections.ask(incoming, viewer, message)
    connections.ask(viewer, person, message)
    connections.answer(connections.ask(viewer, connected, message), connected, "accept")
    db.session.commit()
    admin = make_user("admin", name="Sara Okafor", totp=True)
    found: dict[str, list] = {}

    anonymous = browser.new_page(bypass_csp=True)
    anonymous.goto("/auth/login")
    switch_language(anonymous, locale)
    for path in ANONYMOUS_PAGES:
        check(anonymous, path, found, browser, locale)
    # The sign-in form with its error shown.
    anonymous.goto("/auth/login")
    anonymous.fill("main input[name=email]", "nobody@example.org")
    anonymous.press("main input[name=email]", "Enter")
    expect(anonymous.locator("main input[aria-invalid=true]").first).to_be_visible()
    if violations := axe_violations(anonymous):
        found["/auth/login (with errors)"] = violations

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
        f"/people/{connected.id}",
        "/account/profile",
        "/account/privacy",
        "/account/consent",
        "/account/security",
        "/account/tokens",
        "/account/reveals",
        "/safety",
        "/no-such-page",
    ]:
        check(page, path, found, browser, locale)

    secretariat = browser.new_page(bypass_csp=True)
    sign_in(secretariat, admin)
    switch_language(secretariat, locale)
    for path in [
        "/admin/",
        "/admin/people",
        f"/admin/people/{person.id}",
        "/admin/organizations",
        "/admin/invitations",
        "/admin/import",
        "/admin/audit",
        "/orgs/wilpf/people",
    ]:
        check(secretariat, path, found, browser, locale)

    assert found == {}, "axe-core found violations:\n" + describe_violations(found)


FOCUS_STATE = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  const box = e.getBoundingClientRect();
  return {tag: e.tagName, id: e.id, cls: e.className, outline: style.outlineStyle,
          width: parseFloat(style.outlineWidth), visible: box.width > 0 && box.height > 0
            && box.top >= 0 && box.left >= 0 && box.right <= innerWidth};
}"""


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_keyboard_reaches_everything_with_a_visible_focus(
    browser: Browser, make_user, make_org, locale: str
) -> None:
    people = seed_directory(make_user, make_org)
    page = browser.new_page()
    sign_in(page, people[2])
    switch_language(page, locale)
    page.goto("/directory")

    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUS_STATE)
    assert skip["cls"] == "skip" and skip["visible"], skip
    browser.shot(page, "skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    seen = []
    for _ in range(14):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        seen.append(state)
        assert state["outline"] == "solid" and state["width"] >= 2, state
        assert state["visible"], state
    # After the skip link, focus goes through the page's own content first: the search.
    tags = [s["tag"] for s in seen]
    assert "INPUT" in tags and "SELECT" in tags and "BUTTON" in tags, seen
    assert seen[0]["tag"] == "A", seen
    browser.shot(page, "focus")

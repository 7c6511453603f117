"""The search page and a profile in each of the nine languages, on a phone and on a desktop.

Each screenshot is kept in test-artifacts/browser/ to be looked at; the checks here are the
layout faults a person would see: anything wider than the window, a mirrored layout that is
not mirrored, the heading or results missing. With UPDATE_SCREENSHOTS=1 the English desktop
search page and the Arabic phone search page are written to docs/img/ for the README."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ngowg_directory import i18n

from .conftest import DOCS_IMG, Browser, update_screenshots
from .helpers import seed_directory, sign_in, switch_language

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
DOCS = {("en", "desktop"): "directory", ("ar", "phone"): "directory-ar-phone"}


def fits(page: Page) -> None:
    """Nothing is wider than the window (no sideways scrolling)."""
    overflow = page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const wide = [...document.querySelectorAll('body *')].filter((e) => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && (r.right > width + 1 || r.left < -1);
          }).filter((e) => !e.closest('.skip, .visually-hidden'));
          return [document.documentElement.scrollWidth - width,
                  wide.slice(0, 5).map((e) => e.tagName + '.' + e.className)];
        }"""
    )
    assert overflow == [0, []], f"wider than the window: {overflow}"


def mirrored(page: Page, locale: str) -> None:
    """Right to left (Arabic, Dari, Pashto) the heading starts at the right edge, left to
    right at the left."""
    box = page.locator("main h1").bounding_box()
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert box is not None
    if i18n.text_direction(locale) == "rtl":
        assert width - (box["x"] + box["width"]) < width / 4, box
    else:
        assert box["x"] < width / 4, box


def results_first(page: Page, size: str) -> None:
    """On a phone the filters wait behind their disclosure and the first result is on the
    first screen; on a wide screen the filters are shown without a click."""
    first = page.locator("ol.results > li").first.bounding_box()
    height = page.viewport_size["height"] if page.viewport_size else 0
    assert first is not None
    if size == "phone":
        expect(page.locator("#f-country")).to_be_hidden()
        assert first["y"] + 40 < height, f"the first result starts at {first['y']} px"
        page.locator("details.filters > summary").click()
        expect(page.locator("#f-country")).to_be_visible()
        page.locator("details.filters > summary").click()
    else:
        expect(page.locator("#f-country")).to_be_visible()
        expect(page.locator("details.filters > summary")).to_be_hidden()


@pytest.mark.parametrize("locale", i18n.LANGUAGES)
def test_search_page_and_profile_on_phone_and_desktop(
    browser: Browser, make_user, make_org, locale: str
) -> None:
    people = seed_directory(make_user, make_org)
    page = browser.new_page()
    sign_in(page, people[2])
    switch_language(page, locale)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.goto("/directory")
        expect(page.locator("ol.results > li")).to_have_count(20)
        fits(page)
        mirrored(page, locale)
        results_first(page, size)
        browser.shot(page, f"directory-{locale}-{size}")
        if update_screenshots() and (locale, size) in DOCS:
            DOCS_IMG.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=DOCS_IMG / f"{DOCS[locale, size]}.png")

        page.goto(f"/people/{people[0].id}")
        expect(page.locator("main h1")).to_have_text(people[0].name)
        fits(page)
        mirrored(page, locale)
        browser.shot(page, f"profile-{locale}-{size}")


def test_arabic_result_lines_keep_latin_fields_whole_and_separators_between(
    browser: Browser, make_user, make_org
) -> None:
    """On an Arabic phone, each field of a result line reads right to left in its order
    (badge, title, organisation, country), a Latin title or organisation name in one piece
    and each "·" between the two fields it separates."""
    people = seed_directory(make_user, make_org)
    page = browser.new_page()
    page.set_viewport_size(SIZES["phone"])
    sign_in(page, people[2])
    switch_language(page, "ar")
    page.goto("/directory")
    expect(page.locator("ol.results > li")).to_have_count(20)
    misplaced = page.evaluate(
        """() => [...document.querySelectorAll('ol.results p.meta')].flatMap((line) => {
          const parts = [...line.children];
          const faults = [];
          for (let i = 1; i < parts.length; i++) {
            const before = parts[i - 1].getClientRects(), after = parts[i].getClientRects();
            const end = before[before.length - 1], start = after[0];
            // On one visual line, a field starts to the left of the one before it (RTL).
            if (Math.abs(end.top - start.top) < 4 && start.right > end.left + 1) {
              faults.push(line.textContent.trim());
            }
          }
          return faults;
        })"""
    )
    assert misplaced == [], misplaced
    first_screen = browser.artifact("directory-ar-phone-first-screen.png")
    page.screenshot(path=first_screen)  # the first screen only, as a phone shows it

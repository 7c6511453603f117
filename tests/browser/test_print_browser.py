"""Printing a profile or an organisation page: the content only, black on white."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import Browser
from .helpers import make_listed, seed_directory, sign_in

pytestmark = pytest.mark.browser


def printed(page: Page, browser: Browser, name: str) -> None:
    """As printed: no menu, form, button or language switch; the heading; a PDF artefact."""
    page.emulate_media(media="print")
    for hidden in [
        "nav",
        "form",
        "form.language-switch",
        "form[action='/auth/logout']",
        "button",
        ".site-footer",
    ]:
        for element in page.locator(hidden).all():
            expect(element).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    colours = page.evaluate(
        """() => [getComputedStyle(document.querySelector('h1')).color,
                  getComputedStyle(document.body).backgroundColor,
                  getComputedStyle(document.querySelector('.site-header')).backgroundColor]"""
    )
    assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)", "rgb(255, 255, 255)"], colours
    browser.shot(page, f"{name}-print")
    pdf = browser.artifact(f"{name}.pdf")
    page.pdf(path=pdf, format="A4")
    assert pdf.read_bytes().startswith(b"%PDF")
    page.emulate_media(media="screen")
    expect(page.locator("nav[aria-label]").first).to_be_visible()


def test_profile_and_organisation_print_without_menus_or_forms(
    browser: Browser, make_user, make_org
) -> None:
    people = seed_directory(make_user, make_org)
    person = make_listed(make_user, "defender", "Huda Ali", email="huda@example.net")
    page = browser.new_page()
    sign_in(page, people[2])

    page.goto(f"/people/{person.id}")
    expect(page.locator("textarea[name=message]")).to_be_visible()
    printed(page, browser, "profile")
    expect(page.locator("textarea[name=message]")).to_be_visible()

    page.goto("/orgs/wilpf")
    printed(page, browser, "organisation")

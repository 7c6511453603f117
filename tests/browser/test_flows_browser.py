"""The directory's main journey in a real browser, step by step with a screenshot each:
sign in, search with filters, open a profile, ask for contact, accept it as the other person,
see the revealed detail, hide a profile and see it gone. In English, in Arabic, and in
English with JavaScript turned off."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from .conftest import Browser
from .helpers import make_listed, seed_directory, sign_in, switch_language

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Run:
    locale: str
    javascript: bool
    requester: str
    recipient: str
    surname: str
    email: str


RUNS = {
    "english": Run("en", True, "Mariam Osei", "Amal Haroun", "Haroun", "amal.h@example.net"),
    "arabic": Run("ar", True, "Lina Vargas", "Nadia Kamal", "Kamal", "nadia.k@example.net"),
    "no-javascript": Run("en", False, "Ana Ruiz", "Rim Saleh", "Saleh", "rim.s@example.net"),
}


def on_page(page: Page, run: Run) -> None:
    """The page is in the run's language and direction."""
    expect(page.locator("html")).to_have_attribute("lang", run.locale)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if run.locale == "ar" else "ltr")


def search(page: Page, run: Run) -> None:
    """Search by surname, country of work and theme through the search form."""
    page.goto("/directory")
    page.fill("form[role=search] input[name=q]", run.surname)
    page.select_option("form[role=search] select[name=country]", "SD")
    page.select_option("form[role=search] select[name=theme]", "crsv")
    page.click("form[role=search] button[type=submit]")
    on_page(page, run)


@pytest.mark.parametrize("name", list(RUNS))
def test_search_ask_accept_reveal_and_hide(
    browser: Browser, make_user, make_org, name: str
) -> None:
    run = RUNS[name]
    seed_directory(make_user, make_org)
    requester = make_listed(make_user, "policy_maker", run.requester, country="US")
    recipient = make_listed(
        make_user, "defender", run.recipient, country="SD", email=run.email, phone="+249912000111"
    )
    profile_path = f"/people/{recipient.id}"

    # 1. The policy-maker signs in (and picks her language).
    page = browser.new_page(java_script_enabled=run.javascript)
    sign_in(page, requester)
    switch_language(page, run.locale)
    on_page(page, run)
    browser.shot(page, "signed-in")

    # 2. She searches with text, country and theme: the person of that surname comes first
    # (other spellings of it may follow: Haroun finds Harun too).
    search(page, run)
    query = parse_qs(urlsplit(page.url).query)
    assert (query["q"], query["country"], query["theme"]) == ([run.surname], ["SD"], ["crsv"])
    results = page.locator("ol.results > li")
    expect(results.first).to_contain_text(run.recipient)
    expect(page.locator("ul.applied > li")).to_have_count(2)
    browser.shot(page, "search-with-filters")

    # 3. She opens the profile: the details kept for connections are not shown.
    results.first.get_by_role("link", name=run.recipient).click()
    expect(page).to_have_url(f"{browser.base_url}{profile_path}")
    expect(page.locator("h1")).to_have_text(run.recipient)
    expect(page.get_by_text(run.email)).to_have_count(0)
    on_page(page, run)
    browser.shot(page, "profile")

    # 4. She asks for contact with a message.
    page.fill("textarea[name=message]", "I advise the Council's experts group on Sudan, 2026.")
    page.click("form[action^='/connections/request/'] [type=submit]")
    expect(page).to_have_url(f"{browser.base_url}{profile_path}")
    expect(page.locator(".flash-success")).to_have_count(1)
    expect(page.locator("textarea[name=message]")).to_have_count(0)
    browser.shot(page, "contact-asked")

    # 5. The defender signs in elsewhere and accepts on /connections.
    other = browser.new_page(java_script_enabled=run.javascript)
    sign_in(other, recipient)
    switch_language(other, run.locale)
    other.goto("/connections")
    on_page(other, run)
    accept = other.locator("form[action$='/accept'] button[type=submit]")
    expect(accept).to_have_count(1)
    expect(other.locator("main")).to_contain_text(run.requester)
    browser.shot(other, "request-waiting")
    accept.click()
    expect(other.locator(".flash-success")).to_have_count(1)
    expect(other.locator("form[action$='/accept']")).to_have_count(0)
    browser.shot(other, "request-accepted")

    # 6. The policy-maker now sees the connections-only e-mail address.
    page.goto(profile_path)
    expect(page.get_by_text(run.email)).to_be_visible()
    expect(page.locator(f"a[href='mailto:{run.email}']")).to_have_count(1)
    browser.shot(page, "contact-revealed")

    # 7. The defender hides her profile on /account/privacy.
    other.goto("/account/privacy")
    other.click("form[action='/account/hide'] button[type=submit]")
    expect(other.locator("form[action='/account/show']")).to_have_count(1)
    on_page(other, run)
    browser.shot(other, "profile-hidden")

    # 8. The policy-maker's same search no longer finds her, and the profile is not found.
    search(page, run)
    expect(page.locator("h2#results-heading")).to_have_count(1)
    expect(page.get_by_text(run.recipient)).to_have_count(0)
    browser.shot(page, "search-after-hiding")
    response = page.goto(profile_path)
    assert response is not None and response.status == 404
    expect(page.get_by_text(run.email)).to_have_count(0)
    browser.shot(page, "profile-gone")

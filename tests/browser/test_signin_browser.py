"""Signing in and out in a real browser, as a member of the network would."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import Page, expect

from ..conftest import PASSWORD
from .conftest import Browser, save_doc_screenshot

pytestmark = pytest.mark.browser

SIGN_IN_URL = re.compile(r"/auth/login(\?.*)?$")
WRONG_PASSWORD = "The e-mail address or password is not right."


def sign_in_form(page: Page, email: str, password: str) -> None:
    """Fill the sign-in form by its labels and press the button."""
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_defender_signs_in_and_out(browser: Browser, make_user) -> None:
    defender = make_user("defender", name="Amina Diallo")
    page = browser.new_page()

    page.goto("/")
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("E-mail address")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_visible()
    browser.shot(page, "sign-in-page")
    save_doc_screenshot(page, "sign-in")

    sign_in_form(page, defender.email, "not the password at all")
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_role("alert")).to_contain_text(WRONG_PASSWORD)
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    browser.shot(page, "wrong-password")

    sign_in_form(page, defender.email, PASSWORD)
    expect(page).to_have_url(f"{browser.base_url}/")
    expect(page.locator(".signed-in")).to_contain_text("Amina Diallo")
    expect(page.get_by_role("heading", name="Find people")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    browser.shot(page, "start-page")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    browser.shot(page, "signed-out")

    page.goto("/")
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_text("Amina Diallo")).to_have_count(0)


def test_admin_signs_in_with_two_factor_code(browser: Browser, make_user) -> None:
    admin = make_user("admin", name="Sara Okafor", totp=True)
    authenticator = pyotp.TOTP(admin.totp_secret)
    page = browser.new_page()

    page.goto("/auth/login")
    sign_in_form(page, admin.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/auth/two-factor$"))
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    browser.shot(page, "two-factor-page")

    code = page.get_by_label("Code from your authenticator app, or a recovery code")
    good = authenticator.now()
    code.fill(f"{(int(good) + 500_000) % 1_000_000:06d}")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    browser.shot(page, "wrong-code")

    code.fill(authenticator.now())
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{browser.base_url}/")
    expect(page.locator(".signed-in")).to_contain_text("Sara Okafor")
    expect(page.get_by_role("heading", name="Find people")).to_be_visible()
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Secretariat")).to_be_visible()
    browser.shot(page, "start-page")


def test_sign_in_works_without_javascript(browser: Browser, make_user) -> None:
    staff = make_user("staff", name="Lucía Fernández", org="wilpf")
    page = browser.new_page(java_script_enabled=False)

    page.goto("/account/security")
    expect(page).to_have_url(SIGN_IN_URL)
    browser.shot(page, "sign-in-page")

    sign_in_form(page, staff.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/security$"))
    expect(page.get_by_role("heading", name="Sign-in and security", level=1)).to_be_visible()
    browser.shot(page, "deep-link-after-sign-in")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Directory").click()
    expect(page.locator(".signed-in")).to_contain_text("Lucía Fernández")
    expect(page.get_by_role("heading", name="Find people")).to_be_visible()
    browser.shot(page, "start-page")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    browser.shot(page, "signed-out")

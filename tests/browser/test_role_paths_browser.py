"""Each role's everyday path in a real browser, on a 390×844 phone, in English, in Arabic, in
Dari (right to left, Persian digits) and in Chinese, and in Arabic with JavaScript turned off:

- a defender, from her invitation to a decided request (first run: profile, audiences,
  agreement; then the request, with who sends it and what accepting shows them);
- a policy-maker, from a search to a revealed contact (and its contact card);
- an organisation's manager, from an invitation to a completed profile of her new colleague;
- the secretariat, from an import to its entry in the audit log.

Every step is checked as a person would see it (the page's language and direction, nothing
wider than the phone, the heading she expects) and kept as a screenshot in
test-artifacts/browser/; with JavaScript on, axe-core checks each step too (injected through
the driver, so the pages keep their own Content-Security-Policy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from ngowg_directory import i18n
from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import connections, invitations

from ..conftest import PASSWORD
from .conftest import Browser
from .helpers import (
    AXE_SCRIPT,
    AXE_TAGS,
    TOO_WIDE,
    describe_violations,
    make_listed,
    sign_in,
    switch_language,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Variant:
    locale: str
    javascript: bool

    @property
    def rtl(self) -> bool:
        return i18n.text_direction(self.locale) == "rtl"


VARIANTS = {
    "en-phone": Variant("en", True),
    "ar-phone": Variant("ar", True),
    "ar-phone-no-javascript": Variant("ar", False),
    "fa-phone": Variant("fa", True),
    "zh-phone": Variant("zh", True),
}
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' '))}));
}"""


class Walk:
    """One role's path: a phone-sized browser per person, each step checked and shot."""

    def __init__(self, browser: Browser, variant: Variant, tag: str) -> None:
        self.browser = browser
        self.variant = variant
        self.tag = tag
        self.violations: dict[str, list] = {}

    def phone(self) -> Page:
        return self.browser.new_page(viewport=PHONE, java_script_enabled=self.variant.javascript)

    def step(self, page: Page, name: str, heading: str | re.Pattern[str] | None = None) -> None:
        """The page is in her language and direction, fits the phone, has the heading (when
        given) and, with JavaScript on, no axe-core violation; then its screenshot."""
        html = page.locator("html")
        expect(html).to_have_attribute("lang", i18n.language_tag(self.variant.locale))
        expect(html).to_have_attribute("dir", "rtl" if self.variant.rtl else "ltr")
        if heading is not None:
            expect(page.locator("main h1")).to_have_text(heading)
        # A table may scroll sideways inside its own region; the region must fit the phone.
        too_wide = page.evaluate(TOO_WIDE)
        if too_wide:
            self.browser.shot(page, f"{self.tag}-{name}-too-wide")
        assert too_wide == [], f"{name}: wider than the phone: {too_wide}"
        if self.variant.javascript:
            if not page.evaluate("typeof window.axe !== 'undefined'"):
                page.evaluate(AXE_SCRIPT.read_text())
            if found := page.evaluate(AXE_RUN, AXE_TAGS):
                self.violations[f"{name} ({page.url})"] = found
        self.browser.shot(page, f"{self.tag}-{name}")

    def done(self) -> None:
        assert self.violations == {}, "axe-core:\n" + describe_violations(self.violations)


@pytest.fixture(params=list(VARIANTS))
def walk(request: pytest.FixtureRequest, browser: Browser) -> Walk:
    assert AXE_SCRIPT.is_file(), "run `npm ci` in tests/browser to install axe-core"
    return Walk(browser, VARIANTS[request.param], request.param)


def unique(walk: Walk, name: str) -> str:
    """An e-mail address of this variant (the SQLite file is shared by the session)."""
    return f"{name}.{walk.tag}@example.org"


def open_filters_if_folded(page: Page) -> None:
    """On a phone the filters wait behind their disclosure: open it as she would."""
    summary = page.locator("details.filters > summary")
    if summary.count() and not page.locator("#f-country").is_visible():
        summary.click()


def accept_invitation(walk: Walk, page: Page, link: str, name: str | None) -> None:
    """Open the invitation link, choose the language there, set a name and password."""
    page.goto(urlsplit(link).path)  # the e-mail's host is BASE_URL's; the path is the link
    switch_language(page, walk.variant.locale)
    walk.step(page, "invitation")
    if name is not None:
        page.fill("main input[name=name]", name)
    else:  # the name the inviter typed is kept
        expect(page.locator("main input[name=name]")).not_to_have_value("")
    page.fill("main input[name=password]", PASSWORD)
    page.fill("main input[name=confirm]", PASSWORD)
    page.locator("main form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account/consent$"))


def first_run(walk: Walk, page: Page, phone: str) -> None:
    """From the consent step: her profile, her audiences, then her agreement."""
    walk.step(page, "consent-step")
    checklist = page.locator("main ol.checklist > li")
    expect(checklist).to_have_count(3)
    checklist.nth(0).locator("a").click()
    expect(page.locator("nav.steps [aria-current=step]")).to_have_count(1)
    walk.step(page, "first-run-profile")
    page.fill("main input[name=title]", "Women protection monitor")
    page.select_option("main select[name=country]", "SD")
    page.locator("main input[name=situations][value=SD]").check()
    page.locator("main input[name=themes][value=crsv]").check()
    page.locator("main input[name=languages][value=ar]").check()
    page.fill("main textarea[name=bio]", "Documents violations in Darfur since 2019.")
    page.locator("main form.panel [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account/privacy\?first_run=1$"))
    walk.step(page, "first-run-audiences")
    page.fill("main input[name=phone_value]", phone)
    page.locator("#detail-phone input[value=connections]").check()
    page.locator("form[action^='/account/privacy'] [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account/consent$"))
    expect(page.locator("main ol.checklist > li").nth(0).locator(".badge")).to_have_count(1)
    walk.step(page, "consent-ready")
    page.locator("form[action='/account/consent'] [type=submit]").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    expect(page.locator(".consent-notice")).to_have_count(0)
    walk.step(page, "listed")


def test_a_defender_from_her_invitation_to_a_decided_request(walk: Walk, make_user) -> None:
    email = unique(walk, "hawa")
    sent = invitations.invite(email, "defender")
    db.session.commit()
    asker_name = {"fa-phone": "مریم کریمی", "zh-phone": "刘芳"}.get(
        walk.tag, f"Helen Brandt {walk.tag}"
    )
    asker = make_listed(make_user, "policy_maker", asker_name, country="DE")
    asker.verified_at = utcnow()
    asker.profile.title = "Political coordinator, Council team"
    db.session.commit()

    page = walk.phone()
    name = {"fa-phone": "زرغونه احمدی", "zh-phone": "张静"}.get(walk.tag, "Hawa Adam")
    accept_invitation(walk, page, sent.link, name)
    first_run(walk, page, "+249 912 000 222")

    # A verified policy-maker asks for contact; the menu counts it, /connections shows who
    # asks, what accepting shows them (her phone) and what each answer does.
    db.session.expire_all()  # she changed her profile through the server
    defender = db.session.scalar(sa.select(User).where(User.email == email))
    connections.ask(asker, defender, "We prepare the Council's Sudan consultations in May.")
    db.session.commit()
    page.goto("/")
    waiting = page.locator("header a[href='/connections']")
    expect(waiting).to_contain_text(i18n.local_digits("1", walk.variant.locale))
    waiting.click()
    item = page.locator("li.request").first
    expect(item).to_contain_text(asker.name)
    expect(item).to_contain_text("Political coordinator, Council team")
    expect(item.locator(".badge.verified")).to_have_count(1)
    # "They will see: E-mail and Phone": her e-mail and the phone she kept for connections.
    expect(item.locator(".disclosure .reveals strong")).to_have_count(1)
    walk.step(page, "request-waiting")
    item.locator("form[action$='/accept'] [type=submit]").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    expect(page.locator("form[action$='/accept']")).to_have_count(0)
    walk.step(page, "request-accepted")

    # She feels at risk: one tap in the menu hides her from everyone, her new connection too.
    page.locator("header form[action='/account/hide'] [type=submit]").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    expect(page.locator("header form[action='/account/hide']")).to_have_count(0)
    db.session.expire_all()
    assert db.session.get(User, defender.id).profile.hidden
    walk.step(page, "hidden")
    walk.done()


def test_a_policy_maker_from_a_search_to_a_revealed_contact(walk: Walk, make_user) -> None:
    # Her name, the word she searches for and her country.
    name, query, country = {
        "en-phone": ("Amal Haroun", "Haroun", "SD"),
        "ar-phone": ("Amal Kamal", "Kamal", "SD"),
        "ar-phone-no-javascript": ("Amal Saleh", "Saleh", "SD"),
        "fa-phone": ("آمنه رحیمی", "رحیمی", "AF"),
        "zh-phone": ("林晓梅", "晓梅", "MM"),
    }[walk.tag]
    asker_name = {"fa-phone": "شکیبا حیدری", "zh-phone": "陈雪"}.get(
        walk.tag, f"Mariam Osei {walk.tag}"
    )
    asker = make_listed(make_user, "policy_maker", asker_name, country="US")
    found = make_listed(
        make_user,
        "defender",
        name,
        country=country,
        email=unique(walk, "amal"),
        phone="+249912000111",
    )
    found.profile.phone_audience = "connections"
    found.profile.email_audience = "connections"
    db.session.commit()

    page = walk.phone()
    sign_in(page, asker)
    switch_language(page, walk.variant.locale)
    page.goto("/directory")
    walk.step(page, "directory")
    open_filters_if_folded(page)
    page.fill("form[role=search] input[name=q]", query)
    page.select_option("form[role=search] select[name=country]", country)
    page.locator("form[role=search] button[type=submit]").first.click()
    results = page.locator("ol.results > li")
    expect(results.first).to_contain_text(found.name)
    walk.step(page, "search-results")
    results.first.get_by_role("link", name=found.name).click()
    expect(page.get_by_text("+249912000111")).to_have_count(0)
    walk.step(page, "profile", found.name)
    page.fill("textarea[name=message]", "I advise the Council's experts group on Sudan, 2026.")
    page.locator("form[action^='/connections/request/'] [type=submit]").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    walk.step(page, "asked")

    request = db.session.scalar(
        sa.select(connections.ContactRequest).where(
            connections.ContactRequest.requester_id == asker.id
        )
    )
    connections.answer(request, found, "accept")
    db.session.commit()
    page.reload()
    expect(page.locator("a[href='tel:+249912000111']")).to_have_count(1)
    walk.step(page, "contact-revealed", found.name)
    page.goto("/connections")
    # The contact card, fetched with her session as the link would (a download is not a
    # page for the browser to show).
    href = page.locator("a[href$='/vcard']").first.get_attribute("href")
    assert href is not None
    card = page.context.request.get(href)
    assert card.ok and "text/vcard" in card.headers["content-type"]
    lines = card.text().splitlines()
    assert f"FN:{found.name}" in lines and "TEL:+249912000111" in lines, lines
    walk.step(page, "connections")
    walk.done()


def test_a_manager_from_an_invitation_to_a_completed_profile(
    walk: Walk, make_user, make_org, mailbox
) -> None:
    make_org("wilpf", "Women's International League for Peace and Freedom")
    manager_name = {"fa-phone": "نرگس امیری", "zh-phone": "周婷"}.get(walk.tag, "Grace Achieng")
    manager = make_user("manager", unique(walk, "manager"), org="wilpf", name=manager_name)
    invitee = unique(walk, "colleague")
    colleague_name = {
        "en-phone": "Samira Nour",
        "ar-phone": "سميرة نور",
        "fa-phone": "فرشته صدیقی",
        "zh-phone": "王丽华",
    }.get(walk.tag, "Ines Haddad")

    page = walk.phone()
    sign_in(page, manager)
    switch_language(page, walk.variant.locale)
    page.goto("/orgs/wilpf/people")
    walk.step(page, "org-people")
    page.fill("main input[name=email]", invitee)
    page.fill("main input[name=name]", colleague_name)
    page.select_option("main select[name=role]", "staff")
    page.select_option("main select[name=language]", walk.variant.locale)
    page.locator("main form[novalidate] [type=submit]").last.click()
    expect(page.locator(".flash-success")).to_have_count(1)
    expect(page.locator("table.data").last).to_contain_text(invitee)
    walk.step(page, "invited")

    assert mailbox.wait_for(1, 10) >= 1
    (link,) = [url for url in mailbox.links(invitee) if "/auth/invite/" in url]
    colleague = walk.phone()
    accept_invitation(walk, colleague, link, None)
    first_run(walk, colleague, "+41 22 919 70 80")

    page.reload()
    row = page.locator("tr", has_text=colleague_name)
    expect(row.locator(".badge")).to_have_count(1)  # "complete"
    expect(page.locator("table.data", has_text=invitee)).to_have_count(0)
    walk.step(page, "colleague-complete")
    walk.done()


def test_the_secretariat_from_an_import_to_its_audit_entry(
    walk: Walk, make_user, make_org, tmp_path: Path
) -> None:
    make_org("wilpf", "Women's International League for Peace and Freedom")
    admin_name = {"fa-phone": "سارا اکبری", "zh-phone": "孙莉"}.get(walk.tag, "Sara Okafor")
    admin = make_user("admin", unique(walk, "admin"), name=admin_name, totp=True)
    # Names unlike each other's: the import refuses a name close to one already registered.
    imported = {
        "en-phone": "Nadia Imported",
        "ar-phone": "نادية عثمان",
        "fa-phone": "هما سلطانی",
        "zh-phone": "赵敏",
    }.get(walk.tag, "Zainab Musa")
    people = tmp_path / "people.csv"
    people.write_text(
        "email,name,role,organization,title,country,city,phone,messaging,"
        "situations,themes,languages,bio,consent\n"
        f"{unique(walk, 'imported')},{imported},defender,wilpf,Monitor,SD,Khartoum,"
        "+249912345678,,SD,crsv,ar;en,Documents abuses.,yes\n",
        encoding="utf-8",
    )

    page = walk.phone()
    sign_in(page, admin)
    switch_language(page, walk.variant.locale)
    page.goto("/admin/import")
    walk.step(page, "import-form")
    page.set_input_files("main input[type=file]", str(people))
    page.locator("main form[enctype] [type=submit]").click()
    expect(page.locator("main")).to_contain_text(imported)
    walk.step(page, "import-preview")
    page.locator("form[action='/admin/import/confirm'] [type=submit]").click()
    expect(page.locator(".flash-success")).to_have_count(1)
    walk.step(page, "imported")

    page.goto("/admin/audit")
    entry = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.actor_id == admin.id).order_by(AuditEvent.id.desc())
    )
    assert entry is not None
    expect(page.locator("main table")).to_contain_text(admin.name)
    walk.step(page, "audit-log")
    walk.done()

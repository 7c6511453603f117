"""What the browser tests share: people to find, signing in, switching language, the
network log and axe-core.

Selectors go by field names and form actions, not by visible text, so that the same steps
run in English and in Arabic."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from playwright.sync_api import CDPSession, Page, expect

from ngowg_directory import i18n
from ngowg_directory.extensions import db
from ngowg_directory.models import User
from ngowg_directory.models._types import utcnow
from testsupport.signin import LOGIN, STEP_SECONDS, TWO_FACTOR, code_at, steps_to_unspent

from ..conftest import PASSWORD

HERE = Path(__file__).resolve().parent
AXE_SCRIPT = HERE / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA, and axe's best practices (heading order, landmarks, one main, ...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# Fictional people for the directory: name, role, organisation, country, agenda item,
# themes, languages, title.
PEOPLE: list[tuple[str, str, str | None, str, str, list[str], list[str], str]] = [
    (
        "Amani Okello",
        "defender",
        None,
        "SD",
        "SD",
        ["crsv", "protection"],
        ["ar", "en"],
        "Lawyer, survivors' legal aid",
    ),
    (
        "Beatriz Salazar",
        "staff",
        "wilpf",
        "CO",
        "CO",
        ["peace-processes"],
        ["es", "en"],
        "Programme officer",
    ),
    (
        "Chloé Martin",
        "policy_maker",
        None,
        "FR",
        "ML",
        ["participation"],
        ["fr", "en"],
        "First secretary",
    ),
    (
        "Dalia Haddad",
        "defender",
        None,
        "YE",
        "YE",
        ["humanitarian-gbv"],
        ["ar"],
        "Shelter coordinator",
    ),
    (
        "Esther Mbuyi",
        "defender",
        "gnwp",
        "CD",
        "CD",
        ["crsv", "transitional-justice"],
        ["fr", "sw"],
        "Community mediator",
    ),
    (
        "Farida Noori",
        "defender",
        None,
        "AF",
        "AF",
        ["whrd-civic-space"],
        ["fa", "ps", "en"],
        "Journalist",
    ),
    (
        "Grace Achieng",
        "staff",
        "gnwp",
        "SS",
        "SS",
        ["national-action-plans"],
        ["en"],
        "Research lead",
    ),
    (
        "Hanna Kovalenko",
        "defender",
        None,
        "UA",
        "UA",
        ["displacement", "protection"],
        ["uk", "en"],
        "Psychologist",
    ),
    (
        "Ines Duarte",
        "policy_maker",
        None,
        "US",
        "CO",
        ["peacekeeping-sea"],
        ["pt", "en"],
        "Political affairs officer",
    ),
    ("Jamila Saleh", "defender", None, "LY", "LY", ["peace-processes"], ["ar", "en"], "Negotiator"),
    (
        "Karin Lund",
        "staff",
        "wilpf",
        "CH",
        "MM",
        ["disarmament"],
        ["en", "de"],
        "Disarmament advocate",
    ),
    (
        "Leila Mansour",
        "defender",
        None,
        "SY",
        "SY",
        ["transitional-justice"],
        ["ar", "fr"],
        "Documentation officer",
    ),
    (
        "Maryam Yusuf",
        "defender",
        "gnwp",
        "NG",
        "SD",
        ["violent-extremism"],
        ["ha", "en"],
        "Youth organiser",
    ),
    ("Nour El-Amin", "policy_maker", None, "US", "SD", ["crsv"], ["ar", "en"], "Gender adviser"),
    (
        "Olga Ramírez",
        "defender",
        None,
        "CO",
        "CO",
        ["whrd-civic-space"],
        ["es"],
        "Indigenous rights defender",
    ),
    ("Priya Raman", "staff", "wilpf", "US", "AF", ["srhr"], ["en"], "Policy analyst"),
    (
        "Rahel Tesfaye",
        "defender",
        None,
        "ET",
        "SD",
        ["relief-recovery"],
        ["am", "en"],
        "Relief worker",
    ),
    (
        "Salma Idriss",
        "defender",
        None,
        "TD",
        "SD",
        ["climate-security"],
        ["ar", "fr"],
        "Climate organiser",
    ),
    (
        "Thandiwe Dube",
        "staff",
        "gnwp",
        "ZA",
        "CD",
        ["prevention"],
        ["en", "zu"],
        "Training coordinator",
    ),
    ("Ulla Berg", "policy_maker", None, "US", "UA", ["protection"], ["en", "sv"], "Counsellor"),
    ("Vanessa Moreau", "staff", "wilpf", "CH", "ML", ["participation"], ["fr"], "Advocacy officer"),
    ("Wafa Khalil", "defender", None, "IQ", "IQ", ["displacement"], ["ar", "ku"], "Camp liaison"),
    ("Ximena Torres", "defender", None, "CO", "CO", ["lgbtiq"], ["es"], "Activist"),
    (
        "Yasmin Abdi",
        "defender",
        "gnwp",
        "SO",
        "SO",
        ["peace-processes"],
        ["so", "en"],
        "Clan elders liaison",
    ),
    ("Zeinab Harun", "defender", None, "SD", "SD", ["crsv"], ["ar"], "Nurse"),
    ("Aisha Kamara", "staff", "wilpf", "ML", "ML", ["participation"], ["fr", "bm"], "Country lead"),
]
ORGS = {
    "wilpf": "Women's International League for Peace and Freedom",
    "gnwp": "Global Network of Women Peacebuilders",
}


def seed_directory(make_user: Callable[..., User], make_org: Callable[..., Any]) -> list[User]:
    """The 26 listed people of PEOPLE, created once per database (the SQLite file is shared
    by the session; on PostgreSQL each test starts from empty tables)."""
    for slug, name in ORGS.items():
        make_org(slug, name)
    people = []
    for index, (name, role, org, country, situation, themes, languages, title) in enumerate(PEOPLE):
        email = f"directory-{index:02d}@example.org"
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = make_user(role, email, org=org, name=name, totp=False)
            profile = user.profile
            profile.country, profile.title = country, title
            profile.set_tags([situation], themes, languages)
            if role == "defender":
                profile.consent_at = utcnow()
            db.session.commit()
        people.append(user)
    return people


def make_listed(
    make_user: Callable[..., User],
    role: str,
    name: str,
    *,
    country: str = "SD",
    themes: tuple[str, ...] = ("crsv",),
    **contact: str,
) -> User:
    """One listed person of her own, with contact details (email, phone, messaging, city)."""
    user = make_user(role, name=name, totp=False)
    profile = user.profile
    profile.country, profile.title = country, "Peacebuilding trainer"
    profile.set_tags([country], list(themes), ["ar", "en"])
    for key, value in contact.items():
        setattr(profile, key, value)
    if role == "defender":
        profile.consent_at = utcnow()
    db.session.commit()
    return user


# --- signing in and language ----------------------------------------------------------------


def sign_in(page: Page, user: User, password: str = PASSWORD) -> None:
    """Sign in through the form (and the two-factor page where enrolled), typed as a person
    types them (testsupport/signin.py posts the same forms without a browser); any language."""
    page.goto(LOGIN)
    page.fill("main input[name=email]", user.email)
    page.fill("main input[name=password]", password)
    page.press("main input[name=password]", "Enter")
    if urlsplit(page.url).path == TWO_FACTOR:
        assert user.totp_secret
        # A code is used once per 30-second step: wait for the next one if this was spent.
        db.session.refresh(user)
        if steps_to_unspent(user.totp_last_step):
            time.sleep(STEP_SECONDS - time.time() % STEP_SECONDS + 0.5)
        page.fill("main input[name=code]", code_at(user.totp_secret))
        page.press("main input[name=code]", "Enter")
    expect(page.locator("form[action='/auth/logout']")).to_have_count(1)


def switch_language(page: Page, locale: str) -> None:
    """Choose a language with the switcher every page carries, as a visitor would.

    Always called, English included: a signed-in person's choice is saved with her account,
    and the SQLite database (with the people of PEOPLE) is shared by the whole session."""
    page.select_option("form.language-switch select[name=locale]", locale)
    page.click("form.language-switch button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", i18n.language_tag(locale))
    expect(page.locator("html")).to_have_attribute("dir", i18n.text_direction(locale))


# --- the network log --------------------------------------------------------------------------


@dataclass
class Transfer:
    """One response as the browser's network log saw it."""

    url: str
    resource_type: str
    status: int
    mime_type: str
    from_cache: bool
    encoding: str
    encoded_bytes: int = 0


@dataclass
class NetworkLog:
    """Every response of a page, read from Chromium's DevTools network events."""

    cdp: CDPSession
    responses: dict[str, Transfer] = field(default_factory=dict)
    requested: list[str] = field(default_factory=list)
    from_cache: set[str] = field(default_factory=set)

    @classmethod
    def attach(cls, page: Page) -> NetworkLog:
        log = cls(page.context.new_cdp_session(page))
        log.cdp.send("Network.enable")
        log.cdp.on("Network.requestWillBeSent", log._request)
        log.cdp.on("Network.responseReceived", log._response)
        log.cdp.on("Network.loadingFinished", log._finished)
        log.cdp.on("Network.requestServedFromCache", log._cached)
        return log

    def _cached(self, event: dict[str, Any]) -> None:
        self.from_cache.add(event["requestId"])

    def _request(self, event: dict[str, Any]) -> None:
        self.requested.append(event["request"]["url"])

    def _response(self, event: dict[str, Any]) -> None:
        response = event["response"]
        cached = event["requestId"] in self.from_cache
        self.responses[event["requestId"]] = Transfer(
            url=response["url"],
            resource_type=event.get("type", ""),
            status=response["status"],
            mime_type=response.get("mimeType", ""),
            from_cache=bool(
                cached
                or response.get("fromDiskCache")
                or response.get("fromMemoryCache")
                or response.get("fromPrefetchCache")
            ),
            encoding={k.lower(): v for k, v in response.get("headers", {}).items()}.get(
                "content-encoding", ""
            ),
        )

    def _finished(self, event: dict[str, Any]) -> None:
        transfer = self.responses.get(event["requestId"])
        if transfer is not None:
            transfer.encoded_bytes = int(event["encodedDataLength"])

    def clear(self) -> None:
        self.responses.clear()
        self.requested.clear()
        self.from_cache.clear()

    def clear_browser_cache(self) -> None:
        self.cdp.send("Network.clearBrowserCache")

    def total_bytes(self) -> int:
        return sum(t.encoded_bytes for t in self.responses.values())

    def table(self) -> str:
        """One line a response, for failure messages and the artefact log."""
        return "\n".join(
            f"{t.encoded_bytes:>7} B  {t.status}  {t.resource_type:<10} {t.encoding or '-':<5} "
            f"{'cache ' if t.from_cache else ''}{t.url}"
            for t in self.responses.values()
        )


# --- axe-core --------------------------------------------------------------------------------

# Anything wider than the phone (a table scrolls in its own region, which must fit).
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && (r.right > width + 1 || r.left < -1)
      && !e.closest('.skip, .visually-hidden, .table-scroll > table');
  }).slice(0, 5).map((e) => e.tagName + '.' + e.className);
  const extra = document.documentElement.scrollWidth - width;
  return extra > 0 ? [`${extra} px of sideways scrolling`, ...wide] : wide;
}"""


AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ") + "  ->  " + (n.failureSummary || "")),
  }));
}"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of AXE_TAGS on the page (needs a context with bypass_csp)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    return page.evaluate(AXE_RUN, AXE_TAGS)


def describe_violations(found: dict[str, list[dict[str, Any]]]) -> str:
    """Each page's violations: id, impact, help and the nodes, one per line."""
    lines = []
    for where, violations in found.items():
        for v in violations:
            lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']}")
            lines += [f"    {node}" for node in v["nodes"][:8]]
    return "\n".join(lines)

"""The Council's month (issue 19) in a real browser, as its people use it:

- the secretariat imports a month's programme (checked first, then imported), writes a
  recommendation in English and French, previews and publishes it; a member reads it on the
  month's page and the situation's, in her language or in English with a note, and finds it
  from the directory's search box;
- a verified policy-maker of a Council member (marked on the secretariat's page) asks for a
  briefer, a defender says she is available, the secretariat invites her and another, the
  other declines (the policy-maker sees no difference from no answer) and she accepts, on a
  phone, in Arabic;
- the risk assessment comes before the briefing is recorded as held, the 7-day safety
  check-in comes due after it, its reminder names nobody, and recording it takes it off the
  list;
- a defender accepts an invitation, and saves her checklist, with JavaScript off;
- axe-core finds nothing on the new pages, in each of the nine languages.

Screenshots of each step are kept in test-artifacts/browser/. Two tests hold bugs these
tests found (a due check-in named after the meeting's day; a reader's words marked as the
recommendation's language), and axe-core's landmark-unique caught the third (a section and its
table's region of one name).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from ngowg_directory import i18n
from ngowg_directory.extensions import db
from ngowg_directory.models import (
    BriefingAvailability,
    Recommendation,
    RiskAssessment,
    User,
)
from ngowg_directory.models.briefings import RISK_ITEMS
from ngowg_directory.services import briefing_records, briefings, council, recommendations

from ..briefing_support import (
    TOPIC,
    asked_days_ago,
    invitation_of,
    make_available,
    make_council_member,
    request_for,
    today,
)
from .conftest import Browser
from .helpers import (
    AXE_SCRIPT,
    TOO_WIDE,
    axe_violations,
    describe_violations,
    make_listed,
    sign_in,
    switch_language,
)

pytestmark = pytest.mark.browser

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
# A word of the recommendation that nothing else in the directory holds (its search).
SEARCH_WORD = "Zalingei"
EN_TITLE = "Sudan: protect the women of Zalingei and El Fasher"
EN_BODY = """The Council should **demand unimpeded humanitarian access** to Zalingei.

- Fund the mission's women's protection advisers.
- Consult women-led organisations before the mandate is renewed.

See the [Working Group's monthly action points](https://www.womenpeacesecurity.org/)."""
FR_TITLE = "Soudan : protéger les femmes de Zalingei et d'El Fasher"
FR_BODY = """Le Conseil devrait **exiger un accès humanitaire sans entrave** à Zalingei.

- Financer les conseillères pour la protection des femmes de la mission."""

# Runs of three Latin words or more in the page's own text: English left untranslated on an
# Arabic page. What people wrote (isolated in <bdi>, or in their own direction) is theirs.
LATIN_PHRASES = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest('bdi, [dir=auto], [dir=ltr], [lang]:not([lang=ar]), '
                                   + 'script, style, .visually-hidden')) continue;
    const style = getComputedStyle(parent);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const hit = node.textContent.match(/[A-Za-z]{2,}(?:[\\s,.'’-]+[A-Za-z]{2,}){2,}/);
    if (hit) found.push(hit[0]);
  }
  return found;
}"""

# Text in Arabic script marked as another language (a screen reader reads it with that
# language's voice): the page's own strings inside an element of another `lang`.
ARABIC_MARKED_OTHERWISE = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || !/[\\u0600-\\u06FF]/.test(node.textContent)) continue;
    if (parent.closest('bdi, [dir=auto], option')) continue;
    const marked = parent.closest('[lang]');
    if (marked && marked.lang !== 'ar') {
      const where = `${marked.tagName.toLowerCase()}[lang=${marked.lang}]`;
      found.push(`${where}: ${node.textContent.trim()}`);
    }
  }
  return found;
}"""


def phone_fits(page: Page, browser: Browser, step: str) -> None:
    """Nothing on the page is wider than the phone (a screenshot of it if something is)."""
    wide = page.evaluate(TOO_WIDE)
    if wide:
        browser.shot(page, f"{step}-too-wide")
    assert wide == [], f"{step}: wider than the phone: {wide}"


def arabic_throughout(page: Page, step: str) -> None:
    """The page is in Arabic, right to left, with no English of the site's own left."""
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    english = page.evaluate(LATIN_PHRASES)
    assert english == [], f"{step}: English on the Arabic page: {english}"


def done(page: Page) -> None:
    """The action's page says it was done (in any language)."""
    expect(page.locator(".flash-success")).to_have_count(1)
    expect(page.locator(".flash-error")).to_have_count(0)


def first_of_next_month() -> date:
    first = today().replace(day=1)
    return (first + timedelta(days=32)).replace(day=1)


# --- 1. the month's programme and a recommendation --------------------------------------------


def test_the_secretariat_publishes_a_month_and_members_read_it(
    browser: Browser, make_user, tmp_path: Path
) -> None:
    admin = make_user("admin", name="Sara Okafor", totp=True)
    member = make_listed(make_user, "defender", "Halima Ture")
    month = first_of_next_month()
    key = month.strftime("%Y-%m")
    day = [(month + timedelta(days=n)).isoformat() for n in (2, 9, 15, 20)]
    programme = tmp_path / "programme.csv"
    programme.write_text(
        "date,item,kind,title\n"
        f"{day[0]},SD,consultations,Sudan: women's protection in El Fasher\n"
        f"{day[1]},wps,open_debate,Annual open debate on women and peace and security\n"
        f"{day[2]},AF,mandate_renewal,UNAMA's mandate\n"
        f"{day[3]},XX,briefing,Not an item of the agenda\n",
        encoding="utf-8",
    )

    page = browser.new_page()
    sign_in(page, admin)
    switch_language(page, "en")
    page.goto("/admin/council")
    page.locator("main a[href='/admin/council/import']").click()
    expect(page.locator("main h1")).to_have_text("Import the Council's programme")
    # First only checked (the box is ticked to begin with): a report, and nothing added.
    expect(page.locator("#dry_run")).to_be_checked()
    page.set_input_files("main input[name=file]", str(programme))
    page.locator("main form[enctype] [type=submit]").click()
    report = page.locator("main section")
    expect(report.locator("h2")).to_have_text("3 meetings would be added; 1 row refused")
    expect(report.locator("tbody tr")).to_have_count(4)
    expect(report.locator("tbody tr").last).to_contain_text("refused")
    expect(report.locator("tbody tr").last.locator("td").first).to_have_text("5")
    browser.shot(page, "import-checked")
    db.session.expire_all()
    assert council.month_meetings(council.find_month(month)) == []
    # Then imported: the same report, the meetings added and the bad row not.
    page.set_input_files("main input[name=file]", str(programme))
    page.locator("#dry_run").uncheck()
    page.locator("main form[enctype] [type=submit]").click()
    expect(page.locator("main section h2")).to_have_text("3 meetings added; 1 row refused")
    browser.shot(page, "import-done")

    # The month, with its meetings and a presidency; a draft on Sudan.
    page.goto("/admin/council")
    page.locator(f"main table a[href='/admin/council/{key}']").click()
    meetings = page.locator("main table.data").first.locator("tbody tr")
    expect(meetings).to_have_count(3)
    expect(meetings.first).to_contain_text("Sudan: women's protection in El Fasher")
    page.select_option("#presidency", "DK")
    page.locator("main form[action='/admin/council'] [type=submit]").click()
    done(page)
    page.select_option("#r-item", "SD")
    page.locator(f"form[action='/admin/council/{key}/recommendations'] [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/council/recommendations/\d+$"))
    rec_id = int(page.url.rsplit("/", 1)[1])

    # Written in English and French, previewed (nothing saved yet), saved, published.
    page.fill("#en-title", EN_TITLE)
    page.fill("#en-body", EN_BODY)
    page.fill("#fr-title", FR_TITLE)
    page.fill("#fr-body", FR_BODY)
    page.locator("main button[name=action][value=preview]").click()
    english = page.locator("main fieldset[lang=en] .preview")
    expect(english.locator("strong")).to_have_text("demand unimpeded humanitarian access")
    expect(english.locator("li")).to_have_count(2)
    link = english.locator("a[href='https://www.womenpeacesecurity.org/']")
    expect(link).to_have_attribute("rel", re.compile(r"\bnoopener\b.*\bnofollow\b"))
    french = page.locator("main fieldset[lang=fr] .preview")
    expect(french.locator("strong")).to_have_text("exiger un accès humanitaire sans entrave")
    expect(page.locator("main fieldset[lang=es] .preview")).to_have_count(0)
    expect(page.locator("#fr-body")).to_have_value(FR_BODY)
    browser.shot(page, "recommendation-preview")
    db.session.expire_all()
    assert db.session.get(Recommendation, rec_id).texts == []
    page.locator("main button[name=action][value=save]").click()
    done(page)
    page.locator("form[action$='/publish'] [type=submit]").click()
    done(page)
    expect(page.locator("form[action$='/unpublish']")).to_have_count(1)
    browser.shot(page, "recommendation-published")

    # A member reads it on the month's page...
    reader = browser.new_page()
    sign_in(reader, member)
    switch_language(reader, "en")
    reader.goto(f"/council/{key}")
    expect(reader.locator("main h1")).to_contain_text(month.strftime("%B %Y"))
    expect(reader.locator("main")).to_contain_text("Presidency: Denmark")
    expect(reader.locator("main table.data tbody tr")).to_have_count(3)
    article = reader.locator("main article.recommendation")
    expect(article).to_have_count(1)
    expect(article.locator("h4")).to_have_text(EN_TITLE)
    expect(article.locator(".markdown strong")).to_have_text("demand unimpeded humanitarian access")
    expect(article.locator(".notice")).to_have_count(0)
    browser.shot(reader, "month-desktop")
    # ...and on the situation's, in French, and in English with a note for Spanish.
    reader.locator("main h3 a[href='/council/situations/SD']").click()
    expect(reader.locator("main h1")).to_have_text("Sudan")
    expect(reader.locator("main table.data")).to_contain_text(
        "Sudan: women's protection in El Fasher"
    )
    expect(reader.locator(f"main h3 a[href='/council/{key}']")).to_have_count(1)
    expect(reader.locator("main article.recommendation h4")).to_have_text(EN_TITLE)
    switch_language(reader, "fr")
    expect(reader).to_have_url(re.compile(r"/council/situations/SD$"))
    expect(reader.locator("main article.recommendation h4")).to_have_text(FR_TITLE)
    expect(reader.locator("main article.recommendation .notice")).to_have_count(0)
    switch_language(reader, "es")
    article = reader.locator("main article.recommendation")
    expect(article.locator("h4")).to_have_text(EN_TITLE)
    expect(article).to_have_attribute("lang", "en")
    expect(article.locator(".notice")).to_have_count(1)
    browser.shot(reader, "situation-fallback-es")

    # The directory's search box finds it.
    switch_language(reader, "en")
    reader.goto("/directory")
    reader.fill("form[role=search] input[name=q]", SEARCH_WORD)
    reader.locator("form[role=search] button[type=submit]").first.click()
    hit = reader.locator("section.council-hits a[href='/council/situations/SD']")
    expect(hit).to_have_text(EN_TITLE)
    browser.shot(reader, "search-finds-it")
    hit.click()
    expect(reader.locator("main article.recommendation h4")).to_have_text(EN_TITLE)

    # The month on a phone, in Arabic: the English text in its own direction, with a note.
    phone = browser.new_page(**PHONE)
    sign_in(phone, member)
    switch_language(phone, "ar")
    phone.goto(f"/council/{key}")
    article = phone.locator("main article.recommendation")
    expect(article).to_have_attribute("dir", "ltr")
    expect(article.locator(".notice")).to_have_attribute("dir", "rtl")
    phone_fits(phone, browser, "month-phone-ar")
    arabic_throughout(phone, "month-phone-ar")
    browser.shot(phone, "month-phone-ar")
    switch_language(phone, "en")
    phone_fits(phone, browser, "month-phone-en")
    browser.shot(phone, "month-phone-en")


# --- 2. a request, two invitations, a decline and an acceptance ------------------------------


def test_a_council_member_asks_and_a_defender_accepts_on_an_arabic_phone(
    browser: Browser, make_user
) -> None:
    admin = make_user("admin", name="Sara Okafor", totp=True)
    asker = make_listed(make_user, "policy_maker", "Helen Brandt", country="DE")
    briefer = make_listed(make_user, "defender", "Achol Deng")
    other = make_listed(make_user, "defender", "Fatima Abakar")
    make_available(other, situations=("SD",), languages=("ar", "fr"))
    meeting = council.add_meeting(
        {
            "date": today() + timedelta(days=14),
            "item": "SD",
            "kind": "briefing",
            "title": "Protection of civilians in Darfur",
        },
        admin,
    )
    db.session.commit()

    # The secretariat verifies her and marks her as working for a Council member.
    secretariat = browser.new_page()
    sign_in(secretariat, admin)
    switch_language(secretariat, "en")
    secretariat.goto(f"/admin/people/{asker.id}")
    expect(secretariat.locator("form[action$='/council-member']")).to_have_count(0)
    secretariat.locator("form[action$='/verify'] [type=submit]").click()
    done(secretariat)
    secretariat.select_option("#until", str(today().year + 1))
    secretariat.locator("form[action$='/council-member'] [type=submit]").click()
    done(secretariat)
    expect(secretariat.locator("main dl.facts")).to_contain_text("Security Council member until")

    # She asks for a briefer on the programme's meeting.
    policy = browser.new_page()
    sign_in(policy, asker)
    switch_language(policy, "en")
    policy.goto("/briefings")
    policy.locator("main a[href='/briefings/new']").click()
    policy.select_option("main select[name=meeting]", str(meeting.id))
    policy.select_option("main select[name=theme]", "crsv")
    policy.fill("main textarea[name=topic]", TOPIC)
    policy.select_option("main select[name=language]", "ar")
    expect(policy.locator("main input[name=mode][value=either]")).to_be_checked()
    policy.fill("main input[name=deadline]", (today() + timedelta(days=7)).isoformat())
    policy.locator("main form [type=submit]").click()
    expect(policy).to_have_url(re.compile(r"/briefings/\d+$"))
    done(policy)
    request_id = int(policy.url.rsplit("/", 1)[1])
    status = policy.locator("main p.status")
    expect(status).to_have_text("The secretariat is looking for a briefer")

    # The defender, on her phone in Arabic, says she is available (named).
    phone = browser.new_page(**PHONE)
    sign_in(phone, briefer)
    switch_language(phone, "ar")
    phone.goto("/account/briefing")
    form = phone.locator("main form.panel")
    for name, value in (("situations", "SD"), ("themes", "crsv"), ("languages", "ar")):
        form.locator(f"input[name={name}][value={value}]").check()
    form.locator("input[name=modes][value=in_person]").check()
    form.locator("input[name=modes][value=remote]").check()
    form.locator("input[name=named][value=named]").check()
    form.locator("[type=submit]").click()
    done(phone)
    arabic_throughout(phone, "availability")
    phone_fits(phone, browser, "availability")
    browser.shot(phone, "availability-ar-phone")
    db.session.expire_all()
    row = db.session.get(BriefingAvailability, briefer.id)
    assert row is not None and row.active and row.named and row.in_person

    # The secretariat sees the request, both available defenders, and invites them.
    secretariat.goto("/briefings")
    secretariat.locator(f"main a[href='/briefings/{request_id}']").click()
    expect(secretariat.locator("main")).to_contain_text("Helen Brandt")
    for person in (briefer, other):
        secretariat.locator(f"main input[name=people][value='{person.id}']").check()
    matching = secretariat.locator("main section[aria-labelledby=matching]")
    expect(matching.locator("tr", has_text="Achol Deng")).to_contain_text("named")
    secretariat.locator("form[action$='/invite'] [type=submit]").click()
    done(secretariat)
    invited = secretariat.locator("main section[aria-labelledby=invited] tbody tr")
    expect(invited).to_have_count(2)
    expect(invited.filter(has_text="Achol Deng")).to_contain_text("Invited, no answer yet")

    # What the policy-maker reads while nobody answered...
    policy.reload()
    expect(status).to_have_text("The secretariat is looking for a briefer")
    unanswered = policy.locator("main").inner_text()

    # ...is what she reads once one of them declined.
    decliner = browser.new_page()
    sign_in(decliner, other)
    switch_language(decliner, "en")
    decliner.goto("/briefings")
    decliner.locator("main table a[href^='/briefings/invitations/']").click()
    decliner.locator("form[action$='/decline'] [type=submit]").click()
    done(decliner)
    policy.reload()
    assert policy.locator("main").inner_text() == unanswered

    # She opens her invitation from the menu's count (on her next page), and accepts.
    phone.reload()
    count = phone.locator("header a[href='/briefings'] .count")
    expect(count).to_contain_text("1")
    phone.locator("header a[href='/briefings']").click()
    arabic_throughout(phone, "invitations")
    phone_fits(phone, browser, "invitations")
    phone.locator("main table a[href^='/briefings/invitations/']").click()
    expect(phone.locator("form[action$='/accept']")).to_have_count(1)
    arabic_throughout(phone, "invitation")
    phone_fits(phone, browser, "invitation")
    browser.shot(phone, "invitation-ar-phone")
    phone.locator("form[action$='/accept'] [type=submit]").tap()
    done(phone)
    expect(phone.locator("form[action$='/accept']")).to_have_count(0)
    expect(phone.locator("form[action$='/step-back']")).to_have_count(1)
    arabic_throughout(phone, "accepted")
    phone_fits(phone, browser, "accepted")
    browser.shot(phone, "accepted-ar-phone")

    # She is told a briefer accepted, and the name (the briefer chose to be named); of the
    # one who declined, nothing.
    policy.reload()
    expect(status).to_have_text("A briefer has accepted")
    expect(policy.locator("main")).to_contain_text("Briefers: Achol Deng")
    expect(policy.locator("main")).not_to_contain_text("Fatima")
    browser.shot(policy, "request-policy-maker")
    secretariat.reload()
    expect(invited.filter(has_text="Achol Deng")).to_contain_text("Accepted")
    expect(invited.filter(has_text="Fatima Abakar")).to_contain_text("Declined")
    browser.shot(secretariat, "request-secretariat")
    states = {
        person.name: invitation_of(request_id, person.id).status for person in (briefer, other)
    }
    assert states == {"Achol Deng": "accepted", "Fatima Abakar": "declined"}


# --- 3. the risk assessment, the briefing held, the safety check-in --------------------------


def test_the_risk_assessment_comes_first_and_the_check_in_after(
    browser: Browser, make_user, mailbox, runner
) -> None:
    admin = make_user("admin", name="Sara Okafor", totp=True)
    asker = make_council_member(make_listed(make_user, "policy_maker", "Marta Lindgren"))
    briefer = make_listed(make_user, "defender", "Hiba Osman")
    make_available(briefer)
    request = request_for(asker)
    asked_days_ago(request.id, 10)  # held after it was asked for, a week and more ago
    (invitation,) = briefings.invite(request, admin, [briefer.id])
    db.session.commit()
    briefings.move(invitation, briefer, "accept")
    db.session.commit()
    base = f"/briefings/invitations/{invitation.id}"
    held_on = today() - timedelta(days=8)

    # She does half of the checklist.
    her = browser.new_page()
    sign_in(her, briefer)
    switch_language(her, "en")
    her.goto(base)
    expect(her.locator("main section[aria-labelledby=risk]")).to_contain_text("not complete")
    her.locator("main section[aria-labelledby=risk] a[href$='/risk']").click()
    for name in RISK_ITEMS[:3]:
        her.fill(f"textarea[name={name}_note]", f"Talked through: {name}")
        her.locator(f"input[name={name}_done]").check()
    her.locator("main form.panel [type=submit]").click()
    done(her)
    expect(her.locator("main section[aria-labelledby=risk] li")).to_have_count(6)

    # The secretariat cannot record it as held until every item is done: it does the rest.
    page = browser.new_page()
    sign_in(page, admin)
    switch_language(page, "en")
    page.goto(base)
    outcome = page.locator("main section[aria-labelledby=held]")
    expect(outcome.locator(".notice")).to_contain_text("Complete the risk assessment first")
    expect(page.locator("form[action$='/held']")).to_have_count(0)
    outcome.locator("a[href$='/risk']").click()
    expect(page.locator("textarea[name=travel_note]")).to_have_value("Talked through: travel")
    expect(page.locator("input[name=travel_done]")).to_be_checked()
    for name in RISK_ITEMS[3:]:
        page.fill(f"textarea[name={name}_note]", f"Agreed with her: {name}")
        page.locator(f"input[name={name}_done]").check()
    page.locator("main form.panel [type=submit]").click()
    done(page)
    expect(page.locator("main section[aria-labelledby=risk]")).to_contain_text(
        "The checklist is complete."
    )

    # Held eight days ago: the date field takes a day in the past.
    day_field = page.locator("input[name=held-held_on]")
    expect(day_field).to_have_attribute("type", "date")
    assert day_field.get_attribute("min") is None and day_field.get_attribute("max") is None
    day_field.fill(held_on.isoformat())
    page.fill("textarea[name=held-follow_up]", "Raise the detained lawyers with the mission.")
    page.locator("form[action$='/held'] [type=submit]").click()
    done(page)
    expect(page.locator("main p.status")).to_contain_text("Briefing held")
    expect(page.locator(f"main p.status time[datetime='{held_on.isoformat()}']")).to_have_count(1)
    expect(page.locator(f"form[action='{base}/checkins/7']")).to_have_count(1)
    expect(page.locator(f"form[action='{base}/checkins/30']")).to_have_count(0)
    expect(page.locator("main section[aria-labelledby=checkins]")).to_contain_text("Not due yet")
    browser.shot(page, "held")
    # The checklist is kept as it was.
    page.goto(f"{base}/risk")
    expect(page.locator("input[name=travel_done]")).to_have_count(0)
    expect(page.locator("main .notice")).to_have_count(1)

    # The 7-day check-in is due on the secretariat's list.
    page.goto("/briefings")
    due = page.locator(f"main section[aria-labelledby=due] a[href='{base}']")
    expect(due).to_have_count(1)
    expect(due).to_contain_text("7 days after the briefing")
    browser.shot(page, "checkins-due")

    # The reminder: a count and a link, nobody's name, nothing of the briefing.
    mailbox.clear()
    db.session.rollback()  # the command runs in this test's session: no stale snapshot
    result = runner.invoke(args=["send-checkin-reminders"])
    assert result.exit_code == 0, result.output
    (reminder,) = mailbox.to(admin.email)
    text = str(reminder["Subject"]) + "\n" + mailbox.body(reminder)
    for word in ("Hiba", "Osman", "Marta", "Lindgren", "Sudan", "Darfur", "peace talks"):
        assert word not in text, (word, text)
    assert "/briefings" in text, text
    again = runner.invoke(args=["send-checkin-reminders"])
    assert again.exit_code == 0 and len(mailbox.to(admin.email)) == 1, "reminded once"

    # Recorded, it leaves the list.
    due.click()
    checkin = page.locator(f"form[action='{base}/checkins/7']")
    checkin.locator("input[name=ci-result][value=done]").check()
    checkin.locator("textarea[name=ci-note]").fill("Called her on Signal: back home, safe.")
    checkin.locator("[type=submit]").click()
    done(page)
    expect(page.locator(f"form[action='{base}/checkins/7']")).to_have_count(0)
    expect(page.locator("main section[aria-labelledby=checkins]")).to_contain_text(
        "Done: the briefer is safe"
    )
    page.goto("/briefings")
    expect(page.locator(f"main a[href='{base}']")).to_have_count(0)
    # The check-in's record is the secretariat's alone.
    her.goto(base)
    expect(her.locator("main")).not_to_contain_text("back home, safe")
    expect(her.locator("main p.status")).to_contain_text("Briefing held")


def test_a_due_check_in_is_named_after_the_day_the_briefing_was_held(
    browser: Browser, make_user
) -> None:
    admin = make_user("admin", name="Sara Okafor", totp=True)
    asker = make_council_member(make_listed(make_user, "policy_maker", "Claire Dubois"))
    briefer = make_listed(make_user, "defender", "Nyakim Gatluak")
    make_available(briefer)
    request = request_for(asker, days=12)
    asked_days_ago(request.id, 10)
    (invitation,) = briefings.invite(request, admin, [briefer.id])
    db.session.commit()
    briefings.move(invitation, briefer, "accept")
    every_item = {f"{name}_done": True for name in RISK_ITEMS}
    briefing_records.save_checklist(invitation, admin, every_item, 0)
    held_on = today() - timedelta(days=9)
    briefing_records.record_held(invitation, admin, held_on, None)
    db.session.commit()

    page = browser.new_page()
    sign_in(page, admin)
    switch_language(page, "en")
    page.goto("/briefings")
    due = page.locator(f"main section[aria-labelledby=due] a[href$='/{invitation.id}']")
    expect(due).to_have_count(1)
    # Due today as "7 days after the briefing of <the meeting's day, still to come>".
    expect(due).to_contain_text(f"{held_on:%b} {held_on.day}, {held_on.year}", timeout=1000)


# --- 4. without JavaScript ----------------------------------------------------------------


def test_a_defender_accepts_and_assesses_without_javascript(browser: Browser, make_user) -> None:
    admin = make_user("admin", name="Sara Okafor")
    asker = make_council_member(make_listed(make_user, "policy_maker", "Sofia Ekberg"))
    briefer = make_listed(make_user, "defender", "Mariam Tijani")
    make_available(briefer, languages=("ar", "fr"))
    request = request_for(asker, language="fr")
    (invitation,) = briefings.invite(request, admin, [briefer.id])
    db.session.commit()

    page = browser.new_page(java_script_enabled=False, **PHONE)
    sign_in(page, briefer)
    switch_language(page, "fr")
    page.locator("header a[href='/briefings']").click()
    page.locator("main table a[href^='/briefings/invitations/']").click()
    page.locator("form[action$='/accept'] [type=submit]").click()
    done(page)
    expect(page.locator("form[action$='/step-back']")).to_have_count(1)
    browser.shot(page, "accepted-no-javascript")
    page.locator("main section[aria-labelledby=risk] a[href$='/risk']").click()
    page.fill("textarea[name=travel_note]", "Visa demandé le 3 ; trajet par Addis-Abeba.")
    page.locator("input[name=travel_done]").check()
    page.locator("main form.panel [type=submit]").click()
    done(page)
    phone_fits(page, browser, "no-javascript")
    db.session.expire_all()
    assert invitation_of(request.id, briefer.id).status == "accepted"
    assert db.session.get(RiskAssessment, invitation.id) is not None


def test_an_english_recommendation_keeps_the_reader_s_words_in_her_language(
    browser: Browser, make_user
) -> None:
    admin = make_user("admin", name="Sara Okafor")
    reader = make_listed(make_user, "defender", "Ruqaya Bello")
    _published_month(admin)
    page = browser.new_page(**PHONE)
    sign_in(page, reader)
    switch_language(page, "ar")
    page.goto("/council")
    article = page.locator("main article.recommendation").first
    expect(article).to_have_attribute("lang", "en")
    assert page.evaluate(ARABIC_MARKED_OTHERWISE) == []


# --- 5. axe-core on the new pages ---------------------------------------------------------


def _published_month(admin: User) -> tuple[str, int]:
    """This month's programme and a published recommendation on Sudan (made once: the SQLite
    file is shared by the session)."""
    month = council.month_for(today())
    first = month.month
    for offset, item, kind, title in (
        (4, "SD", "consultations", "Sudan: the humanitarian situation"),
        (11, "wps", "open_debate", "Annual open debate on women and peace and security"),
        (18, "CD", "mandate_renewal", "MONUSCO's mandate"),
    ):
        values = {"date": first + timedelta(days=offset), "item": item, "kind": kind}
        if not council.duplicate({**values, "title": title}):
            council.add_meeting({**values, "title": title}, admin)
    rec = db.session.scalar(
        sa.select(Recommendation).where(
            Recommendation.month_id == month.id, Recommendation.item == "SD"
        )
    )
    if rec is None:
        rec = recommendations.create(month, "SD", admin)
        texts = {
            "en": {"title": EN_TITLE, "body": EN_BODY},
            "fr": {"title": FR_TITLE, "body": FR_BODY},
        }
        recommendations.save_texts(rec, texts, admin)
        db.session.flush()
        recommendations.publish(rec, today(), admin)
    db.session.commit()
    return month.key, rec.id


def check(page: Page, who: str, path: str, found: dict, browser: Browser, locale: str) -> None:
    """axe-core on the page at `path` (opened unless the browser is on it already)."""
    if path != page.url.removeprefix(browser.base_url):
        page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", i18n.language_tag(locale))
    expect(page.locator("main h1")).to_have_count(1)
    if violations := axe_violations(page):
        found[f"{path} ({who}, {locale})"] = violations
        browser.shot(page, f"axe-{who}-" + path.strip("/").replace("/", "-")[:40])


# A policy-maker and two defenders a page in each language names.
AXE_NAMES = {
    "en": ("Lina Farouk", "Rose Amadi", "Mona Fikri"),
    "fr": ("Claire Dubois", "Aminata Diallo", "Mariam Traoré"),
    "es": ("Lucía Fernández", "Rosa Quispe", "Marta Gómez"),
    "ar": ("لينا فاروق", "روز أمادي", "منى فكري"),
    "ru": ("Ирина Соколова", "Анна Петрова", "Мадина Алиева"),
    "zh": ("李晓燕", "陈静", "王芳"),
    "fa": ("لیلا حسینی", "زهرا رسولی", "فرزانه نظری"),
    "ps": ("شبنم کاکړ", "پلوشه احمدزۍ", "زرمینه وردک"),
    "uk": ("Оксана Мельник", "Олена Ковальчук", "Наталія Бондар"),
}


@pytest.mark.parametrize("locale", i18n.LANGUAGES)
def test_the_council_pages_have_no_axe_violations(
    browser: Browser, make_user, tmp_path: Path, locale: str
) -> None:
    assert AXE_SCRIPT.is_file(), "run `npm ci` in tests/browser to install axe-core"
    names = AXE_NAMES[locale]
    admin = make_user("admin", name="Sara Okafor", totp=True)
    asker = make_council_member(make_listed(make_user, "policy_maker", names[0], country="GB"))
    briefer = make_listed(make_user, "defender", names[1])
    make_available(briefer, named=True)
    make_available(make_listed(make_user, "defender", names[2]))
    key, rec_id = _published_month(admin)
    accepted_request = request_for(asker)
    (accepted,) = briefings.invite(accepted_request, admin, [briefer.id])
    db.session.commit()
    briefings.move(accepted, briefer, "accept")
    waiting_request = request_for(asker, days=20, mode="remote")
    (waiting,) = briefings.invite(waiting_request, admin, [briefer.id])
    db.session.commit()
    programme = tmp_path / "programme.csv"
    programme.write_text(
        f"date,item,kind,title\n{today().isoformat()},XX,briefing,\n", encoding="utf-8"
    )
    found: dict[str, list] = {}

    her = browser.new_page(bypass_csp=True)
    sign_in(her, briefer)
    switch_language(her, locale)
    for path in [
        "/council",
        f"/council/{key}",
        "/council/situations/SD",
        "/account/briefing",
        "/briefings",
        f"/briefings/invitations/{waiting.id}",
        f"/briefings/invitations/{accepted.id}",
        f"/briefings/invitations/{accepted.id}/risk",
    ]:
        check(her, "defender", path, found, browser, locale)

    policy = browser.new_page(bypass_csp=True)
    sign_in(policy, asker)
    switch_language(policy, locale)
    for path in ["/briefings", "/briefings/new", f"/briefings/{accepted_request.id}"]:
        check(policy, "policy-maker", path, found, browser, locale)
    # The request's form with its errors shown.
    policy.goto("/briefings/new")
    policy.locator("main form [type=submit]").click()
    expect(policy.locator("main .error-summary")).to_have_count(1)
    check(policy, "policy-maker-errors", "/briefings/new", found, browser, locale)

    secretariat = browser.new_page(bypass_csp=True)
    sign_in(secretariat, admin)
    switch_language(secretariat, locale)
    for path in [
        "/briefings",
        f"/briefings/{waiting_request.id}",
        f"/briefings/invitations/{accepted.id}",
        "/admin/council",
        f"/admin/council/{key}",
        f"/admin/council/recommendations/{rec_id}",
        "/admin/council/import",
    ]:
        check(secretariat, "secretariat", path, found, browser, locale)
    # The import's report.
    secretariat.set_input_files("main input[name=file]", str(programme))
    secretariat.locator("main form[enctype] [type=submit]").click()
    expect(secretariat.locator("main section table")).to_have_count(1)
    check(secretariat, "secretariat-report", "/admin/council/import", found, browser, locale)

    found = {where: v for where, v in found.items() if v}
    assert found == {}, "axe-core found violations:\n" + describe_violations(found)

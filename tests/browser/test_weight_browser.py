"""Page weight as the browser's network log counts it: the directory with 20 results."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from ngowg_directory import i18n

from .conftest import Browser
from .helpers import NetworkLog, seed_directory, sign_in, switch_language

pytestmark = pytest.mark.browser

FIRST_VISIT_BUDGET = 30 * 1024
REPEAT_VISIT_BUDGET = 12 * 1024


@pytest.mark.parametrize("locale", i18n.LANGUAGES)
def test_directory_with_20_results_fits_the_budget(
    browser: Browser, make_user, make_org, locale: str
) -> None:
    people = seed_directory(make_user, make_org)
    page = browser.new_page()
    sign_in(page, people[2])
    switch_language(page, locale)
    log = NetworkLog.attach(page)

    # First visit: nothing in the browser's cache.
    log.clear_browser_cache()
    log.clear()
    page.goto("/directory")
    page.wait_for_load_state("networkidle")
    expect(page.locator("ol.results > li")).to_have_count(20)
    first, first_table = log.total_bytes(), log.table()
    first_responses = list(log.responses.values())

    # Repeat visit: the stylesheet comes from the cache, only the page itself travels.
    log.clear()
    page.goto("/directory")
    page.wait_for_load_state("networkidle")
    expect(page.locator("ol.results > li")).to_have_count(20)
    repeat, repeat_table = log.total_bytes(), log.table()
    repeat_responses = list(log.responses.values())
    browser.shot(page, f"directory-{locale}")

    report = f"first visit {first} B\n{first_table}\n\nrepeat visit {repeat} B\n{repeat_table}\n"
    browser.artifact(f"network-{locale}.txt").write_text(report, encoding="utf-8")

    app_host = urlsplit(browser.base_url).netloc
    for url in log.requested + [t.url for t in first_responses]:
        if not url.startswith("data:"):
            assert urlsplit(url).netloc == app_host, f"a request left the app: {url}\n{report}"
    everything = first_responses + repeat_responses
    assert not [t for t in everything if t.resource_type == "Font"], f"a web font:\n{report}"

    document = [t for t in first_responses if t.resource_type == "Document"]
    assert len(document) == 1 and document[0].encoding in {"br", "gzip"}, report
    stylesheets = [t for t in first_responses if t.resource_type == "Stylesheet"]
    assert stylesheets and all(t.encoding in {"br", "gzip"} for t in stylesheets), report
    assert all(t.encoded_bytes > 0 for t in stylesheets), report
    fetched_again = [
        t for t in repeat_responses if t.resource_type != "Document" and not t.from_cache
    ]
    assert fetched_again == [], f"fetched again on the repeat visit:\n{report}"

    assert first <= FIRST_VISIT_BUDGET, f"first visit {first} B over 30 KB:\n{report}"
    assert repeat <= REPEAT_VISIT_BUDGET, f"repeat visit {repeat} B over 12 KB:\n{report}"

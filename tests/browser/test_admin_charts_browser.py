"""The secretariat's dashboard charts in Chromium: every label is shown whole, inside its
chart, in English, French, Spanish and Arabic, on a desktop and a phone; right to left, the
bars grow from the right, next to their labels (issue 18: "Peace processes and mediat")."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from ngowg_directory.extensions import db

from .conftest import Browser
from .helpers import sign_in, switch_language

pytestmark = pytest.mark.browser

MEASURE = """() => [...document.querySelectorAll('figure.chart')].flatMap(figure => {
  const box = figure.getBoundingClientRect();
  return [...figure.querySelectorAll('.bars li')].map(item => {
    const label = item.querySelector('.bar-label');
    const range = document.createRange();
    range.selectNodeContents(label);
    const text = range.getBoundingClientRect();
    const bar = item.querySelector('rect').getBoundingClientRect();
    return {
      label: label.textContent,
      inside: text.left >= box.left - 0.5 && text.right <= box.right + 0.5,
      clipped: item.scrollWidth > item.clientWidth + 1 || label.scrollWidth > label.clientWidth + 1,
      barLeft: bar.left - box.left, barRight: box.right - bar.right,
    };
  });
})"""


def seed(make_user) -> None:
    for country, theme in (("CD", "peace-processes"), ("PS", "humanitarian-gbv")):
        person = make_user("defender")
        person.profile.country = country
        person.profile.set_tags([], [theme], [])
    db.session.commit()


def measured(page: Page) -> list[dict]:
    page.goto("/admin/")
    return page.evaluate(MEASURE)


@pytest.mark.parametrize("locale", ["en", "fr", "es", "ar"])
@pytest.mark.parametrize("width", [1280, 390])
def test_every_chart_label_is_whole_and_inside_its_chart(
    browser: Browser, make_user, locale: str, width: int
) -> None:
    seed(make_user)
    admin = make_user("admin", name="Sara Okafor", totp=True)
    page = browser.new_page(viewport={"width": width, "height": 900})
    sign_in(page, admin)
    switch_language(page, locale)
    rows = measured(page)
    assert len(rows) >= 5, rows
    problems = [row for row in rows if not row["inside"] or row["clipped"]]
    assert not problems, problems
    labels = {row["label"] for row in rows}
    expected = {
        "en": "Peace processes and mediation",
        "fr": "Processus de paix et médiation",
        "es": "Procesos de paz y mediación",
        "ar": "عمليات السلام والوساطة",
    }[locale]
    assert expected in labels, labels
    for row in rows:
        # The bar starts at the label's side: the left in English, the right in Arabic.
        start = row["barRight"] if locale == "ar" else row["barLeft"]
        assert start < 20, (locale, row)
    browser.shot(page, f"dashboard-{locale}-{width}")

"""In Chromium at 390 px without an account: "Merken" on search results and on a case page, the
Merkliste lists both; axe finds no violations on the Merkliste and the case page (German, English)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.a11y_support import SameHostGuard, new_page, violations
from tests.browser_support import browser, live_app, live_server  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.browser
MAERKER = "brandenburg-maerker-maengelmelder"
KLARSCHIFF = "rostock-klarschiff-maengelmelder"


def test_merken_on_results_and_case_page_then_merkliste(live_server, browser):  # noqa: F811
    base = live_server.url
    guard = SameHostGuard(base)
    page = new_page(browser, guard, width=390, height=844)
    page.goto(base + "/search?q=Klarschiff")
    page.locator(f"#merken-{KLARSCHIFF} button").click()
    page.wait_for_load_state()
    assert page.locator(f"#merken-{KLARSCHIFF} button").inner_text().startswith("Gemerkt")
    page.goto(base + f"/cases/{MAERKER}")
    page.locator("#entscheiden button").click()
    page.wait_for_load_state()
    assert page.locator("#entscheiden button").inner_text().startswith("Gemerkt")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="Merkliste").first.click()
    expect(page.locator(".shortlist__item")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    problems = violations(page)
    assert page.errors == []
    page.context.close()
    for locale in ("de-DE", "en-GB"):
        other = new_page(browser, guard, locale=locale, width=1366)
        for path in (f"/cases/{MAERKER}", "/merkliste", "/cases?size=unter-10000"):
            other.goto(base + path)
            problems += violations(other)
        other.context.close()
    assert not problems, f"{len(problems)} axe-Verstöße:\n" + "\n".join(problems)
    assert not guard.foreign, guard.foreign

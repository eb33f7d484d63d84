"""In Chromium: a visitor saves two cases with "Merken" (390 px, no account), compares them, reads
the table stacked on a phone and side by side at 1366 px, and downloads the Steckbrief; axe finds no
violations on the case page, the Merkliste and the compare view in German and English."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.a11y_support import SameHostGuard, new_page, violations
from tests.browser_support import browser, live_app, live_server  # noqa: F401  (pytest fixtures)
from tests.decide_support import KLARSCHIFF, MAERKER, MASTERPORTAL, give_maerker_facts

pytestmark = pytest.mark.browser
CASE = f"/cases/{MAERKER}"


def test_merken_compare_and_steckbrief_end_to_end(live_server, browser):  # noqa: F811
    give_maerker_facts(live_server.app)
    base = live_server.url
    page = new_page(browser, SameHostGuard(base), width=390, height=844)
    page.goto(base + "/search?q=M%C3%A4ngelmelder")
    for slug in (MAERKER, KLARSCHIFF):
        page.locator(f"#merken-{slug} button").click()
        page.wait_for_load_state()
        assert page.locator(f"#merken-{slug} button").inner_text().startswith("Gemerkt")
    page.get_by_role("link", name="Merkliste").first.click()
    expect(page.locator(".shortlist__item")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the Merkliste fits the phone
    page.get_by_role("button", name="Ausgewählte vergleichen").click()
    page.wait_for_url("**/vergleich?cases=*")
    table = page.locator(".compare__table")
    assert table.locator("thead th").count() == 2
    assert table.locator("tbody th[scope=row]").first.inner_text() == "Betrieben von"
    costs = table.locator("tbody tr").nth(3)
    assert "jährlich 0 €" in costs.inner_text().replace("\xa0", " ")  # Maerker
    assert "nicht angegeben – beim Betreiber erfragen" in costs.inner_text()  # Klarschiff gives no costs
    # 390 px: one fact after the other, each value under its case's title, nothing wider than the phone
    first, second = costs.locator("td").nth(0).bounding_box(), costs.locator("td").nth(1).bounding_box()
    assert second["y"] >= first["y"] + first["height"] - 1 and abs(first["x"] - second["x"]) < 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert violations(page) == []  # the stacked table too
    page.set_viewport_size({"width": 1366, "height": 900})  # side by side on a desktop
    first, second = costs.locator("td").nth(0).bounding_box(), costs.locator("td").nth(1).bounding_box()
    assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"] + first["width"] - 1
    with page.expect_download() as download:
        page.locator(".compare__table a[type='application/pdf']").first.click()
    assert download.value.suggested_filename == f"steckbrief-{MAERKER}.pdf"
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    content = " ".join(p.extract_text() for p in pdf.pages)
    assert "Maerker" in content and "Auf einen Blick" in content and len(pdf.pages) == 1
    page.goto(base + CASE)  # the case page offers both: its Merken button says "Gemerkt", the PDF link
    assert page.locator("#entscheiden button").inner_text().startswith("Gemerkt")
    assert page.locator("#entscheiden a[type='application/pdf']").get_attribute("href") == f"{CASE}/steckbrief.pdf"
    page.emulate_media(media="print")  # printed: the facts and the text, no navigation or buttons
    assert page.locator("#auf-einen-blick").is_visible() and page.locator("h1").is_visible()
    for hidden in ("#entscheiden", ".glance__actions", ".site-header", ".site-footer", ".breadcrumb"):
        assert page.locator(hidden).first.is_hidden(), hidden
    assert page.errors == []
    page.context.close()


def test_axe_case_page_and_compare_view_german_and_english(live_server, browser):  # noqa: F811
    base = live_server.url
    guard = SameHostGuard(base)
    problems: list[str] = []
    compare = f"/vergleich?cases={MAERKER},{KLARSCHIFF},{MASTERPORTAL}"
    pages = {"de": (CASE, compare, "/vergleich?cases=gibt-es-nicht,x", "/merkliste"), "en": (CASE, compare)}
    for locale, lang in (("de-DE", "de"), ("en-GB", "en")):
        page = new_page(browser, guard, locale=locale)
        for path in pages[lang]:
            page.goto(base + path)
            assert page.evaluate("document.documentElement.lang") == lang, path
            problems += violations(page)
        page.context.close()
    assert not problems, f"{len(problems)} axe-Verstöße:\n" + "\n".join(problems)
    assert not guard.foreign, guard.foreign

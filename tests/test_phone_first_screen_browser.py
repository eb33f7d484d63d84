"""In Chromium on a 390 × 844 px phone: what a visitor came for is on the first screen – the search
box of the start page, the "Auf einen Blick" box of a case page, the first search result before the
(closed) filters – without scrolling."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.a11y_support import SameHostGuard, new_page
from tests.browser_support import browser, live_app, live_server  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
CASE = "/cases/hamburg-masterportal-geoportal"


def _bottom(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    return box["y"] + box["height"]


def test_start_page_search_box_is_on_the_first_screen(live_server, browser):  # noqa: F811
    guard = SameHostGuard(live_server.url)
    page = new_page(browser, guard, **PHONE)
    page.goto(live_server.url + "/")
    assert _bottom(page, "#hero-search-q") < PHONE["height"]
    assert _bottom(page, ".hero form button[type=submit]") < PHONE["height"]
    lead = page.locator(".hero__lead")
    assert lead.is_visible() and "Praxisatlas" in lead.inner_text()  # the introduction follows the examples
    page.set_viewport_size({"width": 1366, "height": 900})  # the desktop reads title, introduction, search
    assert _bottom(page, ".hero__lead") < page.locator("#hero-search-q").bounding_box()["y"]
    page.context.close()
    assert guard.foreign == []


def test_case_page_glance_box_starts_on_the_first_screen(live_server, browser):  # noqa: F811
    guard = SameHostGuard(live_server.url)
    page = new_page(browser, guard, **PHONE)
    page.goto(live_server.url + CASE)
    assert page.locator(".site-header .search-form").bounding_box()["height"] < 70  # field and button: one line
    crumbs = page.get_by_role("navigation", name="Brotkrümelnavigation").get_by_role("link")
    assert [text.strip() for text in crumbs.all_inner_texts() if text.strip()] == ["Start", "Lösungen"]
    assert page.locator("#auf-einen-blick").bounding_box()["y"] + 60 < PHONE["height"]  # heading and first fact
    page.set_viewport_size({"width": 1366, "height": 900})  # the desktop keeps the whole trail
    assert crumbs.nth(2).is_visible()
    page.context.close()
    assert guard.foreign == []


def test_on_a_phone_the_results_come_before_the_closed_filters(live_server, browser):  # noqa: F811
    guard = SameHostGuard(live_server.url)
    page = new_page(browser, guard, **PHONE)
    page.goto(live_server.url + "/search?q=Portal")
    toggle = page.locator("summary.filter-disclosure__summary")
    topic = page.get_by_role("checkbox", name=re.compile("^Geodaten"))
    assert toggle.is_visible() and not topic.is_visible()  # filters closed, the skip link is not needed
    assert not page.get_by_role("link", name="Filter überspringen und direkt zu den Ergebnissen").is_visible()
    assert page.locator(".search-result").first.bounding_box()["y"] < PHONE["height"]
    before = int(page.locator("#result-count").inner_text().split()[0])
    toggle.click()
    topic.check()  # the live filter still works inside the disclosure
    expect(toggle).to_contain_text("(1 aktiv)")
    expect(page.locator("#result-count")).not_to_contain_text(f"{before} ")
    assert "topic=Geodaten" in page.url
    page.reload()  # a filtered page opens with the filters closed and says how many are ticked
    expect(toggle).to_contain_text("(1 aktiv)")
    assert not topic.is_visible()
    page.set_viewport_size({"width": 1366, "height": 900})  # two columns: filters always open, no toggle
    expect(topic).to_be_visible()
    assert not toggle.is_visible()
    page.context.close()

    plain = new_page(browser, guard, javascript=False, **PHONE)  # without JavaScript nothing is hidden
    plain.goto(live_server.url + "/cases")
    assert plain.get_by_role("checkbox", name=re.compile("^Geodaten")).is_visible()
    assert plain.get_by_role("link", name="Filter überspringen und direkt zu den Ergebnissen").is_visible()
    plain.context.close()
    assert guard.foreign == []


def test_on_a_phone_the_navigation_folds_behind_a_menu_button(live_server, browser):  # noqa: F811
    guard = SameHostGuard(live_server.url)
    page = new_page(browser, guard, **PHONE)
    page.goto(live_server.url + "/cases")
    menu = page.get_by_role("button", name="Menü")
    statistics = page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Statistik")
    assert menu.get_attribute("aria-expanded") == "false" and not statistics.is_visible()
    assert page.locator(".site-nav-bar").bounding_box()["height"] < 60  # one line instead of three
    assert page.get_by_role("link", name="Merkliste").is_visible()  # stays in reach
    assert not page.get_by_role("link", name="Anmelden").is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")  # from the button into the opened navigation
    assert page.evaluate("document.activeElement.closest('nav') !== null")
    page.keyboard.press("Escape")  # closes it and returns to the button
    assert menu.get_attribute("aria-expanded") == "false" and not statistics.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('site-menu-toggle')")
    menu.click()
    statistics.click()
    page.wait_for_url("**/statistik")
    page.set_viewport_size({"width": 1366, "height": 900})  # the desktop shows both navigations, no button
    expect(page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Statistik")).to_be_visible()
    assert not page.get_by_role("button", name="Menü").is_visible()
    page.context.close()

    plain = new_page(browser, guard, javascript=False, **PHONE)  # without JavaScript: no button, all links
    plain.goto(live_server.url + "/cases")
    assert plain.get_by_role("button", name="Menü").count() == 0
    assert plain.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Statistik").is_visible()
    plain.context.close()
    assert guard.foreign == []

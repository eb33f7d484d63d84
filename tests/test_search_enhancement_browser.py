"""In Chromium: the search box suggests cases as you type (ARIA combobox, keyboard only), ticking a
facet on /search updates results, counts and address without a page load, and without
JavaScript the same search and filters work through plain GET forms."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.a11y_support import SameHostGuard, new_page, violations
from tests.browser_support import browser, live_app, live_server  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.browser
MASTERPORTAL = "/cases/hamburg-masterportal-geoportal"


def total(page) -> int:
    """The number of hits the page announces ("8 Lösungen gefunden")."""
    return int(re.search(r"\d+", page.inner_text("#result-count")).group())


def tab_to(page, selector: str, limit: int = 15) -> None:
    """Press Tab until the focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} not reached with Tab")


def test_typeahead_suggests_cases_and_opens_one_by_keyboard(live_server, browser):  # noqa: F811
    guard = SameHostGuard(live_server.url)
    page = new_page(browser, guard)
    page.goto(live_server.url + "/")
    box = page.locator("#hero-search-q")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
    tab_to(page, "#hero-search-q")
    page.keyboard.type("Mast", delay=40)
    listbox = page.get_by_role("listbox", name="Vorschläge")
    listbox.wait_for(state="visible")
    options = listbox.get_by_role("option")
    assert "Masterportal" in options.first.inner_text()
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == listbox.get_attribute("id")
    status = page.locator(".hero [role=status]")
    expected = "1 Vorschlag" if options.count() == 1 else f"{options.count()} Vorschläge"
    assert status.inner_text().startswith(expected)
    assert not violations(page)  # with the list open

    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    assert options.first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    assert listbox.is_hidden() and box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "Mast"  # Escape closes the list and keeps the text
    page.keyboard.press("ArrowDown")  # opens again on the first suggestion
    page.keyboard.press("Enter")
    page.wait_for_url("**" + MASTERPORTAL)

    page.locator("#site-search-q").press_sequentially("Geoportal", delay=20)
    page.get_by_role("listbox").wait_for(state="visible")
    page.keyboard.press("Enter")  # no suggestion chosen: the form searches as before
    page.wait_for_url("**/search?q=Geoportal")
    assert total(page) >= 1
    assert not page.errors and not guard.foreign
    page.context.close()


def test_suggestions_are_announced_as_none_for_nonsense(live_server, browser):  # noqa: F811
    guard = SameHostGuard(live_server.url)
    page = new_page(browser, guard)
    page.goto(live_server.url + "/barrierefreiheit")
    page.locator("#site-search-q").press_sequentially("xqzjvw", delay=20)
    expect(page.locator(".suggest-host [role=status]")).to_have_text("Keine Vorschläge.")
    assert page.get_by_role("listbox").is_hidden()
    assert page.locator("#site-search-q").get_attribute("aria-expanded") == "false"
    page.context.close()


def test_ticking_a_facet_updates_results_and_address_without_a_page_load(live_server, browser):  # noqa: F811
    guard = SameHostGuard(live_server.url)
    page = new_page(browser, guard)
    page.goto(live_server.url + "/search?q=Portal")
    before = total(page)
    page.evaluate("window.stillTheSamePage = true")
    page.locator("#search-page-q").focus()
    tab_to(page, "input[name=topic]")  # the first facet, reached with the keyboard
    topic = page.evaluate("document.activeElement.value")
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"topic="))
    expect(page.locator("#results")).not_to_have_attribute("aria-busy", "true")
    after = total(page)
    assert after < before
    assert page.evaluate("window.stillTheSamePage === true"), "the page was reloaded"
    assert page.evaluate("document.activeElement.name + '=' + document.activeElement.value") == f"topic={topic}"
    assert page.evaluate("document.activeElement.checked")
    label = page.locator("form[data-live-filter] input:checked + label").inner_text()
    assert re.search(rf"\({after}\b", label), label  # the facet count was updated too
    cards = page.locator("#results .case-card__topics")
    assert cards.count() == min(after, 10) and all(topic in t for t in cards.all_inner_texts())
    assert page.locator(f".search-page-form input[type=hidden][name=topic][value='{topic}']").count() == 1
    assert topic in page.title() or "Portal" in page.title()
    assert not violations(page)

    page.go_back()
    expect(page.locator("#result-count")).to_contain_text(f"{before} ")
    assert "topic=" not in page.url and not page.locator("input[name=topic]:checked").count()
    assert page.evaluate("window.stillTheSamePage === true")
    assert not page.errors and not guard.foreign
    page.context.close()


def test_search_and_filters_work_without_javascript(live_server, browser):  # noqa: F811
    guard = SameHostGuard(live_server.url)
    page = new_page(browser, guard, javascript=False)
    page.goto(live_server.url + "/")
    assert page.locator("#hero-search-q").get_attribute("role") is None  # no combobox without script
    page.fill("#hero-search-q", "Portal")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=Portal")
    before = total(page)
    page.locator("#search-page-q").focus()
    tab_to(page, "input[name=topic]")
    topic = page.evaluate("document.activeElement.value")
    page.keyboard.press("Space")
    assert "topic=" not in page.url  # nothing happens until the form is sent
    page.get_by_role("button", name="Filter anwenden").click()
    page.wait_for_url(re.compile(r"topic="))
    assert "q=Portal" in page.url and total(page) < before
    assert page.locator("input[name=topic]:checked").get_attribute("value") == topic
    assert all(topic in t for t in page.locator("#results .case-card__topics").all_inner_texts())
    assert not guard.foreign
    page.context.close()

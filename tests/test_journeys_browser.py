"""In Chromium, CSRF on, the main journeys as a person takes them: search → filter → open a case →
"Wir nutzen das auch"; switching the interface to English and back. (Submit → moderate →
publish is tests/test_workflow_browser.py.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kb.extensions import db
from kb.models import Role
from kb.services.accounts import users as accounts
from tests.a11y_support import PASSWORD, SameHostGuard, new_page, sign_in, violations
from tests.browser_support import browser, live_app, live_server  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.browser
MASTERPORTAL = "/cases/hamburg-masterportal-geoportal"


def test_search_filter_open_case_and_declare_adoption(live_server, browser):  # noqa: F811
    base = live_server.url
    with live_server.app.app_context():
        accounts.create_user(db.session, email="journey-tuebingen@example.org", password=PASSWORD,
                             role=Role.CONTRIBUTOR, municipality="08416041", confirmed=True)
    guard = SameHostGuard(base)
    page = new_page(browser, guard)
    sign_in(page, base, "journey-tuebingen@example.org")

    page.goto(base + "/")
    page.fill("#hero-search-q", "Geoportal")
    page.locator("#hero-search-q").press("Enter")
    page.wait_for_url("**/search?q=Geoportal")
    unfiltered = page.locator("#results .search-result").count()
    page.get_by_label(re.compile(r"^Geodaten \(")).check()
    page.wait_for_url(re.compile(r"topic=Geodaten"))
    expect(page.locator("#results")).not_to_have_attribute("aria-busy", "true")
    assert 1 <= page.locator("#results .search-result").count() <= unfiltered
    page.locator(f"#results a[href='{MASTERPORTAL}']").click()
    page.wait_for_url("**" + MASTERPORTAL)
    adopters = page.locator("table.stack-table")
    assert "Tübingen" not in adopters.inner_text()

    page.select_option("#status", "pilot")
    page.fill("#note", "Pilot im Stadtplanungsamt")
    page.get_by_role("button", name="Wir nutzen das auch").click()
    page.wait_for_url(re.compile(re.escape(MASTERPORTAL)))
    assert "Tübingen" in adopters.inner_text() and "Pilot im Stadtplanungsamt" in adopters.inner_text()
    assert page.locator(".flash-area [role=status]").count() >= 1  # the confirmation is announced
    assert not violations(page)
    assert not page.errors and not guard.foreign
    page.context.close()


def test_language_switch_keeps_english_until_switched_back(live_server, browser):  # noqa: F811
    base = live_server.url
    guard = SameHostGuard(base)
    page = new_page(browser, guard)  # the browser asks for German
    page.goto(base + "/search?q=Portal")
    assert page.evaluate("document.documentElement.lang") == "de"
    assert page.inner_text(".skip-link") == "Zum Inhalt springen"

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith("/search?q=Portal")  # back on the same page
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.inner_text(".skip-link") != "Zum Inhalt springen"  # the interface speaks English
    assert page.get_by_role("button", name="Deutsch").is_visible()

    page.locator(".site-nav a[href='/cases']").click()
    page.wait_for_url("**/cases")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.inner_text(".site-nav a[href='/cases']") != "Lösungen"
    page.goto(base + MASTERPORTAL)
    assert page.evaluate("document.documentElement.lang") == "en"

    page.get_by_role("button", name="Deutsch").click()
    page.wait_for_url("**" + MASTERPORTAL)
    assert page.evaluate("document.documentElement.lang") == "de"
    assert page.inner_text(".skip-link") == "Zum Inhalt springen"
    assert page.inner_text(".site-nav a[href='/cases']") == "Lösungen"
    assert not page.errors and not guard.foreign
    page.context.close()

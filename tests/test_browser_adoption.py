"""In Chromium: maps and statistics render without script errors and keep their text alternatives;
a member declares "Wir nutzen das auch" through the real form (CSRF on)."""

import pytest

from kb.extensions import db
from kb.models import Role
from kb.services.accounts import users as accounts
from tests.browser_support import browser, live_app, live_server  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.browser


def open_page(browser, url):  # noqa: F811
    """A page that records console errors and uncaught exceptions."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, errors


def test_case_map_draws_owner_and_adopters_over_the_laender(live_server, browser):  # noqa: F811
    page, errors = open_page(browser, live_server.url + "/cases/hamburg-masterportal-geoportal")
    page.wait_for_selector("#case-map-canvas.leaflet-container")
    page.wait_for_selector("#case-map-canvas path.atlas-land")
    assert page.locator("#case-map-canvas path.atlas-land").count() == 16
    markers = page.locator("#case-map-canvas path.atlas-marker").count()
    drawn = page.evaluate("JSON.parse(document.querySelector('#case-map-canvas').dataset.points).length")
    assert markers == drawn >= 5
    assert page.locator("#case-map-canvas path.atlas-marker--owner").count() == 1
    assert page.locator("#case-map-canvas .atlas-map__fallback").count() == 0
    rows = page.locator("#case-map-table tbody tr").count()
    assert rows >= markers  # the table lists every place, also those without coordinates
    assert page.locator("#case-map-canvas").get_attribute("aria-label")
    assert errors == []
    page.close()


def test_map_without_javascript_keeps_the_table(live_server, browser):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/cases/hamburg-masterportal-geoportal")
    assert page.locator(".atlas-map__fallback").is_visible()
    assert page.locator("#case-map-table tbody tr").count() >= 5
    context.close()


@pytest.mark.parametrize("path", ["/municipalities/14713000", "/kreise/12063", "/laender/brandenburg"])
def test_profile_maps_render_without_errors(live_server, browser, path):  # noqa: F811
    page, errors = open_page(browser, live_server.url + path)
    page.wait_for_selector(".atlas-map__canvas.leaflet-container")
    assert page.locator("path.atlas-marker").count() >= 2
    assert page.locator(".atlas-map__table tbody tr").count() >= 2
    assert page.locator("h1").count() == 1
    assert errors == []
    page.close()


def test_statistics_render_without_errors_and_with_text_alternatives(live_server, browser):  # noqa: F811
    page, errors = open_page(browser, live_server.url + "/statistik")
    charts = page.locator('svg[role="img"]')
    assert charts.count() == 3
    for i in range(3):
        chart = charts.nth(i)
        assert chart.locator("title").first.text_content()
        assert chart.locator("desc").first.text_content()
        assert chart.bounding_box()["height"] > 100
    assert page.locator("#table-topic tbody tr").count() == 16
    assert page.locator("#table-land tbody tr").count() == 16
    assert errors == []
    page.close()


def test_member_declares_in_the_browser(live_server, browser):  # noqa: F811
    with live_server.app.app_context():
        accounts.create_user(db.session, email="ulm-browser@example.org", password="geheim-passwort-1",
                             role=Role.CONTRIBUTOR, municipality="08421000", confirmed=True)
    page, errors = open_page(browser, live_server.url + "/login")
    page.fill("#email", "ulm-browser@example.org")
    page.fill("#password", "geheim-passwort-1")
    page.click("form.form-stack button[type=submit]")
    page.goto(live_server.url + "/cases/kaiserslautern-verkehrsfluss-kimono")
    page.select_option("#status", "pilot")
    page.fill("#note", "Test im Verkehrsamt")
    page.get_by_role("button", name="Wir nutzen das auch").click()
    page.wait_for_url("**/cases/kaiserslautern-verkehrsfluss-kimono*")
    table = page.locator("table.stack-table")
    assert "Ulm" in table.inner_text() and "Test im Verkehrsamt" in table.inner_text()
    assert page.get_by_role("button", name="Bestätigen: stimmt noch").is_visible()
    assert errors == []
    page.close()

"""In Chromium: "Auf einen Blick" sits under the title and above the description at 1366 px and at
390 px, missing facts say so, and axe finds no violations on the case page at either width."""

from __future__ import annotations

import os

import pytest

from tests.a11y_support import SameHostGuard, new_page, violations
from tests.browser_support import browser, live_app, live_server  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.browser
CASE = "/cases/hamburg-masterportal-geoportal"
WIDTHS = (1366, 390)


def _top(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def test_glance_box_is_above_the_description_at_desktop_and_mobile_width(live_server, browser):  # noqa: F811
    guard = SameHostGuard(live_server.url)
    problems: list[str] = []
    for width in WIDTHS:
        page = new_page(browser, guard, width=width, height=900)
        page.goto(live_server.url + CASE)
        box = page.locator("#auf-einen-blick")
        assert box.is_visible(), width
        title_bottom = _top(page, "#case-title") + page.locator("#case-title").bounding_box()["height"]
        assert title_bottom <= _top(page, "#auf-einen-blick") < _top(page, "#description-heading"), width
        assert _top(page, "#auf-einen-blick") < _top(page, ".case__lead"), width
        facts = box.locator(".glance__key").all_inner_texts()
        assert facts == ["Betrieben von", "Stand", "Nutzung", "Kosten", "Lizenz / Open Source", "Betrieb",
                         "Wie kommt man dran?", "Kontakt"], width
        if width == 390:  # nothing wider than the phone's screen
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        if os.environ.get("KB_SCREENSHOT_DIR"):  # for looking at the page while changing it
            page.screenshot(path=os.path.join(os.environ["KB_SCREENSHOT_DIR"], f"case-{width}.png"), full_page=True)
        problems += violations(page)
        page.context.close()
    assert problems == []
    assert guard.foreign == []


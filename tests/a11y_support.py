"""Helpers for the accessibility and journey browser tests: axe-core, sign-in, same-host guard."""

from __future__ import annotations

from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe

PASSWORD = "geheim-passwort-1"
AXE = Axe()
#: every WCAG 2.0/2.1/2.2 A and AA rule plus axe's best practices
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
}


def violations(page) -> list[str]:
    """Run axe-core on the page; one readable line per violation and element."""
    # After a click the next page's elements can be visible before its style sheets have loaded; an
    # unstyled page fails target-size and contrast checks that the real page passes.
    page.wait_for_load_state("load")
    found = AXE.run(page, options=AXE_OPTIONS).response["violations"]
    parts = urlsplit(page.url)
    where = parts.path + (f"?{parts.query}" if parts.query else "")
    lang = page.evaluate("document.documentElement.lang")
    return [f"{where} [{lang}] {v['id']} ({v['impact']}): {v['help']} – {', '.join(map(str, node['target']))}"
            for v in found for node in v["nodes"]]


class SameHostGuard:
    """Record every request of a browser context that goes anywhere but the live server."""

    def __init__(self, base: str):
        self.host = urlsplit(base).netloc
        self.foreign: list[str] = []
        self.seen = 0

    def watch(self, context):
        context.on("request", self.check)
        return context

    def check(self, request) -> None:
        self.seen += 1
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob", "about") and parts.netloc != self.host:
            self.foreign.append(request.url)


def new_page(browser, guard: SameHostGuard, *, locale: str = "de-DE", width: int = 1280, height: int = 900,
             javascript: bool = True):
    """A page in a fresh context whose requests the guard watches; page errors collect in page.errors."""
    context = guard.watch(browser.new_context(locale=locale, viewport={"width": width, "height": height},
                                              java_script_enabled=javascript))
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


def sign_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form."""
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.inner_text("main")[:300]


CRAMPED_BUTTONS = """() => [...document.querySelectorAll('main .kern-btn')]
  .filter(b => b.offsetParent !== null).filter(b => {
    const box = b.getBoundingClientRect();
    const icon = b.querySelector('.kern-icon');
    const iconBox = icon && icon.getBoundingClientRect();
    const label = b.querySelector('.kern-label:not(.kern-sr-only)');
    const style = label && getComputedStyle(label);
    const lines = label ? (label.getBoundingClientRect().height - parseFloat(style.paddingTop)
                           - parseFloat(style.paddingBottom)) / (parseFloat(style.lineHeight) || 24) : 1;
    return b.scrollWidth > b.clientWidth + 1
        || (iconBox && (iconBox.left < box.left - 1 || iconBox.right > box.right + 1))
        || lines > 2.5;
}).map(b => b.innerText.trim().replace(/\\s+/g, ' '))"""


def cramped_buttons(page) -> list[str]:
    """The visible buttons whose label does not fit them (overflows, icon outside, over two lines)."""
    return page.evaluate(CRAMPED_BUTTONS)

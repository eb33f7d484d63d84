"""In Chromium, CSRF on, end to end: register with the municipality type-ahead, confirm by
mail, describe a solution with preview, submit, a moderator publishes, everyone finds it.
The pages on the way are checked with axe (no accessibility violations)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from kb.extensions import db
from kb.models import Role
from kb.services.accounts import users as accounts
from tests.browser_support import browser, live_app, live_server  # noqa: F401  (pytest fixtures)
from tests.mailbox import mails

pytestmark = pytest.mark.browser
PASSWORD = "geheim-passwort-1"
AXE = Axe()


def no_violations(page) -> list[str]:
    page.wait_for_load_state("load")  # not the page half-parsed or without its style sheets
    results = AXE.run(page)
    return [f"{page.url}: {v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in results.response["violations"]]


def test_register_submit_moderate_publish_in_the_browser(live_server, browser):  # noqa: F811
    base = live_server.url
    with live_server.app.app_context():
        accounts.create_user(db.session, email="flow-mod@example.org", password=PASSWORD, role=Role.MODERATOR,
                             confirmed=True)
    problems: list[str] = []
    member = browser.new_context(locale="de-DE").new_page()
    errors: list[str] = []
    member.on("pageerror", lambda exc: errors.append(str(exc)))

    member.goto(base + "/register")
    problems += no_violations(member)
    member.fill("#email", "flow-autorin@example.org")
    member.fill("#display_name", "Digitalbüro Jena")
    member.locator("#municipality").press_sequentially("Jen", delay=30)
    member.locator("#municipality-suggestions option").first.wait_for(state="attached")
    options = member.eval_on_selector_all("#municipality-suggestions option", "els => els.map(e => e.value)")
    assert "Jena (16053000)" in options
    member.fill("#municipality", "Jena (16053000)")
    member.fill("#password", PASSWORD)
    member.fill("#confirm", PASSWORD)
    member.click("main form button[type=submit]")
    member.wait_for_url("**/register/gesendet")

    link = mails(live_server.app, "flow-autorin@example.org")[-1].link("/konto/bestaetigen/")
    member.goto(base + link)
    member.click("main form button[type=submit]")
    member.fill("#email", "flow-autorin@example.org")
    member.fill("#password", PASSWORD)
    member.click("main form button[type=submit]")
    member.wait_for_url(lambda url: "/login" not in url)

    member.goto(base + "/cases/new")
    assert member.input_value("#municipality") == "Jena (16053000)"
    member.fill("#title", "Open-Data-Portal mit Bürgerfragen")
    member.click("button[value=submit]")
    expect(member.locator("#error-summary")).to_be_visible()
    problems += no_violations(member)
    member.fill("#summary", "Offene Daten der Stadt, dazu beantwortete Fragen der Bürgerinnen und Bürger.")
    member.fill("#description", "## Lösung\n\nEin **Portal** mit offenen Daten.")
    member.check("label:has-text('Datenplattform')")
    member.fill("#reuse", "CKAN-Kenntnisse und eine Ansprechstelle im Amt.")
    member.fill("#contact_name", "Stabsstelle Digitales")
    member.fill("#contact_url", "https://example.org/digitales")
    member.click("button[value=preview]")
    expect(member.locator("#preview-heading")).to_be_visible()
    assert member.inner_text(".preview-box strong") == "Portal"
    member.click("button[value=submit]")
    member.wait_for_url("**/meine-beitraege")
    assert "In Prüfung" in member.inner_text("main")
    slug = "open-data-portal-mit-buergerfragen"
    visitor = browser.new_context(locale="de-DE").new_page()
    assert visitor.goto(f"{base}/cases/{slug}").status == 404

    moderator = browser.new_context(locale="de-DE").new_page()
    moderator.goto(base + "/login")
    moderator.fill("#email", "flow-mod@example.org")
    moderator.fill("#password", PASSWORD)
    moderator.click("main form button[type=submit]")
    moderator.goto(base + "/moderation")
    problems += no_violations(moderator)
    moderator.click(f"a[href='/moderation/{slug}']")
    moderator.wait_for_url(f"**/moderation/{slug}")
    problems += no_violations(moderator)
    moderator.check("#decision-publish")
    moderator.get_by_role("button", name="Entscheidung speichern").click()
    expect(moderator.locator(".flash-area")).to_contain_text("veröffentlicht")

    assert visitor.goto(f"{base}/cases/{slug}").status == 200
    visitor.goto(f"{base}/search?q=Bürgerfragen")
    assert visitor.locator(f"a[href='/cases/{slug}']").count() >= 1
    assert errors == []
    assert not problems, "\n".join(problems)

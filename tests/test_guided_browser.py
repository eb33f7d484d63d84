"""In Chromium, CSRF on: the guided submission from "Eigene Lösung teilen" to publication – the
similar published case offered while the title is typed and again after saving, a missing contact
refused with its step named, the check-your-answers page, the moderator publishing. Every page
passes axe at 1366 and 390 px, German and English; the steps also work with JavaScript off."""

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
AUTHOR = "guided-autorin@bamberg.example"
TITLE = "Geoportal mit dem Masterportal"
SLUG = "geoportal-mit-dem-masterportal"
REQUEST = "Bitte nennen Sie, was die Einführung gekostet hat."
REVISED_COSTS = "Keine Lizenzkosten, 20 Personentage für die Einführung"


def test_guided_submission_to_publication(live_server, browser):  # noqa: F811
    base, app = live_server.url, live_server.app
    with app.app_context():
        accounts.create_user(db.session, email=AUTHOR, password=PASSWORD, role=Role.CONTRIBUTOR,
                             municipality="09461000", confirmed=True)
        accounts.create_user(db.session, email="guided-mod@praxisatlas.example", password=PASSWORD,
                             role=Role.MODERATOR, confirmed=True)
    guard = SameHostGuard(base)
    problems: list[str] = []
    page = new_page(browser, guard, width=1366)
    page.goto(base + "/municipalities/09461000")
    page.get_by_role("link", name="Eigene Lösung teilen").click()
    page.wait_for_url("**/teilen")
    problems += violations(page)
    page.get_by_role("link", name="Anmelden und loslegen").click()
    page.fill("#email", AUTHOR)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/cases/neu/worum")
    assert "## Ausgangslage" in page.input_value("#description")

    page.locator("#title").press_sequentially("Masterportal", delay=20)  # typing: "Gibt es schon?"
    page.locator("#duplicate-hint a").first.wait_for()
    assert "Masterportal" in page.inner_text("#duplicate-hint")
    assert page.locator("#duplicate-hint a[href$='#nachnutzung-erklaeren']").count() == 1
    problems += violations(page)
    page.fill("#title", TITLE)
    page.fill("#summary", "Bebauungspläne der Stadt auf einer Karte.")
    page.fill("#description", "## Ausgangslage\n\nPläne nur als PDF.\n\n## Lösung\n\nEin Geoportal auf Basis "
                              "des Masterportals.\n\n## Ergebnisse\n\nWeniger Anfragen im Bauamt.")
    page.check("label:has-text('Geodaten')")
    page.get_by_role("button", name="Speichern und weiter").click()
    page.wait_for_url(re.compile(r"/schritte/betrieb$"))
    assert page.get_by_role("heading", name="Gibt es schon?").is_visible()  # checked again after saving
    assert page.input_value("#municipality") == "Bamberg (09461000)"
    problems += violations(page)
    page.get_by_role("button", name="Speichern und weiter").click()
    page.wait_for_url(re.compile(r"/schritte/nachnutzung$"))
    page.fill("#reuse", "Masterportal-Kenntnisse und Pläne als XPlanung.")
    page.check("#reuse_open_source")  # the re-use facts of issue 13
    problems += violations(page)
    page.get_by_role("button", name="Speichern und weiter").click()
    page.wait_for_url(re.compile(r"/schritte/kontakt$"))
    assert "Kontakt für Nachfragen" in page.inner_text(".completeness")  # the meter names what is missing
    problems += violations(page)
    page.get_by_role("button", name="Speichern und weiter").click()  # no contact given
    page.wait_for_url(re.compile(r"/schritte/pruefen$"))
    page.get_by_role("button", name="Zur Prüfung einreichen").click()
    summary = page.locator("#error-summary")
    assert "Schritt 4 „Kontakt“: Kontakt für Nachfragen fehlt." in summary.inner_text()
    problems += violations(page)
    page.set_viewport_size({"width": 390, "height": 844})
    problems += violations(page)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
    summary.get_by_role("link", name=re.compile("Schritt 4")).click()
    page.fill("#contact_name", "Stadtplanungsamt")
    page.fill("#contact_phone", "0951 87-0")
    problems += violations(page)
    page.get_by_role("button", name="Speichern und zurück zur Prüfung").click()
    page.wait_for_url(re.compile(r"/schritte/pruefen$"))
    assert "Stadtplanungsamt" in page.inner_text("#check-kontakt + dl")
    assert "Open Source – selbst betreiben" in page.inner_text("#check-nachnutzung + dl")
    page.get_by_role("button", name="Zur Prüfung einreichen").click()
    page.wait_for_url("**/meine-beitraege")

    moderator = new_page(browser, guard)
    sign_in(moderator, base, "guided-mod@praxisatlas.example")
    moderator.goto(base + "/moderation")
    moderator.get_by_role("link", name=TITLE).click()
    problems += violations(moderator)
    moderator.check("#decision-request_changes")  # the third decision: "Änderungen erbitten"
    moderator.fill("#reason", REQUEST)
    moderator.get_by_role("button", name="Entscheidung speichern").click()
    moderator.wait_for_url("**/moderation")
    assert moderator.get_by_role("link", name=TITLE).count() == 0  # out of the queue until it comes back

    page.goto(base + "/meine-beitraege")  # the author reads the request and revises step by step
    assert "Die Moderation bittet um Änderungen" in page.inner_text("main") and REQUEST in page.inner_text("main")
    problems += violations(page)
    problems += revise_costs(page, TITLE, audit=violations)

    moderator.goto(base + "/moderation")
    moderator.get_by_role("link", name=TITLE).click()  # back in the queue, with the diff
    aid = moderator.locator("section.review-aid", has=moderator.locator("#resubmitted-heading"))
    assert REQUEST in aid.inner_text()
    assert REVISED_COSTS in aid.locator("ins").all_inner_texts()[0]
    assert TITLE not in aid.locator(".diff-list").inner_text()  # only what changed
    problems += violations(moderator)
    moderator.check("#decision-publish")
    moderator.get_by_role("button", name="Entscheidung speichern").click()
    moderator.wait_for_url("**/moderation")
    visitor = new_page(browser, guard)
    assert visitor.goto(f"{base}/cases/{SLUG}").status == 200
    assert "Stadtplanungsamt" in visitor.inner_text("main") and REVISED_COSTS in visitor.inner_text("main")

    plain = new_page(browser, guard, javascript=False, width=390, height=844)  # no JavaScript: same steps
    sign_in(plain, base, AUTHOR)
    plain.goto(base + "/teilen")
    plain.get_by_role("link", name="Los geht’s").click()
    plain.fill("#title", "Mängelmelder ohne Skript")
    plain.get_by_role("button", name="Entwurf speichern und später weitermachen").click()
    plain.wait_for_url("**/meine-beitraege")
    plain.get_by_role("link", name=re.compile(r"^Schritt für Schritt weiter\W+Mängelmelder")).click()
    assert "nicht angegeben" in plain.inner_text("#check-worum + dl")  # (axe needs JavaScript: not run here)

    english = new_page(browser, guard, locale="en-GB")
    sign_in(english, base, AUTHOR)
    for path in ("/teilen", "/cases/neu/worum", "/cases/maengelmelder-ohne-skript/schritte/kontakt",
                 "/cases/maengelmelder-ohne-skript/schritte/pruefen"):
        english.goto(base + path)
        assert english.evaluate("document.documentElement.lang") == "en"
        problems += violations(english)
    assert not problems, "\n".join(problems)
    assert not guard.foreign and not page.errors and not moderator.errors and not plain.errors


NOJS_TITLE = "Mängelmelder für Ulm"
NOJS_SLUG = "maengelmelder-fuer-ulm"


def revise_costs(page, title: str, audit=lambda page: []) -> list:
    """Follow the moderation's request as the author: check page, change the costs, submit again.

    Return what ``audit`` finds on the check page, where the request stays in sight while revising.
    """
    page.get_by_role("link", name=re.compile(r"^Schritt für Schritt weiter\W+" + title)).click()
    page.wait_for_url(re.compile(r"/schritte/pruefen$"))
    assert REQUEST in page.inner_text(".change-request")
    problems = audit(page)
    page.get_by_role("link", name=re.compile(r"^Ändern\W+Kosten$")).click()
    page.fill("#costs", REVISED_COSTS)
    page.get_by_role("button", name="Speichern und zurück zur Prüfung").click()
    page.wait_for_url(re.compile(r"/schritte/pruefen$"))
    page.get_by_role("button", name="Zur Prüfung einreichen").click()
    page.wait_for_url("**/meine-beitraege")
    return problems


def refused_with(page, message: str):
    """Wait for the check page's error summary to name ``message``; fail with what the page shows instead."""
    summary = page.locator("#error-summary")
    try:
        expect(summary).to_contain_text(message, timeout=30_000)
    except AssertionError as missing:
        shown = page.locator("main").inner_text() if page.locator("main").count() else page.content()
        raise AssertionError(f"{page.url} shows no error summary naming {message!r}:\n{shown[:1500]}") from missing
    return summary


def no_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def test_the_whole_walk_works_without_javascript(live_server, browser):  # noqa: F811
    """Author and moderator with JavaScript off on a 390 px phone: the steps, the refused submission
    naming step 4, the duplicate hint after saving, "Änderungen erbitten", the revision, the diff and
    the publication – plain forms and links all the way."""
    base, app = live_server.url, live_server.app
    with app.app_context():
        accounts.create_user(db.session, email="ohne-skript@ulm.example", password=PASSWORD, role=Role.CONTRIBUTOR,
                             municipality="08421000", confirmed=True)
        accounts.create_user(db.session, email="ohne-skript-mod@praxisatlas.example", password=PASSWORD,
                             role=Role.MODERATOR, confirmed=True)
    guard = SameHostGuard(base)
    author = new_page(browser, guard, javascript=False, width=390, height=844)
    sign_in(author, base, "ohne-skript@ulm.example")
    author.goto(base + "/teilen")
    author.get_by_role("link", name="Los geht’s").click()
    author.wait_for_url("**/cases/neu/worum")
    assert "## Ausgangslage" in author.input_value("#description") and no_overflow(author)
    author.fill("#title", NOJS_TITLE)
    author.fill("#summary", "Schäden im Straßenraum online melden.")
    author.get_by_label("Bürgerservice", exact=True).check()
    author.get_by_role("button", name="Speichern und weiter").click()
    author.wait_for_url(re.compile(r"/schritte/betrieb$"))
    hint = author.locator(".kern-alert", has=author.get_by_role("heading", name="Gibt es schon?"))
    assert "Mängelmelder" in hint.inner_text() and no_overflow(author)  # the duplicate check, server-side
    author.get_by_role("button", name="Speichern und weiter").click()
    author.wait_for_url(re.compile(r"/schritte/nachnutzung$"))
    author.fill("#reuse", "Ein Konto beim Anbieter und die Straßendaten der Stadt.")
    author.get_by_role("button", name="Speichern und weiter").click()
    author.wait_for_url(re.compile(r"/schritte/kontakt$"))
    author.get_by_role("button", name="Speichern und weiter").click()  # no contact
    author.wait_for_url(re.compile(r"/schritte/pruefen$"))
    author.get_by_role("button", name="Zur Prüfung einreichen").click()
    summary = refused_with(author, "Schritt 4 „Kontakt“: Kontakt für Nachfragen fehlt.")
    assert no_overflow(author)
    summary.get_by_role("link", name=re.compile("Schritt 4")).click()
    author.fill("#contact_name", "Tiefbauamt Ulm")  # a name alone cannot be asked anything
    author.get_by_role("button", name="Speichern und zurück zur Prüfung").click()
    author.wait_for_url(re.compile(r"/schritte/pruefen$"))
    author.get_by_role("button", name="Zur Prüfung einreichen").click()
    refused_with(author, "Zum Namen gehört eine E-Mail-Adresse, eine Telefonnummer oder eine Webseite.")
    summary.get_by_role("link", name=re.compile("Schritt 4")).click()
    author.fill("#contact_url", "https://www.ulm.example/maengel")
    author.get_by_role("button", name="Speichern und zurück zur Prüfung").click()
    author.wait_for_url(re.compile(r"/schritte/pruefen$"))
    author.get_by_role("button", name="Zur Prüfung einreichen").click()
    author.wait_for_url("**/meine-beitraege")

    moderator = new_page(browser, guard, javascript=False, width=390, height=844)
    sign_in(moderator, base, "ohne-skript-mod@praxisatlas.example")
    moderator.goto(base + "/moderation")
    moderator.get_by_role("link", name=NOJS_TITLE).click()
    moderator.check("#decision-request_changes")
    moderator.get_by_role("button", name="Entscheidung speichern").click()  # no reason: refused at the field
    expect(moderator.locator("#reason-error")).to_be_visible()  # waits for the re-rendered form
    moderator.fill("#reason", REQUEST)
    moderator.get_by_role("button", name="Entscheidung speichern").click()
    moderator.wait_for_url("**/moderation")
    assert no_overflow(moderator)

    author.goto(base + "/meine-beitraege")
    assert REQUEST in author.inner_text("main") and "zurückgewiesen" not in author.inner_text("main").lower()
    revise_costs(author, NOJS_TITLE)

    moderator.goto(base + "/moderation")
    moderator.get_by_role("link", name=NOJS_TITLE).click()
    aid = moderator.locator("section.review-aid", has=moderator.locator("#resubmitted-heading"))
    assert REQUEST in aid.inner_text() and REVISED_COSTS in " ".join(aid.locator("ins").all_inner_texts())
    assert no_overflow(moderator)
    moderator.check("#decision-publish")
    moderator.get_by_role("button", name="Entscheidung speichern").click()
    moderator.wait_for_url("**/moderation")
    visitor = new_page(browser, guard, javascript=False)
    assert visitor.goto(f"{base}/cases/{NOJS_SLUG}").status == 200
    assert "Tiefbauamt Ulm" in visitor.inner_text("main") and REVISED_COSTS in visitor.inner_text("main")
    assert not guard.foreign

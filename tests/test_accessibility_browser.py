"""In Chromium: axe-core finds no violations (WCAG 2.x A/AA and best practice, any impact) on the
main pages in German and English; the skip link, visible focus and 400 % zoom (320 CSS px) work;
no page asks another host for anything."""

from __future__ import annotations

import pytest

from kb.extensions import db
from kb.models import HarvestOutcome, HarvestSource, Role
from kb.models.base import utcnow
from kb.services.accounts import users as accounts
from kb.services.adoptions import proposals as adoption_proposals
from kb.services.cases import submissions
from kb.services.cases.record import RecordParser
from kb.services.cases.writer import topics_by_name
from kb.services.catalog import listing as catalog
from kb.services.registry.gazetteer import get_resolver
from tests.a11y_support import PASSWORD, SameHostGuard, new_page, sign_in, violations
from tests.browser_support import browser, live_app, live_server  # noqa: F401  (pytest fixtures)
from tests.helpers import RECORD_CONTACT_AND_REUSE

pytestmark = pytest.mark.browser
CASE = "/cases/hamburg-masterportal-geoportal"
MUNICIPALITY = "/municipalities/14713000"
SEARCH = "/search?q=Portal"
# "Geodaten Hundesteuer NRW": a Land taken from the text as a chip, a word without hits with related
# searches, the empty state with its examples and weaker hits (opened for the check)
GERMAN_PAGES = ["/", SEARCH, "/search?q=Portal&topic=Geodaten&status=in_betrieb", "/search?q=Geodaten+Hundesteuer+NRW",
                CASE, MUNICIPALITY, "/login", "/register", "/seite-gibt-es-nicht", "/barrierefreiheit"]
ENGLISH_PAGES = ["/", CASE, "/search?q=Portal&topic=Geodaten"]


@pytest.fixture(scope="module")
def people(live_server):  # noqa: F811
    """A contributor from Ulm, a moderator and one case of the contributor waiting in the queue."""
    with live_server.app.app_context():
        author = accounts.create_user(db.session, email="a11y-autor@example.org", password=PASSWORD,
                                      role=Role.CONTRIBUTOR, municipality="08421000", confirmed=True)
        accounts.create_user(db.session, email="a11y-mod@example.org", password=PASSWORD, role=Role.MODERATOR,
                             confirmed=True)
        data = {"title": "Barrierefreie Terminbuchung im Bürgeramt", "summary": "Termine mit der Tastatur buchen.",
                "description": "## Lösung\n\nEin Buchungsportal.", "municipality": "08421000",
                "topics": ["Bürgerservice"], "status": "pilot", **RECORD_CONTACT_AND_REUSE}
        slug = submissions.submit_data(db.session, data, author=author).slug
        record, _problems = RecordParser(get_resolver(), set(topics_by_name(db.session))).parse({
            **data, "slug": "a11y-api-einreichung", "municipality": "Jena",
            "adopters": ["München", {"municipality": "Erfurt", "status": "pilot", "note": "seit Mai"}]})
        submissions.submit_record(db.session, record, author=None, via="api")
        unconfirmed = accounts.create_user(db.session, email="a11y-neu@example.org", password=PASSWORD,
                                           role=Role.CONTRIBUTOR, municipality="14713000", confirmed=True)
        unconfirmed.membership_verified_at = None
        case = catalog.get_published(db.session, CASE.rsplit("/", 1)[1])
        proposal = adoption_proposals.submit_declaration(db.session, case=case, actor=unconfirmed, status="pilot",
                                                         note="Wir testen es im Bauamt.").id
        accounts.create_user(db.session, email="a11y-admin@example.org", password=PASSWORD, role=Role.ADMIN,
                             confirmed=True)
        db.session.add(HarvestSource(  # a source that vanished: the admin page and the case page show it
            url="https://gitlab.example.org/hamburg/masterportal", case_id=case.id, failures=3, warnings=[
                "publiccode.yml, Zeile 3, Feld „releaseDate“: Pflichtangabe „releaseDate“ fehlt. Bleibt leer."],
            outcome=HarvestOutcome.FAILED, error="https://gitlab.example.org/… gibt es nicht (mehr) (HTTP 404).",
            attempted_at=utcnow(), harvested_at=utcnow()))
        db.session.commit()
    return {"contributor": "a11y-autor@example.org", "moderator": "a11y-mod@example.org", "submitted": slug,
            "unconfirmed": "a11y-neu@example.org", "proposal": proposal, "admin": "a11y-admin@example.org"}


def test_axe_finds_no_violations_on_the_main_pages(live_server, browser, people):  # noqa: F811
    base = live_server.url
    guard = SameHostGuard(base)
    problems: list[str] = []
    page = new_page(browser, guard)
    for path in GERMAN_PAGES:
        response = page.goto(base + path)
        assert response.status == (404 if path == "/seite-gibt-es-nicht" else 200), path
        assert page.evaluate("document.documentElement.lang") == "de", path
        if path.startswith("/search"):
            assert page.locator(".search-result").count() >= 1, path  # results are part of the check
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        problems += violations(page)
    page.context.close()

    page = new_page(browser, guard, locale="en-GB")
    for path in ENGLISH_PAGES:
        page.goto(base + path)
        assert page.evaluate("document.documentElement.lang") == "en", path
        problems += violations(page)
    page.context.close()

    page = new_page(browser, guard)
    sign_in(page, base, people["contributor"])
    page.goto(base + "/cases/new")
    assert page.locator("form #title").count() == 1
    problems += violations(page)
    page.goto(base + "/konto")
    assert page.locator("form[action='/konto/ueberall-abmelden'] button").count() == 1
    problems += violations(page)
    page.context.close()

    page = new_page(browser, guard)
    sign_in(page, base, people["moderator"])
    page.goto(base + "/moderation")
    assert page.locator(f"a[href='/moderation/{people['submitted']}']").count() == 1
    assert page.locator(f"a[href='/moderation/nachnutzungen/{people['proposal']}']").count() == 1
    problems += violations(page)
    page.goto(base + f"/moderation/nachnutzungen/{people['proposal']}")  # issue 19: held declaration
    assert page.locator("input[name='decision']").count() == 2
    problems += violations(page)
    page.goto(base + "/moderation/a11y-api-einreichung")  # issue 19: adopters held for ticking
    assert page.locator("input[name='adopter']").count() == 2
    problems += violations(page)
    page.context.close()

    page = new_page(browser, guard)
    sign_in(page, base, people["unconfirmed"])
    page.goto(base + CASE)
    assert page.get_by_text("Ihre Angabe wartet auf Prüfung").count() == 1
    problems += violations(page)
    page.context.close()

    page = new_page(browser, guard)
    sign_in(page, base, people["admin"])
    page.goto(base + "/admin/quellen")
    assert page.locator("td", has_text="Quelle nicht mehr erreichbar").count() == 1
    problems += violations(page)
    page.goto(base + "/moderation" + CASE.removeprefix("/cases"))  # with the unpublish and delete forms
    assert page.locator("form[action$='/zuruecknehmen'], form[action$='/loeschen']").count() == 2
    problems += violations(page)
    page.goto(base + CASE)
    assert page.locator(".case-source-notice").count() == 1
    problems += violations(page)
    page.context.close()

    assert not problems, f"{len(problems)} axe-Verstöße:\n" + "\n".join(problems)
    assert guard.seen > 20 and not guard.foreign, f"Anfragen an andere Hosts: {guard.foreign}"


def focused(page) -> dict:
    """What has the keyboard focus, and how its focus indicator looks."""
    return page.evaluate("""() => {
        const e = document.activeElement, r = e.getBoundingClientRect();
        // the indicator may sit on the element or on a pseudo-element (KERN's stretched card links)
        const styles = [null, '::before', '::after'].map(p => getComputedStyle(e, p));
        return {tag: e.tagName, id: e.id, cls: String(e.className), text: (e.textContent || '').trim().slice(0, 40),
                outline: styles.some(s => s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0),
                shadow: styles.some(s => s.boxShadow !== 'none'),
                width: r.width, height: r.height, inMain: !!e.closest('main')};
    }""")


@pytest.mark.parametrize("path", ["/", SEARCH, CASE])
def test_skip_link_is_the_first_stop_and_moves_focus_to_main(live_server, browser, path):  # noqa: F811
    guard = SameHostGuard(live_server.url)
    page = new_page(browser, guard)
    page.goto(live_server.url + path)
    page.keyboard.press("Tab")
    first = focused(page)
    assert "skip-link" in first["cls"] and first["text"] == "Zum Inhalt springen"
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0 and box["height"] > 10  # on screen while focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert focused(page)["inMain"], "the next Tab stop after the skip link must be inside <main>"
    assert not page.errors and not guard.foreign
    page.context.close()


@pytest.mark.parametrize("path", [SEARCH, CASE])
def test_every_tab_stop_shows_a_visible_focus_indicator(live_server, browser, path):  # noqa: F811
    guard = SameHostGuard(live_server.url)
    page = new_page(browser, guard)
    page.goto(live_server.url + path)
    invisible, stops = [], set()
    for _ in range(45):
        page.keyboard.press("Tab")
        now = focused(page)
        stops.add((now["tag"], now["id"], now["text"]))
        if not (now["outline"] or now["shadow"]) or now["width"] == 0 or now["height"] == 0:
            invisible.append(now)
    assert len(stops) >= 30  # really went through the page
    assert not invisible, f"focus not visible on: {invisible}"
    assert not guard.foreign
    page.context.close()


@pytest.mark.parametrize("path", ["/", SEARCH, CASE])
def test_pages_reflow_at_320_css_pixels_without_horizontal_scrolling(live_server, browser, path):  # noqa: F811
    guard = SameHostGuard(live_server.url)
    page = new_page(browser, guard, width=320, height=640)  # 1280 px at 400 % zoom
    page.goto(live_server.url + path)
    page.wait_for_load_state("networkidle")
    width, client = page.evaluate("[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
    assert width <= client + 1, f"{path}: {width} px wide content in a {client} px viewport"
    menu = page.get_by_role("button", name="Menü")  # the navigation is folded behind "Menü"
    assert menu.get_attribute("aria-expanded") == "false"
    menu.click()
    links = page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link")
    assert links.count() == 5
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert links.nth(i).is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= client + 1
    for _ in range(12):  # the navigation is reachable by keyboard
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('nav.site-nav')"):
            break
    else:
        pytest.fail("the main navigation is not reachable with Tab")
    assert not page.errors and not guard.foreign
    page.context.close()

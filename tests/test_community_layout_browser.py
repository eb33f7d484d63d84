"""In Chromium, the pages of "People and demand" on a 390 px phone and a 1366 px laptop, German and
English: axe finds no violations (WCAG 2.x A/AA and best practice), every button fits its label and no
page scrolls sideways.

Covered: "Eigene Lösung teilen" signed out and signed in, every step of the guided form and the
check page (also with its error summary), the needs board, a need page, "Bedarf melden" (also with
its errors), the contact forms (team, need, interest pool), a case page with a referent and the
follow box in both states (followed on the case, not followed on the municipality page),
"Meine Abos", the Mitmachen page, the referent form and the unsubscribe page of a mail link."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kb.extensions import db
from kb.models import Role, UseCase
from kb.services.accounts import users as accounts
from kb.services.cases import submissions
from kb.services.community import follows, needs, pools, referents
from tests.a11y_support import PASSWORD, SameHostGuard, cramped_buttons, new_page, sign_in, violations
from tests.browser_support import browser, live_app, live_server  # noqa: F401  (pytest fixtures)

pytestmark = pytest.mark.browser
CASE_SLUG = "jena-multifunktionales-kommunales-chatsystem"
CASE = f"/cases/{CASE_SLUG}"
VIEWER = "layout-weimar@weimar.example"
SIZES = {"phone": (390, 844), "laptop": (1366, 768)}


@pytest.fixture(scope="module")
def scene(live_server):  # noqa: F811
    """A Jena referent on the case, a published need of Gera that Weimar joined, Weimar in the case's
    interest pool, following the case, with a guided draft; an unsubscribe link of a Gera follower."""
    with live_server.app.app_context():
        session = db.session
        make = {key: accounts.create_user(session, email=f"layout-{key}@{key}.example", password=PASSWORD,
                                          role=role, municipality=ags, confirmed=True)
                for key, ags, role in (("jena", "16053000", Role.CONTRIBUTOR), ("weimar", "16055000", Role.CONTRIBUTOR),
                                       ("gera", "16052000", Role.READER), ("moderator", None, Role.MODERATOR))}
        case = session.scalar(select(UseCase).where(UseCase.slug == CASE_SLUG))
        referents.declare(session, case, actor=make["jena"], role="Smart City Jena", name="Jana Jenaer")
        need = needs.post(session, needs.NeedInput(
            title="Digitale Friedhofsverwaltung mit Grabstellenplan", problem="Grabstellen auf Papier.",
            topic="Verwaltungsdigitalisierung", budget="bis 20.000 €", timeline="2027"), actor=make["gera"])
        needs.decide(session, need, "publish", None, actor=make["moderator"])
        needs.join(session, need, actor=make["weimar"])
        pools.join_case(session, case, actor=make["weimar"])
        follows.follow(session, make["weimar"], "case", str(case.id), client="layout")
        row, _target = follows.follow(session, make["gera"], "place", "16052000", client="layout")
        draft = submissions.save_draft(session, {
            "title": "Bürgerbüro-Terminbuchung Weimar", "summary": "Termine online buchen.",
            "municipality": "16055000", "topics": ["Bürgerservice"]}, author=make["weimar"])
        return {"need": need.id, "draft": draft.slug, "unsubscribe": follows.unsubscribe_token(make["gera"], row)}


def overflow(page) -> str | None:
    """None, or where the page is wider than the viewport."""
    width, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if width <= client + 1:
        return None
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + String(e.className))""")
    return f"{width} px in {client} px: {wide}"


def check(page, base: str, path: str, lang: str, problems: list[str], *, status: int = 200) -> None:
    """Open the page (unless ``path`` is empty: the page as it is), run axe and the overflow check."""
    if path:
        response = page.goto(base + path)
        assert response.status == status, path
    assert page.evaluate("document.documentElement.lang") == lang, page.url
    problems += violations(page)
    problems += [f"{page.url} [{lang}] {page.viewport_size['width']} px: button too narrow for its label – {label}"
                 for label in cramped_buttons(page)]
    if (wide := overflow(page)) is not None:
        problems.append(f"{page.url} [{lang}] {page.viewport_size['width']} px: scrolls sideways – {wide}")


# German at both widths; English where its other word lengths could break the layout first, on the
# phone (axe's rules do not depend on the language, the page's ``lang`` is checked on every page)
@pytest.mark.parametrize("locale, lang, size", [("de-DE", "de", "laptop"), ("de-DE", "de", "phone"),
                                                ("en-GB", "en", "phone")])
def test_community_pages_pass_axe_and_fit_the_screen(live_server, browser, scene, size, locale, lang):  # noqa: F811
    base = live_server.url
    width, height = SIZES[size]
    guard = SameHostGuard(base)
    problems: list[str] = []

    visitor = new_page(browser, guard, locale=locale, width=width, height=height)
    for path in ("/teilen", "/bedarfe", f"/bedarfe/{scene['need']}", CASE, f"{CASE}/mitmachen", "/cases?topic=Geodaten",
                 f"/abbestellen/{scene['unsubscribe']}"):
        check(visitor, base, path, lang, problems)
    visitor.context.close()

    page = new_page(browser, guard, locale=locale, width=width, height=height)
    sign_in(page, base, VIEWER)
    draft = f"/cases/{scene['draft']}/schritte"
    for path in ("/teilen", "/cases/neu/worum", f"{draft}/worum", f"{draft}/betrieb", f"{draft}/nachnutzung",
                 f"{draft}/kontakt", f"{draft}/pruefen"):
        check(page, base, path, lang, problems)
    page.locator("main form[method=post] button[type=submit]").last.click()  # submit the incomplete draft
    expect(page.locator("#error-summary")).to_be_visible()
    check(page, base, "", lang, problems)

    for path in ("/bedarfe", f"/bedarfe/{scene['need']}", f"/bedarfe/{scene['need']}/kontakt", "/bedarfe/neu"):
        check(page, base, path, lang, problems)
    page.locator("main form[method=post] button[type=submit]").last.click()  # "Bedarf melden", empty
    expect(page.locator("#error-summary")).to_be_visible()
    check(page, base, "", lang, problems)

    check(page, base, CASE, lang, problems)
    assert page.locator(".follow-box form[action$='/abos/entfernen']").count() == 1  # followed: "Nicht mehr folgen"
    assert "Jana Jenaer" in page.inner_text("#kontakt")
    for path in (f"{CASE}/kontakt", f"{CASE}/mitmachen", f"{CASE}/mitmachen/kontakt", f"{CASE}/ansprechperson",
                 "/konto/abos", "/meine-beitraege", "/municipalities/16053000"):
        check(page, base, path, lang, problems)
    assert page.locator(".follow-box form[action$='/abos']").count() == 1  # not followed: "Folgen"
    page.context.close()
    assert not problems, f"{len(problems)} Probleme bei {size}, {lang}:\n" + "\n".join(problems)
    assert not guard.foreign

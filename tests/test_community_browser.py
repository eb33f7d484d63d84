"""In Chromium, CSRF on, the journeys of "People and demand": a question through the contact relay,
following a case up to the digest and unsubscribing from it, posting a need that is moderated, found
and joined. Every new page is checked with axe in German and English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kb.extensions import db
from kb.models import Need, Role, UseCase
from kb.services.accounts import users as accounts
from kb.services.community import digests
from tests.a11y_support import PASSWORD, SameHostGuard, new_page, sign_in, violations
from tests.browser_support import browser, live_app, live_server  # noqa: F401  (pytest fixtures)
from tests.mailbox import mails

pytestmark = pytest.mark.browser
CASE = "/cases/jena-multifunktionales-kommunales-chatsystem"


@pytest.fixture(scope="module")
def people(live_server):  # noqa: F811
    """Members in Halle, Weimar and Gera (Thüringen/Sachsen-Anhalt), a Jena referent and a moderator."""
    made = {}
    with live_server.app.app_context():
        for key, ags, role in (("halle", "15002000", Role.READER), ("weimar", "16055000", Role.READER),
                               ("gera", "16052000", Role.READER), ("jena", "16053000", Role.CONTRIBUTOR),
                               ("moderator", None, Role.MODERATOR)):
            made[key] = accounts.create_user(db.session, email=f"browser-{key}@{key}.example", password=PASSWORD,
                                             role=role, municipality=ags, confirmed=True).email
    return made


def test_ask_the_team_then_follow_get_the_digest_and_unsubscribe(live_server, browser, people):  # noqa: F811
    base, app = live_server.url, live_server.app
    guard = SameHostGuard(base)
    problems: list[str] = []
    referent = new_page(browser, guard)
    sign_in(referent, base, people["jena"])
    referent.goto(base + CASE)
    referent.locator("summary", has_text="Ansprechperson für Jena werden").click()
    referent.fill("#ref-name", "Jana Jenaer")
    referent.fill("#ref-role", "Smart City Jena")
    referent.get_by_role("button", name="Als Ansprechperson eintragen").click()
    referent.wait_for_url(re.compile(re.escape(CASE)))
    referent.context.close()

    page = new_page(browser, guard)
    sign_in(page, base, people["halle"])
    page.goto(base + CASE)
    contact = page.locator("#kontakt")
    assert "Jana Jenaer (Smart City Jena), Jena" in contact.inner_text()
    page.fill("#subject", "Betrieb im Bürgerbüro?")
    page.fill("#message", "Wie viele Anfragen beantwortet das System am Tag?")
    page.get_by_role("button", name="Frage senden").click()
    page.wait_for_url(re.compile(r"#kontakt$"))
    assert "Ihre Nachricht ist unterwegs" in page.inner_text(".flash-area")
    assert people["jena"] not in page.content()
    problems += violations(page)
    (mail,) = [m for m in mails(app, to=people["jena"]) if "Betrieb im Bürgerbüro?" in m.subject]
    assert mail.reply_to == people["halle"] and "Wie viele Anfragen" in mail.body

    page.locator(".follow-box").get_by_role("button", name=re.compile("^Folgen")).click()
    page.wait_for_url(re.compile(re.escape(CASE)))
    assert "Nicht mehr folgen" in page.inner_text(".follow-box")
    page.goto(base + "/konto/abos")
    assert "Multifunktionales" in page.inner_text("main")
    problems += violations(page)

    weimar = new_page(browser, guard)
    sign_in(weimar, base, people["weimar"])
    weimar.goto(base + CASE)
    weimar.select_option("#status", "pilot")
    weimar.get_by_role("button", name="Wir nutzen das auch").click()
    weimar.context.close()
    with app.app_context():
        digests.send_all(db.session)
    (digest,) = [m for m in mails(app, to=people["halle"]) if "Neues bei dem" in m.subject]
    assert "Weimar nutzt die Lösung jetzt (Im Pilotbetrieb)" in digest.body

    outside = new_page(browser, guard)  # no login: the link alone is enough
    outside.goto(base + digest.link("/abbestellen/"))
    problems += violations(outside)
    outside.get_by_role("button", name="Abo beenden").click()
    expect(outside.locator("main")).to_contain_text("1 Abo ist beendet")
    problems += violations(outside)
    page.goto(base + "/konto/abos")
    assert "Sie folgen noch nichts" in page.inner_text("main")
    assert not problems, "\n".join(problems)
    assert not guard.foreign and not page.errors


def test_post_a_need_moderate_find_it_and_join_it(live_server, browser, people):  # noqa: F811
    base, app = live_server.url, live_server.app
    guard = SameHostGuard(base)
    problems: list[str] = []
    author = new_page(browser, guard)
    sign_in(author, base, people["gera"])
    author.goto(base + "/search?q=Friedhofsverwaltung")  # nothing found
    author.get_by_role("link", name="Sagen Sie, was Ihre Kommune braucht").click()
    assert author.input_value("#title") == "Friedhofsverwaltung"
    author.get_by_role("button", name="Bedarf melden").click()
    expect(author.locator("#error-summary")).to_be_visible()  # the problem and the topic are missing
    problems += violations(author)
    author.fill("#title", "Digitale Friedhofsverwaltung mit Grabstellenplan")
    author.fill("#problem", "Grabstellen werden auf Papier verwaltet.\nWir suchen eine digitale Lösung.")
    author.select_option("#topic", "Verwaltungsdigitalisierung")
    author.get_by_role("button", name="Bedarf melden").click()
    expect(author.locator("main")).to_contain_text("nur für Sie und die Moderation sichtbar")
    with app.app_context():
        need_id = db.session.scalar(select(Need.id).where(Need.title.like("Digitale Friedhofsverwaltung%")))

    moderator = new_page(browser, guard)
    sign_in(moderator, base, people["moderator"])
    moderator.goto(base + "/moderation")
    moderator.get_by_role("link", name="Digitale Friedhofsverwaltung mit Grabstellenplan").click()
    problems += violations(moderator)
    moderator.check("#decision-publish")
    moderator.get_by_role("button", name="Entscheidung speichern").click()
    moderator.wait_for_url("**/moderation")
    moderator.context.close()

    visitor = new_page(browser, guard)
    visitor.goto(base + "/bedarfe")
    visitor.fill("#need-q", "Friedhof")
    visitor.get_by_role("button", name="Filter anwenden").click()
    visitor.get_by_role("link", name="Digitale Friedhofsverwaltung mit Grabstellenplan").click()
    visitor.wait_for_url(f"**/bedarfe/{need_id}")
    visitor.goto(base + "/municipalities/16052000")
    assert "Digitale Friedhofsverwaltung" in visitor.inner_text("#place-needs-heading + ul")
    visitor.context.close()

    second = new_page(browser, guard)
    sign_in(second, base, people["weimar"])
    second.goto(f"{base}/bedarfe/{need_id}")
    second.get_by_role("button", name="Wir auch").click()
    expect(second.locator("main")).to_contain_text("Ihre Kommune ist dabei")
    pool = second.inner_text("#wer-noch ~ .pool")
    assert "Gera" in pool and "Weimar" in pool and "Thüringen" in pool
    problems += violations(second)
    author.goto(f"{base}/bedarfe/{need_id}")
    assert "Weimar" in author.inner_text(".pool") and people["weimar"] not in author.content()
    author.fill("#subject", "Gemeinsam ausschreiben?")
    author.fill("#message", "Wir könnten zusammen beschaffen.")
    author.get_by_role("button", name="An alle senden").click()
    expect(author.locator("main")).to_contain_text("Ihre Nachricht ist unterwegs.")  # the relay has answered
    assert [m.reply_to for m in mails(app, to=people["weimar"]) if "Gemeinsam ausschreiben?" in m.subject] == [
        people["gera"]]
    assert not problems, "\n".join(problems)
    assert not guard.foreign and not author.errors and not second.errors


def test_axe_on_the_new_pages_in_german_and_english(live_server, browser, people):  # noqa: F811
    base, app = live_server.url, live_server.app
    with app.app_context():
        need = db.session.scalar(select(Need).where(Need.moderation == "published").limit(1))
        need_id = need.id if need else None
        case_id = db.session.scalar(select(UseCase.id).where(UseCase.slug == CASE.rsplit("/", 1)[1]))
    guard = SameHostGuard(base)
    pages = [CASE, f"{CASE}/kontakt", f"{CASE}/mitmachen", f"{CASE}/ansprechperson", "/bedarfe", "/bedarfe/neu",
             "/konto/abos", "/municipalities/16053000", "/cases?topic=Bildung"]
    if need_id:
        pages += [f"/bedarfe/{need_id}", f"/bedarfe/{need_id}/kontakt"]
    problems: list[str] = []
    for locale, lang in (("de-DE", "de"), ("en-GB", "en")):
        page = new_page(browser, guard, locale=locale)
        sign_in(page, base, people["weimar"])
        page.request.post(base + "/abos", form={"kind": "case", "ref": str(case_id), "next": "/",
                                                 "csrf_token": page.locator("input[name=csrf_token]").first
                                                 .get_attribute("value")})
        for path in pages:
            response = page.goto(base + path)
            assert response.status == 200, path
            assert page.evaluate("document.documentElement.lang") == lang, path
            problems += violations(page)
        page.context.close()
    assert not problems, f"{len(problems)} axe-Verstöße:\n" + "\n".join(problems)

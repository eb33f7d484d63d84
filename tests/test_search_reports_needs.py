"""Issue 15, item 6: experience reports are part of their case's search document, and the search
page counts the needs (Bedarfe) that match the same words apart from the solutions."""

from __future__ import annotations

import re

from sqlalchemy import select

from kb.extensions import db
from kb.models import UseCase, User
from kb.services.adoptions import declarations as adoptions
from kb.services.adoptions import reports as experience_reports
from kb.services.registry import organisations
from tests.helpers import signed_in

CASE = "hamburg-dipas-digitale-beteiligung"
LEIPZIG = "14713000"
WORDS = "Dienstvereinbarung Personalrat"  # in no seed case: only the report below says it


def strong_slugs(client, text: str) -> list[str]:
    data = client.get("/api/v1/search", query_string={"q": text, "per_page": 50}).get_json()
    return [hit["slug"] for hit in data["results"] if not hit["weaker"]]


def write_report(app, user_id: int, **fields) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        case = db.session.scalar(select(UseCase).where(UseCase.slug == CASE))
        leipzig = organisations.for_key(db.session, LEIPZIG)
        adoption = adoptions.find(db.session, case, leipzig)
        if adoption is None:
            adoptions.declare(db.session, case=case, organisation=leipzig, status="in_betrieb", note=None,
                              actor=user, verified=True)
            adoption = adoptions.find(db.session, case, leipzig)
        experience_reports.save_report(db.session, adoption, experience_reports.ReportInput(**fields), actor=user)


def test_report_text_finds_its_case_until_the_report_is_withdrawn(app, client, runner, make_user):
    user_id, _email, _pw = make_user("contributor", municipality=LEIPZIG)
    assert CASE not in strong_slugs(client, WORDS)
    write_report(app, user_id, recommend="ja",
                 pitfalls="Ohne Dienstvereinbarung mit dem Personalrat ging nichts.")
    assert CASE in strong_slugs(client, WORDS)
    assert runner.invoke(args=["check-index"]).exit_code == 0
    write_report(app, user_id)  # every field empty: the report is deleted
    assert CASE not in strong_slugs(client, WORDS)
    assert runner.invoke(args=["check-index"]).exit_code == 0


NEED = {"title": "Digitale Vergabe von Kita-Plätzen", "problem": "Eltern melden sich heute bei jeder Kita "
        "einzeln an. Wir suchen ein gemeinsames Portal.", "topic": "Bildung"}
TAB = re.compile(r'<a href="([^"]*)">Bedarfe <span class="search-kinds__count">\((\d+)\)</span></a>')


def needs_tab(client, text: str) -> tuple[str, int]:
    html = client.get("/search", query_string={"q": text}).get_data(as_text=True)
    assert 'aria-current="page">Lösungen <span class="search-kinds__count">' in html
    url, count = TAB.search(html).groups()
    return url.replace("&amp;", "&"), int(count)


def test_search_page_counts_the_needs_with_the_same_words_apart(app, client, make_user):
    _id, author, _pw = make_user("reader", email="jena@jena.example", municipality="16053000")
    _id, moderator, _pw = make_user("moderator", email="mod@praxisatlas.example")
    assert needs_tab(client, "Kita Portal")[1] == 0
    posted = signed_in(app, author).post("/bedarfe/neu", data=NEED)
    need_id = int(posted.headers["Location"].rsplit("/", 1)[1])
    assert needs_tab(client, "Kita Portal")[1] == 0  # not yet moderated
    signed_in(app, moderator).post(f"/moderation/bedarfe/{need_id}", data={"decision": "publish"})
    url, count = needs_tab(client, "Kita Portal")
    assert count == 1 and "Kita-Plätzen" in client.get(url).get_data(as_text=True)  # the tab shows what it counts
    url, count = needs_tab(client, "Kita Portal Thüringen")  # a Land in the text filters the needs too
    assert count == 1 and "state=Th" in url
    assert needs_tab(client, "Kita Portal Bayern")[1] == 0

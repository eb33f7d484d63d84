"""SQL statements per main page: a small, fixed number however many cases, adopters or hits a page shows.

A lazy load in a template or a loop ("N+1") makes the count grow with the data; these tests fail then.
Counted with cold per-process caches (as after any change of the data), stored answers included.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from kb.extensions import db
from kb.models import Municipality, UseCase
from kb.services.adoptions import declarations as adoptions
from kb.services.catalog.cards import summary_store
from kb.services.generation import cache
from kb.services.registry import organisations
from kb.web import response_cache
from tests.helpers import FORM_CONTACT_AND_REUSE

CASE = "kaiserslautern-lotsensystem-sehbehinderung"  # no adopters in the seed
ADOPTERS = ["08421000", "09162000", "05913000", "16053000", "07312000", "06412000", "03241001", "14713000"]
#: page → the most statements it may take (anonymous visitor, cold cache), without those of the
#: PostgreSQL search engine (see ``bound``); a case page reads its referents (the contact relay's
#: recipients), a municipality page its needs
BOUNDS = {
    "/": 10,
    "/search?q=Chatbot": 5,
    "/api/v1/search?q=Chatbot": 5,
    f"/cases/{CASE}": 7,  # + the harvest source of the case
    f"/api/v1/cases/{CASE}": 6,  # + the harvest source of the case
    "/municipalities/14713000": 18,
    "/api/v1/municipalities/14713000": 18,
    "/statistik": 12,  # the totals are the start page's counts (issue 13: one counting rule)
    "/cases?topic=Mobilit%C3%A4t": 12,  # + the facet of the users' size classes (issue 13)
    "/feeds/cases.atom": 5,
}


@contextmanager
def counted(app, *, commits: bool = False):
    """The statements sent to the database (with ``commits``, a "COMMIT" where a transaction ended)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if "api_rate_window" not in statement:  # the rate limit's shared counter (PostgreSQL), not the page's
            statements.append(statement)

    def commit(_conn) -> None:
        statements.append("COMMIT")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    if commits:
        event.listen(engine, "commit", commit)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
        if commits:
            event.remove(engine, "commit", commit)


def statements(app, client, path: str) -> int:
    cache.clear()
    summary_store.clear()
    response_cache.clear(app)
    with counted(app) as seen:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(seen)


def adopt_widely(app, slug: str, places: list[str]) -> None:
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        for ags in places:
            if case.owner.municipality_ags != ags:
                adoptions.declare(db.session, case=case, organisation=organisations.for_municipality(
                    db.session, db.session.get(Municipality, ags)), status="in_betrieb", note=None, actor=None,
                    verified=True)


def bound(app, path: str) -> int:
    """The page's bound plus the PostgreSQL search engine's own queries (vocabulary with the document
    count, ranking with facets and the texts for highlights)."""
    engine = 2 if "search" in path and app.config["KB_SEARCH_BACKEND"] == "postgres" else 0
    return BOUNDS[path] + engine


@pytest.mark.parametrize("path", list(BOUNDS))
def test_each_main_page_takes_a_bounded_number_of_statements(app, client, path):
    assert statements(app, client, path) <= bound(app, path)


def test_more_adopters_hits_and_cases_take_no_more_statements(app, client):
    pages = [f"/cases/{CASE}", f"/api/v1/cases/{CASE}", "/search?q=Sehbehinderung", "/api/v1/search?q=Sehbehinderung",
             "/", "/municipalities/08421000", "/api/v1/municipalities/08421000", "/statistik", "/feeds/cases.atom"]
    adopt_widely(app, CASE, ADOPTERS[:2])  # Ulm adopts one case, the case has two adopters
    before = {path: statements(app, client, path) for path in pages}
    adopt_widely(app, CASE, ADOPTERS)
    for slug in ("berlin-giess-den-kiez-stadtbaeume", "dresden-open-data-portal"):
        adopt_widely(app, slug, ADOPTERS)
    after = {path: statements(app, client, path) for path in pages}
    assert after == before


def test_declaring_reuse_takes_a_bounded_number_of_statements(app, client, make_user, login):
    """"Wir nutzen das auch": form and declaration load the case with its owner only (not the case page's
    topics, adopters and reports), a new adoption is written once (not inserted, then updated), and the
    answer reads nothing again after the commit."""
    _id, email, password = make_user("contributor", municipality=ADOPTERS[0])
    login(email, password)
    with counted(app) as form:
        assert client.get(f"/cases/{CASE}/adopt").status_code == 200
    with counted(app) as declared:
        assert client.post(f"/cases/{CASE}/adopt", data={"status": "pilot"}).status_code == 303
    with counted(app) as changed:
        assert client.post(f"/cases/{CASE}/adopt", data={"status": "in_betrieb"}).status_code == 303
    assert len(form) <= 4  # account, case with owner, organisation, its adoption
    # + the search document, the outbox and the counters of the pages the adoption changes (a new adopter:
    # the listings' counter too, at the commit and when the index caught up; "Pilot" to "In Betrieb" not)
    # (the PostgreSQL search backend writes the document in the database itself: two advisory locks, the old
    # terms, the document, the term counts, the index's lock – eight more)
    engine = 8 if app.config["KB_SEARCH_BACKEND"] == "postgres" else 0
    assert len(declared) <= 30 + engine and len(changed) <= 25 + engine
    assert not [s for s in form + declared if "reuse_path" in s]  # the case page's loader is not used


NEW_CASE = {"title": "Sensorgestuetzte Winterdienstplanung", "summary": "Kurz.", "description": "Lang.",
            "owner_kind": "municipality", "municipality": ADOPTERS[0], "topics": ["Bürgerservice"],
            "status": "in_betrieb", **FORM_CONTACT_AND_REUSE}
#: what writing a submission must not do again: a draft inserted, then updated to "submitted"; the topics
#: read twice; the adoptions, re-use paths, revisions (and their highest number) of a case that has none;
#: asking the database whether a case just written as unpublished is published or in the change journal
REDUNDANT = ("UPDATE use_case", "max(case_revision.number)", "FROM adoption", "FROM reuse_path", "FROM case_revision",
             "published_at IS NOT NULL", "FROM case_change", "FROM municipality")


def redundant(statements: list[str]) -> list[str]:
    return [s for s in statements if any(part in " ".join(s.split()) for part in REDUNDANT)]


def test_submitting_a_case_takes_a_bounded_number_of_statements(app, client, make_user, login):
    """A member's submission writes the case once, in its final state, and reads nothing again after the commit:
    the account, the slugs taken, the topics, the owner; the case, its topics, two audit events, its first
    revision; the moderators to tell (and on PostgreSQL the lock on the slug)."""
    _id, email, password = make_user("contributor", municipality=ADOPTERS[0])
    login(email, password)
    with counted(app, commits=True) as submitted:
        assert client.post("/cases/new", data={**NEW_CASE, "action": "submit"}).status_code == 303
    slug_lock = 1 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else 0
    assert redundant(submitted) == []
    assert len([s for s in submitted if "FROM topic" in s]) == 1
    assert submitted[-1] == "COMMIT"  # the answer reads nothing again (account, case, moderators)
    assert len(submitted) <= 11 + slug_lock  # 10 statements and the commit; 27 before


def test_submitting_a_case_through_the_api_takes_a_bounded_number_of_statements(app, client, runner):
    """The write API: the token with its organisation (and when it was used), the topics, the slug, the owner;
    the case, its topics, two audit events, its first revision; the moderators – nothing read twice."""
    token = runner.invoke(args=["create-token", "--organisation", ADOPTERS[0], "--name", "Fachverfahren"])
    headers = {"Authorization": f"Bearer {token.output.split()[-1]}"}
    body = {"slug": "api-einreichung", "title": "Über die API", "summary": "Kurz.", "description": "Lang.",
            "topics": ["Bürgerservice"], "status": "pilot"}
    with counted(app, commits=True) as submitted:
        assert client.post("/api/v1/cases", headers=headers, json=body).status_code == 202
    assert redundant(submitted) == []
    assert len([s for s in submitted if "FROM topic" in s]) == 1
    assert len([s for s in submitted if "FROM use_case" in s]) == 1  # the view and the service asked once each
    assert submitted[-1] == "COMMIT"
    assert len(submitted) <= 12  # 11 statements and the commit; 27 before

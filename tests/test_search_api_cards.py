"""The API search builds its hits from plain card summaries (kb.services.catalog.cards.card_summaries,
issue 18: search speed). They must give exactly what the ORM cards gave, and follow every change."""

import json
import re

import pytest
from sqlalchemy import select, text

from kb.extensions import db
from kb.models import Adoption, AdoptionSource, AdoptionStatus, ModerationState, Organisation, UseCase
from kb.services.catalog.cards import card_summaries, load_cards, summary_store
from kb.services.catalog.search import SearchQuery, search_cases, search_summaries
from kb.views.api import serializers
from kb.web import response_cache
from tests.helpers import record, write_jsonl

QUERIES = ["", "Chatbot", "KI", "Bürgerservice", "Leipzig", "Geodaten Karte", "Jena", "Digitalisierung", "Portal",
           "Ratsinformationssystem", "Radweg", "Verwaltung"]


@pytest.fixture
def imported(runner, tmp_path):
    """Cases with adopters of every status, in several Länder and topics."""
    path = write_jsonl(tmp_path / "cards.jsonl", [
        record("cards-sachsen", title="KI-Chatbot für das Bürgeramt",
               topics=["Künstliche Intelligenz", "Bürgerservice"],
               adopters=[{"municipality": "08421000", "status": "pilot"},
                         {"municipality": "Jena", "status": "eingestellt"},
                         {"municipality": "Erfurt", "status": "interessiert"}, "Wien"]),
        record("cards-thueringen", municipality="Jena", status="pilot", topics=["Datenplattform", "Geodaten"],
               title="Geodatenportal mit Karte", adopters=[{"municipality": "Weimar", "status": "in_betrieb"}]),
        record("cards-planung", municipality="Erfurt", status="planung", topics=["Mobilität"], title="Radwegeplanung"),
    ])
    result = runner.invoke(args=["import-cases", str(path)])
    assert result.exit_code == 0, result.output


def test_card_summaries_equal_the_orm_cards(app, imported):
    with app.app_context():
        ids = list(db.session.scalars(select(UseCase.id).order_by(UseCase.id)))
        assert len(ids) > 10
        orm = {case.id: serializers.case_summary(case) for case in load_cards(db.session, ids)}
        db.session.expunge_all()
        summary_store.clear()
        plain = {i: serializers.card_summary(c) for i, c in card_summaries(db.session, ids).items()}
        assert plain == orm
        # the same again from the per-process store, and the key order of the JSON
        again = card_summaries(db.session, ids)
        assert all(again[i] is c for i, c in card_summaries(db.session, ids).items())
        for i in ids:
            assert list(serializers.card_summary(again[i])) == list(orm[i])
        assert {c.owner_key for c in again.values()} - {None}
        assert any(c.usage.former and c.usage.interested for c in again.values())


@pytest.mark.parametrize("per_page", [10, 100])
def test_api_hits_equal_the_orm_built_hits(app, imported, per_page):
    """Every hit of the API's fast path serialises to what the ORM cards gave, in the same order."""
    with app.test_request_context():
        for text in QUERIES:
            query = SearchQuery(text=text, per_page=per_page)
            fast = search_summaries(db.session, query)
            slow = search_cases(db.session, query)
            assert json.dumps([serializers.search_hit(h) for h in fast.hits], sort_keys=True) == json.dumps(
                [serializers.search_hit(h) for h in slow.hits], sort_keys=True), text
            assert fast.result.total == slow.result.total
        assert fast.hits


def test_api_search_follows_changes_of_the_cards(app, client, imported):
    """A new adoption, a new title and an unpublished case show at once (the store is per generation)."""
    def hit(slug):
        body = client.get("/api/v1/search?q=Chatbot&per_page=100").get_json()
        return next((r for r in body["results"] if r["slug"] == slug), None)

    before = hit("cards-sachsen")
    assert before["adopter_count"] == 2 and before["interested_count"] == 1 and before["former_count"] == 1
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "cards-sachsen"))
        taken = [a.organisation_id for a in case.adoptions] + [case.owner_id]
        org = db.session.scalar(select(Organisation).where(Organisation.municipality_ags.is_not(None),
                                                           Organisation.id.not_in(taken)))
        db.session.add(Adoption(case=case, organisation=org, status=AdoptionStatus.IN_BETRIEB,
                                source=AdoptionSource.IMPORTED))
        case.title = "KI-Chatbot für das Bürgeramt, erweitert"
        db.session.commit()
    after = hit("cards-sachsen")
    assert after["adopter_count"] == 3 and after["title"] == "KI-Chatbot für das Bürgeramt, erweitert"
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "cards-sachsen"))
        case.moderation = ModerationState.DRAFT
        db.session.commit()
    assert hit("cards-sachsen") is None


def _cards_html(body: str) -> str:
    """The result cards of a search page, without the visitor's form tokens."""
    cards = re.findall(r'<article class="kern-card[^"]*case-card">.*?</article>', body, re.S)
    return re.sub(r'name="csrf_token" value="[^"]*"', "", "\n".join(cards))


def test_search_page_cards_equal_the_orm_cards(app, client, imported, monkeypatch):
    """The search page shows its hits from the plain summaries: card for card what the ORM cards showed."""
    from kb.views.catalog import search_views

    pages = {}
    for builder in (search_cases, search_summaries):
        monkeypatch.setattr(search_views, "search_summaries", builder)
        response_cache.clear(app)
        pages[builder.__name__] = [_cards_html(client.get("/search", query_string={"q": q}).get_data(as_text=True))
                                   for q in QUERIES]
    assert pages["search_summaries"] == pages["search_cases"]
    assert sum(page.count("case-card__topics") for page in pages["search_cases"]) > 10
    assert any("· Sachsen" in page for page in pages["search_cases"])


def test_an_adoption_renews_only_the_card_of_its_case(app, imported):
    """Cards are kept per case: "Wir nutzen das auch" for one case leaves every other card stored, and
    SQL written without the ORM renews them all."""
    with app.app_context():
        cases = {c.slug: c for c in db.session.scalars(select(UseCase).where(UseCase.slug.like("cards-%")))}
        ids = {slug: case.id for slug, case in cases.items()}
        summary_store.clear()
        before = card_summaries(db.session, ids.values())
        taken = [a.organisation_id for a in cases["cards-thueringen"].adoptions] + [cases["cards-thueringen"].owner_id]
        org = db.session.scalar(select(Organisation).where(Organisation.municipality_ags.is_not(None),
                                                           Organisation.id.not_in(taken)))
        db.session.add(Adoption(case_id=ids["cards-thueringen"], organisation_id=org.id,  # as "Wir nutzen das auch"
                                status=AdoptionStatus.PILOT, source=AdoptionSource.IMPORTED))
        db.session.commit()
        after = card_summaries(db.session, ids.values())
        assert after[ids["cards-thueringen"]].usage.users == before[ids["cards-thueringen"]].usage.users + 1
        assert after[ids["cards-sachsen"]] is before[ids["cards-sachsen"]]
        assert after[ids["cards-planung"]] is before[ids["cards-planung"]]

        db.session.execute(text("DELETE FROM adoption WHERE case_id = :case"), {"case": ids["cards-sachsen"]})
        db.session.commit()
        raw = card_summaries(db.session, ids.values())
        assert raw[ids["cards-sachsen"]].usage.users == 0
        assert raw[ids["cards-planung"]] is not after[ids["cards-planung"]]
        assert raw[ids["cards-planung"]] == after[ids["cards-planung"]]

"""Search that never misleads (issue 15), on the engine: known words, compounds, the relevance
floor and Länder as filters. The app-level parts (chips, links, examples) are in
tests/test_search_confidence_app.py."""

from __future__ import annotations

import pytest
from search_fixtures import make_doc

from kb.search.engine import SearchQuery, german, places
from kb.search.engine.german.heads import structure


def search(backend, text, **kw):
    return backend.search(SearchQuery(text=text, **kw))


@pytest.fixture(scope="module")
def municipal(tmp_path_factory):
    """A few cases written to tell strong hits from weak ones."""
    from kb.search.engine import create_backend

    b = create_backend("whoosh", index_dir=tmp_path_factory.mktemp("ix"), rebuild_procs=1)
    b.rebuild([
        make_doc(1, "Hochwasserfrühwarnsystem am Kleebach", "Pegelsonden alarmieren die Feuerwehr.",
                 state="Hessen"),
        make_doc(2, "Warnung vor Glatteis auf Radwegen", "Sensoren im Asphalt melden Frost.", state="Bayern"),
        make_doc(3, "Hochwasser-Karte für Anwohner", "Überflutungsflächen auf einen Blick.", state="Sachsen"),
        make_doc(4, "Chatbot beantwortet Bürgeranfragen", "Der Chatbot kennt 600 Antworten.",
                 state="Nordrhein-Westfalen"),
        make_doc(5, "Offene Daten: Anfragen digital stellen", "Ein Portal für digitale Anfragen an die Stadt.",
                 state="Nordrhein-Westfalen"),
        make_doc(6, "Geodaten für die Radwegeplanung", "Unfalldaten und Zählstellen im Geoportal.",
                 state="Nordrhein-Westfalen"),
        make_doc(7, "Geodaten-Portal des Kreises", "Karten und Luftbilder.", state="Bayern"),
        make_doc(8, "Müllabfuhr per App", "Der Abfallkalender erinnert an die Tonne.", state="Hessen"),
        make_doc(9, "Ampelsteuerung mit Wärmebildkameras", "Grüne Welle für Radfahrer.", state="Hessen"),
        make_doc(10, "Vernetzte Ampeln für Busse", "Die Ampel schaltet vor dem Bus auf Grün.", state="Sachsen"),
    ])
    yield b
    b.close()


# ---------------------------------------------------------------- 1. the speller knows German


@pytest.mark.parametrize("word", ["Bewässerung", "Hundesteuer", "Mülleimer", "Bestattung", "Standesamt"])
def test_known_german_word_is_never_corrected(municipal, word):
    assert german.is_german_word(word)
    result = search(municipal, word)
    assert result.suggestion is None and not result.corrected
    assert result.strong_total == 0 and result.unmatched == [word]


def test_unknown_word_is_corrected_and_the_search_says_so(municipal):
    result = search(municipal, "Chatbto")
    assert (result.suggestion, result.corrected) == ("Chatbot", True)
    assert [h.id for h in result.hits if not h.weaker] == [4]
    as_typed = search(municipal, "Chatbto", correct=False)
    assert as_typed.total == 0 and as_typed.suggestion is None and as_typed.unmatched == ["Chatbto"]


def test_correction_without_strong_hits_is_not_offered(municipal):
    """"Chatbot" exists, but no case is about a chatbot *and* Hundesteuer: no correction."""
    result = search(municipal, "Chatbto Hundesteuer")
    assert result.suggestion is None and not result.corrected and result.strong_total == 0


def test_unmatched_word_gets_related_searches_that_find_something(municipal):
    result = search(municipal, "Hundesteuer Ampel")
    assert result.unmatched == ["Hundesteuer"] and result.strong_total == 0
    assert result.related[0] == "Ampel"
    assert search(municipal, result.related[0]).strong_total >= 2
    assert "Müll" in search(municipal, "Mülleimer").related  # part of the compound, in the synonym file


# ---------------------------------------------------------------- 2. compounds, head-weighted


@pytest.mark.parametrize(("word", "stems"), [
    ("Wirtschaftsförderung", ["wirtschaft", "forder"]),  # -s-
    ("Bundesamt", ["bund", "amt"]),  # -es-
    ("Sonnenenergie", ["sonn", "energi"]),  # -n-
    ("Frauenhaus", ["frau", "haus"]),  # -en-
    ("Ampelschaltung", ["ampel", "schaltung"]),  # neither compound is in the word list
    ("Baumbewässerung", ["baum", "bewasser"]),
])
def test_compounds_split_at_linking_elements(word, stems):
    assert [german.stem(p) for p in german.split_compound(word)] == stems


def test_the_head_of_a_hyphenated_word_is_its_last_component():
    leaves, _joined, head_at = structure("Kita-Platzvergabe")
    assert leaves[head_at:] == ["platz", "vergabe"] and leaves[:head_at] == ["kita"]


def test_compound_finds_a_longer_compound_with_the_same_modifier_and_head(municipal):
    result = search(municipal, "Hochwasserwarnung")
    assert result.hits[0].id == 1 and not result.hits[0].weaker
    weaker = [h.id for h in result.hits if h.weaker]
    assert weaker[:2] == [2, 3]  # the head alone (Warnung) before the modifier alone (Hochwasser)


def test_compound_missing_from_the_corpus_finds_its_parts(municipal):
    found = [h.id for h in search(municipal, "Ampelschaltung").hits]
    assert found[:2] in ([9, 10], [10, 9])


# ---------------------------------------------------------------- 3. relevance floor, stop-like words


def test_stop_like_word_alone_does_not_qualify_a_document(municipal):
    result = search(municipal, "Chatbot Anfragen digital")
    strong = [h.id for h in result.hits if not h.weaker]
    assert strong == [4]
    assert 5 in [h.id for h in result.hits if h.weaker]  # "Anfragen", "digital": shown, but weaker


def test_weaker_hits_follow_every_strong_hit_across_pages(municipal):
    everything = search(municipal, "Hochwasserwarnung", per_page=50)
    flags = [h.weaker for h in everything.hits]
    assert flags == sorted(flags) and everything.strong_total == flags.count(False) >= 1
    paged = [h for page in (1, 2, 3) for h in search(municipal, "Hochwasserwarnung", per_page=1, page=page).hits]
    assert [h.id for h in paged] == [h.id for h in everything.hits[:3]]


@pytest.mark.parametrize("text", ["Chatbot Bürgeranfragen", "Hochwasserwarnung", "Geodaten", "Ampel"])
def test_facet_counts_are_the_strong_hits_a_selection_shows(municipal, text):
    result = search(municipal, text)
    assert result.strong_total and result.total > result.strong_total or text in ("Geodaten", "Ampel")
    for facet, key in (("state", "states"), ("topic", "topics"), ("status", "statuses")):
        for value, count in result.facets[facet].items():
            selected = search(municipal, text, **{key: [value]})
            assert count <= selected.strong_total and (count or not selected.strong_total), (facet, value)
    assert sum(result.facets["state"].values()) == result.strong_total  # one Land per case


def test_facets_count_every_hit_when_nothing_qualifies(municipal):
    result = search(municipal, "Warnung Glatteis Kleebach Feuerwehr Asphalt")
    assert result.strong_total == 0 < result.total
    assert sum(result.facets["state"].values()) == result.total


def test_search_page_paging_runs_over_the_strong_hits(municipal):
    grouped = search(municipal, "Hochwasserwarnung", per_page=1, group_weaker=True)
    assert grouped.strong_total == grouped.paged_total == 1 < grouped.total
    assert [h.weaker for h in grouped.hits] == [False, True]  # the weaker ones end the last page
    assert search(municipal, "Hochwasserwarnung", per_page=1, page=2, group_weaker=True).hits == []
    plain = search(municipal, "Hochwasserwarnung", per_page=1)
    assert plain.paged_total == plain.total and len(plain.hits) == 1
    weak_only = search(municipal, "Warnung Glatteis Kleebach Feuerwehr Asphalt", per_page=1, page=2,
                       group_weaker=True)
    assert weak_only.paged_total == weak_only.total and [h.weaker for h in weak_only.hits] == [True]


def test_listing_without_text_has_only_strong_hits(municipal):
    result = search(municipal, "")
    assert result.strong_total == result.total == 10 and not any(h.weaker for h in result.hits)


# ---------------------------------------------------------------- 4. Länder as filters


@pytest.mark.parametrize("text", ["Geodaten NRW", "Geodaten in Nordrhein-Westfalen", "Geodaten nordrhein westfalen"])
def test_land_in_the_text_becomes_a_filter(municipal, text):
    result = search(municipal, text)
    assert result.place_filters == ["Nordrhein-Westfalen"]
    assert [h.id for h in result.hits] == [6]
    unfiltered = search(municipal, text, detect_places=False)
    assert unfiltered.place_filters == [] and 7 in [h.id for h in unfiltered.hits]


def test_abbreviations_count_only_in_capitals_and_land_alone_lists_its_cases(municipal):
    assert search(municipal, "Geodaten by Bayern").place_filters == ["Bayern"]
    assert search(municipal, "Radweg by").place_filters == []
    assert {h.id for h in search(municipal, "Projekte in Sachsen").hits} == {3, 10}


@pytest.mark.parametrize(("value", "land"), [
    ("NW", "Nordrhein-Westfalen"), ("nrw", "Nordrhein-Westfalen"), ("05", "Nordrhein-Westfalen"),
    ("BY", "Bayern"), ("Freistaat Bayern", "Bayern"), ("baden-württemberg", "Baden-Württemberg"),
    ("Baden Wuerttemberg", "Baden-Württemberg"), ("LSA", "Sachsen-Anhalt"), ("Atlantis", None),
])
def test_filter_values_name_laender_by_name_key_or_abbreviation(value, land):
    assert places.land_name(value) == land

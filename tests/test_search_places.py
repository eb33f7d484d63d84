"""Gemeinden and Kreise named in a search become filters (issue 15, item 4): the parser
(cues, the false-place guard, namesakes) and the ``municipality=``/``kreis=`` parameters."""

from __future__ import annotations

import pytest

from kb.services.catalog.listing import FilterError
from kb.services.catalog.place_query import find_places, is_common_word, resolve_params
from kb.services.registry.gazetteer import get_resolver

HARZ, LIPPE, HANNOVER_REGION = "15085", "05766", "03241"
JENA, LEIPZIG, HOF, KIEL = "16053000", "14713000", "09464000", "01002000"


@pytest.fixture
def found(app):
    with app.app_context():
        resolver = get_resolver()
        yield lambda text, laender=(): find_places(text, resolver, laender)


@pytest.mark.parametrize(("text", "key", "part"), [
    ("Landkreis Harz", HARZ, "Landkreis Harz"),
    ("Bürgerservice Kreis Lippe", LIPPE, "Kreis Lippe"),
    ("Chatbot in Jena", JENA, "in Jena"),
    ("Stadt Leipzig Geodaten", LEIPZIG, "Stadt Leipzig"),
    ("Region Hannover Mobilität", HANNOVER_REGION, "Region Hannover"),
    ("Chatbot im Landkreis Harz", HARZ, "im Landkreis Harz"),
    ("Portal in der Stadt Jena", JENA, "in der Stadt Jena"),
    ("LK Harz", HARZ, "LK Harz"),
    ("Chatbot Leipzig", LEIPZIG, "Leipzig"),  # no cue: one place and no ordinary word
])
def test_a_named_place_becomes_a_filter_and_leaves_the_text(found, text, key, part):
    places = found(text)
    assert [p.key for p in places.applied] == [key] and places.parts == (part,)
    assert not places.suggested


@pytest.mark.parametrize("text", ["Essen", "Schulessen", "Hof", "Wertstoffhof Hof", "Sensoren im Wald", "weil",
                                  "Bruck", "Berg", "Lage", "Bad", "Kiel", "in lage", "Norden"])
def test_ordinary_words_are_no_places_without_a_cue(found, text):
    places = found(text)
    assert not places.applied and not places.suggested and not places.parts


def test_guard_words_come_from_the_word_list():
    assert all(is_common_word(w) for w in ("Essen", "Hof", "Wald", "Weil", "Bruck", "Berg", "Lage", "Bad"))
    assert not any(is_common_word(w) for w in ("Leipzig", "Jena", "Dortmund", "Ulm"))


def test_a_cue_makes_an_ordinary_word_a_place(found):
    assert [p.key for p in found("Stadt Hof").applied] == [HOF]
    assert [p.key for p in found("Digitalisierung in Kiel").applied] == [KIEL]
    essen = found("Schulessen in Essen")  # Essen (Ruhr) and Essen (Oldenburg): choose, not filtered
    assert not essen.applied and len(essen.suggested) == 2 and essen.ambiguous == ("Essen",)


def test_namesakes_are_suggested_not_applied(found):
    for text in ("Neustadt", "Bürgerservice in Neustadt"):
        places = found(text)
        assert not places.applied and not places.parts
        assert len(places.suggested) > 2 and all(p.name.startswith("Neustadt") for p in places.suggested)
        assert len({p.label for p in places.suggested}) == len(places.suggested)  # told apart
    hessen = found("in Neustadt", laender=["Hessen"])  # a Land named in the query narrows them down
    assert [p.land for p in hessen.applied] == ["Hessen"]
    assert [p.name for p in found("Neustadt Sachsen").applied] == ["Neustadt in Sachsen"]


@pytest.mark.parametrize("text", ["Projekte in Sachsen", "Geodaten NRW", "Bürgerservice Brandenburg",
                                  "Lösungen aus Hamburg", "Berlin", "Hansestadt Hamburg Geoportal", "Stadt Berlin",
                                  "Kita-Platzvergabe", "Ratsinformationssystem"])
def test_laender_and_ordinary_queries_are_left_alone(found, text):
    places = found(text)
    assert not places.applied and not places.suggested


def test_place_parameters_accept_keys_and_names(app):
    with app.test_request_context():
        assert resolve_params(["16053000", "Jena"], ["Harz", "15085", "Landkreis Harz"]) == [JENA, HARZ]
        assert resolve_params([], ["14713"]) == ["14713"]  # the Kreis key of a kreisfreie Stadt
        for municipalities, kreise in ((["Neustadt"], []), (["99999999"], []), (["15085"], []), ([], ["Jena Nord"])):
            with pytest.raises(FilterError):
                resolve_params(municipalities, kreise)

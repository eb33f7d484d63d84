"""Tests for kb.services.registry.names against the real Destatis registry CSVs."""

from pathlib import Path

import pytest

from kb.services.registry.names import (
    AmbiguousName,
    NameResolutionError,
    NameResolver,
    UnknownName,
    UnknownState,
    display_name,
    normalize,
)

REGISTRY = Path(__file__).resolve().parents[1] / "seed_data" / "registry"


@pytest.fixture(scope="module")
def resolver() -> NameResolver:
    return NameResolver.from_csv_dir(REGISTRY)


# -- helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("official", "typ", "expected"), [
    ("Leipzig, Stadt", "Kreisfreie Stadt", "Leipzig"),
    ("Frankfurt (Oder), Stadt", None, "Frankfurt (Oder)"),
    ("Ulm, Universitätsstadt", None, "Ulm"),
    ("Wittenberg, Lutherstadt", "Stadt", "Lutherstadt Wittenberg"),
    ("Leipzig", "Landkreis", "Landkreis Leipzig"),
    ("Gütersloh", "Kreis", "Kreis Gütersloh"),
    ("Region Hannover", "Landkreis", "Region Hannover"),
    ("Main-Taunus-Kreis", "Landkreis", "Main-Taunus-Kreis"),
])
def test_display_name(official, typ, expected):
    assert display_name(official, typ) == expected


@pytest.mark.parametrize(("a", "b"), [
    ("München", "Muenchen"),
    ("Straßlach", "STRASSLACH"),
    ("St. Ingbert", "Sankt Ingbert"),
    ("Frankfurt (Oder)", "Frankfurt an der Oder"),
    ("Frankfurt (Oder)", "Frankfurt/Oder"),
    ("Dessau-Roßlau", "Dessau Rosslau"),
    ("Neustadt a.d.Donau", "Neustadt an der Donau"),
])
def test_normalize_folds_spelling_variants(a, b):
    assert normalize(a) == normalize(b)


def test_normalize_keeps_different_names_apart():
    assert normalize("Frankfurt am Main") != normalize("Frankfurt (Oder)")


# -- keys --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "kind", "key"), [
    ("14713000", "gemeinde", "14713000"),
    ("  12069020 ", "gemeinde", "12069020"),
    ("14729", "kreis", "14729"),
    ("12063", "kreis", "12063"),
    # Kreis key of a kreisfreie Stadt: the same body, returned as the Gemeinde
    ("14713", "gemeinde", "14713000"),
    ("08111", "gemeinde", "08111000"),
])
def test_resolve_by_key(resolver, text, kind, key):
    entry = resolver.resolve(text)
    assert (entry.kind, entry.key) == (kind, key)


@pytest.mark.parametrize("text", ["99999999", "14999", "1471", "140000000000"])
def test_unknown_key(resolver, text):
    with pytest.raises(UnknownName, match=text):
        resolver.resolve(text)


def test_lookup(resolver):
    leipzig = resolver.lookup("14713000")
    assert leipzig is not None
    assert leipzig.name == "Leipzig, Stadt"
    assert leipzig.display_name == "Leipzig"
    assert (leipzig.land_code, leipzig.land) == ("14", "Sachsen")
    assert leipzig.kreis_key == "14713" and leipzig.population > 500_000
    assert resolver.lookup("14713") == leipzig
    landkreis = resolver.lookup(" 14729 ")
    assert landkreis.kind == "kreis" and landkreis.display_name == "Landkreis Leipzig"
    assert landkreis.kreis_key is None
    assert resolver.lookup("00000000") is None


# -- Gemeinde names ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "key"), [
    ("Leipzig", "14713000"),
    ("leipzig", "14713000"),
    ("Stadt Leipzig", "14713000"),
    ("Leipzig, Stadt", "14713000"),
    ("Hansestadt Rostock", "13003000"),
    ("Rostock", "13003000"),
    ("Universitätsstadt Ulm", "08421000"),
    ("Ulm, Universitätsstadt", "08421000"),
    ("Landeshauptstadt Hannover", "03241001"),
    ("Muenchen", "09162000"),
    ("Strasslach", "09184144"),  # Straßlach-Dingharting: first part of a double name
    ("St. Ingbert", "10045117"),
    ("Sankt Ingbert", "10045117"),
    ("Frankfurt (Oder)", "12053000"),
    ("Frankfurt/Oder", "12053000"),
    ("Frankfurt an der Oder", "12053000"),
    ("Frankfurt am Main", "06412000"),
    ("Storkow (Mark)", "12067481"),
    ("Gemeinde Wedemark", "03241019"),
    ("Markt Berchtesgaden", "09172116"),
    ("Große Kreisstadt Radebeul", "14627210"),
    ("Lutherstadt Wittenberg", "15091375"),
    ("Wittenberg", "15091375"),
    ("Wittenberg, Lutherstadt", "15091375"),
    ("Halle (Saale)", "15002000"),
    ("Halle an der Saale", "15002000"),
    ("Neustadt an der Weinstraße", "07316000"),
    ("Mühlhausen/Thüringen", "16064046"),
    ("Mühlhausen in Thüringen", "16064046"),
    ("Weiden in der Oberpfalz", "09363000"),
    ("Freie und Hansestadt Hamburg", "02000000"),
    ("Stadtkreis Stuttgart", "08111000"),
    ("Markt Wald", "09778169"),  # official name starts with "Markt": not stripped
    ("Amt Neuhaus", "03355049"),  # a Gemeinde despite the "Amt"
])
def test_resolve_gemeinde_names(resolver, text, key):
    entry = resolver.resolve(text)
    assert (entry.kind, entry.key) == ("gemeinde", key)


# -- Kreise ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "key"), [
    ("Landkreis Havelland", "12063"),
    ("LK Havelland", "12063"),
    ("Havelland", "12063"),  # no Gemeinde of that name → the Kreis
    ("Havelland, Landkreis", "12063"),
    ("Kreis Gütersloh", "05754"),
    ("Region Hannover", "03241"),
    ("Städteregion Aachen", "05334"),
    ("Regionalverband Saarbrücken", "10041"),
    ("Landkreis Leipzig", "14729"),
    ("Landkreis Rostock", "13072"),
    ("Landkreis Rosenheim", "09187"),
    ("Landkreis Potsdam-Mittelmark", "12069"),
])
def test_resolve_kreise(resolver, text, key):
    entry = resolver.resolve(text)
    assert (entry.kind, entry.key) == ("kreis", key)


@pytest.mark.parametrize(("text", "key"), [
    ("Leipzig", "14713000"),  # not Landkreis Leipzig 14729
    ("Gütersloh", "05754008"),  # not Kreis Gütersloh
    ("Hannover", "03241001"),  # not Region Hannover
    ("Aachen", "05334002"),  # not Städteregion Aachen
])
def test_bare_name_prefers_gemeinde_over_kreis(resolver, text, key):
    assert resolver.resolve(text).key == key


def test_kreis_prefix_never_returns_a_gemeinde(resolver):
    with pytest.raises(UnknownName, match="Cottbus") as info:
        resolver.resolve("Kreis Cottbus")  # kreisfrei: there is no Kreis besides the city
    assert [e.key for e in info.value.suggestions] == ["12052000"]


# -- ambiguity and Länder ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected_keys"), [
    ("Frankfurt", {"06412000", "12053000"}),
    ("Halle", {"15002000", "05754012", "03255016", "03456008"}),
    ("Mühlhausen", {"16064046", "08226054", "09373146", "09572143"}),
    ("Kirchberg", {"14524130", "09177124", "08119038", "07140067"}),
    ("Neustadt", {"07316000", "06534016", "01055032"}),
])
def test_ambiguous_names_list_candidates(resolver, text, expected_keys):
    with pytest.raises(AmbiguousName) as info:
        resolver.resolve(text)
    keys = {e.key for e in info.value.candidates}
    assert expected_keys <= keys
    message = str(info.value)
    for entry in info.value.candidates[:10]:
        assert entry.key in message and entry.land in message
    assert info.value.text == text


def test_ambiguous_message_names_kreis_and_land(resolver):
    with pytest.raises(AmbiguousName) as info:
        resolver.resolve("Halle")
    assert "Halle (Saale) (Sachsen-Anhalt, 15002000)" in str(info.value)
    assert "Halle (Westf.) (Kreis Gütersloh, Nordrhein-Westfalen, 05754012)" in str(info.value)


@pytest.mark.parametrize(("text", "state", "key"), [
    ("Halle", "ST", "15002000"),
    ("Halle", "Nordrhein-Westfalen", "05754012"),
    ("Frankfurt", "Brandenburg", "12053000"),
    ("Frankfurt", "06", "06412000"),
    ("Kirchberg", "Sachsen", "14524130"),
    ("Neustadt", "Hessen", "06534016"),
    ("Stadt Steinach", "TH", "16072019"),  # not Stadtsteinach (Bayern)
])
def test_state_narrows_to_one(resolver, text, state, key):
    assert resolver.resolve(text, state=state).key == key


def test_still_ambiguous_inside_one_land(resolver):
    with pytest.raises(AmbiguousName, match="in Baden-Württemberg") as info:
        resolver.resolve("Kirchberg", state="BW")
    assert {e.key for e in info.value.candidates} == {"08127046", "08119038", "08426065"}


def test_state_without_the_name_is_an_error_naming_the_other_land(resolver):
    with pytest.raises(UnknownName) as info:
        resolver.resolve("Leipzig", state="Brandenburg")
    message = str(info.value)
    assert "Brandenburg" in message and "Sachsen" in message and "14713000" in message
    assert [e.key for e in info.value.suggestions] == ["14713000"]


@pytest.mark.parametrize(("text", "key"), [
    ("Stadt Essen", "05113000"),  # "Essen" alone is ambiguous with Essen (Oldenburg)
    ("Essen, Stadt", "05113000"),
    ("Markt Mühlhausen", "09572143"),  # the only Markt among the Mühlhausens
])
def test_type_prefix_disambiguates(resolver, text, key):
    assert resolver.resolve(text).key == key


def test_stadt_prefix_does_not_glue_onto_name(resolver):
    with pytest.raises(AmbiguousName) as info:
        resolver.resolve("Stadt Bergen")
    assert {e.key for e in info.value.candidates} == {"13073010", "03351004"}  # no Stadtbergen


# -- unknown names -----------------------------------------------------------------------------


def test_unknown_name_suggests_close_matches(resolver):
    with pytest.raises(UnknownName) as info:
        resolver.resolve("Leipzich")
    assert str(info.value) == ("„Leipzich“ ist keine Gemeinde und kein Kreis im "
                               "Gemeindeverzeichnis. Meinten Sie: Leipzig (Sachsen, 14713000)?")
    assert [e.key for e in info.value.suggestions] == ["14713000"]


def test_suggestions_are_capped_at_five(resolver):
    with pytest.raises(UnknownName) as info:
        resolver.resolve("Neustad")
    assert 1 <= len(info.value.suggestions) <= 5
    assert all(e.key in str(info.value) for e in info.value.suggestions)


def test_amt_is_not_in_the_registry(resolver):
    with pytest.raises(UnknownName, match="Amt"):
        resolver.resolve("Amt Odervorland")


def test_errors_are_value_errors(resolver):
    with pytest.raises(ValueError):
        resolver.resolve("Gibtsnichtheim")
    assert issubclass(UnknownState, NameResolutionError)


# -- a real publiccode.yml usedBy list ---------------------------------------------------------


@pytest.mark.parametrize(("text", "key"), [
    ("Stadt Bad Belzig", "12069020"),
    ("Landkreis Havelland", "12063"),
    ("Frankfurt (Oder)", "12053000"),
    ("Storkow (Mark)", "12067481"),
    ("Landkreis Potsdam-Mittelmark", "12069"),
    ("Stadt Brandenburg an der Havel", "12051000"),
    ("Landeshauptstadt Potsdam", "12054000"),
    ("Gemeinde Kleinmachnow", "12069304"),
    ("Stadt Cottbus/Chóśebuz", "12052000"),  # registry: "Cottbus/Chóśebuz, Stadt"
    ("Cottbus", "12052000"),
])
def test_used_by_list(resolver, text, key):
    assert resolver.resolve(text, state="Brandenburg").key == key


# -- Länder ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [
    ("Sachsen", "14"), ("sachsen", "14"), ("SN", "14"), ("14", "14"), ("Freistaat Sachsen", "14"),
    ("Baden-Wuerttemberg", "08"), ("NRW", "05"), ("ST", "15"), ("Sachsen-Anhalt", "15"),
    ("DE-BY", "09"), ("3", "03"),
])
def test_resolve_state(resolver, text, code):
    assert resolver.resolve_state(text)[0] == code


def test_unknown_state(resolver):
    with pytest.raises(UnknownState, match="Sachsenland"):
        resolver.resolve_state("Sachsenland")
    with pytest.raises(UnknownState):
        resolver.resolve("Leipzig", state="XY")


# -- type-ahead --------------------------------------------------------------------------------


def test_complete_orders_by_population(resolver):
    hits = resolver.complete("Leip")
    assert [e.key for e in hits[:2]] == ["14713000", "14729"]
    populations = [e.population for e in hits]
    assert populations == sorted(populations, reverse=True)


def test_complete_filters(resolver):
    assert [e.key for e in resolver.complete("Landkreis Leip")] == ["14729"]
    assert [e.key for e in resolver.complete("Frankf", state="BB")] == ["12053000"]
    assert {e.key for e in resolver.complete("Bad B", limit=50)} >= {"12069020"}
    assert len(resolver.complete("Bad", limit=3)) == 3
    assert resolver.complete("") == [] and resolver.complete("Xyzq") == []


# -- construction from rows --------------------------------------------------------------------


def test_resolver_from_rows():
    gemeinden = [{"ags": "14713000", "name": "Leipzig, Stadt", "typ": "Kreisfreie Stadt",
                  "gemeindefrei": "0", "bundesland_code": "14", "bundesland": "Sachsen",
                  "kreis_key": "14713", "kreis_name": "Leipzig, Stadt", "einwohner": "593145"}]
    kreise = [{"kreis_key": "14713", "name": "Leipzig, Stadt", "typ": "Kreisfreie Stadt",
               "bundesland_code": "14", "bundesland": "Sachsen", "einwohner_sum": "593145"},
              {"kreis_key": "14729", "name": "Leipzig", "typ": "Landkreis",
               "bundesland_code": "14", "bundesland": "Sachsen", "einwohner_sum": "257763"}]
    small = NameResolver(gemeinden, kreise, [{"code": "14", "name": "Sachsen"}])
    assert small.resolve("Stadt Leipzig").key == "14713000"
    assert small.resolve("Landkreis Leipzig").key == "14729"
    assert small.lookup("14713").key == "14713000"

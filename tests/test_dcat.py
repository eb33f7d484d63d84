"""DCAT-AP.de: /daten/dcat.ttl and /daten/dcat.jsonld parse with rdflib, carry the classes and properties the
profile makes mandatory, link only to addresses under KB_BASE_URL, and those addresses answer."""

from urllib.parse import urlsplit

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT as DCAT_NS
from rdflib.namespace import DCTERMS, FOAF, RDF

from config import build_config
from kb.services.interchange.dcat import DCATDE, DL_DE_BY_2, EU, FEDERAL, LICENCES, VCARD

BASE = "https://praxisatlas.beispiel.de"


@pytest.fixture
def graphs(app, client):
    app.config["KB_BASE_URL"] = BASE
    turtle = client.get("/daten/dcat.ttl")
    jsonld = client.get("/daten/dcat.jsonld")
    assert turtle.status_code == 200 and turtle.content_type.startswith("text/turtle")
    assert jsonld.status_code == 200 and jsonld.content_type.startswith("application/ld+json")
    return (Graph().parse(data=turtle.get_data(as_text=True), format="turtle"),
            Graph().parse(data=jsonld.get_data(as_text=True), format="json-ld"))


def one(graph, subject, predicate):
    values = list(graph.objects(subject, predicate))
    assert values, f"{subject} has no {predicate}"
    return values[0]


def test_both_serialisations_say_the_same(graphs):
    turtle, jsonld = graphs
    assert len(turtle) == len(jsonld) > 50
    assert set(turtle.subjects(RDF.type, DCAT_NS.Dataset)) == set(jsonld.subjects(RDF.type, DCAT_NS.Dataset))


@pytest.mark.parametrize("serialisation", [0, 1], ids=["turtle", "json-ld"])
def test_mandatory_classes_and_properties_of_dcat_ap_de_are_present(graphs, serialisation):
    graph = graphs[serialisation]
    catalogs = list(graph.subjects(RDF.type, DCAT_NS.Catalog))
    assert len(catalogs) == 1
    catalog = catalogs[0]
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCAT_NS.dataset, DCTERMS.issued,
                 DCTERMS.modified):
        one(graph, catalog, prop)
    assert one(graph, catalog, DCTERMS.issued).toPython() <= one(graph, catalog, DCTERMS.modified).toPython()
    publisher = one(graph, catalog, DCTERMS.publisher)
    # the profile's shapes ask for a foaf:Agent; typed so, no reasoner needed
    assert {FOAF.Agent, FOAF.Organization} <= set(graph.objects(publisher, RDF.type))
    assert str(one(graph, publisher, FOAF.name))
    datasets = set(graph.objects(catalog, DCAT_NS.dataset))
    assert datasets == set(graph.subjects(RDF.type, DCAT_NS.Dataset)) and len(datasets) == 3
    licences, downloads, media = set(), 0, 0
    for dataset in datasets:
        for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCAT_NS.contactPoint, DCAT_NS.distribution,
                     DCAT_NS.keyword, DCAT_NS.theme, DCTERMS.spatial, DCTERMS.identifier):
            one(graph, dataset, prop)
        assert list(graph.objects(dataset, DCTERMS.publisher)) == [publisher]  # at most one publisher
        contact = one(graph, dataset, DCAT_NS.contactPoint)
        assert (contact, RDF.type, VCARD.Kind) in graph  # dcat:contactPoint must be a vcard:Kind
        assert list(graph.objects(contact, VCARD.hasURL)) or list(graph.objects(contact, VCARD.hasEmail))
        assert str(one(graph, dataset, DCAT_NS.theme)).startswith(EU + "data-theme/")
        assert one(graph, dataset, DCATDE.politicalGeocodingLevelURI) == FEDERAL
        states = {str(uri) for uri in graph.objects(dataset, DCATDE.politicalGeocodingURI)}
        assert states == {f"http://dcat-ap.de/def/politicalGeocoding/stateKey/{n:02d}" for n in range(1, 17)}
        assert not list(graph.objects(dataset, DCATDE.contributorID))  # only when GovData assigned one
        for distribution in graph.objects(dataset, DCAT_NS.distribution):
            assert (distribution, RDF.type, DCAT_NS.Distribution) in graph
            one(graph, distribution, DCAT_NS.accessURL)
            one(graph, distribution, DCTERMS.title)
            assert str(one(graph, distribution, DCTERMS.format)).startswith(EU + "file-type/")
            downloads += len(list(graph.objects(distribution, DCAT_NS.downloadURL)))
            media += len(list(graph.objects(distribution, DCAT_NS.mediaType)))
            licence = one(graph, distribution, DCTERMS.license)
            assert str(licence).startswith(str(LICENCES))
            licences.add(licence)
    assert DL_DE_BY_2 in licences and URIRef(str(LICENCES) + "cc-by/4.0") in licences
    assert downloads >= 3 and media >= 4  # JSON Lines, CSV, YAML are downloads; CSV, Atom, API, YAML have types


def test_publisher_contact_and_contributor_id_follow_the_configuration(app, client):
    app.config["KB_BASE_URL"] = BASE
    app.config.update({key: value for key, value in build_config({
        "KB_DCAT_PUBLISHER": "Stadt Jena, Team Digitalisierung", "KB_DCAT_PUBLISHER_URI": "https://www.jena.de/",
        "KB_DCAT_CONTACT_EMAIL": "opendata@jena.example", "KB_DCAT_CONTRIBUTOR_ID": "praxisatlas-test",
    }).items() if key.startswith("KB_DCAT_")})
    for path, kind in (("/daten/dcat.ttl", "turtle"), ("/daten/dcat.jsonld", "json-ld")):
        graph = Graph().parse(data=client.get(path).get_data(as_text=True), format=kind)
        catalog = next(graph.subjects(RDF.type, DCAT_NS.Catalog))
        publisher = one(graph, catalog, DCTERMS.publisher)
        assert publisher == URIRef("https://www.jena.de/")
        assert str(one(graph, publisher, FOAF.name)) == "Stadt Jena, Team Digitalisierung"
        for dataset in graph.subjects(RDF.type, DCAT_NS.Dataset):
            assert list(graph.objects(dataset, DCATDE.contributorID)) == [
                URIRef("http://dcat-ap.de/def/contributors/praxisatlas-test")]  # exactly once, an IRI
            contact = one(graph, dataset, DCAT_NS.contactPoint)
            assert list(graph.objects(contact, VCARD.hasEmail)) == [URIRef("mailto:opendata@jena.example")]
            assert str(one(graph, contact, VCARD.fn)) == "Stadt Jena, Team Digitalisierung"


def test_every_link_is_built_from_the_base_url_and_answers(graphs, client):
    graph = graphs[0]
    own = {str(o) for s, p, o in graph if isinstance(o, URIRef) and p in (DCAT_NS.accessURL, DCAT_NS.downloadURL,
                                                                             DCAT_NS.landingPage, FOAF.homepage)}
    assert own and all(url.startswith(BASE + "/") for url in own), own
    assert not [o for _s, _p, o in graph if "localhost" in str(o)]  # not from the request's host
    for url in sorted(own):
        path = urlsplit(url).path
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()


def test_the_description_follows_the_catalogue(app, client, runner, tmp_path):
    from tests.helpers import record, write_jsonl

    app.config["KB_BASE_URL"] = BASE
    before = client.get("/daten/dcat.ttl")
    path = write_jsonl(tmp_path / "neu.jsonl", [record("dcat-neu", repository="https://example.org/x.git")])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    after = client.get("/daten/dcat.ttl", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.get_data() != before.get_data()

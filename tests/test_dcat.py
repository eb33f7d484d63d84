"""DCAT-AP.de: /daten/dcat.ttl and /daten/dcat.jsonld parse with rdflib, carry the classes and properties the
profile makes mandatory, link only to addresses under KB_BASE_URL, and those addresses answer."""

from urllib.parse import urlsplit

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT as DCAT_NS
from rdflib.namespace import DCTERMS, FOAF, RDF

from kb.services.interchange.dcat import DL_DE_BY_2, LICENCES, VCARD

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


def test_mandatory_classes_and_properties_of_dcat_ap_de_are_present(graphs):
    graph = graphs[0]
    catalogs = list(graph.subjects(RDF.type, DCAT_NS.Catalog))
    assert len(catalogs) == 1
    catalog = catalogs[0]
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCAT_NS.dataset):
        one(graph, catalog, prop)
    publisher = one(graph, catalog, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Organization) in graph and str(one(graph, publisher, FOAF.name))
    datasets = set(graph.objects(catalog, DCAT_NS.dataset))
    assert datasets == set(graph.subjects(RDF.type, DCAT_NS.Dataset)) and len(datasets) == 3
    licences = set()
    for dataset in datasets:
        for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCAT_NS.contactPoint, DCAT_NS.distribution,
                     DCAT_NS.keyword, DCAT_NS.theme, DCTERMS.spatial):
            one(graph, dataset, prop)
        contact = one(graph, dataset, DCAT_NS.contactPoint)
        assert list(graph.objects(contact, VCARD.hasURL)) or list(graph.objects(contact, VCARD.hasEmail))
        for distribution in graph.objects(dataset, DCAT_NS.distribution):
            assert (distribution, RDF.type, DCAT_NS.Distribution) in graph
            one(graph, distribution, DCAT_NS.accessURL)
            licence = one(graph, distribution, DCTERMS.license)
            assert str(licence).startswith(str(LICENCES))
            licences.add(licence)
    assert DL_DE_BY_2 in licences and URIRef(str(LICENCES) + "cc-by/4.0") in licences


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

"""A DCAT-AP.de description of the open-data downloads, so GovData and other portals can list the catalogue.

:func:`catalogue_graph` builds an RDF graph (rdflib) with one ``dcat:Catalog`` and three
``dcat:Dataset``s: the cases (JSON Lines, CSV, Atom feed, API), the software cases as
publiccode.yml, and the registry facts the municipality API passes on (Destatis data under
dl-de/by-2-0). Every property DCAT-AP.de makes mandatory is there (Catalog: title, description,
publisher, dataset; Dataset: title, description; Distribution: accessURL, license; Agent: name),
and most recommended ones (contact point, keywords, theme, spatial coverage with the political
geocoding of the 16 Länder, identifier, dates, formats and media types, attribution text); the
``dcatde:contributorID`` GovData asks for once it harvests is added when it is configured
(``KB_DCAT_CONTRIBUTOR_ID``). Publisher and contact come from ``KB_DCAT_*`` (config.py). Every
address of this site is built from ``KB_BASE_URL`` by the caller (:class:`Links`).
Served as ``/daten/dcat.ttl`` (Turtle) and ``/daten/dcat.jsonld`` (JSON-LD).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
LICENCES = Namespace("http://dcat-ap.de/def/licenses/")
CC_BY_4 = LICENCES["cc-by/4.0"]
DL_DE_BY_2 = LICENCES["dl-by-de/2.0"]
EU = "http://publications.europa.eu/resource/authority/"
GERMAN = URIRef(EU + "language/DEU")
GERMANY = URIRef(EU + "country/DEU")
THEME_GOVERNMENT = URIRef(EU + "data-theme/GOVE")
THEMES = URIRef(EU + "data-theme")
CONTINUOUS = URIRef(EU + "frequency/UPDATE_CONT")
FEDERAL = URIRef("http://dcat-ap.de/def/politicalGeocoding/Level/federal")
STATE_KEYS = Namespace("http://dcat-ap.de/def/politicalGeocoding/stateKey/")
LAND_CODES = tuple(f"{n:02d}" for n in range(1, 17))  # the 16 Länder: the catalogue covers all of Germany
IANA = "https://www.iana.org/assignments/media-types/"
DESTATIS = "© Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV-ISys, Stand 31.12.2020, dl-de/by-2-0"


@dataclass(frozen=True)
class Links:
    """The absolute addresses the description points to (all from KB_BASE_URL)."""

    base: str
    page: str  # /daten
    jsonl: str
    csv: str
    publiccode: str
    atom: str
    api_docs: str
    cases_api: str
    municipality_api: str  # where the municipality route of the API is described


@dataclass(frozen=True)
class Facts:
    """What the description says about this installation."""

    site_name: str
    publisher: str
    case_count: int
    software_count: int
    updated: datetime | None
    keywords: list[str]
    issued: datetime | None = None  # when the first published case appeared
    contact_email: str | None = None
    contributor_id: str | None = None  # an IRI in http://dcat-ap.de/def/contributors/ (assigned by GovData)
    publisher_uri: str | None = None  # the publisher's own IRI; else one under KB_BASE_URL


def catalogue_graph(links: Links, facts: Facts) -> Graph:
    """The DCAT-AP.de graph of the catalogue (see the module docstring)."""
    graph = Graph()
    for prefix, namespace in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("vcard", VCARD),
                              ("dcatde", DCATDE)):
        graph.bind(prefix, namespace)
    catalog = URIRef(f"{links.page}#katalog")
    publisher = URIRef(facts.publisher_uri or f"{links.base}/#herausgeber")
    graph.add((publisher, RDF.type, FOAF.Agent))  # typed as the profile asks (no reasoner needed)
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, Literal(facts.publisher)))
    graph.add((publisher, FOAF.homepage, URIRef(facts.publisher_uri or links.base + "/")))
    _describe(graph, catalog, DCAT.Catalog, f"{facts.site_name} – Offene Daten",
              "Digitale Lösungen, die Kommunen betreiben, und wer sie nachnutzt: als Download, Feed und API.")
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((catalog, FOAF.homepage, URIRef(links.page)))
    graph.add((catalog, DCTERMS.language, GERMAN))
    graph.add((catalog, DCTERMS.license, CC_BY_4))
    graph.add((catalog, DCAT.themeTaxonomy, THEMES))
    graph.add((catalog, DCTERMS.spatial, GERMANY))
    _stamp(graph, catalog, facts.updated, facts.issued)
    datasets = [_cases(graph, links, facts), _software(graph, links, facts), _registry(graph, links)]
    contact = _contact(graph, links, facts)
    for dataset in datasets:
        graph.add((catalog, DCAT.dataset, dataset))
        graph.add((dataset, DCTERMS.publisher, publisher))
        graph.add((dataset, DCAT.contactPoint, contact))
        graph.add((dataset, DCAT.theme, THEME_GOVERNMENT))
        graph.add((dataset, DCTERMS.spatial, GERMANY))
        graph.add((dataset, DCATDE.politicalGeocodingLevelURI, FEDERAL))
        for code in LAND_CODES:
            graph.add((dataset, DCATDE.politicalGeocodingURI, STATE_KEYS[code]))
        graph.add((dataset, DCTERMS.identifier, Literal(str(dataset))))
        graph.add((dataset, DCTERMS.language, GERMAN))
        graph.add((dataset, DCTERMS.accrualPeriodicity, CONTINUOUS))
        graph.add((dataset, DCAT.landingPage, URIRef(links.page)))
        if facts.contributor_id:
            graph.add((dataset, DCATDE.contributorID, URIRef(facts.contributor_id)))
    return graph


def _describe(graph: Graph, node: URIRef, kind: URIRef, title: str, description: str) -> None:
    graph.add((node, RDF.type, kind))
    graph.add((node, DCTERMS.title, Literal(title, lang="de")))
    graph.add((node, DCTERMS.description, Literal(description, lang="de")))


def _stamp(graph: Graph, node: URIRef, updated: datetime | None, issued: datetime | None = None) -> None:
    for prop, when in ((DCTERMS.modified, updated), (DCTERMS.issued, issued)):
        if when is not None:
            graph.add((node, prop, Literal(when.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)))


def _contact(graph: Graph, links: Links, facts: Facts) -> BNode:
    """A contact point with a web address (and an e-mail address where one is configured)."""
    contact = BNode("kontakt")
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(facts.publisher)))
    graph.add((contact, VCARD.hasURL, URIRef(links.page)))
    if facts.contact_email:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{facts.contact_email}")))
    return contact


def _distribution(graph: Graph, dataset: URIRef, node: URIRef, title: str, url: str, *, download: bool,
                  file_type: str, media_type: str | None, licence: URIRef, attribution: str) -> None:
    _describe(graph, node, DCAT.Distribution, title, title)
    graph.add((dataset, DCAT.distribution, node))
    graph.add((node, DCAT.accessURL, URIRef(url)))
    if download:
        graph.add((node, DCAT.downloadURL, URIRef(url)))
    graph.add((node, DCTERMS.format, URIRef(EU + "file-type/" + file_type)))
    if media_type:
        graph.add((node, DCAT.mediaType, URIRef(IANA + media_type)))
    graph.add((node, DCTERMS.license, licence))
    graph.add((node, DCATDE.licenseAttributionByText, Literal(attribution, lang="de")))


def _count(number: int, one: str, many: str) -> str:
    """"1 veröffentlichte Beschreibung", "2 veröffentlichte Beschreibungen" (the description is German)."""
    return f"{number} {one if number == 1 else many}"


def _cases(graph: Graph, links: Links, facts: Facts) -> URIRef:
    dataset = URIRef(f"{links.page}#faelle")
    _describe(graph, dataset, DCAT.Dataset, f"{facts.site_name}: digitale Lösungen aus Kommunen",
              f"{_count(facts.case_count, 'veröffentlichte Beschreibung', 'veröffentlichte Beschreibungen')} "
              "digitaler Lösungen, die Kommunen betreiben – "
              "mit Thema, Stand, betreibender Stelle (Gemeindeschlüssel), Kosten, Erfahrungen und den Kommunen, "
              "die sie nachnutzen.")
    for keyword in facts.keywords:
        graph.add((dataset, DCAT.keyword, Literal(keyword, lang="de")))
    _stamp(graph, dataset, facts.updated, facts.issued)
    attribution = f"{facts.site_name} ({links.base}), CC BY 4.0; Gemeindedaten: {DESTATIS}"
    for suffix, title, url, download, file_type, media in (
            ("jsonl", "Alle Fälle als JSON Lines (Importformat)", links.jsonl, True, "JSON", None),
            ("csv", "Alle Fälle als CSV-Tabelle", links.csv, True, "CSV", "text/csv"),
            ("atom", "Neue Fälle als Atom-Feed", links.atom, False, "ATOM", "application/atom+xml"),
            ("api", "Fälle über die JSON-API (mit Änderungs-Feed)", links.cases_api, False, "JSON",
             "application/json")):
        _distribution(graph, dataset, URIRef(f"{links.page}#faelle-{suffix}"), title, url, download=download,
                      file_type=file_type, media_type=media, licence=CC_BY_4, attribution=attribution)
    graph.add((dataset, DCTERMS.conformsTo, URIRef(links.api_docs)))
    return dataset


def _software(graph: Graph, links: Links, facts: Facts) -> URIRef:
    dataset = URIRef(f"{links.page}#software")
    _describe(graph, dataset, DCAT.Dataset, f"{facts.site_name}: Software-Lösungen als publiccode.yml",
              f"{facts.software_count} Lösungen mit offenem Quellcode im Standard publiccode.yml (0.4.0); usedBy "
              "nennt die Kommunen, die sie im Pilot- oder Regelbetrieb nutzen.")
    for keyword in ("publiccode.yml", "Open Source", "Nachnutzung"):
        graph.add((dataset, DCAT.keyword, Literal(keyword, lang="de")))
    _stamp(graph, dataset, facts.updated, facts.issued)
    _distribution(graph, dataset, URIRef(f"{links.page}#software-yaml"), "Alle Software-Fälle als YAML-Strom",
                  links.publiccode, download=True, file_type="YAML", media_type="application/yaml",
                  licence=CC_BY_4, attribution=f"{facts.site_name} ({links.base}), CC BY 4.0")
    return dataset


def _registry(graph: Graph, links: Links) -> URIRef:
    dataset = URIRef(f"{links.page}#gemeinden")
    _describe(graph, dataset, DCAT.Dataset, "Gemeinden und Kreise mit ihren Lösungen",
              "Je Gemeinde (AGS) und Kreis: amtlicher Name, Art, Einwohnerzahl, Fläche und Lage aus dem "
              "Gemeindeverzeichnis des Statistischen Bundesamts (Stand 31.12.2020), dazu die Lösungen, die sie "
              "betreiben und nachnutzen.")
    for keyword in ("Gemeindeverzeichnis", "Amtlicher Gemeindeschlüssel", "Kommunen"):
        graph.add((dataset, DCAT.keyword, Literal(keyword, lang="de")))
    _distribution(graph, dataset, URIRef(f"{links.page}#gemeinden-api"), "Eine Gemeinde oder ein Kreis über die "
                  "JSON-API", links.municipality_api, download=False, file_type="JSON",
                  media_type="application/json", licence=DL_DE_BY_2, attribution=DESTATIS)
    graph.add((dataset, DCTERMS.conformsTo, URIRef(links.api_docs)))
    return dataset

"""Shared test data for the search tests (imported by conftest and tests)."""

from __future__ import annotations

from datetime import datetime

from kb.search.engine import SearchDocument


def make_doc(
    id: int,  # noqa: A002
    title: str,
    summary: str = "",
    body: str = "",
    *,
    tags: list[str] | None = None,
    topics: list[str] | None = None,
    status: str = "in_betrieb",
    municipality: str = "Musterstadt",
    state: str | None = "Hessen",
    places: list[str] | None = None,
    published: datetime | None = None,
    adopters: int = 0,
    version: str = "v1",
) -> SearchDocument:
    return SearchDocument(
        id=id,
        slug=f"fall-{id}",
        version=version,
        title=title,
        summary=summary,
        body=body,
        tags=tags or [],
        topics=topics or ["Bürgerservice"],
        status=status,
        municipality=municipality,
        state=state,
        places=places or [],
        published=published or datetime(2023, 1, id % 28 + 1),
        adopter_count=adopters,
    )


CORPUS = [
    make_doc(1, "Chatbot für den Bürgerservice", "Ein Chatbot beantwortet Fragen rund um die Uhr.",
             "Der Bot kennt 600 Antworten aus dem Servicecenter.", topics=["Künstliche Intelligenz", "Bürgerservice"],
             municipality="Leipzig", state="Sachsen", places=["Landkreis Leipzig"], published=datetime(2023, 3, 1),
             adopters=4),
    make_doc(2, "Sensoren melden freie Stellflächen", "Jeder Parkplatz in der Innenstadt hat einen Bodensensor.",
             "Die Belegung wird über LoRaWAN übertragen.", topics=["Mobilität"], municipality="Wolfsburg",
             state="Niedersachsen", status="pilot"),
    make_doc(3, "Parkraum-App für Pendler", "Die App zeigt freie Parkplätze in drei Parkhäusern.",
             "Pendler sparen Zeit.", topics=["Mobilität"], municipality="Heidelberg", state="Baden-Württemberg"),
    make_doc(4, "Gießpaten für junge Bäume", "Bürger übernehmen Patenschaften für Straßenbäume.",
             "Eine Karte zeigt den Wasserbedarf.", topics=["Klima und Umwelt"], municipality="Erfurt",
             state="Thüringen"),
    make_doc(5, "Kataster für jeden Baum", "Jeder Baum der Stadt ist digital erfasst.", "Kontrollen per Tablet.",
             topics=["Geodaten"], municipality="Stuttgart", state="Baden-Württemberg"),
    make_doc(6, "Digitale Bürgerbeteiligung zum Haushalt", "Vorschläge für den Etat online einreichen.",
             "Die Bürgerinnen und Bürger bewerten Ideen.", topics=["Bürgerbeteiligung"], municipality="Trier",
             state="Rheinland-Pfalz"),
    make_doc(7, "Insektenfreundliche Strassenbeleuchtung", "Warmweisses Licht am Ufer.", "LED-Leuchten werden gedimmt.",
             topics=["Energie"], municipality="Konstanz", state="Baden-Württemberg"),
    make_doc(8, "Intelligente Straßenbeleuchtung", "Laternen melden Defekte selbst.", "Funkmodule in jeder Leuchte.",
             topics=["Energie"], municipality="Kiel", state="Schleswig-Holstein"),
    make_doc(9, "Datenbasierte Radwegeplanung", "Zählstellen und Unfalldaten bestimmen neue Routen.",
             "Lücken im Netz werden priorisiert.", topics=["Mobilität"], municipality="Freiburg im Breisgau",
             state="Baden-Württemberg"),
    make_doc(10, "Hochwasserfrühwarnsystem mit Pegelsonden", "Anwohner werden per App alarmiert.",
             "Messwerte alle fünf Minuten.", topics=["Sicherheit"], municipality="Passau", state="Bayern"),
    make_doc(11, "Digitalisierung der Verwaltung gemeinsam", "Kleine Gemeinden teilen sich Berater.",
             "Die Digitalisierung der Prozesse wird gebündelt.", topics=["Verwaltungsdigitalisierung"],
             municipality="Amt Süderbrarup", state="Schleswig-Holstein"),
    make_doc(12, "Automatische Schwärzung von Akten", "Künstliche Intelligenz erkennt Namen in Bescheiden.",
             "Ein Modell schlägt Schwärzungen vor.", topics=["Künstliche Intelligenz"], municipality="Leipzig",
             state="Sachsen"),
    make_doc(13, "Rufbus für Dörfer", "Der Nahverkehr fährt auf Bestellung.", "Kleinbusse bündeln Fahrten.",
             topics=["Mobilität"], municipality="Landkreis Vorpommern-Greifswald", state="Mecklenburg-Vorpommern"),
    make_doc(14, "Wartezeiten im Bürgeramt live", "Das Bürgeramt zeigt die aktuelle Wartezeit an.",
             "Daten aus dem Aufrufsystem.", municipality="Potsdam", state="Brandenburg"),
    make_doc(15, "Mobiles Bürgerbüro", "Ein Bus bringt das Bürgerbüro in die Dörfer.", "Pässe und Ausweise.",
             municipality="Landkreis Havelland", state="Brandenburg"),
    make_doc(16, "Leitsystem für blinde Menschen", "Beacons führen durch die Innenstadt.", "Eine App spricht.",
             topics=["Barrierefreiheit"], municipality="Kaiserslautern", state="Rheinland-Pfalz"),
    make_doc(17, "Vorlesefunktion der Website", "Hilft Menschen mit Sehbehinderung.", "Screenreader-tauglich.",
             topics=["Barrierefreiheit"], municipality="Erfurt", state="Thüringen"),
    make_doc(18, "Solarkataster für alle Dächer", "Eigentümer prüfen das Potenzial.", "Rechner für Erträge.",
             topics=["Energie"], municipality="Osnabrück", state="Niedersachsen"),
    make_doc(19, "Energieberatung online", "Ein Sanierungsrechner empfiehlt Maßnahmen.",
             "Ergänzend zum Solarkataster des Landes gibt es Beratung.", topics=["Energie"],
             municipality="Ebersberg", state="Bayern"),
    make_doc(20, "<script>alert(1)</script> Chatbot", "Test & Sicherheit", "Ein Chatbot <b>fett</b>.",
             topics=["Sicherheit"], municipality="Dresden", state="Sachsen", status="planung"),
]

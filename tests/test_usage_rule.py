"""One honest counting rule: only ``pilot`` and ``in_betrieb`` are use; ``interessiert`` is demand shown
separately; ``eingestellt`` is history. Every surface (pages, API, publiccode usedBy, statistics,
feeds, CSV, search sorting, municipality pages) shows the same figure from the one function."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest
import yaml

from tests.helpers import record, write_jsonl

INTERESTED = ["Stadt Ulm", "Stadt Jena", "Stadt Halle (Saale)"]
ONLY_INTEREST = "nur-interesse-chatbot"
MIXED = "gemischte-nutzung-portal"
ATOM = {"a": "http://www.w3.org/2005/Atom"}


def flat(html: str) -> str:
    """Page text with tags removed and whitespace collapsed (also non-breaking spaces)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ").split())


@pytest.fixture
def cases(runner, tmp_path):
    """A case only interested municipalities name, and one with every status."""
    only = record(ONLY_INTEREST, title="Chatbot nur mit Interessenten", municipality="Stadt Leipzig",
                  topics=["Künstliche Intelligenz"], repository="https://example.org/chatbot.git",
                  license="EUPL-1.2", published="2031-06-01T10:00:00+00:00",
                  adopters=[{"municipality": name, "status": "interessiert"} for name in INTERESTED])
    mixed = record(MIXED, title="Portal mit gemischter Nutzung", municipality="Stadt Leipzig",
                   topics=["Geodaten"], repository="https://example.org/portal.git", license="MIT",
                   published="2031-05-01T10:00:00+00:00",
                   adopters=[{"municipality": "Stadt Ulm", "status": "in_betrieb"},
                             {"municipality": "Stadt Jena", "status": "in_betrieb"},
                             {"municipality": "Stadt Dresden", "status": "pilot"},
                             {"municipality": "Stadt Halle (Saale)", "status": "interessiert"},
                             {"municipality": "Stadt Rostock", "status": "interessiert"},
                             {"municipality": "Stadt Magdeburg", "status": "eingestellt"}])
    result = runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / "usage.jsonl", [only, mixed]))])
    assert result.exit_code == 0, result.output


def csv_rows(client) -> dict[str, dict]:
    """The CSV download by slug (it starts with a byte order mark for spreadsheet programs)."""
    text = client.get("/daten/praxisatlas-faelle.csv").data.decode("utf-8-sig")
    return {r["slug"]: r for r in csv.DictReader(io.StringIO(text))}


def api_case(client, slug):
    return client.get(f"/api/v1/cases/{slug}").get_json()


def test_only_interested_municipalities_mean_zero_users_on_every_surface(client, cases):
    # API: detail and list
    detail = api_case(client, ONLY_INTEREST)
    assert (detail["adopter_count"], detail["interested_count"]) == (0, 3)
    assert sorted(a["status"] for a in detail["adopters"]) == ["interessiert"] * 3
    listed = {c["slug"]: c for c in client.get("/api/v1/cases?per_page=100").get_json()["results"]}
    assert (listed[ONLY_INTEREST]["adopter_count"], listed[ONLY_INTEREST]["interested_count"]) == (0, 3)
    # case page: the box and the adopters section
    page = flat(client.get(f"/cases/{ONLY_INTEREST}").get_data(as_text=True))
    assert "noch keine weitere Kommune nutzt sie · 3 interessiert" in page
    assert "nutzen diese Lösung" not in page
    # result card
    cards = flat(client.get("/search?q=Interessenten").get_data(as_text=True))
    assert "Chatbot nur mit Interessenten" in cards and "noch keine weitere Kommune nutzt sie · 3 interessiert" in cards
    # publiccode.yml: usedBy lists users only
    document = yaml.safe_load(client.get(f"/cases/{ONLY_INTEREST}/publiccode.yml").get_data(as_text=True))
    assert "usedBy" not in document
    # feed entry
    feed = ET.fromstring(client.get("/feeds/cases.atom").data)
    entry = next(e for e in feed.findall("a:entry", ATOM) if e.find("a:link", ATOM).get("href").endswith(ONLY_INTEREST))
    assert "noch keine weitere Kommune nutzt sie · 3 interessiert" in entry.find("a:summary", ATOM).text
    # CSV download
    rows = csv_rows(client)
    assert (rows[ONLY_INTEREST]["adopter_count"], rows[ONLY_INTEREST]["interested_count"]) == ("0", "3")
    # an interested municipality does not "nachnutzen" it
    ulm = flat(client.get("/municipalities/08421000").get_data(as_text=True))
    used = ulm[ulm.index("Was hier nachgenutzt wird"):]
    assert "Chatbot nur mit Interessenten" not in used.split("Interesse an")[0]
    assert "Chatbot nur mit Interessenten" in ulm[ulm.index("Interesse an"):]
    ulm_api = client.get("/api/v1/municipalities/08421000").get_json()
    assert ONLY_INTEREST not in {c["slug"] for c in ulm_api["adopted"]}
    assert ONLY_INTEREST in {c["slug"] for c in ulm_api["interested"]}


def test_the_same_figure_everywhere_for_a_mixed_case(client, cases):
    detail = api_case(client, MIXED)
    assert (detail["adopter_count"], detail["interested_count"], detail["former_count"]) == (3, 2, 1)
    page = flat(client.get(f"/cases/{MIXED}").get_data(as_text=True))
    assert page.count("3 Kommunen nutzen sie · 2 interessiert · 1 früher") >= 2  # box and adopters section
    assert "Früher genutzt von: Magdeburg" in page
    document = yaml.safe_load(client.get(f"/cases/{MIXED}/publiccode.yml").get_data(as_text=True))
    assert sorted(document["usedBy"]) == ["Dresden", "Jena", "Ulm"]
    feed = ET.fromstring(client.get("/feeds/cases.atom").data)
    entry = next(e for e in feed.findall("a:entry", ATOM) if e.find("a:link", ATOM).get("href").endswith(MIXED))
    assert "3 Kommunen nutzen sie · 2 interessiert" in entry.find("a:summary", ATOM).text
    rows = csv_rows(client)
    assert (rows[MIXED]["adopter_count"], rows[MIXED]["interested_count"]) == ("3", "2")
    # a municipality that stopped: history, not use
    magdeburg = client.get("/api/v1/municipalities/15003000").get_json()
    assert MIXED in {c["slug"] for c in magdeburg["former"]}
    assert MIXED not in {c["slug"] for c in magdeburg["adopted"] + magdeburg["interested"]}
    page = flat(client.get("/municipalities/15003000").get_data(as_text=True))
    assert "Früher genutzt: Portal mit gemischter Nutzung" in page


def test_start_page_statistics_and_api_agree_on_the_totals(client, cases):
    listed = client.get("/api/v1/cases?per_page=100").get_json()
    pages = [listed] + [client.get(f"/api/v1/cases?per_page=100&page={n}").get_json()
                        for n in range(2, listed["total"] // 100 + 2)]
    uses = sum(c["adopter_count"] for p in pages for c in p["results"])
    # interest: each organisation once, however many cases it is interested in (Halle: two here)
    interested = len({(a["key"], a["name"]) for p in pages for c in p["results"] if c["interested_count"]
                      for a in api_case(client, c["slug"])["adopters"] if a["status"] == "interessiert"})
    start = flat(client.get("/").get_data(as_text=True))
    stats = flat(client.get("/statistik").get_data(as_text=True))
    assert f"Nachnutzungen {uses} " in start.replace(".", "")  # key figure: label, then value
    assert f"{listed['total']} Lösungen veröffentlicht" in stats
    assert f"Kommunen mit Interesse {interested} " in start.replace(".", "")
    assert f"{uses} Nachnutzungen" in stats.replace(".", "")
    assert f"{interested} Kommunen und Organisationen haben Interesse an mindestens einer Lösung" in stats


def test_search_sorted_by_use_ignores_interest(client, cases):
    hits = client.get("/api/v1/search?q=Leipzig&sort=adoption&per_page=50").get_json()["results"]
    order = [h["slug"] for h in hits]
    assert order.index(MIXED) < order.index(ONLY_INTEREST)
    assert {h["slug"]: h["adopter_count"] for h in hits}[ONLY_INTEREST] == 0

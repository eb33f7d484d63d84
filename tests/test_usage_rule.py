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


QUIET = "stille-nachfrage-portal"


def _small_places(app) -> list[str]:
    """Four Gemeinden of 1,000 to 4,000 inhabitants in one Kreis: a target and three peers."""
    from sqlalchemy import select

    from kb.extensions import db
    from kb.models import Municipality

    with app.app_context():
        return list(db.session.scalars(select(Municipality.ags).where(
            Municipality.kreis_key == "08425", Municipality.population.between(1000, 4000))
            .order_by(Municipality.ags).limit(4)))


def _import_quiet(runner, tmp_path, adopters, name):
    """The case of a Kreisstadt still in planning (its owner runs nothing) with ``adopters``."""
    data = record(QUIET, title="Portal stiller Nachfrage", municipality="08425141", status="planung",
                  topics=["Bürgerservice"], repository="https://example.org/still.git", license="EUPL-1.2",
                  published="2031-07-01T10:00:00+00:00", adopters=adopters)
    result = runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / name, [data]))])
    assert result.exit_code == 0, result.output


def _figures(client, target: str, peer: str) -> dict:
    """Every figure of use a reader can see, and the demand shown beside it."""
    start = flat(client.get("/").get_data(as_text=True)).replace(".", "")
    stats = flat(client.get("/statistik").get_data(as_text=True)).replace(".", "")
    detail = api_case(client, QUIET)
    document = yaml.safe_load(client.get(f"/cases/{QUIET}/publiccode.yml").get_data(as_text=True))
    feed = ET.fromstring(client.get("/feeds/cases.atom").data)
    entry = next(e for e in feed.findall("a:entry", ATOM) if e.find("a:link", ATOM).get("href").endswith(QUIET))
    page = flat(client.get(f"/cases/{QUIET}").get_data(as_text=True))
    target_api = client.get(f"/api/v1/municipalities/{target}").get_json()
    peer_api = client.get(f"/api/v1/municipalities/{peer}").get_json()
    return {
        "start uses": re.search(r"Nachnutzungen (\d+) ", start).group(1),
        "statistics uses": re.search(r"(\d+) Nachnutzungen", stats).group(1),
        "statistics interest": int(re.search(r"(\d+) Kommunen und Organisationen haben Interesse", stats).group(1)),
        "start interest": int(re.search(r"Kommunen mit Interesse (\d+) ", start).group(1)),
        "API": (detail["adopter_count"], detail["interested_count"]),
        "case page": "noch keine weitere Kommune nutzt sie" in page,
        "usedBy": document.get("usedBy"),
        "feed": entry.find("a:summary", ATOM).text.split("·")[0].strip(),
        "recommended (API)": QUIET in {r["slug"] for r in target_api.get("recommendations", [])},
        "recommended (page)": "Portal stiller Nachfrage" in client.get(f"/municipalities/{target}").get_data(
            as_text=True),
        "used by the peer": QUIET in {c["slug"] for c in peer_api["adopted"]},
        "size facet": client.get("/api/v1/search?per_page=1").get_json()["facets"]["size"],
    }


def test_interest_alone_changes_no_figure_of_use(app, client, runner, tmp_path):
    target, *peers = _small_places(app)
    _import_quiet(runner, tmp_path, [], "ohne.jsonl")
    before = _figures(client, target, peers[0])
    _import_quiet(runner, tmp_path, [{"municipality": p, "status": "interessiert"} for p in peers], "interesse.jsonl")
    after = _figures(client, target, peers[0])

    demand = ("API", "statistics interest", "start interest")  # three Gemeinden interested in nothing else
    assert after["API"] == (0, 3) and after["statistics interest"] == before["statistics interest"] + 3
    assert after["start interest"] == before["start interest"] + 3
    unchanged = {k: v for k, v in after.items() if k not in demand}
    assert unchanged == {k: v for k, v in before.items() if k not in demand}
    assert not after["recommended (API)"] and after["usedBy"] is None
    assert "3 interessiert" in flat(client.get(f"/cases/{QUIET}").get_data(as_text=True))

    # the same surfaces do move once one of them uses it: the comparison above can fail
    _import_quiet(runner, tmp_path, [{"municipality": peers[0], "status": "pilot"}]
                  + [{"municipality": p, "status": "interessiert"} for p in peers[1:]], "pilot.jsonl")
    used = _figures(client, target, peers[0])
    assert used["API"] == (1, 2) and not used["case page"] and int(used["start uses"]) == int(before["start uses"]) + 1
    assert int(used["statistics uses"]) == int(before["statistics uses"]) + 1
    assert used["recommended (API)"] and used["recommended (page)"] and used["used by the peer"]
    assert used["usedBy"] and used["size facet"]["unter-10000"] == before["size facet"].get("unter-10000", 0) + 1

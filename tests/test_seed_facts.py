"""The seed data as a reader meets it: re-use facts, users with their dates, size classes.

Every expectation here is computed from the seed files themselves (seed_data/cases.jsonl and the
registry CSV), so a change to the seed data changes the expectation with it – nothing is pasted."""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import jsonschema_rs

SEED = Path(__file__).resolve().parents[1] / "seed_data"
USE = {"pilot", "in_betrieb"}  # the one counting rule: only these are use
FACTS = ("reuse_path", "operator", "hosting", "costs_once_eur", "costs_yearly_eur", "funding", "effort_person_days")
BANDS = (("unter-10000", 0, 10_000), ("10000-50000", 10_000, 50_000), ("50000-100000", 50_000, 100_000),
         ("ueber-100000", 100_000, None))  # the bands; Kreise form a class of their own


@cache
def records() -> tuple[dict, ...]:
    lines = (SEED / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip() and not line.startswith("//"))


@cache
def population() -> dict[str, int]:
    with (SEED / "registry" / "gemeinden_destatis_gv_20201231.csv").open(encoding="utf-8") as rows:
        return {row["ags"]: int(row["einwohner"]) for row in csv.DictReader(rows) if row["einwohner"]}


def size_class(key: str | None) -> str | None:
    """The class of a registry key as the issue defines it (None: not a Gemeinde or Kreis)."""
    if key is None:
        return None
    assert key.isdigit(), f"seed data names a place by name ({key!r}): extend this helper"
    if len(key) == 5:
        return "kreise"
    inhabitants = population()[key]
    return next(name for name, low, high in BANDS if inhabitants >= low and (high is None or inhabitants < high))


def users(record: dict) -> list[dict]:
    return [a for a in record.get("adopters", []) if a.get("status", "in_betrieb") in USE]


def flat(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("\xa0", " ").split())


def glance_of(page: str) -> str:
    """The "Auf einen Blick" box of a case page (its HTML)."""
    start = page.index('id="auf-einen-blick"')
    return page[start:page.index("</section>", start)]


def operator_name(record: dict) -> str:
    operator = record["operator"]
    return operator if isinstance(operator, str) else operator["name"]


def test_at_least_15_seed_cases_say_how_to_get_them_and_who_runs_them(client):
    described = [r for r in records() if r.get("reuse_path") and r.get("operator")]
    assert len(described) >= 15, [r["slug"] for r in described]
    for record in described:
        body = client.get(f"/api/v1/cases/{record['slug']}").get_json()
        kinds = [p if isinstance(p, str) else p["kind"] for p in record["reuse_path"]]
        assert [p["kind"] for p in body["reuse_path"]] == kinds, record["slug"]
        assert body["operator"]["name"] == operator_name(record)
        page = client.get(f"/cases/{record['slug']}").get_data(as_text=True)
        glance = glance_of(page)
        assert html.escape(operator_name(record)) in glance, record["slug"]
        assert "Wie kommt man dran?" in glance and "Wie kommt man dran? nicht angegeben" not in flat(glance)


def test_a_fact_the_sources_do_not_give_stays_empty_and_the_page_says_so(client):
    bare = [r for r in records() if not any(r.get(k) is not None for k in FACTS)]
    assert bare, "every seed case has a fact: pick another check"
    for record in bare:
        body = client.get(f"/api/v1/cases/{record['slug']}").get_json()
        assert body["reuse_path"] == [] and body["operator"] is None and body["hosting"] is None
        assert body["costs_once_eur"] is None and body["effort_person_days"] is None
        page = client.get(f"/cases/{record['slug']}").get_data(as_text=True)
        glance = flat(glance_of(page))
        assert "nicht angegeben – beim Betreiber erfragen" in glance, record["slug"]
    numbers = [(r["slug"], k, r[k]) for r in records() for k in ("costs_once_eur", "costs_yearly_eur") if k in r]
    for slug, key, value in numbers:  # a number is never made up: the case's own cost text states it
        said = records_by_slug()[slug].get("costs", "")
        spelled = (f"{value:,}".replace(",", "."), f"{value / 1e6:.1f} Mio".replace(".", ","))
        assert any(form in said for form in spelled), (slug, key, value)


@cache
def records_by_slug() -> dict[str, dict]:
    return {r["slug"]: r for r in records()}


def test_every_seeded_case_matches_the_openapi_schema(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schema = jsonschema_rs.validator_for({"$ref": "#/components/schemas/CaseDetail", "components": spec["components"]})
    for record in records():
        response = client.get(f"/api/v1/cases/{record['slug']}")
        assert response.status_code == 200, record["slug"]
        errors = [e.message for e in schema.iter_errors(response.get_json())]
        assert errors == [], (record["slug"], errors)


def day_of(partial: str | None) -> str | None:
    """"2019-08" → "2019-08-01", "2018" → "2018-01-01"."""
    if not partial:
        return None
    return (partial + "-01-01")[:10] if len(partial) == 4 else (partial + "-01")[:10]


def test_seeded_users_keep_their_status_source_and_date_and_the_seed_confirms_nothing(client):
    today = datetime.now(UTC).date().isoformat()
    for record in records():
        if not record.get("adopters"):
            continue
        listed = client.get(f"/api/v1/cases/{record['slug']}").get_json()["adopters"]
        by_key = {a["key"]: a for a in listed} | {a["name"]: a for a in listed}
        assert len(listed) == len(record["adopters"]), record["slug"]
        for adopter in record["adopters"]:
            assert adopter.get("status") and adopter.get("note"), (record["slug"], adopter)  # said, with its source
            shown = by_key[adopter.get("municipality") or adopter["organisation"]["name"]]
            assert shown["status"] == adopter["status"] and shown["source"] == "seed"
            assert shown["since"] == adopter.get("since")
            assert shown["owner_confirmed"] is None and shown["moderation_confirmed"] is None
            # dated by the data (since, else the record's publication), never by the import run
            expected = min(day_of(adopter.get("since")) or record["published"][:10], today)
            assert shown["confirmed"][:10] == expected, (record["slug"], adopter)


def peer_groups(page: str) -> dict[str, int]:
    """The case page's "Wer nutzt sie – nach Größe": class key → number of users shown."""
    found = re.findall(r'class="kern-label peers__class" id="peers-([a-z0-9-]+)">[^<]*(?:<span[^>]*>[^<]*</span>)?'
                       r'\s*\((\d+)\)</h4>', page)
    return {key: int(n) for key, n in found}


def test_size_classes_on_case_pages_follow_the_registry(client):
    checked = 0
    for record in records():
        expected = Counter(size_class(a.get("municipality")) or "andere" for a in users(record))
        if record["status"] in USE and size_class(record.get("municipality")):
            expected[size_class(record["municipality"])] += 1  # the owner running it, listed among them
        page = client.get(f"/cases/{record['slug']}").get_data(as_text=True)
        assert peer_groups(page) == dict(expected), record["slug"]
        checked += bool(expected)
    assert checked >= 10


def test_size_facet_counts_the_cases_running_in_each_class(client):
    expected: Counter[str] = Counter()
    for record in records():
        places = [a.get("municipality") for a in users(record)]
        if record["status"] in USE:
            places.append(record.get("municipality"))  # the owner runs it too
        expected.update({size_class(p) for p in places} - {None})
    assert client.get("/api/v1/search?per_page=1").get_json()["facets"]["size"] == dict(expected)
    browse = client.get("/cases?per_page=10").get_data(as_text=True)
    shown = re.findall(r'name="size" value="([a-z0-9-]+)">\s*<label[^>]*>[^<]*<span class="facet__count">\((\d+)',
                       browse)
    assert {key: int(n) for key, n in shown} == dict(expected)

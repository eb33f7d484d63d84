""""Auf einen Blick" under the title: every fact in a fixed order, a missing one says so."""

from __future__ import annotations

import re

import pytest

from tests.helpers import record, write_jsonl

FULL = "glance-alle-fakten"
BARE = "glance-ohne-fakten"


def flat(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ").split())


def box(html: str) -> str:
    start = html.index('id="auf-einen-blick"')
    return flat(html[start:html.index("</section>", start)])


@pytest.fixture
def cases(runner, tmp_path):
    full = record(FULL, title="Terminbuchung mit allen Fakten", municipality="Stadt Jena", license="EUPL-1.2",
                  status="in_betrieb", started="2022-04", repository="https://example.org/termine.git",
                  contact={"name": "Fachdienst Bürgerservice", "email": "buergerservice@example.org"},
                  reuse_path=[{"kind": "inhouse", "note": "über den kommunalen IT-Dienstleister"},
                              {"kind": "open_source", "link": "https://example.org/termine.git"}],
                  operator={"kind": "it_service_provider", "name": "KDN Musterland"}, hosting="it_service_provider",
                  costs_once_eur=25000, costs_yearly_eur=4800, funding="Modellprojekte Smart Cities",
                  effort_person_days=30,
                  adopters=[{"municipality": "Stadt Ulm", "status": "in_betrieb"},
                            {"municipality": "Stadt Halle (Saale)", "status": "interessiert"}])
    bare = record(BARE, title="Lösung ohne Fakten", municipality="Stadt Jena")
    result = runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / "glance.jsonl", [full, bare]))])
    assert result.exit_code == 0, result.output


def test_the_box_comes_before_the_summary_and_the_description(client, cases):
    html = client.get(f"/cases/{FULL}").get_data(as_text=True)
    assert html.index('id="case-title"') < html.index('id="auf-einen-blick"') < html.index("case__lead") \
        < html.index('id="description-heading"')


def test_every_fact_of_a_described_case(client, cases):
    text = box(client.get(f"/cases/{FULL}").get_data(as_text=True))
    for expected in ("Betrieben von Jena", "Einwohner", "Im Betrieb", "seit April 2022",
                     "1 Kommune nutzt sie · 1 interessiert", "einmalig 25.000 €", "jährlich 4.800 €",
                     "Aufwand: 30 Personentage", "Förderung: Modellprojekte Smart Cities", "EUPL-1.2", "Open Source",
                     "KDN Musterland", "IT-Dienstleister", "im Rechenzentrum des IT-Dienstleisters",
                     "Inhouse-Vergabe an den kommunalen IT-Dienstleister (§ 108 GWB)",
                     "über den kommunalen IT-Dienstleister", "Fachdienst Bürgerservice", "Kontakt aufnehmen"):
        assert expected in text, expected
    assert "nicht angegeben" not in text


def test_missing_facts_say_so_and_never_disappear(client, cases):
    text = box(client.get(f"/cases/{BARE}").get_data(as_text=True))
    labels = ["Betrieben von", "Stand", "Nutzung", "Kosten", "Lizenz / Open Source", "Betrieb",
              "Wie kommt man dran?", "Kontakt"]
    assert [label for label in labels if label in text] == labels
    assert text.count("nicht angegeben – beim Betreiber erfragen") == 5  # costs, licence, operation, path, contact
    assert "noch keine weitere Kommune nutzt sie" in text and "Kontakt aufnehmen" not in text


def test_english_box(client, cases):
    html = client.get(f"/cases/{BARE}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "At a glance" in box(html) and "not given – ask the operator" in box(html)

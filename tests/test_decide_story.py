"""One story on every surface of deciding: the size facet, the peers on the case page ("Kommunen Ihrer
Größe, die das nutzen") and "Auf einen Blick" name the same size classes for a case – its users
(pilot, in Betrieb) and its owner while the case itself runs; interest never. And the start page's
"Kommunen mit Interesse" counts municipalities, not their declarations."""

from __future__ import annotations

import re

import pytest

from kb.models import size_classes
from tests.helpers import record, write_jsonl

MITTENWALDE = "12061332"  # about 9,000 inhabitants: unter 10.000
LINDOW = "12068280"  # about 3,000 inhabitants: unter 10.000
RATHENOW = "12063252"  # about 24,000 inhabitants: 10.000 bis 50.000
ULM = "08421000"  # about 127,000 inhabitants: über 100.000
OWN_RUN = "mittenwalde-eigenbetrieb"
PLANNED = "mittenwalde-in-planung"
LABEL_TO_KEY = {str(c.label): c.key for c in size_classes.SIZE_CLASSES}


def text(response) -> str:
    return response.get_data(as_text=True)


def flat(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ").split())


@pytest.fixture
def cases(runner, tmp_path):
    """Mittenwalde runs one solution itself, nobody else uses it yet; it only plans the other, which
    Ulm pilots, Rathenow is interested in and a Kreis runs."""
    own = record(OWN_RUN, title="Mittenwalder Hundesteuer online", municipality=MITTENWALDE, status="in_betrieb")
    planned = record(PLANNED, title="Mittenwalder Ratsinfo in Planung", municipality=MITTENWALDE, status="planung",
                     adopters=[{"municipality": ULM, "status": "pilot"},
                               {"municipality": RATHENOW, "status": "interessiert"},
                               {"municipality": "Landkreis Havelland", "status": "in_betrieb"}])
    result = runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / "story.jsonl", [own, planned]))])
    assert result.exit_code == 0, result.output


def facet_slugs(client, endpoint: str = "/api/v1/cases") -> dict[str, set[str]]:
    """Per size class: the published cases the size filter finds (case list or search index)."""
    found = {}
    for klass in size_classes.SIZE_CLASSES:
        body = client.get(f"{endpoint}?size={klass.key}&per_page=100").get_json()
        assert body["total"] <= 100
        found[klass.key] = {c["slug"] for c in body["results"]}
    return found


def page_story(html: str) -> tuple[list[str], list[str]]:
    """(size classes of the peers block, size classes the glance box names) of a case page."""
    peers = re.findall(r'class="kern-label peers__class" id="peers-([a-z0-9-]+)"', html)
    sizes = re.search(r'class="glance__detail glance__sizes">Läuft in Kommunen der Größe: ([^<]+)</span>', html)
    glance = [LABEL_TO_KEY[label] for label in sizes.group(1).split(" · ")] if sizes else []
    return [p for p in peers if p != "andere"], glance


def test_facet_peers_and_glance_name_the_same_sizes_for_every_case(client, cases):
    by_class = facet_slugs(client)
    assert facet_slugs(client, "/api/v1/search") == by_class  # the search index and the database agree
    slugs = {c["slug"] for c in client.get("/api/v1/cases?per_page=100").get_json()["results"]}
    assert {OWN_RUN, PLANNED} <= slugs
    for slug in sorted(slugs):
        facet = [key for key, found in by_class.items() if slug in found]
        peers, glance = page_story(text(client.get(f"/cases/{slug}")))
        assert sorted(peers) == sorted(facet) and glance == facet, (slug, facet, peers, glance)


def test_an_owner_running_its_own_solution_runs_in_its_size_class(client, cases):
    assert OWN_RUN in facet_slugs(client)["unter-10000"]
    html = text(client.get(f"/cases/{OWN_RUN}"))
    box = flat(html[html.index('id="auf-einen-blick"'):html.index("</section>", html.index('id="auf-einen-blick"'))])
    # nobody else uses it – and the box still says where it runs: at its owner, a town under 10,000
    assert "noch keine weitere Kommune nutzt sie" in box
    assert "Läuft in Kommunen der Größe: unter 10.000 Einwohnern" in box
    peers = flat(html[html.index('id="peers"'):])
    assert re.search(r"Kommunen unter 10\.000 Einwohnern \(1\) Mittenwalde[^·]*· [\d.]+ Einwohner · Betreiber, nutzt "
                     r"die eigene Lösung", peers), peers[:300]


def test_a_planned_case_runs_only_at_its_users_never_at_the_interested(client, cases):
    by_class = facet_slugs(client)
    assert [key for key, found in by_class.items() if PLANNED in found] == ["ueber-100000", "kreise"]
    html = text(client.get(f"/cases/{PLANNED}"))
    assert page_story(html) == (["ueber-100000", "kreise"], ["ueber-100000", "kreise"])
    assert "Betreiber, nutzt die eigene Lösung" not in html  # Mittenwalde only plans it
    # the users' table gives the inhabitants of every row, interested ones included
    table = flat(html[html.index('class="kern-table kern-table--small stack-table"'):html.index("</table>")])
    assert re.search(r"Ulm[^|]*Baden-Württemberg [\d.]{7} ", table) and re.search(r"Rathenow.*Brandenburg [\d.]{6} ",
                                                                                 table)


def test_a_member_of_a_small_town_counts_the_owner_among_its_peers(client, cases, make_user, login):
    _id, email, password = make_user("reader", municipality=LINDOW)
    login(email, password)
    html = flat(text(client.get(f"/cases/{OWN_RUN}")))
    assert "Läuft in 1 Kommune Ihrer Größe (unter 10.000 Einwohnern)" in html
    planned = flat(text(client.get(f"/cases/{PLANNED}")))
    assert "Noch nutzt keine Kommune Ihrer Größe (unter 10.000 Einwohnern) diese Lösung." in planned


def key_figure(client, label: str) -> int:
    html = text(client.get("/"))
    value = re.search(rf'key-figures__label">{label}</dt>\s*<dd class="key-figures__value">([^<]+)</dd>', html)
    return int(value.group(1).replace(".", ""))


def stats_interested(client) -> int:
    stats = flat(text(client.get("/statistik")))
    found = re.search(r"([\d.]+) Kommunen und Organisationen haben Interesse an mindestens einer Lösung", stats)
    return int(found.group(1).replace(".", ""))


def test_a_municipality_interested_in_two_cases_is_one_kommune_mit_interesse(client, runner, tmp_path):
    before = key_figure(client, "Kommunen mit Interesse"), stats_interested(client)
    wishes = [record(slug, title=f"Wunsch {slug}", adopters=[{"municipality": LINDOW, "status": "interessiert"}])
              for slug in ("wunsch-a", "wunsch-b")]
    result = runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / "wunsch.jsonl", wishes))])
    assert result.exit_code == 0, result.output
    for slug in ("wunsch-a", "wunsch-b"):  # each case: one interested municipality
        assert client.get(f"/api/v1/cases/{slug}").get_json()["interested_count"] == 1
    after = key_figure(client, "Kommunen mit Interesse"), stats_interested(client)
    assert after == (before[0] + 1, before[1] + 1)  # two declarations, one municipality

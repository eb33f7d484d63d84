"""The start page's parts kept per process (kb.services.generation.ProcessCache, ``but_adoptions``).

What no adoption changes – the topics with their numbers of cases, the newest cases, the vocabulary –
outlives "Wir nutzen das auch"; every other public change renews it, SQL without the ORM included.
The key figures and "most adopted" follow every change, the cards their own case's page.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from kb.extensions import db
from kb.services.catalog import listing
from tests.helpers import FORM_CONTACT_AND_REUSE, signed_in, without_form_tokens

CASE = "kaiserslautern-lotsensystem-sehbehinderung"  # run by Kaiserslautern, no adopters in the seed
NEWEST = "amtshelden-austausch-weiterbildung-verwaltung"  # the seed's most recently published case
ULM = "08421000"
NEW_CASE = {"title": "Sensorgestuetzte Winterdienstplanung", "summary": "Kurze Zusammenfassung.",
            "description": "## Lösung\n\nErste Fassung.", "owner_kind": "municipality", "municipality": ULM,
            "topics": ["Bürgerservice"], "status": "in_betrieb", "action": "submit", **FORM_CONTACT_AND_REUSE}
FIGURE = re.compile(r'<dd class="key-figures__value">([^<]+)</dd>')
TILE = re.compile(r'topic-tile__name">([^<]+)</span>\s*<span class="topic-tile__count">([^<]+)</span>')


@pytest.fixture
def overviews(monkeypatch) -> list[int]:
    """One entry per computation of the topic overview from now on (not taken from the store)."""
    seen: list[int] = []
    compute = listing._topic_overview

    def counted(session):
        seen.append(1)
        return compute(session)

    monkeypatch.setattr(listing, "_topic_overview", counted)
    return seen


@pytest.fixture
def people(app, make_user):
    make_user("contributor", email="autorin@example.org", municipality=ULM)
    make_user("moderator", email="moderation@example.org")
    return signed_in(app, "autorin@example.org"), signed_in(app, "moderation@example.org")


def start(client) -> tuple[list[str], dict[str, str], str]:
    """The key figures, the topic tiles (name → "n Lösungen") and the section of the newest cases."""
    html = without_form_tokens(client.get("/").get_data(as_text=True))
    newest = html.split('id="newest-heading"', 1)[1].split("</section>", 1)[0]
    return FIGURE.findall(html), dict(TILE.findall(html)), newest


def test_an_adoption_renews_the_figures_and_keeps_the_topic_overview(client, people, overviews):
    member, _moderator = people
    figures, tiles, newest = start(client)
    overviews.clear()
    assert member.post(f"/cases/{CASE}/adopt", data={"status": "pilot", "note": "Seit Mai"}).status_code == 303
    figures_after, tiles_after, newest_after = start(client)
    assert int(figures_after[1]) == int(figures[1]) + 1  # one adoption more
    assert (tiles_after, newest_after) == (tiles, newest)
    assert overviews == []  # kept: no adoption changes how many cases a topic has


def test_publishing_a_case_renews_the_newest_cases_and_the_topic_counts(client, people, overviews):
    member, moderator = people
    _figures, tiles, newest = start(client)
    assert "Sensorgestuetzte Winterdienstplanung" not in newest
    assert member.post("/cases/new", data=NEW_CASE).status_code == 303
    slug = "sensorgestuetzte-winterdienstplanung"
    assert moderator.post(f"/moderation/{slug}", data={"decision": "publish"}).status_code == 303
    overviews.clear()
    _figures, tiles_after, newest_after = start(client)
    assert "Sensorgestuetzte Winterdienstplanung" in newest_after
    counts = [int(tile.split()[0]) for tile in (tiles["Bürgerservice"], tiles_after["Bürgerservice"])]
    assert counts[1] == counts[0] + 1
    assert overviews == [1]


def test_a_case_withdrawn_with_sql_leaves_the_start_page_at_once(app, client):
    _figures, tiles, newest = start(client)
    assert f"/cases/{NEWEST}" in newest
    with app.app_context():
        db.session.execute(text("UPDATE use_case SET moderation = 'draft' WHERE slug = :slug"), {"slug": NEWEST})
        db.session.commit()
    _figures, tiles_after, newest_after = start(client)
    assert f"/cases/{NEWEST}" not in newest_after
    assert tiles_after != tiles  # its topics have one case less

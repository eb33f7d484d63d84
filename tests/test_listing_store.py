"""Stored listings: search answers and the start page, kept per ``listings_generation``
(kb.services.generation, kb.web.caching.listings_token).

Of an adoption, listings show who adopted and whether it uses the case, is interested or used it
once. Any such change is in the next answer; an adoption's note, dates or "Pilot" to "In Betrieb"
change nothing there, so the stored answers stay.
"""

from __future__ import annotations

import re

import pytest
from flask import template_rendered

from kb.views.api import views as api_views
from tests.helpers import signed_in

CASE = "kaiserslautern-lotsensystem-sehbehinderung"  # run by Kaiserslautern, no adopters in the seed
SEARCH = "/search?q=Lotsensystem"
API_SEARCH = "/api/v1/search?q=Lotsensystem"
ULM = "08421000"
#: the form token in a page: signed with the time, so it differs between seconds (each visitor's own)
FORM_TOKEN = re.compile(rb'(name="csrf[-_]token"[^>]*?(?:value|content)=")[^"]+')


@pytest.fixture
def member(app, make_user):
    make_user("contributor", email="autorin@example.org", municipality=ULM)
    return signed_in(app, "autorin@example.org")


@pytest.fixture
def rendered(app, monkeypatch) -> list[str]:
    """What was computed anew from now on: templates rendered and API searches run."""
    seen: list[str] = []

    def note(_sender, template, context, **_extra):
        seen.append(template.name)

    search = api_views.search_summaries

    def counted(session, query):
        seen.append("api-search")
        return search(session, query)

    monkeypatch.setattr(api_views, "search_summaries", counted)
    template_rendered.connect(note, app)
    yield seen
    template_rendered.disconnect(note, app)


def adopt(member, status: str, note: str) -> None:
    assert member.post(f"/cases/{CASE}/adopt", data={"status": status, "note": note}).status_code == 303


def counts(client) -> tuple[int, int, int]:
    """Users, interested and former users of the case as the search API lists it."""
    (hit,) = [r for r in client.get(API_SEARCH).get_json()["results"] if r["slug"] == CASE]
    return hit["adopter_count"], hit["interested_count"], hit["former_count"]


def start_figure(client, label: str) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(rf">{label}</dt>\s*<dd[^>]*>([^<]+)<", page).group(1)


def answer(client, path: str) -> bytes:
    """The answer as this visitor sees it, without its form token."""
    return FORM_TOKEN.sub(rb"\1", client.get(path).get_data())


def visit_all(client) -> None:
    for path in (SEARCH, API_SEARCH, "/"):
        assert client.get(path).status_code == 200


def test_a_new_kind_of_use_is_in_every_listing_at_once(client, member):
    visit_all(client), visit_all(client)
    before = int(start_figure(client, "Kommunen mit Interesse"))
    assert counts(client) == (0, 0, 0)

    adopt(member, "interessiert", "Wir schauen es uns an")
    assert counts(client) == (0, 1, 0)
    assert int(start_figure(client, "Kommunen mit Interesse")) == before + 1
    assert "nutzt sie · 1 interessiert" in client.get(SEARCH).get_data(as_text=True)

    adopt(member, "eingestellt", "Doch nicht")  # the search document stays: it names the place either way
    assert counts(client) == (0, 0, 1)
    assert int(start_figure(client, "Kommunen mit Interesse")) == before
    assert "nutzt sie · 1 früher" in client.get(SEARCH).get_data(as_text=True)

    adopt(member, "pilot", "Seit Mai im Pilot")
    assert counts(client) == (1, 0, 0)

    assert member.post(f"/cases/{CASE}/adopt/withdraw").status_code == 303
    assert counts(client) == (0, 0, 0)


def test_a_new_note_or_pilot_to_in_betrieb_keeps_the_stored_listings(client, member, rendered):
    adopt(member, "pilot", "Seit Mai")
    visit_all(client), visit_all(client)
    shown = {path: answer(client, path) for path in (SEARCH, API_SEARCH, "/")}

    rendered.clear()
    adopt(member, "in_betrieb", "Seit Juni im Betrieb")
    assert "Seit Juni im Betrieb" in client.get(f"/cases/{CASE}").get_data(as_text=True)
    rendered.clear()
    assert {path: answer(client, path) for path in shown} == shown
    assert rendered == []  # all three answered from the store

    adopt(member, "interessiert", "Doch erst einmal ansehen")  # another kind: computed anew
    rendered.clear()
    assert counts(client) == (0, 1, 0)
    visit_all(client)
    assert sorted(rendered) == ["api-search", "catalog/index.html", "catalog/search.html"]

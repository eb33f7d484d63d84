"""A municipality page is current at once for anonymous visitors: after an adoption (the adopter's and the
owner's page), a change of its status, an edit and a publication – though its cases are kept per process
(kb.services.catalog.place_page)."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest

from kb.services.catalog.geo import MapPoint
from tests.helpers import FORM_CONTACT_AND_REUSE, signed_in

CASE = "kaiserslautern-lotsensystem-sehbehinderung"  # run by Kaiserslautern, no adopters in the seed
TITLE = "Lotsensystem"
ULM, KAISERSLAUTERN = "08421000", "07312000"
NEW_CASE = {"title": "Sensorgestuetzte Winterdienstplanung", "summary": "Kurze Zusammenfassung.",
            "description": "## Lösung\n\nErste Fassung.", "owner_kind": "municipality", "municipality": ULM,
            "topics": ["Bürgerservice"], "status": "in_betrieb", "action": "submit", **FORM_CONTACT_AND_REUSE}
NEW_SLUG = "sensorgestuetzte-winterdienstplanung"


@pytest.fixture
def people(app, make_user):
    _a, member, _p = make_user("contributor", email="ulm@example.org", municipality=ULM)
    _m, moderator, _p = make_user("moderator", email="moderation@example.org")
    return signed_in(app, member), signed_in(app, moderator)


def section(client, key: str, heading: str) -> str:
    """The text of the section with this id of the heading (or of the map's table) on the anonymous page."""
    html = client.get(f"/municipalities/{key}").get_data(as_text=True)
    if heading == "map":
        found = re.search(r'<table[^>]*id="municipality-map-table".*?</table>', html, re.S)
    else:
        found = re.search(rf'<section[^>]*aria-labelledby="{heading}".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_an_adoption_shows_at_once_on_the_adopter_s_and_the_owner_s_page(client, people):
    member, _moderator = people
    assert TITLE not in section(client, ULM, "adopted-heading")
    assert "Ulm" not in section(client, KAISERSLAUTERN, "map")
    assert "noch keine weitere Kommune nutzt sie" in section(client, KAISERSLAUTERN, "owned-heading")

    assert member.post(f"/cases/{CASE}/adopt", data={"status": "pilot", "note": "Seit Mai"}).status_code == 303
    adopted = section(client, ULM, "adopted-heading")
    assert TITLE in adopted and "Seit Mai" in adopted and "Pilot" in adopted
    assert "Ulm" in section(client, KAISERSLAUTERN, "map")
    assert "1 Kommune nutzt sie" in section(client, KAISERSLAUTERN, "owned-heading")  # the card counts it

    assert member.post(f"/cases/{CASE}/adopt", data={"status": "eingestellt", "note": "Seit Mai"}).status_code == 303
    assert TITLE not in section(client, ULM, "adopted-heading")
    assert TITLE in section(client, ULM, "interest-heading")  # "Früher genutzt"
    assert "noch keine weitere Kommune nutzt sie · 1 früher" in section(client, KAISERSLAUTERN, "owned-heading")


def test_a_publication_and_an_edit_show_at_once(client, people):
    member, moderator = people
    assert "Winterdienstplanung" not in section(client, ULM, "owned-heading")
    assert member.post("/cases/new", data=NEW_CASE).status_code == 303
    assert moderator.post(f"/moderation/{NEW_SLUG}", data={"decision": "publish"}).status_code == 303
    assert "Sensorgestuetzte Winterdienstplanung" in section(client, ULM, "owned-heading")

    edit = NEW_CASE | {"title": "Winterdienstplanung mit Sensoren"}
    assert member.post(f"/cases/{NEW_SLUG}/edit", data=edit).status_code == 303
    assert moderator.post(f"/moderation/{NEW_SLUG}", data={"decision": "publish"}).status_code == 303
    owned = section(client, ULM, "owned-heading")
    assert "Winterdienstplanung mit Sensoren" in owned and "Sensorgestuetzte" not in owned


def test_a_map_point_gives_the_script_every_field(app):
    point = MapPoint("Ulm", ULM, "adopter", "Pilot", "Baden-Württemberg", 48.398412, 9.99156, True, False, "Angabe")
    with app.test_request_context():
        data = point.as_json()
    assert list(data) == [f.name for f in fields(MapPoint)] + ["role_label"]
    assert (data["lat"], data["lon"], data["role_label"]) == (48.3984, 9.9916, "Nutzt die Lösung nach")

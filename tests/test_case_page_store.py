"""Stored case pages (kb.web.response_cache, kept per case: kb.services.generation.case_page_token).

An adoption changes the page of its own case only; every change other case pages show renews them
all. A stored page is recognised by the view not running (the case is not loaded again).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from kb.extensions import db
from kb.models import Organisation
from tests.helpers import signed_in, without_form_tokens

CASE = "kaiserslautern-lotsensystem-sehbehinderung"  # run by Kaiserslautern, no adopters in the seed
OTHER = "hamburg-masterportal-geoportal"  # adopted by München, Frankfurt am Main and Remscheid in the seed
ULM = "08421000"


@pytest.fixture
def loads(case_page_loads) -> list[str]:
    """The slugs of the case pages rendered (not answered from a store) from now on."""
    return case_page_loads


@pytest.fixture
def member(app, make_user):
    make_user("contributor", email="autorin@example.org", municipality=ULM)
    return signed_in(app, "autorin@example.org")


def page(client, slug: str) -> str:
    """The case page as this visitor sees it, without its form token."""
    response = client.get(f"/cases/{slug}")
    assert response.status_code == 200
    return without_form_tokens(response.get_data(as_text=True))


def stored(client, slug: str) -> str:
    """The case page after two visits (the first one may start the visitor's session: not stored)."""
    page(client, slug)
    return page(client, slug)


def test_an_adoption_renews_its_own_case_page_and_keeps_the_others(client, member, loads):
    before = {slug: stored(client, slug) for slug in (CASE, OTHER)}
    assert member.post(f"/cases/{CASE}/adopt", data={"status": "pilot", "note": "Seit Mai"}).status_code == 303
    loads.clear()
    own = page(client, CASE)
    assert "Seit Mai" in own and "Ulm" in own and own != before[CASE]
    assert page(client, OTHER) == before[OTHER]
    assert loads == [CASE]  # the other page came from the store, although the search index caught up too

    assert member.post(f"/cases/{CASE}/adopt/withdraw").status_code == 303
    loads.clear()
    assert "Seit Mai" not in page(client, CASE) and page(client, OTHER) == before[OTHER]
    assert loads == [CASE]


def test_a_renamed_adopter_renews_every_case_page(app, client, loads):
    before = stored(client, OTHER)
    with app.app_context():
        munich = db.session.scalar(select(Organisation).where(Organisation.name == "München"))
        munich.name = "Landeshauptstadt München"
        db.session.commit()
    loads.clear()
    assert "Landeshauptstadt München" in page(client, OTHER) and loads == [OTHER]
    assert before != page(client, OTHER)


def test_adoptions_changed_without_the_orm_renew_every_case_page(app, client, loads):
    shown = stored(client, OTHER).count("Remscheid")  # its description names Remscheid too
    with app.app_context():
        db.session.execute(text("DELETE FROM adoption WHERE organisation_id IN "
                                "(SELECT id FROM organisation WHERE name = 'Remscheid')"))
        db.session.commit()
    loads.clear()
    assert page(client, OTHER).count("Remscheid") < shown and loads == [OTHER]


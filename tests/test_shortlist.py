"""The Merkliste: save cases without an account (session), keep them in the account once signed in."""

from __future__ import annotations

from tests.decide_support import KLARSCHIFF, MAERKER, draft  # noqa: F401  (draft: pytest fixture)

DORFFUNK = "digitale-doerfer-dorffunk"


def text(response) -> str:
    return response.get_data(as_text=True)


def test_merkliste_without_account(client):
    for slug in (MAERKER, KLARSCHIFF):
        response = client.post("/merkliste", data={"case": slug, "next": f"/cases/{slug}"})
        assert response.status_code == 303 and response.headers["Location"] == f"/cases/{slug}"
    listing = text(client.get("/merkliste"))
    assert listing.count('class="shortlist__item"') == 2 and "Maerker Brandenburg" in listing
    assert ('id="merken-rostock-klarschiff-maengelmelder" method="post" action="/merkliste/entfernen"'
            in text(client.get("/search?q=Klarschiff")))  # the result card says "Gemerkt"
    assert client.post("/merkliste/entfernen", data={"case": MAERKER}).status_code == 303
    assert MAERKER not in text(client.get("/merkliste"))


def test_merkliste_refuses_unpublished_and_foreign_redirects(client, draft):  # noqa: F811
    assert client.post("/merkliste", data={"case": draft}).status_code == 404
    response = client.post("/merkliste", data={"case": MAERKER, "next": "https://evil.example/"})
    assert response.status_code == 303 and response.headers["Location"] == "/merkliste"


def test_merkliste_moves_into_the_account_at_sign_in_and_stays(app, make_user):
    _user_id, email, password = make_user("reader", municipality="12063252")
    visitor = app.test_client()
    visitor.post("/merkliste", data={"case": DORFFUNK})
    assert visitor.post("/login", data={"email": email, "password": password}).status_code == 303
    assert DORFFUNK in text(visitor.get("/merkliste"))
    visitor.post("/merkliste", data={"case": MAERKER})
    other_device = app.test_client()
    assert other_device.post("/login", data={"email": email, "password": password}).status_code == 303
    saved = text(other_device.get("/merkliste"))
    assert DORFFUNK in saved and MAERKER in saved and "in Ihrem Konto gespeichert" in saved

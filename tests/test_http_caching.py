"""HTTP caching: 304 for anonymous visitors while nothing changed, never a cached page when signed in."""

from __future__ import annotations

import re

import pytest

from tests.helpers import FORM_CONTACT_AND_REUSE, signed_in

CASE = "kaiserslautern-lotsensystem-sehbehinderung"  # run by Kaiserslautern, no adopters in the seed
ULM = "08421000"
PAGES = ["/", "/search?q=Chatbot", "/api/v1/search?q=Chatbot", f"/cases/{CASE}", f"/api/v1/cases/{CASE}",
         "/municipalities/06412000", "/statistik", "/cases?topic=Mobilit%C3%A4t", "/feeds/cases.atom"]
NEW_CASE = {"title": "Sensorgestuetzte Winterdienstplanung", "summary": "Kurze Zusammenfassung.",
            "description": "## Lösung\n\nErste Fassung.", "owner_kind": "municipality", "municipality": ULM,
            "topics": ["Bürgerservice"], "status": "in_betrieb", "action": "submit",
            **FORM_CONTACT_AND_REUSE}


def revisit(client, path: str):
    """Two visits (the first one may start the visitor's session), then a conditional third."""
    client.get(path)
    second = client.get(path)
    assert second.status_code == 200 and second.headers.get("ETag"), (path, second.status_code)
    return second, client.get(path, headers={"If-None-Match": second.headers["ETag"]})


@pytest.fixture
def people(app, make_user):
    _a, member, _p = make_user("contributor", email="autorin@example.org", municipality=ULM)
    _m, moderator, _p = make_user("moderator", email="moderation@example.org")
    return signed_in(app, member), signed_in(app, moderator)


def test_an_unchanged_page_is_not_sent_again_to_anonymous_visitors(client):
    for path in PAGES:
        page, again = revisit(client, path)
        assert again.status_code == 304 and again.data == b"", path
        assert again.headers["ETag"] == page.headers["ETag"], path
        assert page.headers["Last-Modified"] and "no-store" not in page.headers["Cache-Control"], path
        assert "Cookie" in page.headers["Vary"] and "Accept-Language" in page.headers["Vary"], path


def test_a_proxy_may_share_only_what_belongs_to_no_session(client):
    api = client.get("/api/v1/search?q=Chatbot")
    assert api.headers["Cache-Control"].startswith("public, max-age=0, s-maxage=")
    page, _again = revisit(client, f"/cases/{CASE}")
    assert page.headers["Cache-Control"] == "private, no-cache"  # holds this visitor's form token


def test_the_language_is_part_of_the_tag(client):
    german = client.get("/", headers={"Accept-Language": "de"})
    english = client.get("/", headers={"Accept-Language": "en", "If-None-Match": german.headers["ETag"]})
    assert english.status_code == 200 and english.headers["ETag"] != german.headers["ETag"]


def test_signed_in_members_never_get_a_cached_page(app, client, people):
    member, _moderator = people
    for path in PAGES:  # stored for anonymous visitors in this process (kb.web.response_cache)
        client.get(path)
    _page, anonymous = revisit(client, f"/cases/{CASE}")
    tag = client.get(f"/cases/{CASE}").headers["ETag"]
    for path in PAGES + ["/konto"]:
        response = member.get(path, headers={"If-None-Match": tag})
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert "ETag" not in response.headers or path.startswith("/api/v1/cases/"), path
    assert anonymous.status_code == 304
    own = member.get("/").get_data(as_text=True)
    assert "Kommunen wie Ihre" in own and "Kommunen wie Ihre" not in client.get("/").get_data(as_text=True)


def test_publishing_adopting_and_editing_change_the_tag(app, client, people):
    member, moderator = people
    tags = {path: revisit(client, path)[0].headers["ETag"] for path in PAGES}

    def changed() -> set[str]:
        now = {path: client.get(path, headers={"If-None-Match": tags[path]}) for path in PAGES}
        tags.update({p: r.headers["ETag"] for p, r in now.items()})
        return {p for p, r in now.items() if r.status_code == 200}

    figures = client.get("/statistik").get_data(as_text=True)
    assert member.post(f"/cases/{CASE}/adopt", data={"status": "pilot", "note": "Seit Mai"}).status_code == 303
    assert changed() == set(PAGES)
    assert "Seit Mai" in client.get(f"/cases/{CASE}").get_data(as_text=True)
    assert client.get("/statistik").get_data(as_text=True) != figures  # one adoption more, counted anew

    slug = "sensorgestuetzte-winterdienstplanung"
    search = "/api/v1/search?q=Winterdienstplanung"
    assert slug not in [r["slug"] for r in client.get(search).get_json()["results"]]
    assert member.post("/cases/new", data=NEW_CASE).status_code == 303
    assert changed() == set()  # a submission waiting for moderation shows nowhere: the caches stay
    assert moderator.post(f"/moderation/{slug}", data={"decision": "publish"}).status_code == 303
    unchanged_record = f"/api/v1/cases/{CASE}"  # tagged by its own content: still the same
    assert changed() == set(PAGES) - {unchanged_record}
    assert slug in [r["slug"] for r in client.get(search).get_json()["results"]]
    assert "Erste Fassung" in client.get(f"/cases/{slug}").get_data(as_text=True)

    edit = NEW_CASE | {"description": "## Lösung\n\nZweite Fassung."}
    assert member.post(f"/cases/{slug}/edit", data=edit).status_code == 303
    assert moderator.post(f"/moderation/{slug}", data={"decision": "publish"}).status_code == 303
    changed()
    assert "Zweite Fassung" in client.get(f"/cases/{slug}").get_data(as_text=True)
    assert changed() == set()  # nothing happened since: every page is current again


def test_a_submission_with_ways_to_get_it_keeps_every_page_current(client, people):
    """Its re-use paths are rows of their own, written with the new case: unseen like the case until it is
    published."""
    member, _moderator = people
    tags = {path: revisit(client, path)[0].headers["ETag"] for path in PAGES}
    form = NEW_CASE | {"reuse_open_source": "y", "reuse_open_source_link": "https://example.org/quellcode"}
    assert member.post("/cases/new", data=form).status_code == 303
    for path in PAGES:
        assert client.get(path, headers={"If-None-Match": tags[path]}).status_code == 304, path


def test_rebuilding_the_index_changes_the_tag(client, runner):
    search, _again = revisit(client, "/api/v1/search?q=Chatbot")
    assert runner.invoke(args=["reindex"]).exit_code == 0
    again = client.get("/api/v1/search?q=Chatbot", headers={"If-None-Match": search.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != search.headers["ETag"]


def test_a_stored_page_is_the_page_with_each_visitor_s_own_form_token(csrf_app):
    first, second = csrf_app.test_client(), csrf_app.test_client()
    pages = [first.get(f"/cases/{CASE}").get_data(as_text=True), second.get(f"/cases/{CASE}").get_data(as_text=True)]
    tokens = [re.search(r'name="csrf_token" value="([^"]+)"', page).group(1) for page in pages]
    assert tokens[0] != tokens[1] and pages[0].replace(tokens[0], "") == pages[1].replace(tokens[1], "")
    switched = second.post("/sprache", data={"csrf_token": tokens[1], "lang": "en", "next": f"/cases/{CASE}"})
    assert switched.status_code in (302, 303)
    assert first.post("/sprache", data={"csrf_token": tokens[1], "lang": "en", "next": "/"}).status_code == 400


def test_a_submission_through_the_api_keeps_every_page_current(client, runner):
    token = runner.invoke(args=["create-token", "--organisation", ULM, "--name", "Fachverfahren"]).output.split()[-1]
    tags = {path: revisit(client, path)[0].headers["ETag"] for path in PAGES}
    submitted = client.post("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}, json={
        "slug": "api-einreichung", "title": "Eingereicht über die API", "summary": "Kurz.",
        "description": "Wartet auf die Moderation.", "topics": ["Bürgerservice"], "status": "pilot"})
    assert submitted.status_code == 202
    for path in PAGES:  # the token's use and the submission waiting for moderation show nowhere
        assert client.get(path, headers={"If-None-Match": tags[path]}).status_code == 304, path

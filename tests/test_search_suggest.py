"""GET /search/suggest: the JSON behind the search box's type-ahead."""

from kb.extensions import db
from kb.models import Role
from kb.services.accounts import users as accounts
from kb.services.cases import submissions
from tests.helpers import RECORD_CONTACT_AND_REUSE, record, write_jsonl


def suggest(client, q: str) -> list[dict]:
    response = client.get("/search/suggest", query_string={"q": q})
    assert response.status_code == 200 and response.is_json
    assert response.get_json()["query"] == " ".join(q.split())[:200]
    return response.get_json()["results"]


def test_titles_starting_with_the_text_come_first(client):
    results = suggest(client, "Mast")
    assert results[0] == {"title": results[0]["title"], "url": "/cases/hamburg-masterportal-geoportal",
                          "municipality": "Hamburg"}
    assert results[0]["title"].startswith("Masterportal")
    assert len(results) <= 6


def test_every_word_must_be_in_the_title(client):
    results = suggest(client, "leipzig  chatbot")
    assert results and all("leipzig" in r["title"].lower() and "chatbot" in r["title"].lower() for r in results)


def test_too_little_text_suggests_nothing(client):
    for q in ("", " ", "M", "%%", "__", "%_"):
        assert suggest(client, q) == [], q


def test_without_a_title_match_the_full_text_hits_are_suggested(app, runner, tmp_path):
    path = write_jsonl(tmp_path / "suggest.jsonl", [
        record("suggest-volltext", title="Hochwasserwarnung mit Sensoren",
               description="## Lösung\n\nDie Pegelmesslatte meldet steigende Flüsse."),
    ])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    results = suggest(app.test_client(), "Pegelmesslatte")
    assert [r["url"] for r in results] == ["/cases/suggest-volltext"]


def test_unpublished_cases_are_never_suggested(app, client):
    with app.app_context():
        author = accounts.create_user(db.session, email="suggest-autor@example.org", password="geheim-passwort-1",
                                      role=Role.CONTRIBUTOR, municipality="14713000", confirmed=True)
        submissions.submit_data(db.session, {
            "title": "Zebrastreifenzählung mit Kameras", "summary": "Kurz.", "description": "Lang.",
            "municipality": "14713000", "topics": ["Mobilität"], "status": "pilot",
            **RECORD_CONTACT_AND_REUSE}, author=author)
    assert suggest(client, "Zebrastreifenzählung") == []
    assert suggest(client, "Zebrastreifen") == []

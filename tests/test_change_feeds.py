"""Change feeds for other catalogues: ``/api/v1/cases?updated_since=`` and ``/api/v1/changes?since=`` follow edits,
adoptions, unpublishing and deletion; drafts never appear."""

from datetime import UTC, datetime

import pytest

from tests.helpers import record, signed_in, write_jsonl


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def changes(client, since):
    response = client.get(f"/api/v1/changes?since={since}&per_page=1000")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [(c["slug"], c["change"]) for c in response.get_json()["results"]]


def updated(client, since, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.get(f"/api/v1/cases?updated_since={since}&per_page=100&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def import_cases(runner, tmp_path, *records):
    result = runner.invoke(args=["import-cases", str(write_jsonl(tmp_path / f"{stamp()}.jsonl", list(records)))])
    assert result.exit_code == 0, result.output


@pytest.fixture
def cases(runner, tmp_path):
    start = stamp()
    import_cases(runner, tmp_path,
                 record("feed-a", municipality="14713000", topics=["Geodaten"]),
                 record("feed-b", municipality="16053000"),
                 record("feed-c", municipality="05913000", topics=["Geodaten"]))
    return start


def test_edits_and_adoptions_appear_oldest_first_with_the_time_of_the_change(app, client, runner, tmp_path, cases,
                                                                              make_user):
    assert set(changes(client, cases)) == {("feed-a", "published"), ("feed-b", "published"),
                                           ("feed-c", "published")}
    before = stamp()
    assert updated(client, before)["results"] == []
    import_cases(runner, tmp_path, record("feed-c", municipality="05913000", topics=["Geodaten"],
                                          summary="Neu gefasst."))
    _uid, email, _pw = make_user("contributor", municipality="08111000")  # Stuttgart
    member = signed_in(app, email)
    assert member.post("/cases/feed-a/adopt", data={"status": "pilot", "note": ""}).status_code in (302, 303)
    body = updated(client, before)
    assert [r["slug"] for r in body["results"]] == ["feed-c", "feed-a"]  # the order of the changes
    assert body["total"] == 2 and body["results"][0]["summary"] == "Neu gefasst."
    times = [r["updated"] for r in body["results"]]
    assert times == sorted(times) and all(t > before.replace("Z", "+00:00") for t in times)
    assert body["results"][1]["adopter_count"] == 1
    filtered = updated(client, before, topic="Geodaten", state="Nordrhein-Westfalen")
    assert [r["slug"] for r in filtered["results"]] == ["feed-c"]
    assert changes(client, times[0]) == [("feed-a", "published")]
    after = updated(client, times[-1])
    assert after["results"] == [] and after["total"] == 0


def test_unpublishing_and_deleting_leave_tombstones(app, client, cases, make_user):
    _mid, moderator_email, _pw = make_user("moderator")
    _aid, admin_email, _pw = make_user("admin")
    moderator, admin = signed_in(app, moderator_email), signed_in(app, admin_email)
    before = stamp()
    refused = moderator.post("/moderation/feed-b/zuruecknehmen", data={"unpublish-reason": ""})
    assert refused.status_code == 400 and "Begründung" in refused.get_data(as_text=True)
    assert changes(client, before) == []
    response = moderator.post("/moderation/feed-b/zuruecknehmen", data={"unpublish-reason": "Veraltet."})
    assert response.status_code == 303
    assert client.get("/api/v1/cases/feed-b").status_code == 404
    feed = client.get(f"/api/v1/changes?since={before}").get_json()
    assert [(c["slug"], c["change"], c["url"]) for c in feed["results"]] == [("feed-b", "unpublished", None)]
    assert updated(client, before)["results"] == []  # updated_since lists published cases only

    deleting = stamp()
    assert moderator.post("/moderation/feed-a/loeschen", data={"delete-reason": "x", "delete-confirm": "y"}
                          ).status_code == 403  # deleting is for admins
    unconfirmed = admin.post("/moderation/feed-a/loeschen", data={"delete-reason": "Doppelt."})
    assert unconfirmed.status_code == 400 and client.get("/api/v1/cases/feed-a").status_code == 200
    assert admin.post("/moderation/feed-a/loeschen", data={"delete-reason": "Doppelt.", "delete-confirm": "y"}
                      ).status_code == 303
    assert admin.post("/moderation/feed-b/loeschen", data={"delete-reason": "Weg.", "delete-confirm": "y"}
                      ).status_code == 303
    assert client.get("/api/v1/cases/feed-a").status_code == 404
    assert sorted(changes(client, deleting)) == [("feed-a", "deleted"), ("feed-b", "deleted")]
    assert ("feed-c", "published") in changes(client, cases)  # one entry per slug: its last change


def test_drafts_never_appear_and_bad_times_are_refused(app, client, cases, make_user):
    _uid, email, _pw = make_user("contributor", municipality="14713000")
    author = signed_in(app, email)
    before = stamp()
    response = author.post("/cases/new", data={"title": "Geheimer Entwurf", "municipality": "14713000",
                                               "action": "save"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
    assert changes(client, before) == []
    for url in ("/api/v1/changes?since=gestern", "/api/v1/cases?updated_since=2025-13-01",
                "/api/v1/changes?since=2025-01-01T25:00"):
        bad = client.get(url)
        assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_parameter"
    all_changes = client.get("/api/v1/changes").get_json()
    assert all_changes["since"] is None and all_changes["total"] >= 3


def test_paging_through_the_feeds_is_stable_and_sorted_even_when_changes_share_a_time(app, client, runner, tmp_path):
    from sqlalchemy import update

    from kb.extensions import db
    from kb.models import CaseChange

    start = stamp()
    slugs = [f"seite-{n}" for n in range(7)]
    import_cases(runner, tmp_path, *(record(slug, municipality="14713000") for slug in slugs))
    with app.app_context():  # four of them changed in the same instant: the order must still be fixed
        tied = datetime.now(UTC)
        db.session.execute(update(CaseChange).where(CaseChange.slug.in_(slugs[1:5])).values(changed_at=tied))
        db.session.commit()
    whole = updated(client, start)
    assert whole["total"] == 7 and sorted(r["slug"] for r in whole["results"]) == slugs
    times = [r["updated"] for r in whole["results"]]
    assert times == sorted(times)  # oldest change first
    for per_page in (1, 2, 3):
        walked, page = [], 1
        while True:
            body = client.get(f"/api/v1/cases?updated_since={start}&per_page={per_page}&page={page}").get_json()
            assert body["total"] == 7 and body["per_page"] == per_page
            if not body["results"]:
                break
            walked += [r["slug"] for r in body["results"]]
            page += 1
        assert walked == [r["slug"] for r in whole["results"]], per_page  # each once, in the same order
        feed, page = [], 1
        while page <= 8:
            body = client.get(f"/api/v1/changes?since={start}&per_page={per_page}&page={page}").get_json()
            feed += [(c["slug"], c["changed"]) for c in body["results"]]
            page += 1
        assert [slug for slug, _t in feed] == [slug for slug, _c in changes(client, start)]
        assert sorted(slug for slug, _t in feed) == slugs and [t for _s, t in feed] == sorted(t for _s, t in feed)
    assert updated(client, start) == whole  # asked again: the same answer


@pytest.mark.parametrize("url, name, given", [
    ("/api/v1/changes?since=gestern", "since", "gestern"),
    ("/api/v1/cases?updated_since=2025-13-01", "updated_since", "2025-13-01"),
    ("/api/v1/changes?since=1.4.2025", "since", "1.4.2025"),
])
def test_a_bad_time_is_a_json_400_with_a_german_message(client, cases, url, name, given):
    response = client.get(url)
    assert response.status_code == 400 and response.content_type.startswith("application/json")
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter"
    assert error["message"] == (f"„{name}“ muss ein Zeitpunkt nach ISO 8601 sein (z. B. 2025-04-01T10:00:00Z), "
                                f"nicht „{given}“.")
    english = client.get(url, headers={"Accept-Language": "en"}).get_json()["error"]["message"]
    assert english != error["message"] and "ISO 8601" in english and given in english


def test_tombstones_match_the_documented_schema(app, client, cases, make_user):
    import jsonschema_rs

    _aid, admin_email, _pw = make_user("admin")
    admin = signed_in(app, admin_email)
    before = stamp()
    assert admin.post("/moderation/feed-c/zuruecknehmen", data={"unpublish-reason": "Veraltet."}).status_code == 303
    assert admin.post("/moderation/feed-a/loeschen", data={"delete-reason": "Doppelt.", "delete-confirm": "y"}
                      ).status_code == 303
    spec = client.get("/api/v1/openapi.json").get_json()
    body = client.get(f"/api/v1/changes?since={before}").get_json()
    assert sorted((c["slug"], c["change"], c["url"]) for c in body["results"]) == [
        ("feed-a", "deleted", None), ("feed-c", "unpublished", None)]
    validator = jsonschema_rs.validator_for({"$ref": "#/components/schemas/ChangeList",
                                             "components": spec["components"]})
    assert [e.message for e in validator.iter_errors(body)] == []
    documented = spec["paths"]["/api/v1/changes"]["get"]
    assert {"since", "per_page"} <= {p.get("name") for p in documented["parameters"]}
    assert "400" in documented["responses"]
    assert "updated_since" in {p.get("name") for p in spec["paths"]["/api/v1/cases"]["get"]["parameters"]}

"""Write API for integrations: tokens (CLI), submitting cases, declaring adoptions."""

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import AdoptionSource, ApiToken, AuditEvent, ModerationState, UseCase
from kb.services.accounts import api_tokens
from tests.helpers import case_count, record, signed_in, write_jsonl


def make_token(runner, organisation: str, *extra: str) -> str:
    result = runner.invoke(args=["create-token", "--organisation", organisation, "--name", "Landesportal", *extra])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("pxa_")
    return token


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def jena_token(runner):
    return make_token(runner, "Stadt Jena")


@pytest.fixture
def ulm_case(runner, tmp_path):
    path = write_jsonl(tmp_path / "ulm.jsonl", [record("ulm-werkstatt", municipality="08421000")])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    return "ulm-werkstatt"


def submission(slug: str = "jena-api-fall", **fields) -> dict:
    data = record(slug, municipality=None, title="Über die API eingereicht")
    data.update(fields)
    return data


def test_token_is_printed_once_and_stored_only_as_hash(runner, app, jena_token):
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.token_hash == api_tokens.hash_token(jena_token) != jena_token
        assert token.organisation.key == "16053000"
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.create"))
    listing = runner.invoke(args=["list-tokens"])
    assert "Landesportal" in listing.output and jena_token not in listing.output


def test_unknown_organisation_is_refused_unless_created(runner):
    result = runner.invoke(args=["create-token", "--organisation", "Verein Offene Kommune", "--name", "x"])
    assert result.exit_code != 0 and "organisation" in result.output
    assert make_token(runner, "Verein Offene Kommune", "--new-organisation")


def test_submitting_a_case_puts_it_into_moderation(client, app, jena_token):
    response = client.post("/api/v1/cases", json=submission(), headers=auth(jena_token))
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["moderation"] == "submitted"
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == "jena-api-fall"))
        assert case.moderation is ModerationState.SUBMITTED and case.owner.key == "16053000"
    assert client.get("/api/v1/cases/jena-api-fall").status_code == 404  # not public before moderation


@pytest.mark.parametrize("headers, code", [
    ({}, "unauthorized"),
    ({"Authorization": "Bearer pxa_falsch"}, "invalid_token"),
    ({"Authorization": "Basic dXNlcjpwdw=="}, "unauthorized"),
])
def test_missing_or_invalid_token_is_401(client, app, headers, code):
    before = case_count(app)
    response = client.post("/api/v1/cases", json=submission(), headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert case_count(app) == before


def test_revoked_token_is_401(client, runner, app, jena_token):
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert runner.invoke(args=["revoke-token", str(token_id)]).exit_code == 0
    response = client.post("/api/v1/cases", json=submission(), headers=auth(jena_token))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"


def test_case_of_another_organisation_is_403(client, app, jena_token, ulm_case):
    other_owner = client.post("/api/v1/cases", json=submission(municipality="Leipzig"), headers=auth(jena_token))
    assert other_owner.status_code == 403
    taken = client.post("/api/v1/cases", json=submission(ulm_case), headers=auth(jena_token))
    assert taken.status_code == 403 and ulm_case in taken.get_json()["error"]["message"]
    with app.app_context():
        assert db.session.scalar(select(UseCase).where(UseCase.slug == ulm_case)).title == f"Testfall {ulm_case}"


@pytest.mark.parametrize("body, status, field, code", [
    ({"title": "nur Titel", "slug": "x"}, 422, "summary", "required"),
    (submission(topics=["Raumfahrt"]), 422, "topics", "unknown_topic"),
    (submission(unbekannt=1), 422, "unbekannt", "unknown_key"),
    (submission(slug="Kein Slug!"), 422, "slug", "invalid_slug"),
    ([1, 2], 422, "-", "not_object"),
])
def test_validation_errors_name_the_field(client, app, jena_token, body, status, field, code):
    before = case_count(app)
    response = client.post("/api/v1/cases", json=body, headers=auth(jena_token))
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["field"] == field and error["message"]
    assert error["problems"][0]["code"] == code
    assert case_count(app) == before


def test_invalid_json_and_wrong_content_type(client, jena_token):
    broken = client.post("/api/v1/cases", data="{kein json", content_type="application/json", headers=auth(jena_token))
    assert broken.status_code == 400 and broken.get_json()["error"]["code"] == "invalid_json"
    form = client.post("/api/v1/cases", data={"title": "x"}, headers=auth(jena_token))
    assert form.status_code == 415


def test_declaring_an_adoption_for_the_tokens_organisation(client, app, jena_token, ulm_case):
    response = client.post(f"/api/v1/cases/{ulm_case}/adoptions", json={"status": "pilot", "note": "Seit Mai"},
                           headers=auth(jena_token))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["organisation"] == "Jena" and body["key"] == "16053000"
    assert body["status"] == "pilot" and body["verified"] is False
    adopters = client.get(f"/api/v1/cases/{ulm_case}").get_json()["adopters"]
    jena = next(a for a in adopters if a["key"] == "16053000")
    assert jena["source"] == AdoptionSource.API.value and jena["note"] == "Seit Mai"
    again = client.post(f"/api/v1/cases/{ulm_case}/adoptions", json={"status": "in_betrieb"}, headers=auth(jena_token))
    assert again.status_code == 201
    adopters = client.get(f"/api/v1/cases/{ulm_case}").get_json()["adopters"]
    assert [a["status"] for a in adopters if a["key"] == "16053000"] == ["in_betrieb"]


def test_adoption_errors(client, runner, jena_token, ulm_case):
    assert client.post("/api/v1/cases/gibt-es-nicht/adoptions", json={}, headers=auth(jena_token)).status_code == 404
    bad = client.post(f"/api/v1/cases/{ulm_case}/adoptions", json={"status": "begeistert"}, headers=auth(jena_token))
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "status"
    extra = client.post(f"/api/v1/cases/{ulm_case}/adoptions", json={"x": 1}, headers=auth(jena_token))
    assert extra.status_code == 422 and extra.get_json()["error"]["field"] == "x"
    ulm_token = make_token(runner, "08421000")
    own = client.post(f"/api/v1/cases/{ulm_case}/adoptions", json={}, headers=auth(ulm_token))
    assert own.status_code == 409
    assert client.post(f"/api/v1/cases/{ulm_case}/adoptions", json={}).status_code == 401


def test_write_routes_need_no_csrf_token_but_a_bearer_token(csrf_app, jena_token):
    client = csrf_app.test_client()
    response = client.post("/api/v1/cases", json=submission(), headers=auth(jena_token))
    assert response.status_code == 202


# -- issue 19, item 4: a token speaks only for its own organisation ----------------------------------


def adoptions_of_case(app, slug: str) -> list[tuple[str, str, bool]]:
    with app.app_context():
        case = db.session.scalar(select(UseCase).where(UseCase.slug == slug))
        return sorted((a.organisation.name, a.source.value, a.verified) for a in case.adoptions)


THIRD_PARTIES = ["München", {"municipality": "Hamburg", "status": "pilot", "note": "angeblich"},
                 {"organisation": {"name": "Verein Offene Kommune"}}, "Jena"]  # Jena is the owner: skipped


def test_adopters_of_a_submitted_case_are_held_until_a_moderator_ticks_them(client, app, jena_token, make_user):
    response = client.post("/api/v1/cases", json=submission(adopters=THIRD_PARTIES), headers=auth(jena_token))
    assert response.status_code == 202 and response.get_json()["adopters_held"] == 3
    assert adoptions_of_case(app, "jena-api-fall") == []  # nothing written for München or Hamburg
    _id, email, _pw = make_user("moderator")
    moderator = signed_in(app, email)
    review = moderator.get("/moderation/jena-api-fall").get_data(as_text=True)
    assert "Genannte Nachnutzer übernehmen" in review
    assert all(name in review for name in ("München", "Hamburg", "Verein Offene Kommune", "angeblich"))
    assert review.count('name="adopter"') == 3 and 'name="adopter" value="0" checked' not in review
    published = moderator.post("/moderation/jena-api-fall", data={"decision": "publish", "adopter": ["0", "1"]})
    assert published.status_code == 303
    # named by the submitter, entered by the moderation: never "Angabe der Kommune"
    assert adoptions_of_case(app, "jena-api-fall") == [("Hamburg", "moderator", False), ("München", "moderator", False)]
    adopters = client.get("/api/v1/cases/jena-api-fall").get_json()["adopters"]
    assert {(a["name"], a["status"], a["verified"]) for a in adopters} == {
        ("München", "in_betrieb", False), ("Hamburg", "pilot", False)}
    page = client.get("/cases/jena-api-fall").get_data(as_text=True)
    assert page.count("Eintrag der Moderation") >= 2 and "Angabe der Kommune" not in page


def test_publishing_without_ticks_creates_no_adoptions(client, app, jena_token, make_user):
    client.post("/api/v1/cases", json=submission(adopters=["München"]), headers=auth(jena_token))
    _id, email, _pw = make_user("moderator")
    assert signed_in(app, email).post("/moderation/jena-api-fall", data={"decision": "publish"}).status_code == 303
    assert adoptions_of_case(app, "jena-api-fall") == []


def test_adopters_in_an_edit_are_held_and_never_change_existing_adoptions(client, app, runner, tmp_path, make_user):
    path = write_jsonl(tmp_path / "jena.jsonl", [record("jena-bestand", municipality="16053000",
                                                        adopters=[{"municipality": "Dresden", "status": "pilot"}])])
    assert runner.invoke(args=["import-cases", str(path)]).exit_code == 0
    token = make_token(runner, "Stadt Jena")
    edit = submission("jena-bestand", adopters=[{"municipality": "Dresden", "status": "eingestellt"}, "Erfurt"])
    assert client.post("/api/v1/cases", json=edit, headers=auth(token)).status_code == 202
    assert adoptions_of_case(app, "jena-bestand") == [("Dresden", "imported", False)]
    _id, email, _pw = make_user("moderator")
    moderator = signed_in(app, email)
    review = moderator.get("/moderation/jena-bestand").get_data(as_text=True)
    assert "hat schon eine Angabe, bleibt unverändert" in review and "Erfurt" in review
    moderator.post("/moderation/jena-bestand", data={"decision": "publish", "adopter": ["0", "1"]})
    assert adoptions_of_case(app, "jena-bestand") == [("Dresden", "imported", False), ("Erfurt", "moderator", False)]
    dresden = next(a for a in client.get("/api/v1/cases/jena-bestand").get_json()["adopters"] if a["name"] == "Dresden")
    assert dresden["status"] == "pilot"

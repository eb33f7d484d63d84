"""NUL characters (which PostgreSQL cannot store or compare) are refused, never a server error."""

from __future__ import annotations

import json

import pytest

from tests.helpers import case_count, record, write_jsonl

PATHS = ["/cases/abc%00def", "/api/v1/cases/abc%00", "/search?q=a%00b&topic=x%00", "/api/v1/search?q=x&state=a%00",
         "/municipalities/1471%003000", "/api/v1/municipalities/x%00", "/feeds/cases.atom?topic=a%00",
         "/api/v1/cases?topic=%00"]


@pytest.mark.parametrize("path", PATHS)
def test_nul_in_the_address_is_a_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "invalid_character"
    else:
        assert "Steuerzeichen" in response.get_data(as_text=True)


def test_nul_in_a_form_is_refused_and_signs_nobody_in(client, make_user):
    _id, email, password = make_user("reader")
    response = client.post("/login", data={"email": email + "\x00", "password": password})
    assert response.status_code == 400
    assert client.get("/meine-beitraege").status_code in (302, 303, 403)


def test_nul_in_json_is_refused(client, app):
    runner = app.test_cli_runner()
    token = runner.invoke(args=["create-token", "--organisation", "08421000", "--name", "NUL"]).output.split()[-1]
    body = json.dumps(record("nul-fall", title="Titel\x00mit NUL", municipality=None))
    response = client.post("/api/v1/cases", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_character"


def test_an_import_with_nul_names_file_line_and_field(app, runner, tmp_path):
    before = case_count(app)
    path = write_jsonl(tmp_path / "nul.jsonl", [record("gut"), record("schlecht", contact={"name": "A\x00B"})])
    result = runner.invoke(args=["import-cases", str(path)])
    assert result.exit_code == 1
    assert "nul.jsonl, Zeile 2" in result.output and "contact.name" in result.output
    assert case_count(app) == before

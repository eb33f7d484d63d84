"""Hostile structure in JSON and YAML (deep nesting, alias bombs, lone surrogates, NUL, directories)
is refused with a clear message naming the file or field – never a traceback or a 500 (issue 19, 5 and 8)."""

from __future__ import annotations

import json

import pytest
from click.testing import Result

from tests.helpers import case_count, record, write_jsonl

DEEP = 100_000
GOOD_YAML = (
    "publiccodeYmlVersion: '0.4'\nname: Tiefer Test\nurl: https://example.org/tief.git\nplatforms: [web]\n"
    "developmentStatus: stable\nsoftwareType: standalone/web\n"
    "description:\n  de:\n    shortDescription: Kurz\n    longDescription: Lang genug beschrieben.\n"
    "    features: [eins]\nlegal:\n  license: MIT\nmaintenance:\n  type: none\n"
    "localisation:\n  localisationReady: true\n  availableLanguages: [de]\n"
)


@pytest.fixture
def token(runner) -> str:
    result = runner.invoke(args=["create-token", "--organisation", "Stadt Jena", "--name", "Struktur"])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def post_raw(client, token: str, body: str, path: str = "/api/v1/cases"):
    return client.post(path, data=body.encode("utf-8"), content_type="application/json",
                       headers={"Authorization": f"Bearer {token}"})


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# -- write API (item 5) ---------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1_000, DEEP])
def test_api_refuses_deeply_nested_json_with_a_json_400(client, app, token, depth):
    before = case_count(app)
    body = json.dumps(record("tief", municipality=None))[:-1] + f', "tags": {nested(depth)}}}'
    response = post_raw(client, token, body)
    assert response.status_code == 400, response.status_code
    error = response.get_json()["error"]
    assert error["code"] == "invalid_json" and "verschachtelt" in error["message"]
    assert case_count(app) == before


@pytest.mark.parametrize("where", ["title", "key"])
def test_api_refuses_lone_surrogates_with_a_json_400(client, app, token, where):
    before = case_count(app)
    data = record("surrogat", municipality=None)
    text = json.dumps(data)
    body = (text.replace('"Testfall surrogat"', '"Test \\ud800 fall"') if where == "title"
            else text[:-1] + ', "\\udfff": 1}')
    response = post_raw(client, token, body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_character" and "UTF-16" in error["message"]
    assert case_count(app) == before


def test_api_adoption_route_refuses_surrogates_and_depth(client, token):
    slug = client.get("/api/v1/cases?per_page=1").get_json()["results"][0]["slug"]
    lone = post_raw(client, token, '{"status": "pilot", "note": "\\ud83d"}', f"/api/v1/cases/{slug}/adoptions")
    deep = post_raw(client, token, '{"note": ' + nested(5_000) + "}", f"/api/v1/cases/{slug}/adoptions")
    assert (lone.status_code, deep.status_code) == (400, 400)
    assert lone.get_json()["error"]["code"] == "invalid_character"
    # a proper pair (an emoji) is fine
    pair = post_raw(client, token, '{"status": "pilot", "note": "\\ud83d\\ude00"}', f"/api/v1/cases/{slug}/adoptions")
    assert pair.status_code == 201, pair.get_json()


# -- import-cases (item 8) ------------------------------------------------------------------


def refused(result: Result, name: str) -> str:
    """The import failed with a message (exit 1, no traceback) that names the file."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert name in result.output, result.output
    return result.output


def test_yaml_alias_bomb_is_refused_quickly(runner, app, tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    bomb = tmp_path / "bombe.publiccode.yml"
    bomb.write_text(GOOD_YAML + "\n".join(lines) + "\n", encoding="utf-8")
    assert bomb.stat().st_size < 1200
    before = case_count(app)
    output = refused(runner.invoke(args=["import-cases", str(bomb)]), "bombe.publiccode.yml")
    assert "Verweis" in output and "Zeile" in output
    assert case_count(app) == before


@pytest.mark.parametrize("text, expected", [
    ("usedBy: &a [*a]\n", "Verweis"),                 # recursive
    ("usedBy: " + nested(DEEP) + "\n", "verschachtelt"),   # deep flow sequence
    ("usedBy:\n" + "".join("  " * i + "- \n" for i in range(1, 400)), "verschachtelt"),  # deep block
])
def test_recursive_and_deep_yaml_is_refused(runner, app, tmp_path, text, expected):
    path = tmp_path / "tief.publiccode.yml"
    path.write_text(GOOD_YAML + text, encoding="utf-8")
    before = case_count(app)
    assert expected in refused(runner.invoke(args=["import-cases", str(path)]), "tief.publiccode.yml")
    assert case_count(app) == before


def test_nul_byte_in_yaml_names_file_and_line(runner, tmp_path):
    path = tmp_path / "nul.publiccode.yml"
    path.write_text(GOOD_YAML.replace("name: Tiefer Test", "name: Tiefer\x00Test"), encoding="utf-8")
    output = refused(runner.invoke(args=["import-cases", str(path)]), "nul.publiccode.yml")
    assert "Zeile 2" in output


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_deep_json_in_an_import_names_file_and_line(runner, app, tmp_path, suffix):
    good = json.dumps(record("flach"))
    deep = json.dumps(record("tief"))[:-1] + f', "tags": {nested(DEEP)}}}'
    path = tmp_path / f"tief{suffix}"
    path.write_text(good + "\n" + deep + "\n" if suffix == ".jsonl" else f"[{good},\n{deep}]", encoding="utf-8")
    before = case_count(app)
    output = refused(runner.invoke(args=["import-cases", str(path)]), f"tief{suffix}")
    assert "verschachtelt" in output and "Zeile 2" in output
    assert case_count(app) == before


def test_lone_surrogate_in_an_import_names_file_line_and_field(runner, app, tmp_path):
    path = tmp_path / "surrogat.jsonl"
    path.write_text(json.dumps(record("gut")) + "\n"
                    + json.dumps(record("schlecht")).replace('"Testfall schlecht"', '"Test \\udc80"') + "\n",
                    encoding="utf-8")
    before = case_count(app)
    output = refused(runner.invoke(args=["import-cases", str(path)]), "surrogat.jsonl")
    assert "Zeile 2" in output and "title" in output and "UTF-16" in output
    assert case_count(app) == before


def test_a_directory_argument_is_refused(runner, app, tmp_path):
    good = write_jsonl(tmp_path / "gut.jsonl", [record("gut-aus-verzeichnis")])
    before = case_count(app)
    assert "Verzeichnis" in refused(runner.invoke(args=["import-cases", str(good), str(tmp_path)]), str(tmp_path))
    assert case_count(app) == before


def test_files_over_the_size_limit_are_refused(runner, app, tmp_path):
    before = case_count(app)
    yaml_path = tmp_path / "gross.publiccode.yml"
    yaml_path.write_text(GOOD_YAML + "# " + "x" * 3_000_000 + "\n", encoding="utf-8")
    assert "zu groß" in refused(runner.invoke(args=["import-cases", str(yaml_path)]), "gross.publiccode.yml")
    app.config["KB_IMPORT_MAX_BYTES"] = 2_000
    path = write_jsonl(tmp_path / "gross.jsonl", [record(f"gross-{i}") for i in range(20)])
    assert "zu groß" in refused(runner.invoke(args=["import-cases", str(path)]), "gross.jsonl")
    assert case_count(app) == before

"""Two app servers on one PostgreSQL database share everything: what one writes, the other
finds at once (no local state: each server has its own, otherwise empty data directory)."""

from __future__ import annotations

import pytest
import requests

from kb.extensions import db
from kb.models import Role
from kb.services.accounts import api_tokens
from kb.services.accounts import users as accounts
from tests import dbprovision
from tests.helpers import record, write_jsonl
from tests.server_support import WebClient

pytestmark = pytest.mark.skipif(not dbprovision.SERVER_URL, reason="braucht PostgreSQL (KB_TEST_DATABASE_URL; "
                                                                   "make test setzt sie im zweiten Durchlauf)")


@pytest.fixture
def instance(instance):
    """The server instance on the PostgreSQL search backend."""
    instance.search_backend = "postgres"
    result = instance.flask("reindex")
    assert result.returncode == 0, result.stderr
    return instance


def _search(server, q: str) -> list[str]:
    body = requests.get(f"{server.url}/api/v1/search", params={"q": q}, timeout=60).json()
    return [hit["slug"] for hit in body["results"]]


def test_a_case_imported_through_one_server_is_found_on_the_other_at_once(instance, tmp_path):
    app = instance.app()
    with app.app_context():
        accounts.create_user(db.session, email="moderation@example.org", password="geheim-passwort-1",
                             role=Role.MODERATOR, confirmed=True)
        _token, token = api_tokens.create_token(db.session, organisation_text="14713000", name="Fachverfahren")
    dir_a, dir_b = tmp_path / "server-a", tmp_path / "server-b"
    for d in (dir_a, dir_b):
        d.mkdir()
    with instance.gunicorn(workers=2, data_dir=dir_a) as a, instance.gunicorn(workers=2, data_dir=dir_b) as b:
        assert _search(b, "Sturmflutwarnsystem") == []
        # 1. a command-line import on server A
        path = write_jsonl(tmp_path / "import.jsonl", [record(
            "sturmflut-leipzig", title="Sturmflutwarnsystem an der Weißen Elster",
            summary="Pegelsensoren warnen Anwohner per SMS.")])
        result = instance.flask("import-cases", str(path), data_dir=dir_a)
        assert result.returncode == 0, result.stderr
        assert _search(b, "Sturmflutwarnsystem") == ["sturmflut-leipzig"]
        assert _search(b, "Sturmflut Warnung")[0] == "sturmflut-leipzig"  # compound parts, stemming

        # 2. submitted through A's API, published by a moderator on A, found on B
        response = requests.post(f"{a.url}/api/v1/cases", headers={"Authorization": f"Bearer {token}"}, timeout=60,
                                 json=record("pegel-app", title="Pegel-App für Hochwasser", municipality=None))
        assert response.status_code == 202, response.text
        moderator = WebClient(a.url)
        moderator.login("moderation@example.org", "geheim-passwort-1")
        published = moderator.post_form("/moderation/pegel-app", {"decision": "publish", "reason": ""})
        assert published.status_code == 303, published.text[:500]
        assert "pegel-app" in _search(b, "Hochwasser")

        # 3. a change on B (an adoption) shows on A's case page and in A's search facets at once
        adoption = requests.post(f"{b.url}/api/v1/cases/sturmflut-leipzig/adoptions", timeout=60,
                                 headers={"Authorization": f"Bearer {_other_token(app)}"}, json={"status": "pilot"})
        assert adoption.status_code == 201, adoption.text
        case = requests.get(f"{a.url}/api/v1/cases/sturmflut-leipzig", timeout=60).json()
        assert [x["name"] for x in case["adopters"] if x["key"] == "08421000"] == ["Ulm"]
        places = requests.get(f"{a.url}/api/v1/search", params={"q": "Sturmflut", "state": "Baden-Württemberg"},
                              timeout=60).json()
        assert places["facets"]["state"] == {"Baden-Württemberg": 0, "Sachsen": 1}

    check = instance.flask("check-index", data_dir=dir_b)
    assert check.returncode == 0, check.stdout + check.stderr
    assert not (dir_a / "index").exists() and not (dir_b / "index").exists()  # nothing kept on local disk


def _other_token(app) -> str:
    with app.app_context():
        _token, plain = api_tokens.create_token(db.session, organisation_text="08421000", name="Ulm")
    return plain

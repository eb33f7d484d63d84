"""Host header: every absolute link comes from KB_BASE_URL, other hosts are refused (issue 19, item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import create_app
from tests import dbprovision
from tests.mailbox import mails

PUBLIC = "https://praxisatlas.example"
EVIL = "evil.example"


@pytest.fixture
def public_app(app):
    """The test instance, configured for the public address PUBLIC (and one trusted extra host)."""
    settings = dbprovision.settings(Path(app.config["KB_DATA_DIR"]), app.config["SQLALCHEMY_DATABASE_URI"])
    made = []

    def make(**extra):
        made.append(create_app({**settings, "KB_BASE_URL": PUBLIC, **extra}))
        return made[-1]

    yield make
    for each in made:
        dbprovision.dispose(each)


def links(body: str) -> list[str]:
    import re

    return re.findall(r"https?://[^\s\"'<>]+", body)


def test_forged_host_gets_400_and_no_mail(app, public_app, make_user):
    _id, email, _pw = make_user("reader")
    site = public_app()
    client = site.test_client()
    for path, data in (("/passwort-vergessen", {"email": email}),
                       ("/register", {"email": "neu-host@example.org", "password": "Gruene-Wiese-42",
                                      "confirm": "Gruene-Wiese-42"})):
        response = client.post(path, data=data, headers={"Host": EVIL})
        assert response.status_code == 400, path
        assert "<html" in response.get_data(as_text=True), "the refusal is a page in the site's layout"
        assert EVIL not in response.get_data(as_text=True)
    assert mails(site) == [], "a request to a foreign host must not send mail"
    api = client.get("/api/v1/cases", headers={"Host": EVIL})
    assert api.status_code == 400 and api.get_json()["error"]["code"] == "untrusted_host"


def test_mail_links_come_from_the_base_url_not_from_the_request(app, public_app, make_user):
    _id, email, _pw = make_user("reader")
    site = public_app()
    client = site.test_client()  # Host: localhost (trusted outside production, but not the public address)
    assert client.post("/passwort-vergessen", data={"email": email}).status_code == 303
    client.post("/register", data={"email": "ganz-neu@example.org", "password": "Gruene-Wiese-42",
                                   "confirm": "Gruene-Wiese-42"})
    client.post("/register", data={"email": email, "password": "Gruene-Wiese-42", "confirm": "Gruene-Wiese-42"})
    found = [url for mail in mails(site) for url in links(mail.body)]
    assert any("/passwort-neu/" in url for url in found) and any("/konto/bestaetigen/" in url for url in found)
    assert found and all(url.startswith(PUBLIC + "/") for url in found), found


def test_forwarded_host_from_the_proxy_must_match(app, public_app, make_user):
    _id, email, _pw = make_user("reader")
    site = public_app(KB_PROXY_HOPS=1)
    client = site.test_client()
    forged = client.post("/passwort-vergessen", data={"email": email},
                         headers={"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https"})
    assert forged.status_code == 400 and mails(site) == []
    proper = client.post("/passwort-vergessen", data={"email": email},
                         headers={"Host": "praxisatlas.example", "X-Forwarded-Host": "praxisatlas.example",
                                  "X-Forwarded-Proto": "https"})
    assert proper.status_code == 303
    (mail,) = mails(site)
    assert mail.body.count(PUBLIC + "/passwort-neu/") == 1


def test_feeds_openapi_and_downloads_link_to_the_base_url(app, public_app):
    site = public_app()
    client = site.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["servers"][0]["url"] == PUBLIC
    feed = client.get("/feeds/cases.atom?topic=Geodaten").get_data(as_text=True)
    assert links(feed) and all(url.startswith((PUBLIC, "http://www.w3.org")) for url in links(feed)), links(feed)
    assert f'href="{PUBLIC}/feeds/cases.atom?topic=Geodaten"' in feed
    software = client.get("/daten/praxisatlas-software.publiccode.yml").get_data(as_text=True)
    assert f"landingURL: {PUBLIC}/cases/" in software and "localhost" not in software
    docs = client.get("/daten/api").get_data(as_text=True)
    assert PUBLIC in docs and "http://localhost" not in docs


def test_development_and_tests_accept_local_hosts_only(app):
    client = app.test_client()
    assert client.get("/").status_code == 200  # Host: localhost
    assert client.get("/", base_url="http://127.0.0.1:5000").status_code == 200
    assert client.get("/", headers={"Host": EVIL}).status_code == 400
    assert app.config["TRUSTED_HOSTS"][0] == "127.0.0.1"


def test_production_requires_the_base_url_and_trusts_only_its_host(template_instance, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_ENV", "production")
    monkeypatch.setenv("KB_SECRET_KEY", "ein-geheimer-schluessel-fuer-den-test")
    monkeypatch.delenv("KB_BASE_URL", raising=False)
    _template_dir, template_url = template_instance
    settings = dbprovision.settings(tmp_path, template_url)
    settings.pop("TESTING")
    settings.pop("SECRET_KEY")
    with pytest.raises(RuntimeError, match="KB_BASE_URL"):
        create_app(settings)
    monkeypatch.setenv("KB_BASE_URL", "https://praxisatlas.example.de/")
    monkeypatch.setenv("KB_TRUSTED_HOSTS", "praxisatlas.intern")
    prod = create_app(settings)
    try:
        assert prod.config["TRUSTED_HOSTS"] == ["praxisatlas.example.de", "praxisatlas.intern"]
        client = prod.test_client()
        assert client.get("/impressum", base_url="https://praxisatlas.example.de").status_code == 200
        assert client.get("/impressum", base_url="https://praxisatlas.intern").status_code == 200
        assert client.get("/impressum").status_code == 400  # localhost is not trusted in production
        health = client.get("/healthz", base_url="http://10.0.0.11:8000")
        assert health.status_code == 200, "load balancers probe /healthz by address"
    finally:
        dbprovision.dispose(prod)


def test_malformed_base_url_is_refused_with_a_clear_message():
    from config import build_config

    for value in ("praxisatlas.example.de", "ftp://praxisatlas.example.de", "https://x.example/?a=1"):
        with pytest.raises(RuntimeError, match="KB_BASE_URL"):
            build_config({"KB_BASE_URL": value})

"""Shared fixtures: a migrated, seeded template database copied for every test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb import create_app
from kb.extensions import db
from tests import dbprovision, i18n_support
from tests.server_support import ServerInstance

os.environ.setdefault("KB_ENV", "testing")


class ClosingClient(FlaskClient):
    """A test client that closes each response as a WSGI server does once it has sent it, so work
    queued for after the response (kb/services/deferred.py, e.g. the reset mail) runs before the
    call returns. Pass ``buffered=False`` to look at the state before that."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


Flask.test_client_class = ClosingClient


def pytest_configure(config):
    """Compile kb/translations/*/messages.mo if missing or older than the .po, so bare pytest serves English."""
    i18n_support.compile_catalogs()


@pytest.fixture(scope="session")
def template_instance(tmp_path_factory) -> tuple[Path, str]:
    """Build one instance (schema, registry, seed data, search index) to copy from."""
    data_dir = tmp_path_factory.mktemp("template")
    database_url = dbprovision.template_url(data_dir)
    app = create_app(dbprovision.settings(data_dir, database_url))
    with app.app_context():
        dbprovision.build_template(app)
    dbprovision.dispose(app)
    return data_dir, database_url


@pytest.fixture
def app(template_instance, tmp_path):
    """A fresh app on a private copy of the template instance."""
    template_dir, template_url = template_instance
    data_dir = tmp_path / "instance"
    shutil.copytree(template_dir, data_dir)
    database_url = dbprovision.copy_database(template_url, data_dir, tmp_path.name)
    app = create_app(dbprovision.settings(data_dir, database_url))
    yield app
    dbprovision.dispose(app)
    dbprovision.drop_database(database_url)


@pytest.fixture
def instance(template_instance, tmp_path):
    """A private copy of the template instance, served by gunicorn on demand (tests.server_support)."""
    inst = ServerInstance.create(template_instance, tmp_path)
    yield inst
    inst.close()


@pytest.fixture
def csrf_app(app):
    """The same app with CSRF protection switched on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A database session inside an app context."""
    with app.app_context():
        yield db.session


@pytest.fixture
def make_user(app):
    """Create a confirmed account: make_user("moderator", municipality="08421000")."""
    from kb.models import Role
    from kb.services.accounts import users as accounts

    def make(role: str = "reader", email: str | None = None, password: str = "geheim-passwort-1",
             municipality: str | None = None, organisation: str | None = None):
        with app.app_context():
            user = accounts.create_user(
                db.session, email=email or f"{role}-{os.urandom(3).hex()}@example.org",
                password=password, role=Role(role), municipality=municipality,
                organisation=organisation, confirmed=True,
            )
            return user.id, user.email, password

    return make


@pytest.fixture
def login(client):
    """Sign the test client in: login(email, password)."""

    def do_login(email: str, password: str = "geheim-passwort-1"):
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return response

    return do_login


@pytest.fixture
def case_page_loads(monkeypatch) -> list[str]:
    """The slugs of the case pages rendered (not answered from a store of answers) from now on."""
    from kb.services.catalog import listing

    seen: list[str] = []
    load = listing.get_visible

    def counted(session, slug, viewer):
        seen.append(slug)
        return load(session, slug, viewer)

    monkeypatch.setattr(listing, "get_visible", counted)
    return seen

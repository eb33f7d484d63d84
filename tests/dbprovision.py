"""Provision test databases: SQLite files by default, PostgreSQL with KB_TEST_DATABASE_URL.

With ``KB_TEST_DATABASE_URL=postgresql+psycopg://user@host/postgres`` the template is
a PostgreSQL database and every test gets ``CREATE DATABASE … TEMPLATE …``.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.routing.rules import Rule

from kb.extensions import db
from kb.search.backend import close_backend

SERVER_URL = os.environ.get("KB_TEST_DATABASE_URL")
TEMPLATE_NAME = f"kb_template_{os.getpid()}_{uuid.uuid4().hex[:6]}"


def drop_tables(connection, tables) -> None:
    """Drop the tables of a PostgreSQL search backend (``backend.tables``) made for one test."""
    connection.execute(tables.sql("DROP TABLE IF EXISTS {doc}, {term}"))


class SharedTemplateCache(BytecodeCache):
    """Compiled Jinja templates kept in memory for every app of the test process.

    Each test creates its own app, and compiling the templates again for each one costs
    about a second per test; Jinja checks the source checksum, so edits still take effect.
    """

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedTemplateCache()}


def _url_builders_compiled_once() -> None:
    """Share werkzeug's generated URL-builder functions between the apps of the test process.

    Each app compiles Python source for every route's builder (two per rule, about half of
    ``create_app``'s 70 ms); a builder depends only on the rule text, its parts and defaults, and
    takes the rule as its first argument, so the same function serves the same rule of every app.
    """
    original = Rule._compile_builder
    builders: dict[tuple, object] = {}

    def compile_builder(self: Rule, append_unknown: bool = True):
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
        found = builders.get(key)
        if found is None:
            found = builders[key] = original(self, append_unknown)
        return found

    Rule._compile_builder = compile_builder


_url_builders_compiled_once()


def settings(data_dir: Path, database_url: str) -> dict:
    """The app configuration of a test instance."""
    return {
        "TESTING": True,
        "KB_DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "KB_SEARCH_BACKEND": os.environ.get("KB_SEARCH_BACKEND", "whoosh"),
    }


def template_url(data_dir: Path) -> str:
    if not SERVER_URL:
        return f"sqlite:///{data_dir / 'kb.sqlite3'}"
    _admin(f'DROP DATABASE IF EXISTS "{TEMPLATE_NAME}"')
    _admin(f'CREATE DATABASE "{TEMPLATE_NAME}"')
    return str(make_url(SERVER_URL).set(database=TEMPLATE_NAME).render_as_string(hide_password=False))


def build_template(app: Flask) -> None:
    """Migrate, load reference and seed data, build the search index."""
    from kb.search import maintenance as search
    from kb.search.backend import get_backend
    from kb.services import setup

    upgrade()
    setup.load_reference_data(db.session)
    setup.load_seed(db.session)
    search.rebuild_index(db.session, get_backend())


def copy_database(template: str, data_dir: Path, test_name: str) -> str:
    if not SERVER_URL:
        return f"sqlite:///{data_dir / 'kb.sqlite3'}"
    name = "kb_t_" + re.sub(r"[^a-z0-9]", "", test_name.lower())[-30:] + uuid.uuid4().hex[:6]
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template).database}"')
    return str(make_url(template).set(database=name).render_as_string(hide_password=False))


def empty_database(data_dir: Path, test_name: str, sqlite: bool = False) -> str:
    """A database without any tables (a fresh instance before ``init-db``)."""
    if sqlite or not SERVER_URL:
        return f"sqlite:///{data_dir / 'kb.sqlite3'}"
    name = "kb_e_" + re.sub(r"[^a-z0-9]", "", test_name.lower())[-30:] + uuid.uuid4().hex[:6]
    _admin(f'CREATE DATABASE "{name}"')
    return str(make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False))


def dispose(app: Flask) -> None:
    close_backend(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def drop_database(url: str) -> None:
    if SERVER_URL and not url.startswith("sqlite"):
        _admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _admin(sql: str) -> None:
    engine = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()

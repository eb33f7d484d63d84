"""Upgrading an existing SQLite catalogue keeps every row (Alembic's batch mode rebuilds tables)."""

from __future__ import annotations

import sqlite3

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from kb import create_app
from kb.extensions import db

pytestmark = pytest.mark.slow

NOW = "2025-01-01 00:00:00.000000"
CHILD_TABLES = ("adoption", "case_revision", "case_topic")


def _app(tmp_path):
    return create_app({
        "TESTING": True, "SECRET_KEY": "test", "KB_DATA_DIR": str(tmp_path),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/kb.sqlite3",
    })


def _fill_schema_0006(path) -> None:
    """One published case with an adopter, a revision and a topic, written as release 0006 stored them."""
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA foreign_keys=ON")
        for key, name in ((1, "Stadt Jena"), (2, "Gemeinde Birkenwerder")):
            con.execute("INSERT INTO organisation(id, lookup_key, kind, name, created_at) "
                        "VALUES (?, ?, 'sonstige', ?, ?)", (key, name.lower(), name, NOW))
        con.execute("INSERT INTO use_case(id, slug, title, summary, description, owner_id, status, moderation, "
                    "tags, links, created_at, updated_at, lock_version) VALUES (1, 'chat', 'Chat', 'Kurz', 'Lang', "
                    "1, 'in_betrieb', 'published', '[]', '[]', ?, ?, 1)", (NOW, NOW))
        con.execute("INSERT INTO adoption(id, case_id, organisation_id, status, source, verified, created_at, "
                    "updated_at) VALUES (1, 1, 2, 'in_betrieb', 'seed', 0, ?, ?)", (NOW, NOW))
        con.execute("INSERT INTO case_revision(id, case_id, number, state, data, created_at) "
                    "VALUES (1, 1, 1, 'published', '{}', ?)", (NOW,))
        con.execute("INSERT INTO topic(id, name, slug, description, position) VALUES (1, 'Chat', 'chat', 'd', 1)")
        con.execute("INSERT INTO case_topic(case_id, topic_id) VALUES (1, 1)")


def _counts(path) -> dict[str, int]:
    with sqlite3.connect(path) as con:
        return {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in CHILD_TABLES}


def test_upgrading_from_0006_keeps_adopters_revisions_and_topics(tmp_path):
    app = _app(tmp_path)
    database = tmp_path / "kb.sqlite3"
    with app.app_context():
        upgrade(revision="0006")
    _fill_schema_0006(database)
    assert _counts(database) == {"adoption": 1, "case_revision": 1, "case_topic": 1}

    with app.app_context():
        upgrade()
        adopter = db.session.execute(text("SELECT organisation_id FROM adoption WHERE case_id = 1")).scalar()
        enforced = db.session.execute(text("PRAGMA foreign_keys")).scalar()

    assert _counts(database) == {"adoption": 1, "case_revision": 1, "case_topic": 1}
    assert adopter == 2
    assert enforced == 1, "the app's connections enforce foreign keys again after the migration"


def test_a_migration_that_leaves_dangling_rows_is_refused(tmp_path, capfd):
    app = _app(tmp_path)
    database = tmp_path / "kb.sqlite3"
    with app.app_context():
        upgrade(revision="0006")
    _fill_schema_0006(database)
    with sqlite3.connect(database) as con:
        con.execute("PRAGMA foreign_keys=OFF")
        con.execute("INSERT INTO adoption(id, case_id, organisation_id, status, source, verified, created_at, "
                    "updated_at) VALUES (2, 99, 2, 'pilot', 'seed', 0, ?, ?)", (NOW, NOW))

    with app.app_context(), pytest.raises(SystemExit):
        upgrade()
    assert "1 broken foreign keys: adoption rowid 2 -> use_case" in capfd.readouterr().err

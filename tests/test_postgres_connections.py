"""PostgreSQL connections (kb.database): a transaction that only read ends with COMMIT, so psycopg keeps
the statements it has prepared, anything that wrote is still rolled back; connections the server has
closed are replaced on checkout."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from kb.extensions import db
from kb.models import AppSetting

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def postgres(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (KB_TEST_DATABASE_URL)")
    return app


def _setting(app, key: str) -> AppSetting | None:
    with app.app_context():
        return db.session.get(AppSetting, key)


def test_a_write_that_is_not_committed_is_rolled_back(postgres):
    with postgres.app_context():
        db.session.add(AppSetting(key="nicht-gespeichert", value="x"))
        db.session.flush()
        assert db.session.scalar(select(AppSetting.value).where(AppSetting.key == "nicht-gespeichert")) == "x"
    assert _setting(postgres, "nicht-gespeichert") is None


def test_a_session_level_setting_made_in_a_transaction_is_rolled_back(postgres):
    with postgres.app_context():
        db.session.execute(text("SET statement_timeout = 123456"))
    with postgres.app_context():
        assert db.session.scalar(text("SHOW statement_timeout")) != "123456ms"


def test_a_failed_read_leaves_the_connection_usable(postgres):
    with postgres.app_context(), pytest.raises(Exception, match="division by zero"):
        db.session.execute(text("SELECT 1 / 0"))
    with postgres.app_context():
        assert db.session.scalar(text("SELECT 2")) == 2


def test_repeated_reads_are_prepared_once_and_kept(postgres):
    """Each read runs in its own session (as each request does); psycopg prepares a statement
    on its sixth run on a connection and keeps it only if no ROLLBACK comes in between."""
    key = postgres.config.get("KB_SITE_NAME")
    for _ in range(8):
        with postgres.app_context():
            db.session.scalar(select(AppSetting.value).where(AppSetting.key == key))
    with postgres.app_context():
        prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    assert any("app_setting" in s for s in prepared), prepared


def _close_every_connection_from_the_server(app) -> None:
    """What the app's pooled connections see when PostgreSQL restarts."""
    with app.app_context():
        url = db.engine.url
    other = create_engine(url, poolclass=NullPool)
    with other.begin() as conn:
        closed = conn.execute(text("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all()
    other.dispose()
    assert closed and all(ok for (ok,) in closed)


@pytest.mark.parametrize("path", ["/cases?topic=Mobilit%C3%A4t", "/search?q=Radweg"])
def test_pages_answer_after_the_server_closed_the_connections(postgres, client, path):
    assert client.get(path).status_code == 200
    _close_every_connection_from_the_server(postgres)
    assert client.get(path.replace("Mobilit%C3%A4t", "Geodaten").replace("Radweg", "Chatbot")).status_code == 200

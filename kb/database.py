"""Database engine tuning and small helpers around the session."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import event, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from kb.services.private_files import private_file


def init_app(app: Flask) -> None:
    """Turn on SQLite foreign keys, WAL and a busy timeout for every connection; keep the file private."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
        with app.app_context():
            from kb.extensions import db

            event.listen(db.engine, "connect", _tune_sqlite)


def _private_sqlite_file(uri: str) -> None:
    """Create the database file 0600 before SQLite does (its -wal and -shm files take the same mode)."""
    database = make_url(uri).database
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        if path.parent.is_dir():
            private_file(path)


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def begin_write(session: Session) -> None:
    """Take the database's write lock now (SQLite), so this transaction reads what it will write on.

    SQLite lets one writer at a time in; reads before the first write run outside the transaction
    and may be stale by the time it writes (two imports creating the same organisation). With the
    lock taken first, a concurrent writer waits (busy timeout) instead of failing on a conflict.
    PostgreSQL needs nothing here.
    """
    if is_sqlite(session.get_bind()):
        session.execute(text("DELETE FROM search_outbox WHERE 0 = 1"))


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"

"""Database engine tuning and small helpers around the session."""

from __future__ import annotations

import contextlib
import re
import select
from pathlib import Path

from flask import Flask
from sqlalchemy import event, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session

from kb.services.private_files import private_file


def configure_engine(app: Flask) -> None:
    """On PostgreSQL, no ``pool_pre_ping`` (a round trip per checkout): ``init_app`` drops connections the
    server has closed without one (``_drop_closed_connection``). The pool hands out the connection returned
    last (``pool_use_lifo``): a sync worker needs one or two at a time, and the same ones come back with
    the statements psycopg has prepared on them and the plans PostgreSQL keeps for those – handed out in
    turn, each statement had to be seen five times on every connection of the pool before it was prepared
    at all. Call before the engine is created."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_use_lifo": True, **options, "pool_pre_ping": False}


def init_app(app: Flask) -> None:
    """Turn on SQLite foreign keys, WAL and a busy timeout for every connection; keep the file private.
    On PostgreSQL, end transactions that only read with a commit (see ``end_reads_with_commit``) and
    check a connection on checkout without a round trip (``_drop_closed_connection``)."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        _private_sqlite_file(uri)
    with app.app_context():
        from kb.extensions import db

        if is_sqlite(db.engine):
            event.listen(db.engine, "connect", _tune_sqlite)
        elif db.engine.dialect.name == "postgresql":
            end_reads_with_commit(db.engine)
            event.listen(db.engine, "checkout", _drop_closed_connection)


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


_READ = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_WROTE = "kb_wrote"  # key in the connection's info: the transaction ran something other than a SELECT


def end_reads_with_commit(engine: Engine) -> None:
    """End a transaction that only ran SELECTs with COMMIT instead of ROLLBACK (PostgreSQL).

    psycopg forgets every statement it has prepared on a connection at each ROLLBACK (it sends
    ``DEALLOCATE ALL``), and each request that only reads ends with one when its session closes: no
    statement was ever prepared, PostgreSQL parsed and planned every one of them anew. For a
    transaction that only read, COMMIT and ROLLBACK end it alike. Anything but a SELECT (writes,
    savepoints, SET) and a failed statement keep the ROLLBACK.
    """
    event.listen(engine, "begin", _transaction_begins)
    event.listen(engine, "before_cursor_execute", _note_statement)
    event.listen(engine, "rollback", _commit_if_only_read)


def _transaction_begins(conn) -> None:
    conn.info[_WROTE] = False


def _note_statement(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    if not _READ.match(statement):
        conn.info[_WROTE] = True


def _commit_if_only_read(conn) -> None:
    if conn.invalidated or conn.info.get(_WROTE, True):
        return
    dbapi_connection = conn.connection.dbapi_connection
    if dbapi_connection is None or dbapi_connection.info.transaction_status.name != "INTRANS":
        return  # idle, or a statement failed: only ROLLBACK ends it
    with contextlib.suppress(conn.dialect.loaded_dbapi.Error):  # the ROLLBACK that follows finds out what is wrong
        dbapi_connection.commit()


def _drop_closed_connection(dbapi_connection, _record, _proxy) -> None:
    """Have the pool connect anew if the server has closed this connection (restart, terminated backend).

    The server then sent its last message and closed the socket, so the idle socket is readable; a
    healthy idle connection has nothing to read. No round trip, unlike ``pool_pre_ping``; a
    readable healthy connection (a notice) is only replaced needlessly."""
    if dbapi_connection.closed or _readable(dbapi_connection.fileno()):
        raise DisconnectionError("the database server has closed the connection")


def _readable(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


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

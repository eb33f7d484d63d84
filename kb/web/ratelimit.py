"""Rate limiting per client address ("300/minute", config KB_API_RATE_LIMIT).

Fixed windows counted in a table every worker shares: on SQLite in ``instance/ratelimit.sqlite3``
(a file of its own, so a long import holding the catalogue's write lock never stalls the API),
on PostgreSQL in the unlogged table ``api_rate_window`` of the catalogue database, shared by all
app servers. Should the table fail, the process counts on its own and logs it once. Behind a
reverse proxy, pass the client address on (KB_PROXY_HOPS), else all clients share one allowance.
"""

from __future__ import annotations

import logging
import math
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, request
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
RATE_RE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class Rate:
    """At most ``count`` requests per ``seconds``."""

    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """Parse "300/minute", "10/second", "1000 per hour", "50/5minutes"."""
    match = RATE_RE.match(text or "")
    if not match:
        raise ValueError(f"KB_API_RATE_LIMIT={text!r}: erwartet z. B. „300/minute“")
    count, multiple, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3)
    return Rate(count, multiple * UNITS[unit])


@dataclass
class Verdict:
    """The outcome of one request against the limit."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: int


class FixedWindowLimiter:
    """Count requests per key in fixed windows; thread-safe."""

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}

    def hit(self, key: str, now: float | None = None) -> Verdict:
        now = time.time() if now is None else now
        window = int(now // self.rate.seconds)
        with self._lock:
            if len(self._windows) > 10_000:
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
            start, count = self._windows.get(key, (window, 0))
            count = count + 1 if start == window else 1
            self._windows[key] = (window, count)
        retry = max(1, math.ceil((window + 1) * self.rate.seconds - now))
        return Verdict(count <= self.rate.count, self.rate.count, max(0, self.rate.count - count), retry)


#: the table (PostgreSQL: created unlogged by migration 0004; SQLite: in its own file)
TABLE_DDL = ("CREATE TABLE IF NOT EXISTS api_rate_window (client TEXT NOT NULL, slot BIGINT NOT NULL, "
             "hits INTEGER NOT NULL, PRIMARY KEY (client, slot))")
_COUNT_SQL = ("INSERT INTO api_rate_window (client, slot, hits) VALUES (:client, :slot, 1) "
              "ON CONFLICT (client, slot) DO UPDATE SET hits = api_rate_window.hits + 1 RETURNING hits")
_SWEEP_SQL = "DELETE FROM api_rate_window WHERE slot < :slot"
_COUNT = text(_COUNT_SQL)
_SWEEP = text(_SWEEP_SQL)


class SharedWindowLimiter:
    """Count requests per key in fixed windows of a database table shared by all processes.

    A window is identified by its start (Unix seconds); rows of ended windows are deleted once
    per window and process. On a database error the in-process ``fallback`` decides."""

    def __init__(self, engine: Engine, rate: Rate) -> None:
        self.engine = engine
        self.rate = rate
        self.fallback = FixedWindowLimiter(rate)
        self._swept = -1
        self._failing = False
        # the counter file of SQLite: each thread counts on a connection of its own in autocommit
        # (each statement a transaction), without the pool and transaction of the engine
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._file = database if database and database != ":memory:" else None
        self._local = threading.local()

    def _count(self, key: str, start: int) -> int:
        if self._file is not None:
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = sqlite3.connect(self._file, timeout=1.0, isolation_level=None)
                _prepare_counter_file(conn, None)
                self._local.conn = conn
            if start != self._swept:
                conn.execute(_SWEEP_SQL, {"slot": start})
                self._swept = start
            return conn.execute(_COUNT_SQL, {"client": key, "slot": start}).fetchall()[0][0]
        # one statement, one transaction: autocommit spares the round trips of BEGIN and COMMIT
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if start != self._swept:
                conn.execute(_SWEEP, {"slot": start})
                self._swept = start
            return conn.execute(_COUNT, {"client": key, "slot": start}).scalar_one()

    def hit(self, key: str, now: float | None = None) -> Verdict:
        now = time.time() if now is None else now
        start = int(now // self.rate.seconds) * self.rate.seconds
        try:
            count = self._count(key, start)
        except (SQLAlchemyError, sqlite3.Error) as exc:
            if not self._failing:
                log.warning("Ratenbegrenzung: gemeinsame Zählung nicht möglich, zähle je Prozess (%s)", exc)
                self._failing = True
            return self.fallback.hit(key, now)
        self._failing = False
        retry = max(1, math.ceil(start + self.rate.seconds - now))
        return Verdict(count <= self.rate.count, self.rate.count, max(0, self.rate.count - count), retry)


def counter_engine(app: Flask) -> Engine:
    """The engine holding the counters: the catalogue database on PostgreSQL, else a file of its own."""
    engine = app.extensions.get("kb_rate_engine")
    if engine is None:
        from kb.extensions import db

        if db.engine.dialect.name == "postgresql":
            engine = db.engine
        else:
            path = Path(app.config["KB_DATA_DIR"]) / "ratelimit.sqlite3"
            engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 1.0})
            event.listen(engine, "connect", _prepare_counter_file)
        app.extensions["kb_rate_engine"] = engine
    return engine


def _prepare_counter_file(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=OFF")  # counters, not records: a crash may lose a window
    cursor.execute(TABLE_DDL)
    cursor.close()


def _limiter() -> SharedWindowLimiter:
    setting = current_app.config.get("KB_API_RATE_LIMIT") or "300/minute"
    current = current_app.extensions.get("kb_rate_limiter")
    if current is None or current[0] != setting:
        limiter = SharedWindowLimiter(counter_engine(current_app), parse_rate(setting))
        current = current_app.extensions["kb_rate_limiter"] = (setting, limiter)
    return current[1]


def check_request() -> Verdict:
    """Count this request for its client address and return the verdict."""
    return _limiter().hit(request.remote_addr or "-")

"""Whole answers to anonymous visitors, kept in this process until the data generation moves.

A view marked ``@public_cache`` (kb.web.caching) renders an anonymous GET once per data generation
and process; the next anonymous visitor who asks for the same thing gets the stored bytes. "The
same thing" is everything the answer depends on, as for the ETag: the code and settings of this
deployment, the data generation, host, path and query, the language, the day and the visitor's
session — except the session's form token: a stored page keeps a placeholder where the view wrote
the visitor's token, and each visitor gets their own token there (Flask-WTF, as the view would).
Signed-in users never reach this store (``signed_in`` in kb.web.caching). Only plain answers are
kept: status 200, not streamed, no cookie set by the view, nothing queued for after the response,
and no change of the visitor's session other than creating the form token; flash messages pass by.
The before- and after-request handlers (rate limits, headers, request log) run for every answer.

``KB_RESPONSE_CACHE_ENTRIES`` answers at most per process (0: off); each is rendered anew after
``MAX_AGE_SECONDS`` at the latest. The processes of one server share what they rendered through
files (:mod:`kb.web.shared_answers`, ``<KB_DATA_DIR>/answers``; ``KB_RESPONSE_CACHE_SHARED=0``: off).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from kb.services import deferred
from kb.web.shared_answers import SharedAnswers, StoredAnswer

_STORE = "kb_response_cache"
MAX_AGE_SECONDS = 300  # an answer is rendered anew after this long even if nothing changed


def _replay(stored: StoredAnswer) -> Response:
    """The stored answer with this visitor's form token in place of the placeholder."""
    body = stored.body.replace(stored.placeholder, generate_csrf().encode()) if stored.has_token else stored.body
    response = Response(body, status=stored.status)
    response.headers.clear()
    for name, value in stored.headers:
        response.headers.add(name, value)
    response.headers["Content-Length"] = str(len(body))
    if "ETag" in response.headers:  # the view answers conditional requests itself (http_headers.conditional)
        return response.make_conditional(request)
    return response


class ResponseStore:
    """A bounded, thread-safe map from request key to stored answer, in front of the answers the
    server's other processes stored (``shared``)."""

    def __init__(self, size: int, shared: SharedAnswers | None = None) -> None:
        self.size = size
        self.shared = shared
        self.placeholder = f"kb-form-token-{secrets.token_hex(12)}".encode()
        self._entries: OrderedDict[str, StoredAnswer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> StoredAnswer | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and time.time() - hit.stored_at <= MAX_AGE_SECONDS:
                self._entries.move_to_end(key)
                return hit
        found = self.shared.get(key) if self.shared is not None else None
        if found is not None:
            self._keep(key, found)
        return found

    def put(self, key: str, stored: StoredAnswer, share: bool = True) -> None:
        """Keep an answer; with ``share`` also for the server's other processes."""
        self._keep(key, stored)
        if share and self.shared is not None:
            self.shared.put(key, stored)

    def _keep(self, key: str, stored: StoredAnswer) -> None:
        with self._lock:
            self._entries[key] = stored
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
        if self.shared is not None:
            self.shared.clear()


def init_app(app: Flask) -> None:
    app.config.setdefault("KB_RESPONSE_CACHE_ENTRIES", 512)
    app.config.setdefault("KB_RESPONSE_CACHE_SHARED", True)
    size = int(app.config["KB_RESPONSE_CACHE_ENTRIES"])
    shared = None
    if size > 0 and app.config["KB_RESPONSE_CACHE_SHARED"]:
        shared = SharedAnswers(Path(app.config["KB_DATA_DIR"]) / "answers", MAX_AGE_SECONDS, 4 * size)
    app.extensions[_STORE] = ResponseStore(size, shared)


def clear(app: Flask) -> None:
    """Forget every stored answer of this app (tests, benchmarks of the uncached path)."""
    store: ResponseStore | None = app.extensions.get(_STORE)
    if store is not None:
        store.clear()


def answer(generation_token: str, view: Callable, args: tuple, kwargs: dict, share: bool = False) -> Response:
    """The stored answer to this anonymous GET, or the view's (stored when it is a plain one; with
    ``share`` for the server's other processes too – worth a file only under a token that outlives
    the next data change, such as a case page's)."""
    store: ResponseStore | None = current_app.extensions.get(_STORE)
    if store is None or store.size <= 0 or request.method != "GET":
        return view(*args, **kwargs)
    _ = current_user.is_authenticated  # Flask-Login's session bookkeeping, as the view would cause it
    before = _visitor()
    key = _key(generation_token, before)
    hit = store.get(key)
    if hit is not None:
        return _replay(hit)
    response = make_response(view(*args, **kwargs))
    stored = _storable(response, before, store.placeholder)
    if stored is not None:
        store.put(key, stored, share)
    return response


def _visitor() -> str:
    """The visitor's session as it bears on a page: everything but the form token."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return json.dumps({k: v for k, v in session.items() if k != field}, sort_keys=True, default=str)


def _key(generation_token: str, visitor: str) -> str:
    parts = (current_app.extensions["kb_build_id"], generation_token, request.host_url, request.full_path,
             str(get_locale() or ""), visitor, datetime.now(UTC).date().isoformat())
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=20).hexdigest()


def _storable(response: Response, visitor_before: str, placeholder: bytes) -> StoredAnswer | None:
    if (response.status_code != 200 or response.is_streamed or response.direct_passthrough
            or "Set-Cookie" in response.headers
            or deferred.pending() or "_flashes" in session or _visitor() != visitor_before):
        return None
    body = response.get_data()
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = g.get(field)
    has_token = bool(token) and token.encode() in body
    if has_token:
        body = body.replace(token.encode(), placeholder)
    headers = tuple((k, v) for k, v in response.headers.items() if k.lower() != "content-length")
    return StoredAnswer(response.status_code, headers, body, has_token, placeholder)

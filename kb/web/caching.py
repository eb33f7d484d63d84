"""HTTP caching: validators for anonymous visitors keyed on the data generation, no-store when signed in.

* A view marked ``@public_cache`` gives anonymous GET/HEAD requests an ``ETag`` made of everything
  the answer depends on: the data generation (:mod:`kb.services.generation`), path and query, the
  language, the visitor's session (language choice, form token, flash messages …), the code and
  settings of this deployment and the day. ``If-None-Match`` with that tag gets ``304 Not
  Modified`` before the view does any work. ``Last-Modified`` is the time of the last data change.
* ``Cache-Control`` of such an answer: ``public, max-age=0, s-maxage=N`` when it neither depends on
  nor sets a cookie — browsers revalidate every time, a reverse proxy may keep it ``N`` seconds
  (``KB_PROXY_CACHE_SECONDS``) and then revalidates; ``private, no-cache`` when it belongs to a
  visitor's session — only that browser keeps it, and asks again each time.
* Signed-in users (a session with a user, or a remember-me cookie) and requests with an
  ``Authorization`` header are never answered from a cache and get no tag; their responses carry
  ``Cache-Control: no-store`` (the security rule in ``kb.security``, which has the last word).
* The app itself keeps whole anonymous answers per data generation (:mod:`kb.web.response_cache`).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale

from kb.extensions import db
from kb.services import generation
from kb.web import response_cache

VARY = ("Cookie", "Accept-Language")
_SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN")


def init_app(app: Flask) -> None:
    """Fingerprint this deployment and add the cache headers to every response."""
    app.config.setdefault("KB_PROXY_CACHE_SECONDS", 10)  # config.py reads it from the environment
    app.extensions["kb_build_id"] = build_id(app)
    app.after_request(add_cache_headers)
    response_cache.init_app(app)


def build_id(app: Flask) -> str:
    """A fingerprint of the code, templates, translations, static files and ``KB_*`` settings."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(_files_fingerprint(app.root_path, app.template_folder or "", app.static_folder or ""))
    settings = {k: repr(v) for k, v in app.config.items()
                if k.startswith("KB_") and not any(word in k for word in _SECRET_WORDS)}
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


@functools.cache
def _files_fingerprint(root_path: str, *folders: str) -> bytes:
    """Names, sizes and times of the files under the package, template and static folders – read
    once per process (a deployment changes its files with a restart; each test builds an app)."""
    digest = hashlib.blake2b(digest_size=12)
    for folder in (root_path, *folders):
        root = Path(root_path, folder)
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix != ".pyc":
                stat = path.stat()
                digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.digest()


def signed_in() -> bool:
    """True for a request that may belong to a signed-in user (checked without loading the user)."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" in session or remember in request.cookies or "Authorization" in request.headers


def public_cache(view: Callable | None = None, *, stored_by: Callable[..., str] | None = None,
                 shared: bool = True) -> Callable:
    """Answer an anonymous GET with ``304`` when the visitor's copy is current; tag the answer.

    The app keeps the answer until the data generation moves, or – with ``stored_by`` – until the
    token ``stored_by(**view_args)`` changes: a narrower one for a page that shows less than all the
    data (a case page: ``generation.case_page_token``; a listing: :func:`listings_token`). The ``ETag``
    always follows the generation. An answer stored under such a token is written for the server's
    other processes too, unless ``shared`` is off (a token that moves too often to be worth a file).
    """
    if view is None:
        return functools.partial(public_cache, stored_by=stored_by, shared=shared)

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if request.method in ("GET", "HEAD") and not signed_in():
            stored_under = stored_by(**kwargs) if stored_by else None  # may read the generation with it
            tag = generation_tag()
            g.kb_cache_tag = tag
            if request.if_none_match.contains_weak(tag):
                return Response(status=304)
            if stored_under:
                return response_cache.answer(stored_under, view, args, kwargs, share=shared)
            return response_cache.answer(generation.current(db.session).token, view, args, kwargs)
        return view(*args, **kwargs)

    return wrapped


def listings_token() -> str:
    """The token a listing (search answers, the start page) is stored under: it stays while members
    change only what listings do not show of their adoptions (``Generation.token_listings``)."""
    return generation.current(db.session).token_listings


def generation_tag() -> str:
    """The tag of what an anonymous visitor gets for this request at the current data generation."""
    visitor = json.dumps(dict(session), sort_keys=True, default=str) if session else ""
    parts = (
        current_app.extensions["kb_build_id"],
        generation.current(db.session).token,
        request.full_path,
        str(get_locale() or ""),
        visitor,
        datetime.now(UTC).date().isoformat(),
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def add_cache_headers(response: Response) -> Response:
    """Validators and Cache-Control for the tagged answers to anonymous visitors."""
    tag = g.get("kb_cache_tag")
    if tag is None or response.status_code not in (200, 304):
        return response
    if "ETag" not in response.headers:
        response.set_etag(tag, weak=True)
        response.last_modified = _last_modified()
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = _cache_control(response)
    vary = {v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()}
    response.headers["Vary"] = ", ".join(sorted(vary | set(VARY)))
    return response


def _last_modified() -> datetime:
    """The last data change, or midnight if later: pages may change with the date (staleness)."""
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(generation.current(db.session).changed_at, midnight)


def _cache_control(response: Response) -> str:
    cookie = current_app.config.get("SESSION_COOKIE_NAME", "session")
    private = session.modified or cookie in request.cookies or "Set-Cookie" in response.headers
    if private:
        return "private, no-cache"
    return f"public, max-age=0, s-maxage={int(current_app.config['KB_PROXY_CACHE_SECONDS'])}"

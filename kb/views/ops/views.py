"""``/healthz``: 200 with JSON if database and search index answer, else 503."""

from __future__ import annotations

from flask import jsonify

from kb.extensions import db
from kb.services import health
from kb.views.ops.blueprint import bp


@bp.get("/healthz")
def healthz():
    """Database reachable and migrated, search index readable (no secrets, no personal data)."""
    result = health.check(db.session)
    response = jsonify(result.as_dict())
    response.status_code = 200 if result.ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response

"""Serve the OpenAPI description (kb/api/openapi.yaml, see kb/openapi_spec.py)."""

from __future__ import annotations

from flask import jsonify

from kb.api.blueprint import bp
from kb.extensions import db
from kb.openapi_spec import build_spec
from kb.services.links import base_url


@bp.get("/openapi.json")
def openapi():
    """Describe every API route (OpenAPI 3.1)."""
    return jsonify(build_spec(db.session, base_url()))

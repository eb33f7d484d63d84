"""Serve the OpenAPI description (kb/web/openapi.yaml, see kb/web/openapi.py)."""

from __future__ import annotations

from flask import jsonify

from kb.extensions import db
from kb.services.links import base_url
from kb.views.api.blueprint import bp
from kb.web.openapi import build_spec


@bp.get("/openapi.json")
def openapi():
    """Describe every API route (OpenAPI 3.1)."""
    return jsonify(build_spec(db.session, base_url()))

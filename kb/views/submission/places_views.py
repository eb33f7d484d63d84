"""Municipality type-ahead (JSON)."""

from __future__ import annotations

from flask import jsonify, request

from kb.services.registry import typeahead as places
from kb.views.submission.blueprint import bp


@bp.get("/municipalities/suggest")
def suggest_places():
    """Registry entries starting with ``q`` for the type-ahead (public; registry data only)."""
    found = places.suggest(request.args.get("q", ""), limit=10)
    response = jsonify({"results": [
        {"key": s.key, "name": s.name, "value": s.value, "label": s.label} for s in found]})
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response

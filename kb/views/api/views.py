"""Read routes of the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import jsonify
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from kb.extensions import csrf, db
from kb.services.catalog import feeds as opendata
from kb.services.catalog import listing as catalog
from kb.services.catalog import place_profile, recommendations
from kb.services.catalog.search import canonical_query, search_summaries
from kb.services.interchange import changes
from kb.services.interchange.harvest import status as harvest_status
from kb.views.api import serializers
from kb.views.api.blueprint import bp
from kb.web.caching import listings_token, public_cache
from kb.web.errors import error_response
from kb.web.http_headers import conditional
from kb.web.query_params import ParamError, datetime_arg, filters_from_args, int_arg, search_query_from_args

csrf.exempt(bp)
MAX_PER_PAGE = 100
MAX_CHANGES_PER_PAGE = 1000
MAX_PAGE = 100_000


@bp.errorhandler(ParamError)
def bad_parameter(exc: ParamError):
    return error_response(400, str(exc), code="invalid_parameter")


@bp.errorhandler(catalog.FilterError)
def bad_filter(exc: catalog.FilterError):
    message = _("Unbekannter Filterwert %(name)s = „%(value)s“.", name=exc.name, value=exc.value)
    return error_response(400, message, code="invalid_filter")


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    return error_response(exc.code or 500)


@bp.get("/cases")
@public_cache
def list_cases():
    """Published cases, newest first, with filters and paging; with ``updated_since`` the changed ones, oldest first."""
    page = int_arg("page", 1, 1, MAX_PAGE)
    per_page = int_arg("per_page", 10, 1, MAX_PER_PAGE)
    since = datetime_arg("updated_since")
    if since is not None:
        changed = changes.published_since(db.session, since, filters_from_args(), page, per_page)
        results = [{**serializers.case_summary(case), "updated": stamp.isoformat()} for case, stamp in changed.items]
        total = changed.total
    else:
        listed = catalog.list_published(db.session, filters_from_args(), page, per_page)
        results, total = [serializers.case_summary(c) for c in listed.items], listed.total
    return jsonify({"total": total, "page": page, "per_page": per_page, "results": results})


@bp.get("/changes")
def list_changes():
    """Every change other catalogues need, oldest first: published cases and tombstones of removed ones."""
    page = int_arg("page", 1, 1, MAX_PAGE)
    per_page = int_arg("per_page", 100, 1, MAX_CHANGES_PER_PAGE)
    since = datetime_arg("since") or datetime.min.replace(tzinfo=UTC)
    found = changes.changes_since(db.session, since, page, per_page)
    return jsonify({
        "since": since.isoformat() if since.year > 1 else None,
        "total": found.total,
        "page": page,
        "per_page": per_page,
        "results": [serializers.change_json(change) for change in found.items],
    })


@bp.get("/cases/<slug>")
@public_cache
def get_case(slug: str):
    """One published case with all fields and its adopters."""
    case = catalog.get_published(db.session, slug)
    if case is None:
        return error_response(404, _("Kein veröffentlichter Fall mit dem Kurznamen „%(slug)s“.", slug=slug))
    data = serializers.case_detail(case)
    data["source"] = serializers.source_json(harvest_status.source_of(db.session, case))
    return conditional(jsonify(data), opendata.last_change(case))


@bp.get("/municipalities/<key>")
@public_cache
def get_municipality(key: str):
    """A municipality (AGS) or Kreis (5-digit key) with the cases it runs and adopted."""
    profile = place_profile.profile(db.session, key) if key.isdigit() and len(key) in (5, 8) else None
    if profile is None:
        return error_response(404, _("Kein Eintrag im Gemeindeverzeichnis mit dem Schlüssel „%(key)s“.", key=key))
    data = serializers.profile_json(profile)
    if profile.municipality is not None:
        recs = recommendations.recommend(db.session, profile.municipality)
        data["recommendations"] = [serializers.recommendation_json(r) for r in recs]
    return jsonify(data)


@bp.get("/search")
@public_cache(stored_by=listings_token, shared=False)
def search():
    """Ranked search with facets, highlights and a spelling suggestion."""
    query = canonical_query(db.session, search_query_from_args(10, MAX_PER_PAGE))
    found = search_summaries(db.session, query)
    return jsonify({
        "query": query.text,
        "total": found.result.total,
        "page": query.page,
        "per_page": query.per_page,
        "results": [serializers.search_hit(hit) for hit in found.hits],
        "facets": found.result.facets,
        "suggestion": found.result.suggestion,
        "corrected": found.result.corrected,
        "strong_total": found.result.strong_total,
        "unmatched": found.result.unmatched,
        "related": found.result.related,
        "place_filters": found.result.place_filters,
        "applied_places": [place.as_json() | {"from_text": False} for place in found.places.given]
        + [place.as_json() | {"from_text": True} for place in found.places.from_text],
        "suggested_places": [place.as_json() for place in found.places.suggested],
    })
